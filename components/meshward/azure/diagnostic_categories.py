"""The security log categories each platform service sends to Log Analytics (pure).

Every category below is listed for its resource type in Azure Monitor's reference
"Supported logs for <resource type>" (learn.microsoft.com/azure/azure-monitor/reference/
supported-logs/<page>); a wrong category fails the ARM deployment, so the list is pinned here
and tested, and each entry carries the page it was checked against.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Service = Literal["aks", "appGateway", "apim", "keyVault"]
SETTING_NAME = "meshward-security"
"""Name of every diagnostic setting meshward creates (a resource allows five)."""
_REFERENCE = "https://learn.microsoft.com/azure/azure-monitor/reference/supported-logs/"


@dataclass(frozen=True)
class DiagnosticProfile:
    """What one service sends."""

    resource_type: str
    """ARM resource type the categories belong to."""
    categories: tuple[str, ...]
    """Log categories, each listed in `reference`."""
    reference: str
    """Azure Monitor's "Supported logs" page for the resource type."""


DIAGNOSTIC_PROFILES: dict[Service, DiagnosticProfile] = {
    # `kube-audit-admin` (audit without get/list: the writes that matter, at a fraction of
    # `kube-audit`'s volume), `guard` (Entra ID and Azure RBAC decisions), and the control
    # plane. PSRule Azure.AKS.AuditLogs recommends exactly kube-audit-admin + guard.
    "aks": DiagnosticProfile(
        "Microsoft.ContainerService/managedClusters",
        (
            "kube-audit-admin",
            "guard",
            "kube-apiserver",
            "kube-controller-manager",
            "kube-scheduler",
            "cluster-autoscaler",
            "cloud-controller-manager",
        ),
        _REFERENCE + "microsoft-containerservice-managedclusters-logs",
    ),
    # WAF decisions and every request; the performance log exists for the v1 SKU only.
    "appGateway": DiagnosticProfile(
        "Microsoft.Network/applicationGateways",
        ("ApplicationGatewayFirewallLog", "ApplicationGatewayAccessLog"),
        _REFERENCE + "microsoft-network-applicationgateways-logs",
    ),
    "apim": DiagnosticProfile(
        "Microsoft.ApiManagement/service",
        ("GatewayLogs",),
        _REFERENCE + "microsoft-apimanagement-service-logs",
    ),
    "keyVault": DiagnosticProfile(
        "Microsoft.KeyVault/vaults",
        ("AuditEvent",),
        _REFERENCE + "microsoft-keyvault-vaults-logs",
    ),
}


def diagnostic_logs(service: Service) -> list[dict[str, Any]]:
    """The `logs` of one service's diagnostic setting."""
    return [{"category": c, "enabled": True} for c in DIAGNOSTIC_PROFILES[service].categories]


def diagnostic_setting_args(service: Service) -> dict[str, Any]:
    """Everything but the resource and workspace IDs. `Dedicated` writes resource-specific
    tables (AKSAuditAdmin, AGWFirewallLogs, ApiManagementGatewayLogs, AZKVAuditLogs) instead of
    the shared AzureDiagnostics table."""
    return {
        "name": SETTING_NAME,
        "logs": diagnostic_logs(service),
        "log_analytics_destination_type": "Dedicated",
    }
