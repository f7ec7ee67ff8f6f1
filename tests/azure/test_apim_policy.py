"""The APIM edge policy comes from the same JwtIssuers as the mesh (no Pulumi)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from meshward.azure.apim_policy import jwt_policy_xml, policy_issuers, select_issuers
from meshward.config.jwt import JwtIssuer, TokenHeader

ENTRA = JwtIssuer(
    name="entra",
    issuer="https://login.microsoftonline.com/t/v2.0",
    jwks_uri="https://login.microsoftonline.com/t/discovery/v2.0/keys",
    audiences=["api://app"],
    entra_tenant_id="t",
)
OTHER = JwtIssuer(
    name="partner",
    issuer='https://idp.example/"quoted"',
    jwks_uri="https://idp.example/jwks",
    from_headers=[TokenHeader(name="X-Token", prefix="Token ")],
)


def test_policy_accepts_exactly_the_configured_issuers() -> None:
    assert policy_issuers(jwt_policy_xml([ENTRA, OTHER])) == [ENTRA.issuer, OTHER.issuer]


def test_entra_issuers_use_validate_azure_ad_token_with_their_audiences() -> None:
    root = ET.fromstring(jwt_policy_xml([ENTRA]))
    (element,) = root.iter("validate-azure-ad-token")
    assert element.attrib["tenant-id"] == "t"
    assert [a.text for a in element.iter("audience")] == ["api://app"]


def test_other_issuers_use_validate_jwt_pinned_to_the_issuer() -> None:
    root = ET.fromstring(jwt_policy_xml([OTHER]))
    (element,) = root.iter("validate-jwt")
    assert [i.text for i in element.iter("issuer")] == [OTHER.issuer]
    assert "X-Token" in element.attrib["token-value"]
    assert element.attrib["require-signed-tokens"] == "true"


def test_without_issuers_every_request_is_refused() -> None:
    root = ET.fromstring(jwt_policy_xml([]))
    assert list(root.iter("when")) == []
    (status,) = root.iter("set-status")
    assert status.attrib["code"] == "401"


def test_apim_may_validate_a_subset_of_issuers_by_name() -> None:
    assert select_issuers([ENTRA, OTHER], ["partner"]) == [OTHER]
    assert select_issuers([ENTRA, OTHER], None) == [ENTRA, OTHER]
