"""Monitoring, egress, telemetry and rate-limit settings: hardened defaults, precise errors,
visible weakenings."""

from __future__ import annotations

from typing import Any

import pytest

from meshward.config import parse_platform_config, weakened_settings
from meshward.errors import ConfigError


def minimal(env: str = "prod", **extra: Any) -> dict[str, Any]:
    return {"environment": env, "location": "westeurope", **extra}


def error_lines(data: Any) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_platform_config(data)
    return [str(p) for p in info.value.problems]


def weak_paths(data: dict[str, Any]) -> list[str]:
    return [w.path for w in weakened_settings(parse_platform_config(data))]


def test_defaults_log_alert_restrict_egress_and_rate_limit() -> None:
    cfg = parse_platform_config(minimal())
    assert cfg.monitoring.diagnostic_settings is True
    assert cfg.monitoring.certificate_alerts.enabled is True
    assert cfg.aks.log_analytics_retention_days == 90
    assert cfg.mesh.egress.outbound_traffic_policy == "REGISTRY_ONLY"
    assert cfg.mesh.telemetry.access_logs == "securityEvents"
    assert [r.key for r in cfg.apim.rate_limits] == ["jwtSubject"]
    assert [r.kind for r in cfg.app_gateway.waf.custom_rules] == ["rateLimit"]


def test_dev_profile_logs_every_request_and_keeps_logs_30_days_reported() -> None:
    cfg = parse_platform_config(minimal("dev"))
    assert cfg.mesh.telemetry.access_logs == "all"
    assert "platform.aks.logAnalyticsRetentionDays" in weak_paths(minimal("dev"))


@pytest.mark.parametrize(
    ("extra", "path"),
    [
        ({"monitoring": {"diagnosticSettings": False}}, "platform.monitoring.diagnosticSettings"),
        (
            {"monitoring": {"certificateAlerts": {"enabled": False}}},
            "platform.monitoring.certificateAlerts.enabled",
        ),
        ({"mesh": {"telemetry": {"accessLogs": "off"}}}, "platform.mesh.telemetry.accessLogs"),
        (
            {"mesh": {"telemetry": {"namespaces": {"orders": "off"}}}},
            "platform.mesh.telemetry.namespaces.orders",
        ),
        (
            {"mesh": {"egress": {"outboundTrafficPolicy": "ALLOW_ANY"}}},
            "platform.mesh.egress.outboundTrafficPolicy",
        ),
        ({"apim": {"rateLimits": []}}, "platform.apim.rateLimits"),
        ({"appGateway": {"waf": {"customRules": []}}}, "platform.appGateway.waf.customRules"),
    ],
)
def test_each_weaker_choice_is_reported(extra: dict[str, Any], path: str) -> None:
    assert path in weak_paths(minimal(**extra))


def test_service_entry_exported_everywhere_is_reported() -> None:
    service = {
        "name": "psp",
        "namespace": "payments",
        "hosts": ["api.psp.example"],
        "ports": [{"number": 443}],
        "exportTo": ["*"],
    }
    paths = weak_paths(minimal(mesh={"egress": {"externalServices": [service]}}))
    assert "platform.mesh.egress.externalServices[0].exportTo" in paths


def test_mesh_config_may_not_fight_the_typed_egress_and_logging_settings() -> None:
    lines = error_lines(
        minimal(mesh={"meshConfig": {"outboundTrafficPolicy": {"mode": "ALLOW_ANY"}}})
    )
    assert lines == [
        "platform.mesh.meshConfig: set egress.outboundTrafficPolicy instead of "
        "meshConfig.outboundTrafficPolicy"
    ]
    lines = error_lines(minimal(mesh={"meshConfig": {"accessLogFile": "/dev/stdout"}}))
    assert lines[0].startswith("platform.mesh.meshConfig: set telemetry.accessLogs")


def test_addon_refuses_the_preview_egress_gateway_and_envoy_jwks() -> None:
    gateway = {"enabled": True, "allowedServiceAccounts": ["orders/order-service"]}
    lines = error_lines(minimal(mesh={"egress": {"gateway": gateway}}))
    assert lines[0].startswith("platform.mesh.egress.gateway.enabled: needs install 'helm'")
    lines = error_lines(minimal(mesh={"egress": {"jwksFetchedBy": "envoy"}}))
    assert lines[0].startswith("platform.mesh.egress.jwksFetchedBy: 'envoy' needs install")


def test_egress_gateway_needs_allowed_service_accounts() -> None:
    mesh = {"install": "helm", "egress": {"gateway": {"enabled": True}}}
    lines = error_lines(minimal(mesh=mesh))
    assert lines[0].startswith("platform.mesh.egress.gateway.allowedServiceAccounts:")


def test_routing_via_a_disabled_gateway_is_refused() -> None:
    service = {
        "name": "psp",
        "namespace": "payments",
        "hosts": ["api.psp.example"],
        "ports": [{"number": 443}],
        "viaEgressGateway": True,
    }
    mesh = {"install": "helm", "egress": {"externalServices": [service]}}
    lines = error_lines(minimal(mesh=mesh))
    assert lines[0].startswith("platform.mesh.egress.gateway.enabled: externalServices psp")


def test_bad_export_to_and_unknown_provider_name_the_field() -> None:
    service = {
        "name": "psp",
        "namespace": "payments",
        "hosts": ["api.psp.example"],
        "ports": [{"number": 443}],
        "exportTo": ["Payments"],
    }
    lines = error_lines(minimal(mesh={"egress": {"externalServices": [service]}}))
    assert lines[0].startswith("platform.mesh.egress.externalServices[0].exportTo: 'Payments'")
    lines = error_lines(minimal(mesh={"telemetry": {"provider": "otel"}}))
    assert lines[0].startswith("platform.mesh.telemetry.provider: 'otel' is not declared")


@pytest.mark.parametrize(
    ("limit", "message"),
    [
        ({"kind": "rate", "periodSeconds": 600}, "600 is above 300"),
        ({"kind": "quota", "periodSeconds": 60}, "60 is below 300"),
    ],
)
def test_apim_limit_periods_follow_apim(limit: dict[str, Any], message: str) -> None:
    rate = {"name": "x", "key": "clientIp", "calls": 10, **limit}
    (line,) = error_lines(minimal(apim={"rateLimits": [rate]}))
    assert line.startswith(f"platform.apim.rateLimits[0].periodSeconds: {message}")


def test_workspace_id_must_be_a_workspace_resource_id() -> None:
    lines = error_lines(minimal(monitoring={"workspaceId": "/subscriptions/x/resourceGroups/y"}))
    assert lines[0].startswith("platform.monitoring.workspaceId: ")
    assert "is not a workspace resource ID" in lines[0]


def test_watched_objects_cover_every_platform_certificate() -> None:
    cfg = parse_platform_config(
        minimal(
            mesh={"pluginCa": {}},
            externalSecrets={"gatewayClientCa": "apim-client-ca"},
            monitoring={"certificateAlerts": {"extraObjects": ["partner-mtls"]}},
        )
    )
    assert cfg.watched_vault_objects == [
        "apim-client-ca",
        "apim-gateway-tls",
        "edge-tls",
        "mesh-ca-cert",
        "mesh-cert-chain",
        "mesh-gateway-tls",
        "mesh-root-cert",
        "partner-mtls",
    ]


def test_more_watched_objects_than_one_event_grid_filter_takes_is_refused() -> None:
    extra = [f"cert-{i}" for i in range(30)]
    lines = error_lines(minimal(monitoring={"certificateAlerts": {"extraObjects": extra}}))
    assert lines[0].startswith("platform.monitoring.certificateAlerts.extraObjects: 33 Key Vault")


def test_container_insights_off_is_reported_as_weaker() -> None:
    assert "platform.aks.containerInsights" not in weak_paths(minimal())
    off = minimal(aks={"containerInsights": False})
    assert "platform.aks.containerInsights" in weak_paths(off)


def test_explicit_ephemeral_os_disk_on_a_size_without_room_names_the_pool_field() -> None:
    lines = error_lines(
        minimal(
            aks={
                "userPools": [{"name": "apps", "vmSize": "Standard_D4s_v5", "osDisk": "Ephemeral"}]
            }
        )
    )
    assert any(
        line.startswith("platform.aks.userPools[0].osDisk") and "has no local disk" in line
        for line in lines
    ), lines
