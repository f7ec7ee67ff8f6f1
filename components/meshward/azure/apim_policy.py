"""APIM's edge authentication policy, generated from the same `JwtIssuer`s that produce the
mesh's RequestAuthentication (pure), so edge and mesh always trust the same issuers."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from meshward.config.edge import ApimRateLimit
from meshward.config.jwt import JwtIssuer

MESH_BACKEND_ID = "mesh-internal-gateway"
"""APIM backend entity of the mesh's internal gateway."""


def select_issuers(issuers: Sequence[JwtIssuer], names: Sequence[str] | None) -> list[JwtIssuer]:
    """The issuers APIM validates: `apim.jwtIssuers` by name, default all of them."""
    if names is None:
        return list(issuers)
    wanted = set(names)
    return [i for i in issuers if i.name in wanted]


def _cs_string(value: str) -> str:
    """A C# string literal for a policy expression."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _token_location(issuer: JwtIssuer) -> tuple[dict[str, str], str]:
    """Attributes telling APIM where the token is, and a C# expression yielding the raw token.

    Mirrors RequestAuthentication: the first configured header (prefix stripped) or query
    parameter, else `Authorization: Bearer`.
    """
    if issuer.from_headers:
        header = issuer.from_headers[0]
        raw = f'context.Request.Headers.GetValueOrDefault({_cs_string(header.name)}, "")'
        if header.prefix:
            expr = f'{raw}.Replace({_cs_string(header.prefix)}, "")'
            return {"token-value": f"@({expr})"}, expr
        return {"header-name": header.name}, raw
    if issuer.from_params:
        param = issuer.from_params[0]
        expr = f'context.Request.Url.Query.GetValueOrDefault({_cs_string(param)}, "")'
        return {"query-parameter-name": param}, expr
    raw = 'context.Request.Headers.GetValueOrDefault("Authorization", "")'
    return {"header-name": "Authorization"}, f'{raw}.Replace("Bearer ", "")'


def openid_config_url(issuer: JwtIssuer) -> str:
    """OIDC discovery document of an issuer (APIM's `validate-jwt` reads the JWKS from it)."""
    return issuer.issuer.rstrip("/") + "/.well-known/openid-configuration"


def _validation(issuer: JwtIssuer, location: dict[str, str]) -> ET.Element:
    common = {
        **location,
        "failed-validation-httpcode": "401",
        "failed-validation-error-message": "Unauthorized",
        "output-token-variable-name": "jwt",
    }
    if issuer.entra_tenant_id:
        element = ET.Element("validate-azure-ad-token", {"tenant-id": issuer.entra_tenant_id})
        element.attrib.update(common)
    else:
        element = ET.Element("validate-jwt", common)
        element.attrib.update({"require-expiration-time": "true", "require-signed-tokens": "true"})
        ET.SubElement(element, "openid-config", {"url": openid_config_url(issuer)})
    if issuer.audiences:
        audiences = ET.SubElement(element, "audiences")
        for audience in issuer.audiences:
            ET.SubElement(audiences, "audience").text = audience
    if not issuer.entra_tenant_id:
        ET.SubElement(ET.SubElement(element, "issuers"), "issuer").text = issuer.issuer
    return element


CLIENT_IP_VARIABLE = "client-ip"
"""Policy variable holding the caller's IP as Application Gateway saw it."""

# APIM sits behind Application Gateway, so `context.Request.IpAddress` is the gateway's address.
# Application Gateway appends the address it saw (as `ip:port`) to `X-Forwarded-For`, after
# whatever the client sent, so only the last entry is trustworthy.
_CLIENT_IP_EXPRESSION = " ".join(
    (
        "@{",
        'var hops = context.Request.Headers.GetValueOrDefault("X-Forwarded-For", "").Split(\',\');',
        "var last = hops[hops.Length - 1].Trim();",
        "if (last.StartsWith(\"[\") && last.IndexOf(']') > 0)"
        " { return last.Substring(1, last.IndexOf(']') - 1); }",
        "if (last.Split(':').Length == 2) { return last.Split(':')[0]; }",
        "return last.Length > 0 ? last : context.Request.IpAddress;",
        "}",
    )
)


def _counter_key(limit: ApimRateLimit) -> str:
    """A C# expression for the counter key: the limit's name keeps counters apart."""
    ip = f"context.Variables.GetValueOrDefault<string>({_cs_string(CLIENT_IP_VARIABLE)})"
    if limit.key == "clientIp":
        return f"@({_cs_string(limit.name + ':')} + {ip})"
    subject = 'context.Variables.GetValueOrDefault<Jwt>("jwt")?.Subject'
    return f"@({_cs_string(limit.name + ':')} + ({subject} ?? {ip}))"


def rate_limit_element(limit: ApimRateLimit) -> ET.Element:
    """`rate-limit-by-key` (429 when exceeded) or `quota-by-key` (403) for one limit."""
    tag = "rate-limit-by-key" if limit.kind == "rate" else "quota-by-key"
    attrs = {
        "calls": str(limit.calls),
        "renewal-period": str(limit.period_seconds),
        "counter-key": _counter_key(limit),
    }
    if limit.kind == "rate":
        attrs["remaining-calls-header-name"] = "RateLimit-Remaining"
    return ET.Element(tag, attrs)


def jwt_policy_xml(
    issuers: Sequence[JwtIssuer],
    backend_id: str = MESH_BACKEND_ID,
    rate_limits: Sequence[ApimRateLimit] = (),
) -> str:
    """The API policy: route by the token's exact `iss` to that issuer's validation
    (`validate-azure-ad-token` for Entra ID, `validate-jwt` otherwise); anything else — no
    token, or an issuer the mesh does not trust — gets 401 before reaching the backend.

    Client-IP limits run before token validation (they also throttle callers without a valid
    token); subject limits run after it, so they count only validated subjects."""
    policies = ET.Element("policies")
    inbound = ET.SubElement(policies, "inbound")
    ET.SubElement(inbound, "base")
    if rate_limits:
        ET.SubElement(
            inbound, "set-variable", {"name": CLIENT_IP_VARIABLE, "value": _CLIENT_IP_EXPRESSION}
        )
    inbound.extend(rate_limit_element(r) for r in rate_limits if r.key == "clientIp")
    choose = ET.SubElement(inbound, "choose")
    for issuer in issuers:
        location, token = _token_location(issuer)
        condition = f"@({token}.AsJwt()?.Issuer == {_cs_string(issuer.issuer)})"
        when = ET.SubElement(choose, "when", {"condition": condition})
        when.append(_validation(issuer, location))
    otherwise = ET.SubElement(choose, "otherwise")
    response = ET.SubElement(otherwise, "return-response")
    ET.SubElement(response, "set-status", {"code": "401", "reason": "Unauthorized"})
    header = ET.SubElement(
        response, "set-header", {"name": "WWW-Authenticate", "exists-action": "override"}
    )
    ET.SubElement(header, "value").text = "Bearer"
    inbound.extend(rate_limit_element(r) for r in rate_limits if r.key == "jwtSubject")
    ET.SubElement(inbound, "set-backend-service", {"backend-id": backend_id})
    for section in ("backend", "outbound", "on-error"):
        ET.SubElement(ET.SubElement(policies, section), "base")
    ET.indent(policies, space="  ")
    return ET.tostring(policies, encoding="unicode")


def policy_issuers(xml: str) -> list[str]:
    """The issuers a generated policy accepts, in order (for reports and tests)."""
    root = ET.fromstring(xml)
    out = []
    for when in root.iter("when"):
        condition = when.attrib["condition"]
        literal = condition.rsplit("== ", 1)[1].removesuffix(")")
        out.append(literal[1:-1].replace('\\"', '"').replace("\\\\", "\\"))
    return out


def policy_rate_limits(xml: str) -> list[tuple[str, str, str]]:
    """`(element, calls, renewal-period)` of every limit in a generated policy, in order."""
    root = ET.fromstring(xml)
    return [
        (el.tag, el.attrib["calls"], el.attrib["renewal-period"])
        for el in root.iter()
        if el.tag in ("rate-limit-by-key", "quota-by-key")
    ]
