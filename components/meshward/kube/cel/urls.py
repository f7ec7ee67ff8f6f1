"""Go's `net/url.ParseRequestURI`, which the Kubernetes CEL `url()`/`isURL()` functions use.

Written from the behaviour of Go's parser (scheme split, `?` split, rootless paths as opaque,
authority with userinfo, bracketed IPv6 hosts, port digits, percent-escapes, host characters);
the error texts are Go's.
"""

from __future__ import annotations

import re

from meshward.kube.cel.values import URL

_HEX = "0123456789abcdefABCDEF"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_BAD_HOST_CHAR = re.compile(r"[^A-Za-z0-9!$&'()*+,;=:\[\]<>\"\-_.~%\x80-\U0010ffff]")
_HOST_SAFE = set("!$&'()*+,;=:[]<>\"-_.~")
_USERINFO_SAFE = set("-._:~!$&'()*+,;=%@")


class URLError(ValueError):
    """What Go's parser reports, e.g. `invalid URI for request`."""


def parse_request_uri(raw: str) -> URL:
    """Parse like `url.ParseRequestURI(raw)`; raises URLError with Go's message."""
    if _CONTROL.search(raw):
        raise URLError("net/url: invalid control character in URL")
    if raw == "":
        raise URLError("empty url")
    if raw == "*":
        return URL("", "", "*", "", "", "")
    scheme, rest = _split_scheme(raw)
    scheme = scheme.lower()
    raw_query = ""
    if rest.endswith("?") and rest.count("?") == 1:
        rest = rest[:-1]
    elif "?" in rest:
        rest, raw_query = rest.split("?", 1)
    if not rest.startswith("/"):
        if scheme:
            return URL(scheme, "", "", "", raw_query, rest)
        raise URLError("invalid URI for request")
    host = ""
    if scheme and rest.startswith("//"):
        authority, slash, tail = rest[2:].partition("/")
        rest = slash + tail
        host = _authority(authority)
    path = _unescape(rest, host_mode=False)
    return URL(scheme, host, path, rest if path != rest else "", raw_query, "")


def _split_scheme(raw: str) -> tuple[str, str]:
    match = _SCHEME.match(raw)
    if match:
        return match.group(1), raw[match.end() :]
    if raw.startswith(":"):
        raise URLError("missing protocol scheme")
    return "", raw


def _authority(authority: str) -> str:
    userinfo, at, hostport = authority.rpartition("@")
    host = _host(hostport if at else authority)
    if at:
        if any(not (c.isascii() and c.isalnum()) and c not in _USERINFO_SAFE for c in userinfo):
            raise URLError("net/url: invalid userinfo")
        _unescape(userinfo, host_mode=False)
    return host


def _host(host: str) -> str:
    if host.startswith("["):
        end = host.rfind("]")
        if end < 0:
            raise URLError("missing ']' in host")
        _check_port(host[end + 1 :])
    elif ":" in host:
        _check_port(host[host.rfind(":") :])
    return _unescape(host, host_mode=True)


def _check_port(colon_port: str) -> None:
    if colon_port and not (colon_port[0] == ":" and all(c.isdigit() for c in colon_port[1:])):
        raise URLError(f'invalid port "{colon_port}" after host')


def _unescape(text: str, *, host_mode: bool) -> str:
    if "%" not in text:
        if host_mode:
            bad = _BAD_HOST_CHAR.search(text)
            if bad:
                raise URLError(f'invalid character "{bad.group()}" in host name')
        return text
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c == "%":
            escape = text[i : i + 3]
            if len(escape) < 3 or escape[1] not in _HEX or escape[2] not in _HEX:
                raise URLError(f'invalid URL escape "{escape}"')
            value = int(escape[1:], 16)
            # In a host only non-ASCII bytes may be escaped (and %25 before an IPv6 zone).
            if host_mode and value < 0x80 and escape != "%25":
                raise URLError(f'invalid URL escape "{escape}"')
            out.append(value)
            i += 3
            continue
        if host_mode and c.isascii() and not c.isalnum() and c not in _HOST_SAFE:
            raise URLError(f'invalid character "{c}" in host name')
        out += c.encode()
        i += 1
    return out.decode("utf-8", "replace")


def split_host_port(host: str) -> tuple[str, str]:
    """Go's URL.Hostname() and URL.Port(): brackets stripped, port without the colon."""
    name, port = host, ""
    colon = host.rfind(":")
    if colon >= 0 and all(c.isdigit() for c in host[colon + 1 :]):
        name, port = host[:colon], host[colon + 1 :]
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    return name, port
