"""APIM service settings (pure)."""

from __future__ import annotations

from meshward.azure import apim_settings


def test_http2_uses_the_gateway_protocols_key_outside_security() -> None:
    # ARM `customProperties` reference (pulumi-azure-native 3.29
    # `apimanagement/api_management_service.py`, `custom_properties` docstring): HTTP/2 is
    # `Microsoft.WindowsAzure.ApiManagement.Gateway.Protocols.Server.Http2`; a key under
    # `...Gateway.Security.Protocols` is not a recognised setting, so HTTP/2 would stay off.
    props = apim_settings.SECURITY_PROPERTIES
    assert props["Microsoft.WindowsAzure.ApiManagement.Gateway.Protocols.Server.Http2"] == "True"
    assert not any(k.endswith("Security.Protocols.Server.Http2") for k in props)


def test_every_hardening_key_is_disabled_and_under_a_known_prefix() -> None:
    known = (
        "Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.",
        "Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.",
        "Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Ciphers.",
    )
    hardening = {
        k: v
        for k, v in apim_settings.SECURITY_PROPERTIES.items()
        if k != apim_settings.HTTP2_PROPERTY
    }
    assert all(k.startswith(known) for k in hardening)
    assert set(hardening.values()) == {"False"}
