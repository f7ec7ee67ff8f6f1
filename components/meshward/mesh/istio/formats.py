"""The value syntaxes istiod and the API server check, reimplemented with Go's exact rules.

Each checker returns `None` when the value is accepted and otherwise a short reason. They
follow the Go functions SEMANTICS.md names (net/netip, strconv, time.ParseDuration, net/url),
because accepting exactly what istiod accepts matters more here than Python's own parsers,
which differ at the edges (netmask prefixes, host bits, leading zeros, numeric signs).
"""

from __future__ import annotations

import ipaddress
import json
import re
from fractions import Fraction
from functools import lru_cache
from typing import Any

MAX_PORT = 65535
MAX_SERVICE_ACCOUNTS = 16
MAX_SERVICE_ACCOUNT_LENGTH = 320

#: strconv.ParseBool literals (M3).
GO_BOOLS = frozenset(
    {"1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"}
)

#: RFC 3986 pchar characters Envoy accepts in a literal segment of a path template (A21).
_PATH_LITERAL = re.compile(r"^[a-zA-Z0-9\-._~%!$&'()+,;:@=]+$")
#: Header names istiod accepts for outputClaimToHeaders (R8, C14).
HEADER_NAME = re.compile(r"^[-_A-Za-z0-9]+$")
#: Kubernetes patterns of PolicyTargetReference (C4).
TARGET_KIND = re.compile(r"^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$")
TARGET_GROUP = re.compile(r"^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")

_DURATION_UNITS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,  # U+00B5 micro sign
    "μs": 1_000,  # U+03BC Greek mu
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_DURATION_PART = re.compile(r"([0-9]*)(?:\.([0-9]*))?([^0-9.]*)")
_MAX_DURATION_NS = 2**63 - 1
MILLISECOND_NS = 1_000_000


def parse_go_duration(text: str) -> int:
    """Nanoseconds of a Go duration (`time.ParseDuration`); raises ValueError if Go would."""
    rest = text
    negative = rest[:1] == "-"
    if rest[:1] in {"-", "+"}:
        rest = rest[1:]
    if rest == "0":
        return 0
    if not rest:
        raise ValueError(f"invalid duration {text!r}")
    total = Fraction(0)
    while rest:
        match = _DURATION_PART.match(rest)
        assert match is not None  # the pattern matches the empty string
        whole, fraction, unit = match.groups()
        # Go needs a digit on at least one side of the dot, and a known unit after it.
        if not whole and not fraction:
            raise ValueError(f"invalid duration {text!r}")
        if unit not in _DURATION_UNITS:
            raise ValueError(f"unknown or missing unit in duration {text!r}")
        value = Fraction(int(whole or "0"))
        if fraction:
            value += Fraction(int(fraction), 10 ** len(fraction))
        total += value * _DURATION_UNITS[unit]
        rest = rest[match.end() :]
    nanoseconds = int(total)  # Go truncates sub-nanosecond fractions
    if nanoseconds > _MAX_DURATION_NS + (1 if negative else 0):
        raise ValueError(f"invalid duration {text!r} (overflows int64 nanoseconds)")
    return -nanoseconds if negative else nanoseconds


def ip_or_cidr_problem(value: str) -> str | None:
    """An IP address, or a CIDR prefix when it contains `/` (Go netip.ParseAddr/ParsePrefix)."""
    try:
        if "/" in value:
            address, bits = value.rsplit("/", 1)
            # netip wants a plain decimal prefix length, no netmask and no leading zeros.
            if not re.fullmatch(r"0|[1-9][0-9]{0,2}", bits) or "%" in address:
                raise ValueError(value)
            parsed = ipaddress.ip_address(address)
            if int(bits) > parsed.max_prefixlen:
                raise ValueError(value)
        else:
            ipaddress.ip_address(value)
    except ValueError:
        return f"{value!r} is not an IP address or CIDR prefix"
    return None


def port_problem(value: str) -> str | None:
    """A plain decimal port 0–65535 (strconv.ParseUint: no sign, name, range or wildcard)."""
    if not value.isascii() or not value.isdigit() or int(value) > MAX_PORT:
        return f"{value!r} is not a port number 0-65535 (no names, ranges or wildcards)"
    return None


def service_account_problem(value: str) -> str | None:
    """`sa` or `ns/sa` without wildcards (security.ValidateServiceAccounts)."""
    if not value:
        return "service account must not be empty"
    if "*" in value:
        return f"{value!r}: wildcards are not supported in service accounts"
    parts = value.split("/")
    if len(parts) > 2:
        return f"{value!r} must be 'sa' or 'namespace/sa'"
    if len(parts) == 2 and (not parts[0] or not parts[1]):
        return f"{value!r} must be 'sa' or 'namespace/sa' with both parts non-empty"
    if len(value) > MAX_SERVICE_ACCOUNT_LENGTH:
        return f"service account longer than {MAX_SERVICE_ACCOUNT_LENGTH} characters"
    return None


def wildcard_problem(value: str) -> str | None:
    """At most one `*`, and only as the whole value, first or last character."""
    if not value:
        return "must not be empty"
    count = value.count("*")
    if count > 1 or (count == 1 and value != "*" and value[0] != "*" and value[-1] != "*"):
        return f"{value!r}: '*' is only supported as the whole value or as prefix/suffix"
    return None


def trust_domain_problem(value: str) -> str | None:
    """A bare trust domain: the wildcard rule plus no `/` (no spiffe:// and no identities)."""
    if problem := wildcard_problem(value):
        return problem
    if "/" in value:
        return f"{value!r}: a trust domain must not contain '/' (no spiffe:// or principals)"
    return None


def path_template_problem(path: str) -> str | None:
    """`{*}`/`{**}` template rules (security.CheckValidPathTemplate)."""
    if "{" not in path and "}" not in path:
        return None  # the usual path: every rule below needs a brace to fail
    templated = "{*}" in path or "{**}" in path
    seen_any = False
    for segment in path.strip("/").split("/"):
        if segment == "{*}" and not seen_any:
            continue
        if segment == "{**}" and not seen_any:
            seen_any = True
            continue
        if segment in {"{*}", "{**}"}:
            return f"{path!r}: {{**}} must be the last operator"
        if "{" in segment or "}" in segment:
            return f"{path!r}: '{{' or '}}' may only appear as the operators {{*}} and {{**}}"
        if templated and not _PATH_LITERAL.match(segment):
            return f"{path!r}: segment {segment!r} is not a valid literal in a path template"
    return None


GO_MAX_INT = 2**63 - 1
"""Largest value of Go's `int` on the 64-bit platforms istiod runs on."""


@lru_cache(maxsize=1024)  # pure; every RequestAuthentication of a mesh repeats its issuers' URIs
def jwks_uri_problem(uri: str) -> str | None:
    """An http(s) URL as Go's net/url parses it.

    istiod uses `url.Parse` (R3) and the CRD's CEL `url()` uses `url.ParseRequestURI` (C11);
    with an http(s) scheme both accept the same strings (`https:host` is an opaque URL to
    both), so one check serves both rules.
    """
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in uri):  # ASCII controls
        return f"{uri!r} contains control characters"
    match = re.match(r"^([A-Za-z][A-Za-z0-9+.\-]*):(.*)$", uri, re.DOTALL)
    if not match:
        return f"{uri!r} is not an absolute URL (scheme must be http or https)"
    scheme, rest = match.group(1).lower(), match.group(2)
    if scheme not in {"http", "https"}:
        return f"URL scheme {scheme!r} is not supported (use http or https)"
    if rest.startswith("//"):
        authority = re.split(r"[/?#]", rest[2:], maxsplit=1)[0]
        host = authority.rsplit("@", 1)[-1]
        after_host = host.rsplit("]", 1)[-1] if host.startswith("[") else host
        port = after_host.rsplit(":", 1)[1] if ":" in after_host else ""
        if port and not (port.isascii() and port.isdigit()):
            return f"{uri!r} has a non-numeric port"
        if port and int(port) > GO_MAX_INT:
            # ParseJwksURI converts the port with strconv.Atoi: a value past Go's int fails,
            # although the CRD's url() check passes it.
            return f"{uri!r} has a port that overflows Go's int"
    return None


#: Members each JWK key type must carry to parse (RFC 7518 §6).
_REQUIRED_JWK_MEMBERS = {
    "RSA": ("n", "e"),
    "EC": ("crv", "x", "y"),
    "OKP": ("crv", "x"),
    "oct": ("k",),
}
#: Members that hold private key material (RFC 7518 §6.2.2, §6.3.2; RFC 8037 §2).
_PRIVATE_JWK_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth")


def _jwk_keys(jwks: str) -> list[Any]:
    document = json.loads(jwks)
    if isinstance(document, dict) and "keys" in document:
        keys = document["keys"]
        if not isinstance(keys, list):
            raise ValueError("'keys' must be a list")
        return keys
    return [document]  # a single JWK is accepted as a set of one


def jwks_problem(jwks: str) -> str | None:
    """Inline JWKS parses as a JSON Web Key Set or a single JWK (R4)."""
    try:
        keys = _jwk_keys(jwks)
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        return f"jwks is not a JSON Web Key Set: {exc}"
    for index, key in enumerate(keys):
        if not isinstance(key, dict):
            return f"jwks key {index} is not a JSON object"
        kty = key.get("kty")
        if kty not in _REQUIRED_JWK_MEMBERS:
            return f"jwks key {index} has unsupported or missing 'kty' {kty!r}"
        missing = [m for m in _REQUIRED_JWK_MEMBERS[kty] if not isinstance(key.get(m), str)]
        if missing:
            return f"jwks key {index} ({kty}) lacks {', '.join(missing)}"
    return None


def jwks_private_keys(jwks: str) -> list[int]:
    """Indexes of keys carrying private or symmetric key material (R10); [] if unparsable."""
    try:
        keys = _jwk_keys(jwks)
    except ValueError:
        return []
    return [
        index
        for index, key in enumerate(keys)
        if isinstance(key, dict)
        and (key.get("kty") == "oct" or any(m in key for m in _PRIVATE_JWK_MEMBERS))
    ]
