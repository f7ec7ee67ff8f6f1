"""String, path and identity matchers, with the exact semantics Envoy gets from istiod.

Every builder turns one policy value into a predicate on one request attribute. A value istiod
could not translate raises `UntranslatableError`; the rule compiler decides what that means for the
rule (SEMANTICS §4.8).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable
from functools import lru_cache

from meshward.mesh.simulation.settings import LOCAL_TRUST_DOMAIN, MeshSettings, PathNormalization

StrPredicate = Callable[[str], bool]

SPIFFE = "spiffe://"


class UntranslatableError(ValueError):
    """A policy value that passed validation (or bypassed it) but cannot become Envoy config."""


def string_form(pattern: str, *, ignore_case: bool = False) -> StrPredicate:
    """Istio's four string forms: `*` presence, `*abc` suffix, `abc*` prefix, else exact.

    Only a leading or trailing `*` is special (a leading one wins: `*a*` is suffix `a*`); any other
    `*` is a literal character (SEMANTICS §4.3).
    """
    if ignore_case:
        inner = string_form(pattern.lower())
        return lambda value: inner(value.lower())
    if pattern == "*":
        return lambda value: value != ""
    if pattern.startswith("*"):
        suffix = pattern[1:]
        return lambda value: value.endswith(suffix)
    if pattern.endswith("*"):
        prefix = pattern[:-1]
        return lambda value: value.startswith(prefix)
    return lambda value: value == pattern


def any_of(predicates: Iterable[StrPredicate]) -> StrPredicate:
    """One predicate that holds when any of `predicates` holds."""
    checks = tuple(predicates)
    if len(checks) == 1:
        return checks[0]

    def match(value: str) -> bool:
        for check in checks:  # noqa: SIM110 - a loop: no generator per request
            if check(value):
                return True
        return False

    return match


def string_forms(patterns: Iterable[str], *, ignore_case: bool = False) -> StrPredicate:
    """`any_of(string_form(p) for p in patterns)` as one test: the exact values in a set, the
    prefixes and suffixes in tuples (`str.startswith` takes several), `*` as presence."""
    exact: set[str] = set()
    prefixes: list[str] = []
    suffixes: list[str] = []
    presence = False
    for pattern in patterns:
        if ignore_case:
            pattern = pattern.lower()
        if pattern == "*":
            presence = True
        elif pattern.startswith("*"):
            suffixes.append(pattern[1:])
        elif pattern.endswith("*"):
            prefixes.append(pattern[:-1])
        else:
            exact.add(pattern)
    values, starts, ends = frozenset(exact), tuple(prefixes), tuple(suffixes)
    if not (presence or starts or ends or ignore_case):
        return values.__contains__

    def match(value: str) -> bool:
        if ignore_case:
            value = value.lower()
        return (
            (presence and value != "")
            or value in values
            or value.startswith(starts)
            or value.endswith(ends)
        )

    return match


# --- paths ---------------------------------------------------------------------------------

# RFC 3986 unreserved characters: BASE normalization decodes their %HH forms (Istio's
# normalization reference), so `/%61dmin` is `/admin` and `%2E%2E` is `..`.
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")
_ENCODED_SLASHES = re.compile(r"%(2[Ff]|5[Cc])")
_SLASHES = re.compile(r"/{2,}")


def _decode_unreserved(match: re.Match[str]) -> str:
    char = chr(int(match.group(1), 16))
    return char if char in _UNRESERVED else "%" + match.group(1).upper()


def _remove_dot_segments(path: str) -> str:
    # RFC 3986 §5.2.4 for an absolute path; a trailing `.`/`..` leaves a trailing slash.
    if not path.startswith("/"):
        return path
    out: list[str] = []
    segments = path[1:].split("/")
    last = len(segments) - 1
    for i, segment in enumerate(segments):
        if segment in (".", ".."):
            if segment == ".." and out:
                out.pop()
            if i == last:
                out.append("")
        else:
            out.append(segment)
    return "/" + "/".join(out)


@lru_cache(maxsize=8192)
def normalize_path(raw: str, mode: PathNormalization) -> str:
    """The path authorization sees: query and fragment removed, then normalized per `mode`.

    BASE (Istio's default) decodes percent-encoded unreserved characters, turns `\\` into `/`
    and resolves `.`/`..`, but keeps `//` and `%2F`; MERGE_SLASHES also merges slashes;
    DECODE_AND_MERGE_SLASHES first decodes `%2F`/`%5C`.
    """
    path = raw.split("?", 1)[0].split("#", 1)[0]
    if mode == "NONE":
        return path
    if mode == "DECODE_AND_MERGE_SLASHES":
        path = _ENCODED_SLASHES.sub(lambda m: "/" if m.group(1) in ("2F", "2f") else "\\", path)
    path = _PERCENT.sub(_decode_unreserved, path).replace("\\", "/")
    path = _remove_dot_segments(path)
    if mode in ("MERGE_SLASHES", "DECODE_AND_MERGE_SLASHES"):
        path = _SLASHES.sub("/", path)
    return path


_PCHAR = r"A-Za-z0-9\-._~%!$&'()+,;:@="
_LITERAL_SEGMENT = re.compile(f"[{_PCHAR}]*")


def path_form(pattern: str) -> StrPredicate:
    """A `paths` value: Envoy's URI template when it uses `{*}`/`{**}`, else a string form."""
    if "{" not in pattern and "}" not in pattern:
        return string_form(pattern)
    parts: list[str] = []
    seen_double = False
    for segment in pattern.split("/"):
        if seen_double and segment in ("{*}", "{**}"):
            raise UntranslatableError(
                f"path template {pattern!r}: {{**}} must be the last operator"
            )
        if segment == "{*}":
            parts.append(f"[{_PCHAR}]+")
        elif segment == "{**}":
            seen_double = True
            parts.append(f"[{_PCHAR}/]*")
        elif _LITERAL_SEGMENT.fullmatch(segment):
            parts.append(re.escape(segment))
        else:
            raise UntranslatableError(
                f"path template {pattern!r}: segment {segment!r} is not valid"
            )
    regex = re.compile("/".join(parts))
    return lambda value: regex.fullmatch(value) is not None


def path_forms(patterns: Iterable[str]) -> StrPredicate:
    """`any_of(path_form(p) for p in patterns)` as one test: the plain string forms through
    `string_forms`, then each URI template (an invalid one raises as `path_form` does)."""
    values = list(patterns)
    templates = [path_form(p) for p in values if "{" in p or "}" in p]
    plain = string_forms(p for p in values if "{" not in p and "}" not in p)
    if not templates:
        return plain
    either = any_of(templates)
    return lambda value: plain(value) or either(value)


# --- peer identity -------------------------------------------------------------------------


def alias_principals(values: Iterable[str], settings: MeshSettings) -> list[str]:
    """Rewrite principals naming the local trust domain to the mesh trust domain and aliases.

    Only `<td>/ns/<ns>/sa/<sa>` (exactly five parts) with `td` = `cluster.local`, the mesh
    trust domain or an alias is rewritten; anything else is kept as written (SEMANTICS §4.3).
    """
    local = settings.local_trust_domains
    out: list[str] = []
    for value in values:
        parts = value.split("/")
        if (
            len(parts) == 5
            and parts[0] != "*"
            and (parts[0] in local or parts[0] == LOCAL_TRUST_DOMAIN)
        ):
            rest = "/".join(parts[1:])
            out.extend(f"{domain}/{rest}" for domain in local)
        else:
            out.append(value)
    return list(dict.fromkeys(out))


def alias_trust_domains(values: Iterable[str], settings: MeshSettings) -> list[str]:
    """Expand `trustDomains`/`source.trustDomain` values naming the mesh trust domain or an
    alias to the whole list [trust domain, aliases...]. Unlike principals there is no
    `cluster.local` special case: it means the literal domain unless it is local (§4.3)."""
    local = settings.local_trust_domains
    out: list[str] = []
    for value in values:
        out.extend(local if value in local else (value,))
    return list(dict.fromkeys(out))


def header_form(pattern: str) -> StrPredicate:
    """A `request.headers[...]` value: istiod emits Envoy's `present_match` for `*`, so a header
    sent with an empty value matches it (§4.3); other forms are string forms."""
    if pattern == "*":
        return lambda value: True
    return string_form(pattern)


def principal_form(pattern: str) -> StrPredicate:
    """A `principals` value against the peer's SPIFFE URI: istiod adds `spiffe://` itself,
    so a value already carrying it can never match."""
    if pattern == "*" or pattern.startswith("*"):
        return string_form(pattern)
    return string_form(SPIFFE + pattern)


def _wildcard_regex(text: str) -> str:
    return ".*".join(re.escape(piece) for piece in text.split("*"))


def namespace_form(pattern: str) -> StrPredicate:
    """A `namespaces` value: regex `.*/ns/<ns>/.*` on the peer URI, every `*` a wildcard."""
    regex = re.compile(f".*/ns/{_wildcard_regex(pattern)}/.*")
    return lambda value: regex.fullmatch(value) is not None


def service_account_form(pattern: str, policy_namespace: str) -> StrPredicate:
    """A `serviceAccounts` value: `sa` (in the policy's namespace) or `ns/sa`, any trust domain."""
    namespace, _, account = pattern.rpartition("/")
    regex = re.compile(
        f"spiffe://[^/]+/ns/{re.escape(namespace or policy_namespace)}/sa/{re.escape(account)}"
    )
    return lambda value: regex.fullmatch(value) is not None


def trust_domain_of(peer: str) -> str:
    """The trust domain of a `spiffe://td/...` peer URI."""
    return peer[len(SPIFFE) :].split("/", 1)[0]


def trust_domain_form(pattern: str) -> StrPredicate:
    """A `trustDomains` value, wildcards allowed at either end."""
    inner = string_form(pattern)
    return lambda peer: inner(trust_domain_of(peer))


# --- addresses and ports -------------------------------------------------------------------

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def ip_block(value: str) -> IpNetwork:
    """An `ipBlocks` entry: an address or CIDR (host bits allowed, as Go's netip allows)."""
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        raise UntranslatableError(f"{value!r} is not an IP address or CIDR") from None


def port_number(value: str | int) -> int:
    """A `ports` entry: a plain decimal 0-65535."""
    text = str(value)
    if not text.isdecimal() or int(text) > 65535:
        raise UntranslatableError(f"{text!r} is not a port number")
    return int(text)
