"""APIM's edge authentication policy, generated from the same `JwtIssuer`s that produce the
mesh's RequestAuthentication (pure), so edge and mesh always trust the same issuers."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

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


def jwt_policy_xml(issuers: Sequence[JwtIssuer], backend_id: str = MESH_BACKEND_ID) -> str:
    """The API policy: route by the token's exact `iss` to that issuer's validation
    (`validate-azure-ad-token` for Entra ID, `validate-jwt` otherwise); anything else — no
    token, or an issuer the mesh does not trust — gets 401 before reaching the backend."""
    policies = ET.Element("policies")
    inbound = ET.SubElement(policies, "inbound")
    ET.SubElement(inbound, "base")
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
