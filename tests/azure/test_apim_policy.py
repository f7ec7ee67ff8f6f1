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


def _limits_in_order(xml: str) -> list[str]:
    tags = ("rate-limit-by-key", "quota-by-key", "choose")
    return [el.tag for el in ET.fromstring(xml).find("inbound") or [] if el.tag in tags]


def test_client_ip_limits_run_before_token_checks_and_subject_limits_after() -> None:
    from meshward.config.edge import ApimRateLimit

    limits = [
        ApimRateLimit(name="per-subject", key="jwtSubject", calls=6),
        ApimRateLimit(name="ip", key="clientIp", calls=5),
        ApimRateLimit(name="daily", kind="quota", key="jwtSubject", calls=9, period_seconds=3600),
    ]
    xml = jwt_policy_xml([ENTRA], rate_limits=limits)
    assert _limits_in_order(xml) == [
        "rate-limit-by-key",
        "choose",
        "rate-limit-by-key",
        "quota-by-key",
    ]
    from meshward.azure.apim_policy import policy_rate_limits

    assert policy_rate_limits(xml) == [
        ("rate-limit-by-key", "5", "60"),
        ("rate-limit-by-key", "6", "60"),
        ("quota-by-key", "9", "3600"),
    ]


def test_counter_keys_are_named_and_use_the_subject_or_the_forwarded_client_ip() -> None:
    from meshward.config.edge import ApimRateLimit

    xml = jwt_policy_xml(
        [ENTRA],
        rate_limits=[
            ApimRateLimit(name="ip", key="clientIp", calls=5),
            ApimRateLimit(name="sub", key="jwtSubject", calls=5),
        ],
    )
    root = ET.fromstring(xml)
    ip_key, sub_key = (el.attrib["counter-key"] for el in root.iter("rate-limit-by-key"))
    assert ip_key.startswith('@("ip:" + ') and "client-ip" in ip_key
    assert sub_key.startswith('@("sub:" + ') and '"jwt")?.Subject' in sub_key
    (variable,) = root.iter("set-variable")
    # Behind Application Gateway only the last X-Forwarded-For hop is the real client.
    assert "X-Forwarded-For" in variable.attrib["value"]
    assert "hops[hops.Length - 1]" in variable.attrib["value"]


def test_no_limits_means_no_client_ip_variable() -> None:
    root = ET.fromstring(jwt_policy_xml([ENTRA]))
    assert list(root.iter("set-variable")) == []
    assert list(root.iter("rate-limit-by-key")) == []
