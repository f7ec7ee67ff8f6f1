"""The ARM profiles of the AKS cluster, computed from config (pure).

Dict keys are the SDK's snake_case input names (azure-native translates them); map keys such
as add-on names are sent as written.
"""

from __future__ import annotations

from typing import Any

from meshward.config.aks import AksConfig, MaintenanceWindow, NodePool
from meshward.config.mesh import MeshInstallConfig

SYSTEM_POOL_TAINT = "CriticalAddonsOnly=true:NoSchedule"
"""Keeps workloads off the system pool."""
AUTO_UPGRADE_SCHEDULE = "aksManagedAutoUpgradeSchedule"
NODE_OS_UPGRADE_SCHEDULE = "aksManagedNodeOSUpgradeSchedule"


def cluster_sku(cfg: AksConfig) -> dict[str, Any]:
    """Control-plane tier (Standard carries the uptime SLA)."""
    return {"name": "Base", "tier": cfg.sku_tier}


def control_plane_identity(identity_id: Any) -> dict[str, Any]:
    """A user-assigned control-plane identity, so its network roles exist before the cluster."""
    return {"type": "UserAssigned", "user_assigned_identities": [identity_id]}


def os_disk_profile(pool: NodePool) -> dict[str, Any]:
    """Ephemeral OS disk sized to the VM's local disk where it fits, else managed."""
    size = pool.ephemeral_os_disk_gb
    if size is None:
        return {"os_disk_type": "Managed"}
    return {"os_disk_type": "Ephemeral", "os_disk_size_gb": size}


def node_pool_profile(pool: NodePool, mode: str, subnet_id: Any) -> dict[str, Any]:
    """One agent pool: autoscaled VMSS in the node subnet, spread over zones, encrypted at the
    host (temp disk, caches, OS disk flows) with an ephemeral OS disk where the size allows."""
    profile: dict[str, Any] = {
        "mode": mode,
        "vm_size": pool.vm_size,
        "os_type": "Linux",
        "os_sku": pool.os_sku,
        "type": "VirtualMachineScaleSets",
        "enable_auto_scaling": True,
        # `count` is required even with the autoscaler (pulumi-azure-native#2943); drift after
        # scaling is ignored, see `cluster_ignore_changes`.
        "count": pool.min_count,
        "min_count": pool.min_count,
        "max_count": pool.max_count,
        "max_pods": pool.max_pods,
        "availability_zones": list(pool.zones),
        "vnet_subnet_id": subnet_id,
        "enable_node_public_ip": False,
        "enable_encryption_at_host": pool.host_encryption,
        **os_disk_profile(pool),
        "upgrade_settings": {"max_surge": "33%"},
    }
    if mode == "System":
        profile["node_taints"] = [SYSTEM_POOL_TAINT]
    return profile


def system_pool_profile(cfg: AksConfig, subnet_id: Any) -> dict[str, Any]:
    """The only inline pool: ARM needs one system pool at creation; user pools are separate
    `AgentPool` resources so that editing one never touches the others."""
    return {"name": cfg.system_pool.name, **node_pool_profile(cfg.system_pool, "System", subnet_id)}


def network_profile(cfg: AksConfig) -> dict[str, Any]:
    """Azure CNI overlay with the configured network policy engine."""
    return {
        "network_plugin": "azure",
        "network_plugin_mode": "overlay",
        "network_policy": cfg.network_policy,
        "network_dataplane": "cilium" if cfg.network_policy == "cilium" else "azure",
        "pod_cidr": cfg.pod_cidr,
        "service_cidr": cfg.service_cidr,
        "dns_service_ip": cfg.dns_service_ip,
        "load_balancer_sku": "standard",
        "outbound_type": "loadBalancer",
    }


def api_server_private_zone(location: str) -> str:
    """The private DNS zone name AKS requires for a custom zone of a private cluster."""
    return f"privatelink.{location}.azmk8s.io"


def api_server_access_profile(
    cfg: AksConfig, subnet_id: Any | None, private_zone_id: Any | None = None
) -> dict[str, Any]:
    """Private cluster (no public FQDN) or a public endpoint limited to authorized ranges; with
    a delegated subnet the API server also gets a VNet-internal address. A private cluster's
    DNS zone is AKS's own ("system", linked to the cluster VNet only) unless the stack brings
    one (linked to the runner's VNet as well)."""
    profile: dict[str, Any] = {"disable_run_command": cfg.disable_run_command}
    if cfg.api_server.mode == "private":
        profile |= {
            "enable_private_cluster": True,
            "enable_private_cluster_public_fqdn": False,
            "private_dns_zone": "system" if private_zone_id is None else private_zone_id,
        }
    else:
        profile["authorized_ip_ranges"] = list(cfg.api_server.authorized_ip_ranges)
    if subnet_id is not None:
        profile |= {"enable_vnet_integration": True, "subnet_id": subnet_id}
    return profile


def aad_profile(cfg: AksConfig, tenant_id: Any) -> dict[str, Any]:
    """Managed Entra ID integration with Azure RBAC for Kubernetes authorization."""
    return {
        "managed": True,
        "enable_azure_rbac": True,
        "admin_group_object_ids": list(cfg.admin_group_object_ids),
        "tenant_id": tenant_id,
    }


def addon_profiles(cfg: AksConfig, workspace_id: Any) -> dict[str, Any]:
    """Azure Policy, Key Vault CSI (with rotation) and Container Insights (Entra auth; its data
    collection rule and association are separate resources). Switched-off add-ons are sent as
    disabled, so turning one off in config turns it off on the cluster."""
    csi: dict[str, Any] = {"enabled": cfg.key_vault_csi}
    if cfg.key_vault_csi:
        csi["config"] = {"enableSecretRotation": "true", "rotationPollInterval": "2m"}
    monitoring: dict[str, Any] = {"enabled": cfg.container_insights}
    if cfg.container_insights:
        monitoring["config"] = {
            "logAnalyticsWorkspaceResourceID": workspace_id,
            "useAADAuth": "true",
        }
    return {
        "azurepolicy": {"enabled": cfg.azure_policy},
        "azureKeyvaultSecretsProvider": csi,
        "omsagent": monitoring,
    }


CONTAINER_INSIGHTS_STREAM = "Microsoft-ContainerInsights-Group-Default"
"""The stream group of Container Insights' standard tables (ContainerLogV2, KubePodInventory,
KubeEvents, Perf, InsightsMetrics, ...), as AKS's own onboarding writes it."""
CONTAINER_INSIGHTS_ASSOCIATION = "ContainerInsightsExtension"
"""The association name AKS's onboarding uses (the add-on looks for it)."""
_DESTINATION = "ciworkspace"


def container_insights_rule_name(location: str, cluster_name: str) -> str:
    """`MSCI-<region>-<cluster>`, the name AKS gives the rule it creates itself (at most 64)."""
    return f"MSCI-{location}-{cluster_name}"[:64]


def container_insights_rule(workspace_id: Any) -> dict[str, Any]:
    """The data collection rule of Container Insights with Entra auth (`useAADAuth`): the
    ContainerInsights extension source to the platform workspace, one-minute interval, every
    namespace, ContainerLogV2 (the shape of Azure's ARM onboarding template)."""
    return {
        "kind": "Linux",
        "data_sources": {
            "extensions": [
                {
                    "name": CONTAINER_INSIGHTS_ASSOCIATION,
                    "extension_name": "ContainerInsights",
                    "streams": [CONTAINER_INSIGHTS_STREAM],
                    "extension_settings": {
                        "dataCollectionSettings": {
                            "interval": "1m",
                            "namespaceFilteringMode": "Off",
                            "enableContainerLogV2": True,
                        }
                    },
                }
            ]
        },
        "destinations": {
            "log_analytics": [{"name": _DESTINATION, "workspace_resource_id": workspace_id}]
        },
        "data_flows": [{"streams": [CONTAINER_INSIGHTS_STREAM], "destinations": [_DESTINATION]}],
    }


def security_profile(cfg: AksConfig, workspace_id: Any) -> dict[str, Any]:
    """Workload identity always; Defender and Image Cleaner as configured."""
    profile: dict[str, Any] = {
        "workload_identity": {"enabled": True},
        "image_cleaner": {"enabled": cfg.image_cleaner, "interval_hours": 168},
    }
    if cfg.defender:
        profile["defender"] = {
            "log_analytics_workspace_resource_id": workspace_id,
            "security_monitoring": {"enabled": True},
        }
    return profile


def auto_upgrade_profile(cfg: AksConfig) -> dict[str, Any]:
    """Cluster and node-OS upgrade channels."""
    return {
        "upgrade_channel": cfg.upgrade_channel,
        "node_os_upgrade_channel": cfg.node_os_upgrade_channel,
    }


def maintenance_window(window: MaintenanceWindow) -> dict[str, Any]:
    """A weekly AKS maintenance window."""
    return {
        "schedule": {"weekly": {"day_of_week": window.day_of_week, "interval_weeks": 1}},
        "duration_hours": window.duration_hours,
        "start_time": window.start_time,
        "utc_offset": window.utc_offset,
    }


def maintenance_configurations(cfg: AksConfig) -> dict[str, dict[str, Any]]:
    """The managed maintenance configurations for the upgrade channels in use."""
    configs: dict[str, dict[str, Any]] = {}
    if cfg.upgrade_channel != "none":
        configs[AUTO_UPGRADE_SCHEDULE] = maintenance_window(cfg.maintenance_window)
    if cfg.node_os_upgrade_channel not in ("None", "Unmanaged"):
        configs[NODE_OS_UPGRADE_SCHEDULE] = maintenance_window(cfg.maintenance_window)
    return configs


def service_mesh_profile(mesh: MeshInstallConfig, key_vault_id: Any | None) -> dict[str, Any]:
    """The Istio add-on (revisions, gateways, plug-in CA), or disabled for Helm installs."""
    if mesh.install != "addon":
        return {"mode": "Disabled"}
    gateways = [{"enabled": True, "mode": "Internal"}]
    if mesh.ingress.external:
        gateways.append({"enabled": True, "mode": "External"})
    istio: dict[str, Any] = {
        "revisions": list(mesh.revisions),
        "components": {"ingress_gateways": gateways},
    }
    if mesh.plugin_ca is not None:
        if key_vault_id is None:
            raise ValueError("mesh.pluginCa needs the Key Vault id")
        ca = mesh.plugin_ca
        istio["certificate_authority"] = {
            "plugin": {
                "key_vault_id": key_vault_id,
                "cert_object_name": ca.cert_object_name,
                "key_object_name": ca.key_object_name,
                "root_cert_object_name": ca.root_cert_object_name,
                "cert_chain_object_name": ca.cert_chain_object_name,
            }
        }
    return {"mode": "Istio", "istio": istio}


def cluster_ignore_changes(cfg: AksConfig) -> list[str]:
    """Properties AKS changes by design (autoscaler counts, auto-upgraded versions); diffing
    them would try to undo scaling or downgrade the cluster on every `pulumi up`."""
    ignored = ["agentPoolProfiles[0].count", "agentPoolProfiles[0].orchestratorVersion"]
    if cfg.upgrade_channel not in ("none", "node-image"):
        ignored.append("kubernetesVersion")
    return ignored


AGENT_POOL_IGNORE_CHANGES = ["count", "orchestratorVersion"]
"""Same for separate agent pools."""
