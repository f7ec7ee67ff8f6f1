"""RequestAuthentication: tokens that are optional, unscoped, fetched unsafely or leaked."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from meshward.guardrails.index import Index
from meshward.guardrails.model import Hit, Severity, Subject, rule
from meshward.guardrails.walk import spec, strings
from meshward.mesh.simulation.scope import as_mapping

SENSITIVE_HEADERS = ("authorization", "proxy-authorization", "cookie", "host", ":authority")
SENSITIVE_PREFIXES = ("x-forwarded-", "x-envoy-", "forwarded", "x-real-ip", "x-request-id")


def jwt_rules(s: Subject) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(`spec.jwtRules[i]`, rule) of a RequestAuthentication."""
    raw = spec(s).get("jwtRules")
    for i, item in enumerate(raw if isinstance(raw, list) else []):
        if isinstance(item, Mapping):
            yield f"spec.jwtRules[{i}]", item


def _requires_token(index: Index, s: Subject) -> bool:
    """Whether an AuthorizationPolicy makes a token matter (requestPrincipals or request.auth)."""
    field = "requestPrincipals" if index.action(s) != "DENY" else "notRequestPrincipals"
    if index.values(s, "from", field):
        return True
    for r in index.rules(s):
        for _, key, _ in r.conditions:
            if key.startswith("request.auth."):
                return True
    return False


@rule(
    "MW130",
    Severity.ERROR,
    title="RequestAuthentication that no policy makes mandatory",
    rationale="A RequestAuthentication rejects invalid tokens but lets requests without a token "
    "through with no identity; requiring one is an AuthorizationPolicy's job "
    "(RequestAuthentication API reference; SEMANTICS §5.1).",
    fix='Add a DENY with `notRequestPrincipals: ["*"]` (or ALLOW rules with '
    "`requestPrincipals`) for the same workloads.",
    beyond="No peer tool checks it (MESH-TOOLING §7).",
    context=True,
)
def optional_token(index: Index) -> Iterator[Hit]:
    for s in index.of_kind("RequestAuthentication"):
        ref = index.ref(s)
        if ref is None or ref.targeted:
            continue
        labels = index.selector(s) or {}
        spaces = [index.root] if s.namespace == index.root else [index.root, s.namespace]
        required = False
        for ns in spaces:
            for ap in index.in_namespace("AuthorizationPolicy", ns):
                ap_labels = index.selector(ap) or {}
                overlaps = all(labels.get(k) == v for k, v in ap_labels.items()) or all(
                    ap_labels.get(k) == v for k, v in labels.items()
                )
                apref = index.ref(ap)
                if (
                    overlaps
                    and apref is not None
                    and not apref.dry_run
                    and _requires_token(index, ap)
                ):
                    required = True
                    break
            if required:
                break
        if not required:
            yield Hit(s, "spec.jwtRules", "requests without a token are let through")


@rule(
    "MW131",
    Severity.ERROR,
    title="JWT rule without audiences",
    rationale="Without `audiences` any token of the issuer is accepted, whatever service it was "
    "minted for (token confusion; RFC 8725 §3.9, OWASP API2:2023).",
    fix="List the audiences this API accepts (`audiences: [api://<app>]`).",
    beyond="No peer tool checks JWT rules.",
)
def no_audiences(index: Index) -> Iterator[Hit]:
    for s in index.of_kind("RequestAuthentication"):
        for at, r in jwt_rules(s):
            if not strings(r, "audiences"):
                yield Hit(s, f"{at}.audiences", f"any token of {r.get('issuer')!r} is accepted")


def _jwks_uri(r: Mapping[str, Any]) -> tuple[str, str] | None:
    for name in ("jwksUri", "jwks_uri"):
        value = r.get(name)
        if isinstance(value, str):
            return name, value
    return None


@rule(
    "MW132",
    Severity.ERROR,
    title="JWKS fetched over plain http",
    rationale="Keys fetched without TLS can be replaced on the way, and forged tokens then "
    "validate (Istio security best practices; RFC 8725 §3.1).",
    fix="Use an `https://` jwksUri.",
    beyond="The CRD accepts http; no peer tool checks the scheme.",
)
def http_jwks(index: Index) -> Iterator[Hit]:
    for s in index.of_kind("RequestAuthentication"):
        for at, r in jwt_rules(s):
            found = _jwks_uri(r)
            if found and found[1].lower().startswith("http://"):
                yield Hit(s, f"{at}.{found[0]}", f"{found[1]!r} is not https")


@rule(
    "MW133",
    Severity.ERROR,
    title="JWKS URI at a private, loopback or link-local address",
    rationale="istiod fetches jwksUri itself: an internal address is server-side request forgery "
    "from the control plane (IST0175 JwksUriFetchUnrestricted; MESH-TOOLING §5.1 item 20).",
    fix="Use the issuer's public JWKS endpoint, or inline `jwks`; set BLOCKED_CIDRS_IN_JWKS_URIS.",
    peers=("istioctl IST0175 (istiod setting only)",),
    beyond="Checks the URI itself; IST0175 only checks that istiod has a block list.",
)
def private_jwks(index: Index) -> Iterator[Hit]:
    for s in index.of_kind("RequestAuthentication"):
        for at, r in jwt_rules(s):
            found = _jwks_uri(r)
            if found and (why := _private_host(found[1])):
                yield Hit(s, f"{at}.{found[0]}", f"{found[1]!r} points at {why}")


def _private_host(uri: str) -> str | None:
    try:
        host = urlsplit(uri).hostname or ""
    except ValueError:
        return None
    if host == "localhost" or host.endswith((".localhost", ".internal", ".local")):
        return f"the internal name {host}"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if address.is_private or address.is_loopback or address.is_link_local:
        return f"the non-public address {host}"
    return None


def _sensitive(header: str) -> bool:
    name = header.lower()
    return name in SENSITIVE_HEADERS or name.startswith(SENSITIVE_PREFIXES)


@rule(
    "MW134",
    Severity.ERROR,
    title="Claims or payload written into a sensitive header",
    rationale="outputClaimToHeaders/outputPayloadToHeader overwrite the named header, so a token "
    "claim can replace Authorization, Host or X-Forwarded-* that the application or the next hop "
    "trusts (MESH-TOOLING §6; ASM AsmRequestAuthnProhibitedOutputHeaders covers the payload only).",
    fix="Write claims to an application-specific header such as `x-jwt-<claim>`.",
    peers=("ASM AsmRequestAuthnProhibitedOutputHeaders (payload only)",),
    beyond="Also covers outputClaimToHeaders and X-Forwarded-Client-Cert.",
)
def sensitive_output_header(index: Index) -> Iterator[Hit]:
    for s in index.of_kind("RequestAuthentication"):
        for at, r in jwt_rules(s):
            payload = r.get("outputPayloadToHeader")
            if isinstance(payload, str) and _sensitive(payload):
                yield Hit(s, f"{at}.outputPayloadToHeader", f"payload overwrites {payload!r}")
            raw = r.get("outputClaimToHeaders")
            for k, item in enumerate(raw if isinstance(raw, list) else []):
                header = as_mapping(item).get("header")
                if isinstance(header, str) and _sensitive(header):
                    yield Hit(
                        s,
                        f"{at}.outputClaimToHeaders[{k}].header",
                        f"claim {as_mapping(item).get('claim')!r} overwrites {header!r}",
                    )


@rule(
    "MW135",
    Severity.WARNING,
    title="Token read from a cookie",
    rationale="A cookie is sent by the browser on cross-site requests, so a cookie-borne JWT "
    "widens CSRF exposure (MESH-TOOLING §6, fromCookies).",
    fix="Read the token from the Authorization header; if cookies are needed, add CSRF defenses "
    "(SameSite=Strict, origin checks).",
)
def token_from_cookie(index: Index) -> Iterator[Hit]:
    for s in index.of_kind("RequestAuthentication"):
        for at, r in jwt_rules(s):
            if strings(r, "fromCookies"):
                yield Hit(s, f"{at}.fromCookies", "token accepted from a cookie")


@rule(
    "MW136",
    Severity.WARNING,
    title="Original token forwarded to the application",
    rationale="`forwardOriginalToken: true` passes the bearer token on, so the application (and "
    "anything it calls) can replay it (RequestAuthentication API reference; SEMANTICS §5.1).",
    fix="Leave forwardOriginalToken false and pass the needed claims with outputClaimToHeaders.",
)
def forward_token(index: Index) -> Iterator[Hit]:
    for s in index.of_kind("RequestAuthentication"):
        for at, r in jwt_rules(s):
            if r.get("forwardOriginalToken") is True:
                yield Hit(s, f"{at}.forwardOriginalToken", "the token reaches the application")
