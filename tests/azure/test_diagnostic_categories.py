"""Each service sends its security categories, and only categories Azure Monitor lists."""

from __future__ import annotations

from meshward.azure.diagnostic_categories import (
    DIAGNOSTIC_PROFILES,
    Service,
    diagnostic_setting_args,
)

# Copied by hand from Azure Monitor's "Supported logs for <type>" pages (Nov 2026) so that a
# typo in the product's table cannot also be in the test.
SUPPORTED = {
    "Microsoft.ContainerService/managedClusters": {
        "cloud-controller-manager",
        "cluster-autoscaler",
        "csi-azuredisk-controller",
        "csi-azurefile-controller",
        "csi-snapshot-controller",
        "guard",
        "kube-apiserver",
        "kube-audit",
        "kube-audit-admin",
        "kube-controller-manager",
        "kube-scheduler",
    },
    "Microsoft.Network/applicationGateways": {
        "ApplicationGatewayAccessLog",
        "ApplicationGatewayFirewallLog",
        "ApplicationGatewayPerformanceLog",
    },
    "Microsoft.ApiManagement/service": {
        "DeveloperPortalAuditLogs",
        "GatewayLlmLogs",
        "GatewayLogs",
        "WebSocketConnectionLogs",
    },
    "Microsoft.KeyVault/vaults": {"AuditEvent", "AzurePolicyEvaluationDetails"},
}


def test_every_category_is_supported_by_its_resource_type() -> None:
    for profile in DIAGNOSTIC_PROFILES.values():
        assert set(profile.categories) <= SUPPORTED[profile.resource_type], profile
        assert profile.reference.startswith("https://learn.microsoft.com/")


def test_the_security_categories_the_issue_names_are_sent() -> None:
    def cats(service: Service) -> set[str]:
        return {log["category"] for log in diagnostic_setting_args(service)["logs"]}

    assert {"kube-audit-admin", "guard", "kube-apiserver"} <= cats("aks")
    assert "kube-audit" not in cats("aks")  # get/list volume without security value
    assert cats("appGateway") == {"ApplicationGatewayFirewallLog", "ApplicationGatewayAccessLog"}
    assert cats("apim") == {"GatewayLogs"}
    assert cats("keyVault") == {"AuditEvent"}


def test_settings_write_resource_specific_tables() -> None:
    args = diagnostic_setting_args("keyVault")
    assert args["log_analytics_destination_type"] == "Dedicated"
    assert args["name"] == "meshward-security"
    assert all(log["enabled"] for log in args["logs"])
