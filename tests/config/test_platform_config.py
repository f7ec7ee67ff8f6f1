"""The root stack config: profiles, hardened defaults, and errors that name the field."""

from __future__ import annotations

from typing import Any

import pytest

from meshward.config import parse_platform_config, weakened_settings
from meshward.errors import ConfigError


def minimal(env: str = "dev", **extra: Any) -> dict[str, Any]:
    return {"environment": env, "location": "westeurope", **extra}


def error_lines(data: Any) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_platform_config(data)
    return [str(p) for p in info.value.problems]


def test_defaults_are_the_hardened_choices() -> None:
    cfg = parse_platform_config(minimal("prod"))
    assert cfg.app_gateway.waf.mode == "Prevention"
    assert cfg.aks.api_server.mode == "private"
    assert cfg.aks.network_policy == "cilium"
    assert cfg.key_vault.public_network_access is False
    assert cfg.protect_stateful_resources is True
    assert cfg.mesh.mesh_config["pathNormalization"] == {"normalization": "MERGE_SLASHES"}
    assert weakened_settings(cfg) == []


def test_dev_profile_is_cheap_but_keeps_security_defaults() -> None:
    cfg = parse_platform_config(minimal("dev"))
    assert cfg.apim.sku == "Developer"
    assert cfg.app_gateway.zones == ["1"]
    assert cfg.app_gateway.waf.mode == "Prevention"
    assert cfg.aks.disable_run_command is True


def test_stack_values_override_the_profile() -> None:
    cfg = parse_platform_config(minimal("dev", apim={"sku": "Premium", "capacity": 2}))
    assert (cfg.apim.sku, cfg.apim.capacity) == ("Premium", 2)


def test_misspelled_key_names_the_path_and_suggests_the_key() -> None:
    lines = error_lines(minimal(aks={"systemPool": {"name": "system", "vmSzie": "x"}}))
    assert len(lines) == 1
    assert lines[0].startswith(
        "platform.aks.systemPool.vmSzie: unknown key (did you mean 'vmSize'?"
    )


def test_wrong_enum_value_lists_the_allowed_values() -> None:
    lines = error_lines(minimal(appGateway={"waf": {"mode": "Block"}}))
    assert lines == [
        "platform.appGateway.waf.mode: 'Block' is not allowed (allowed: Prevention, Detection)"
    ]


def test_detection_mode_is_refused_in_prod() -> None:
    lines = error_lines(minimal("prod", appGateway={"waf": {"mode": "Detection"}}))
    assert lines[0].startswith("platform.appGateway.waf.mode: must be 'Prevention' in prod")


def test_detection_mode_in_dev_is_allowed_and_reported_as_weaker() -> None:
    cfg = parse_platform_config(minimal(appGateway={"waf": {"mode": "Detection"}}))
    assert next(w.path for w in weakened_settings(cfg)) == "platform.appGateway.waf.mode"


def test_unknown_environment_lists_the_environments() -> None:
    assert error_lines(minimal("staging")) == [
        "platform.environment: 'staging' is not allowed (allowed: dev, prod)"
    ]


def test_missing_required_field_is_named() -> None:
    assert error_lines({"environment": "dev"}) == ["platform.location: required but missing"]


def test_list_items_are_located_by_index() -> None:
    rules = [{"kind": "rateLimit", "name": "a", "priority": 1, "threshold": 0}]
    lines = error_lines(minimal(appGateway={"waf": {"customRules": rules}}))
    assert lines[0].startswith("platform.appGateway.waf.customRules[0].threshold:")


def test_union_tag_error_points_at_the_tag() -> None:
    rules = [{"kind": "ratelimit", "name": "a", "priority": 1}]
    lines = error_lines(minimal(appGateway={"waf": {"customRules": rules}}))
    assert lines == [
        "platform.appGateway.waf.customRules[0].kind: 'ratelimit' is not allowed "
        "(allowed: rateLimit, geoFilter)"
    ]


def test_cross_field_rule_blames_the_sub_field() -> None:
    lines = error_lines(minimal(network={"subnets": {"apim": "10.99.0.0/24"}}))
    assert lines == [
        "platform.network.subnets.apim: 10.99.0.0/24 is outside addressSpace 10.40.0.0/16"
    ]


def test_overlapping_subnets_are_refused() -> None:
    lines = error_lines(minimal(network={"subnets": {"apim": "10.40.0.0/24"}}))
    assert "overlaps" in lines[0]


def test_authorized_ranges_mode_needs_ranges() -> None:
    lines = error_lines(minimal(aks={"apiServer": {"mode": "authorizedRanges"}}))
    assert lines == [
        "platform.aks.apiServer.authorizedIpRanges: "
        "mode 'authorizedRanges' needs at least one range"
    ]


def test_api_server_open_to_the_internet_is_refused() -> None:
    api = {"mode": "authorizedRanges", "authorizedIpRanges": ["0.0.0.0/0"]}
    assert "whole internet" in error_lines(minimal(aks={"apiServer": api}))[0]


def test_addon_blocked_mesh_config_keys_are_refused() -> None:
    lines = error_lines(minimal(mesh={"meshConfig": {"configSources": []}}))
    assert lines[0].startswith(
        "platform.mesh.meshConfig: keys blocked by the AKS add-on: configSources"
    )


def test_helm_install_accepts_any_mesh_config_and_uses_istio_system() -> None:
    cfg = parse_platform_config(
        minimal(mesh={"install": "helm", "meshConfig": {"configSources": []}})
    )
    assert cfg.mesh.root_namespace == "istio-system"


def test_addon_root_namespace_is_aks_istio_system() -> None:
    assert parse_platform_config(minimal()).mesh.root_namespace == "aks-istio-system"


def test_workload_namespaces_join_secret_and_intent_namespaces_minus_system_ones() -> None:
    cfg = parse_platform_config(
        minimal(
            mesh={"workloads": [{"name": "api", "namespace": "orders", "ports": [{"port": 8080}]}]},
            externalSecrets={
                "secrets": [
                    {"name": "db", "namespace": "billing", "keys": {"url": "db-url"}},
                    {"name": "sys", "namespace": "kube-system", "keys": {"k": "v"}},
                ]
            },
        )
    )
    assert cfg.workload_namespaces == ["billing", "orders"]


def test_apim_edge_issuers_must_exist() -> None:
    lines = error_lines(minimal(apim={"jwtIssuers": ["nope"]}))
    assert lines == ["platform.apim.jwtIssuers: unknown issuers nope (known: none)"]


def test_non_mapping_config_is_refused() -> None:
    assert error_lines(["x"]) == ["platform: must be a mapping, got list"]


def test_snake_case_names_work_from_python() -> None:
    cfg = parse_platform_config(minimal(protect_stateful_resources=False))
    assert cfg.protect_stateful_resources is False


def test_config_is_frozen() -> None:
    cfg = parse_platform_config(minimal())
    with pytest.raises(Exception, match="frozen"):
        cfg.location = "northeurope"  # type: ignore[misc]


def test_entra_issuer_without_audiences_is_refused() -> None:
    issuer = {
        "name": "entra",
        "issuer": "https://login.microsoftonline.com/t/v2.0",
        "jwksUri": "https://login.microsoftonline.com/t/discovery/v2.0/keys",
        "entraTenantId": "00000000-0000-0000-0000-000000000001",
    }
    assert error_lines(minimal(jwtIssuers=[issuer])) == [
        "platform.jwtIssuers[0].audiences: required for Entra ID issuers (entraTenantId is set)"
    ]
