"""Issue 14 acceptance: the dev and prod plans log to the workspace, restrict egress, rate-limit
the edge and watch certificates; Telemetry never changes who may call whom."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

from meshward.azure.apim_policy import policy_rate_limits
from meshward.azure.diagnostic_categories import DIAGNOSTIC_PROFILES
from meshward.config import parse_platform_config
from meshward.engine.plan import kubernetes_objects
from meshward.mesh.access import plan_access
from tests.cluster.istio_crds import AVAILABLE, REASON, validate_with_crds
from tests.support import one, render_platform, resources_of, stack_platform

STACKS = ["dev", "prod"]


def plan(stack: str, request: pytest.FixtureRequest) -> dict[str, Any]:
    return dict(request.getfixturevalue(f"{stack}_plan"))


def kind(objects: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [o for o in objects if o.get("kind") == name]


@pytest.mark.parametrize("stack", STACKS)
def test_workspace_and_a_diagnostic_setting_per_service(
    stack: str, request: pytest.FixtureRequest
) -> None:
    doc = plan(stack, request)
    workspace = one(doc, "azure-native:operationalinsights:Workspace")
    settings = resources_of(doc, "azure-native:monitor:DiagnosticSetting")
    by_resource = {
        s["inputs"]["resourceUri"].split("/providers/")[1].split("/")[1]: s for s in settings
    }
    assert sorted(by_resource) == ["applicationGateways", "managedClusters", "service", "vaults"]
    for setting in settings:
        assert setting["inputs"]["workspaceId"].endswith(workspace["inputs"]["workspaceName"])
        assert setting["inputs"]["logAnalyticsDestinationType"] == "Dedicated"
    categories = {
        k: {log["category"] for log in s["inputs"]["logs"]} for k, s in by_resource.items()
    }
    assert {"kube-audit-admin", "guard", "kube-apiserver"} <= categories["managedClusters"]
    assert categories["applicationGateways"] == set(DIAGNOSTIC_PROFILES["appGateway"].categories)
    assert categories["service"] == {"GatewayLogs"}
    assert categories["vaults"] == {"AuditEvent"}
    expected_days = 30 if stack == "dev" else 90
    assert workspace["inputs"]["retentionInDays"] == expected_days


def test_sentinel_onboards_the_platform_workspace_when_asked(dev_plan: dict[str, Any]) -> None:
    assert not resources_of(dev_plan, "azure-native:securityinsights:SentinelOnboardingState")
    platform = stack_platform("dev")
    platform["monitoring"]["sentinel"] = True
    doc = render_platform(platform, stack="dev")
    sentinel = one(doc, "azure-native:securityinsights:SentinelOnboardingState")
    workspace = one(doc, "azure-native:operationalinsights:Workspace")
    assert sentinel["inputs"]["workspaceName"] == workspace["inputs"]["workspaceName"]
    assert sentinel["inputs"]["resourceGroupName"] == "mw-dev-rg"


@pytest.mark.parametrize("stack", STACKS)
def test_telemetry_registry_only_and_a_service_entry_per_configured_host(
    stack: str, request: pytest.FixtureRequest
) -> None:
    objects = kubernetes_objects(plan(stack, request))
    cfg = parse_platform_config(stack_platform(stack))
    telemetry = kind(objects, "Telemetry")
    names = {(t["metadata"]["namespace"], t["metadata"]["name"]) for t in telemetry}
    assert ("aks-istio-system", "meshward-access-logs") in names
    if stack == "prod":
        assert ("aks-istio-ingress", "meshward-gateway-access-logs") in names
    (configmap,) = [
        o for o in kind(objects, "ConfigMap") if o["metadata"]["name"].startswith("istio-shared")
    ]
    assert yaml.safe_load(configmap["data"]["mesh"])["outboundTrafficPolicy"] == {
        "mode": "REGISTRY_ONLY"
    }
    entries = {tuple(e["spec"]["hosts"]) for e in kind(objects, "ServiceEntry")}
    configured = {tuple(s.hosts) for s in cfg.mesh.egress.external_services}
    assert configured and entries == configured
    assert all("*" not in e["spec"]["exportTo"] for e in kind(objects, "ServiceEntry"))


def test_prod_logs_security_events_only_and_dev_everything(
    dev_plan: dict[str, Any], prod_plan: dict[str, Any]
) -> None:
    def mesh_wide(doc: dict[str, Any]) -> dict[str, Any]:
        (obj,) = [
            t
            for t in kind(kubernetes_objects(doc), "Telemetry")
            if t["metadata"]["namespace"] == "aks-istio-system"
        ]
        return dict(obj["spec"]["accessLogging"][0])

    assert "filter" in mesh_wide(prod_plan)
    assert mesh_wide(prod_plan)["match"] == {"mode": "SERVER"}
    assert "filter" not in mesh_wide(dev_plan)


@pytest.mark.parametrize("stack", STACKS)
def test_apim_rate_limits_and_waf_rate_rules(stack: str, request: pytest.FixtureRequest) -> None:
    doc = plan(stack, request)
    cfg = parse_platform_config(stack_platform(stack))
    policy = one(doc, "azure-native:apimanagement:ApiPolicy")["inputs"]["value"]
    limits = policy_rate_limits(policy)
    assert len(limits) == len(cfg.apim.rate_limits) >= 2
    assert ("rate-limit-by-key", "600" if stack == "prod" else "120", "60") in limits
    ET.fromstring(policy)  # well-formed
    waf = one(doc, "azure-native:network:WebApplicationFirewallPolicy")["inputs"]
    rate_rules = [r for r in waf["customRules"] if r["ruleType"] == "RateLimitRule"]
    assert rate_rules and all(r["action"] == "Block" for r in rate_rules)
    assert all(r["groupByUserSession"] for r in rate_rules)


@pytest.mark.parametrize("stack", STACKS)
def test_certificate_alerts_reach_the_action_group(
    stack: str, request: pytest.FixtureRequest
) -> None:
    doc = plan(stack, request)
    group = one(doc, "azure-native:monitor:ActionGroup")["inputs"]
    assert group["emailReceivers"][0]["emailAddress"] == "platform-oncall@example.invalid"
    topic = one(doc, "azure-native:eventgrid:SystemTopic")["inputs"]
    assert topic["topicType"] == "Microsoft.KeyVault.vaults"
    assert "/Microsoft.KeyVault/vaults/" in topic["source"]
    subscription = one(doc, "azure-native:eventgrid:SystemTopicEventSubscription")["inputs"]
    assert subscription["destination"]["endpointType"] == "MonitorAlert"
    (group_id,) = subscription["destination"]["actionGroups"]
    assert "/actionGroups/" in group_id
    types = set(subscription["filter"]["includedEventTypes"])
    assert {
        "Microsoft.KeyVault.CertificateNearExpiry",
        "Microsoft.KeyVault.SecretNearExpiry",
    } <= types
    (flt,) = subscription["filter"]["advancedFilters"]
    assert flt["key"] == "subject"
    assert {"edge-tls", "apim-gateway-tls", "mesh-gateway-tls"} <= set(flt["values"])


def test_prod_webhook_uri_stays_secret(prod_plan: dict[str, Any]) -> None:
    group = one(prod_plan, "azure-native:monitor:ActionGroup")["inputs"]
    # The URI carries a token: it is a secret in state and in plans.
    assert group["webhookReceivers"] == [
        {"name": "pager", "serviceUri": "[secret]", "useCommonAlertSchema": True}
    ]


def test_telemetry_does_not_change_the_access_matrix(dev_plan: dict[str, Any]) -> None:
    cfg = parse_platform_config(stack_platform("dev"))
    objects = kubernetes_objects(dev_plan)
    assert kind(objects, "Telemetry")
    without = [o for o in objects if o.get("kind") != "Telemetry"]
    assert plan_access(objects, cfg) == plan_access(without, cfg)
    # And rendering with access logging switched off yields the same matrix.
    platform = stack_platform("dev")
    platform["mesh"]["telemetry"] = {"accessLogs": "off", "namespaces": {"orders": "all"}}
    off = render_platform(platform, stack="dev")
    off_cfg = parse_platform_config(platform)
    assert plan_access(kubernetes_objects(off), off_cfg) == plan_access(objects, cfg)


@pytest.mark.skipif(not AVAILABLE, reason=REASON)
@pytest.mark.parametrize("stack", STACKS)
def test_planned_telemetry_and_service_entries_pass_istios_crds(
    stack: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    objects = [
        o
        for o in kubernetes_objects(plan(stack, request))
        if o.get("kind") in ("Telemetry", "ServiceEntry")
    ]
    result = validate_with_crds(objects, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(objects)} Istio document(s) checked" in result.stderr


def test_plans_are_json_serialisable_and_stable(dev_files: dict[str, str]) -> None:
    assert json.loads(dev_files["plan.json"])["stack"] == "dev"
