"""Preflight findings from a config and the facts the CLI gathered (no files, no network)."""

from __future__ import annotations

import datetime
from typing import Any

from meshward.config import parse_platform_config
from meshward.preflight.checks import Finding, StackFacts, blocking, preflight
from tests.support import stack_platform

TODAY = datetime.date(2026, 11, 26)


def facts(platform: dict[str, Any], keys: set[str] = frozenset(), **kw: Any) -> StackFacts:
    return StackFacts(
        platform=platform,
        config_keys=frozenset(keys),
        tools=kw.get("tools"),
        environment=kw.get("environment", {}),
        today=kw.get("today", TODAY),
    )


def run(platform: dict[str, Any], keys: set[str] = frozenset(), **kw: Any) -> list[Finding]:
    return preflight(parse_platform_config(platform), facts(platform, keys, **kw))


def by_status(findings: list[Finding], status: str) -> list[str]:
    return [f.item for f in findings if f.status == status]


def test_private_cluster_without_a_runner_path_blocks() -> None:
    findings = run({"environment": "prod", "location": "westeurope"})
    assert "platform.aks.apiServer" in by_status(findings, "block")


def test_runner_vnet_opens_the_deploy_path() -> None:
    vnet = (
        "/subscriptions/1b2c3d4e-1111-2222-3333-444455556666/resourceGroups/ci"
        "/providers/Microsoft.Network/virtualNetworks/runners"
    )
    platform = {
        "environment": "prod",
        "location": "westeurope",
        "aks": {"apiServer": {"mode": "private", "runnerVnetId": vnet}},
    }
    findings = run(platform)
    assert not blocking(findings)
    [path] = [f for f in findings if f.section == "deploy path"]
    assert (path.item, path.status) == ("platform.aks.apiServer.runnerVnetId", "check")
    assert (
        "Network Contributor" in path.detail and "privatelink.westeurope.azmk8s.io" in path.detail
    )


def test_shipped_prod_runner_vnet_is_a_placeholder_until_filled_in() -> None:
    platform = stack_platform("prod")
    findings = run(platform)
    blocked = [f for f in findings if f.status == "block" and f.section == "stack"]
    assert any(
        f.item == "platform.aks.apiServer.runnerVnetId" and "GUID of zeros" in f.detail
        for f in blocked
    )


def test_unset_and_expired_stack_secrets_block() -> None:
    platform = {
        "environment": "dev",
        "location": "westeurope",
        "aks": {"apiServer": {"mode": "authorizedRanges", "authorizedIpRanges": ["20.1.2.0/24"]}},
        "keyVault": {
            "seedSecrets": [
                {"name": "a", "configKey": "aKey"},
                {"name": "b", "configKey": "bKey", "expires": "2026-11-01"},
            ]
        },
    }
    blocked = by_status(run(platform, {"bKey"}), "block")
    assert blocked == ["meshward:aKey", "meshward:bKey"]  # a: not set; b: expired


def test_host_encryption_names_the_subscription_feature() -> None:
    findings = run({"environment": "prod", "location": "westeurope"})
    assert "feature Microsoft.Compute/EncryptionAtHost" in by_status(findings, "check")


def test_tools_and_sign_in_variables_are_their_own_section() -> None:
    platform = {
        "environment": "dev",
        "location": "westeurope",
        "aks": {
            "apiServer": {"mode": "authorizedRanges", "authorizedIpRanges": ["20.1.2.0/24"]},
            "kubelogin": {"mode": "workloadidentity"},
        },
    }
    tools = {"pulumi": True, "kubelogin": False, "az": False}
    findings = run(platform, tools=tools, environment={"AZURE_CLIENT_ID": "x"})
    tool_rows = [(f.item, f.status) for f in findings if f.section == "tools"]
    assert tool_rows == [
        ("pulumi", "ok"),
        ("kubelogin", "block"),
        ("az", "warn"),  # workload identity does not need the CLI
        ("$AZURE_CLIENT_ID", "ok"),
        ("$AZURE_TENANT_ID", "block"),
        ("$AZURE_FEDERATED_TOKEN_FILE", "block"),
    ]
    assert not any(f.section == "tools" for f in run(platform))  # tools=None leaves them out
