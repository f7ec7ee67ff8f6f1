"""API Management service settings computed from config (pure)."""

from __future__ import annotations

from typing import Any

from meshward.config.edge import ApimConfig

_GATEWAY = "Microsoft.WindowsAzure.ApiManagement.Gateway.Security"
HTTP2_PROPERTY = "Microsoft.WindowsAzure.ApiManagement.Gateway.Protocols.Server.Http2"
"""Turns on HTTP/2 for clients; unlike the TLS settings it is *not* under `...Gateway.Security`
(`customProperties` reference in the ARM spec, mirrored by pulumi-azure-native's
`apimanagement.ApiManagementService` docstring)."""

#: Only TLS 1.2+ and AEAD ciphers with forward secrecy, front and back.
SECURITY_PROPERTIES: dict[str, str] = {
    f"{_GATEWAY}.Protocols.Tls10": "False",
    f"{_GATEWAY}.Protocols.Tls11": "False",
    f"{_GATEWAY}.Protocols.Ssl30": "False",
    f"{_GATEWAY}.Backend.Protocols.Tls10": "False",
    f"{_GATEWAY}.Backend.Protocols.Tls11": "False",
    f"{_GATEWAY}.Backend.Protocols.Ssl30": "False",
    f"{_GATEWAY}.Ciphers.TripleDes168": "False",
    f"{_GATEWAY}.Ciphers.TLS_RSA_WITH_AES_128_CBC_SHA": "False",
    f"{_GATEWAY}.Ciphers.TLS_RSA_WITH_AES_256_CBC_SHA": "False",
    f"{_GATEWAY}.Ciphers.TLS_RSA_WITH_AES_128_CBC_SHA256": "False",
    f"{_GATEWAY}.Ciphers.TLS_RSA_WITH_AES_256_CBC_SHA256": "False",
    f"{_GATEWAY}.Ciphers.TLS_RSA_WITH_AES_128_GCM_SHA256": "False",
    f"{_GATEWAY}.Ciphers.TLS_RSA_WITH_AES_256_GCM_SHA384": "False",
    f"{_GATEWAY}.Ciphers.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA": "False",
    f"{_GATEWAY}.Ciphers.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA": "False",
    f"{_GATEWAY}.Ciphers.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA": "False",
    f"{_GATEWAY}.Ciphers.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA": "False",
    HTTP2_PROPERTY: "True",
}

MESH_CLIENT_CERTIFICATE_ID = "mesh-client"
"""APIM certificate entity of the client certificate it presents to the mesh gateway."""
MESH_PRODUCT_ID = "mesh"
"""The product consumers subscribe to when subscription keys are required."""

WILDCARD_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
"""Methods of the catch-all operations that forward everything to the mesh."""


def key_vault_secret_id(vault_uri: str, name: str) -> str:
    """Versionless Key Vault secret URI, so rotations are picked up without a deployment."""
    return f"{vault_uri.rstrip('/')}/secrets/{name}"


def hostname_configurations(
    cfg: ApimConfig, vault_uri: str, client_id: str
) -> list[dict[str, Any]]:
    """The custom gateway host name AppGW calls, with its certificate from Key Vault."""
    return [
        {
            "type": "Proxy",
            "host_name": cfg.gateway_hostname,
            "certificate_source": "KeyVault",
            "key_vault_id": key_vault_secret_id(vault_uri, cfg.gateway_certificate_name),
            "identity_client_id": client_id,
            "default_ssl_binding": True,
            "negotiate_client_certificate": False,
        }
    ]
