"""The Application Gateway's listeners, rules, probe and backend (pure).

Application Gateway is one ARM resource whose parts reference each other by id; every id is
derived here from the gateway's own id so the whole layout is a function of config.
"""

from __future__ import annotations

from typing import Any

from meshward.config.edge import AppGatewayConfig

APIM_PROBE_PATH = "/status-0123456789abcdef"
"""APIM's health endpoint; the default probe (by IP, no Host) fails against APIM."""
FRONTEND_IP = "public"
HTTPS_PORT, HTTP_PORT = "port-443", "port-80"
HTTPS_LISTENER, HTTP_LISTENER = "https", "http-redirect"
BACKEND_POOL, BACKEND_SETTINGS, PROBE = "apim", "apim-https", "apim-status"
REDIRECT, CERTIFICATE, GATEWAY_IP = "http-to-https", "edge-tls", "gateway-ip"
TRUSTED_ROOT = "internal-ca"
"""The CA that signs APIM's gateway certificate: the backend settings trust only it."""


def gateway_id(subscription_id: str, resource_group: str, name: str) -> str:
    """The ARM id of the gateway (known before it exists)."""
    return (
        f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}"
        f"/providers/Microsoft.Network/applicationGateways/{name}"
    )


def _ref(gateway: str, kind: str, child: str) -> dict[str, str]:
    return {"id": f"{gateway}/{kind}/{child}"}


def layout(
    cfg: AppGatewayConfig,
    gateway: str,
    apim_hostname: str,
    apim_ip: str,
    vault_uri: str,
    trusted_root_secret: str | None = None,
) -> dict[str, Any]:
    """Every nested collection of the gateway: HTTPS listener (SNI) with the Key Vault
    certificate, HTTP → HTTPS permanent redirect, backend = APIM's private IP called by its
    custom host name over HTTPS, and APIM's status probe. With `trusted_root_secret` (a Key
    Vault secret holding the CA as PFX), the backend's certificate must chain to that CA."""
    vault = vault_uri.rstrip("/")
    backend_settings: dict[str, Any] = {
        "name": BACKEND_SETTINGS,
        "port": 443,
        "protocol": "Https",
        "host_name": apim_hostname,
        "pick_host_name_from_backend_address": False,
        "cookie_based_affinity": "Disabled",
        "request_timeout": 60,
        "probe": _ref(gateway, "probes", PROBE),
    }
    trusted_roots: list[dict[str, Any]] = []
    if trusted_root_secret is not None:
        trusted_roots.append(
            {"name": TRUSTED_ROOT, "key_vault_secret_id": f"{vault}/secrets/{trusted_root_secret}"}
        )
        backend_settings["trusted_root_certificates"] = [
            _ref(gateway, "trustedRootCertificates", TRUSTED_ROOT)
        ]
    return {
        "trusted_root_certificates": trusted_roots,
        "frontend_ports": [
            {"name": HTTPS_PORT, "port": 443},
            {"name": HTTP_PORT, "port": 80},
        ],
        "ssl_certificates": [
            {
                "name": CERTIFICATE,
                "key_vault_secret_id": f"{vault}/secrets/{cfg.certificate_name}",
            }
        ],
        "http_listeners": [
            {
                "name": HTTPS_LISTENER,
                "frontend_ip_configuration": _ref(gateway, "frontendIPConfigurations", FRONTEND_IP),
                "frontend_port": _ref(gateway, "frontendPorts", HTTPS_PORT),
                "protocol": "Https",
                "host_name": cfg.hostname,
                "require_server_name_indication": True,
                "ssl_certificate": _ref(gateway, "sslCertificates", CERTIFICATE),
            },
            {
                "name": HTTP_LISTENER,
                "frontend_ip_configuration": _ref(gateway, "frontendIPConfigurations", FRONTEND_IP),
                "frontend_port": _ref(gateway, "frontendPorts", HTTP_PORT),
                "protocol": "Http",
                "host_name": cfg.hostname,
            },
        ],
        "redirect_configurations": [
            {
                "name": REDIRECT,
                "redirect_type": "Permanent",
                "target_listener": _ref(gateway, "httpListeners", HTTPS_LISTENER),
                "include_path": True,
                "include_query_string": True,
            }
        ],
        "backend_address_pools": [
            {"name": BACKEND_POOL, "backend_addresses": [{"ip_address": apim_ip}]}
        ],
        "probes": [
            {
                "name": PROBE,
                "protocol": "Https",
                "host": apim_hostname,
                "path": APIM_PROBE_PATH,
                "interval": 30,
                "timeout": 30,
                "unhealthy_threshold": 3,
                "pick_host_name_from_backend_http_settings": False,
                "match": {"status_codes": ["200-399"]},
            }
        ],
        "backend_http_settings_collection": [backend_settings],
        "request_routing_rules": [
            {
                "name": "https-to-apim",
                "priority": 100,
                "rule_type": "Basic",
                "http_listener": _ref(gateway, "httpListeners", HTTPS_LISTENER),
                "backend_address_pool": _ref(gateway, "backendAddressPools", BACKEND_POOL),
                "backend_http_settings": _ref(
                    gateway, "backendHttpSettingsCollection", BACKEND_SETTINGS
                ),
            },
            {
                "name": "http-redirect",
                "priority": 200,
                "rule_type": "Basic",
                "http_listener": _ref(gateway, "httpListeners", HTTP_LISTENER),
                "redirect_configuration": _ref(gateway, "redirectConfigurations", REDIRECT),
            },
        ],
    }
