"""AKS settings. Every default is the hardened one; weaker choices must be written down."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from meshward.config._base import ConfigModel

Zone = Literal["1", "2", "3"]


class NodePool(ConfigModel):
    """One AKS agent pool, registered as its own `AgentPool` resource (no inline-pool churn)."""

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9]{0,11}$")]
    """Pool name: lower-case letters and digits, at most 12 characters."""
    vm_size: str = "Standard_D4ds_v5"
    """VM size of the nodes."""
    min_count: Annotated[int, Field(ge=0, le=1000)] = 1
    """Autoscaler minimum."""
    max_count: Annotated[int, Field(ge=1, le=1000)] = 3
    """Autoscaler maximum."""
    zones: list[Zone] = ["1", "2", "3"]
    """Availability zones the pool spreads over."""
    os_sku: Literal["AzureLinux", "Ubuntu"] = "AzureLinux"
    """Node OS image."""
    max_pods: Annotated[int, Field(ge=10, le=250)] = 110
    """Maximum pods per node."""

    @model_validator(mode="after")
    def _min_le_max(self) -> NodePool:
        if self.min_count > self.max_count:
            raise ValueError(
                f"minCount: {self.min_count} is greater than maxCount {self.max_count}"
            )
        return self


class MaintenanceWindow(ConfigModel):
    """When AKS may apply cluster and node-OS upgrades."""

    day_of_week: Literal[
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"
    ] = "Sunday"
    """Day of the weekly window."""
    start_time: Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")] = "02:00"
    """Start time, HH:MM in `utcOffset`."""
    duration_hours: Annotated[int, Field(ge=4, le=24)] = 4
    """Window length (AKS requires at least 4 hours)."""
    utc_offset: Annotated[str, Field(pattern=r"^[+-](0[0-9]|1[0-4]):[0-5][0-9]$")] = "+00:00"
    """UTC offset of `startTime`."""


class ApiServerAccess(ConfigModel):
    """How the Kubernetes API server is reached."""

    mode: Literal["private", "authorizedRanges"] = "private"
    """`private`: private cluster with API-server VNet integration (no public endpoint).
    `authorizedRanges`: public endpoint restricted to `authorizedIpRanges` (weaker; reported)."""
    authorized_ip_ranges: list[str] = []
    """CIDRs allowed to reach a public API server; required with `authorizedRanges`."""

    @field_validator("authorized_ip_ranges")
    @classmethod
    def _cidrs(cls, value: list[str]) -> list[str]:
        for cidr in value:
            try:
                net = ipaddress.ip_network(cidr, strict=True)
            except ValueError as exc:
                raise ValueError(f"{cidr!r} is not a CIDR ({exc})") from exc
            if net.prefixlen == 0:
                raise ValueError(f"{cidr!r} opens the API server to the whole internet")
        return value

    @model_validator(mode="after")
    def _ranges_when_public(self) -> ApiServerAccess:
        if self.mode == "authorizedRanges" and not self.authorized_ip_ranges:
            raise ValueError("authorizedIpRanges: mode 'authorizedRanges' needs at least one range")
        return self


class AksConfig(ConfigModel):
    """The AKS cluster: Entra ID + Azure RBAC, workload identity, overlay CNI, no local accounts."""

    kubernetes_version: Annotated[str, Field(pattern=r"^1\.[0-9]{2}(\.[0-9]+)?$")] = "1.34"
    """Kubernetes version (minor, or minor.patch)."""
    sku_tier: Literal["Free", "Standard", "Premium"] = "Standard"
    """Control-plane tier; Standard carries the uptime SLA."""
    api_server: ApiServerAccess = ApiServerAccess()
    """API server exposure."""
    admin_group_object_ids: list[str] = []
    """Entra ID groups granted cluster admin through Azure RBAC."""
    network_policy: Literal["cilium", "azure"] = "cilium"
    """Network policy engine enforcing the NetworkPolicies meshward renders (Cilium implies the
    Cilium dataplane)."""
    pod_cidr: str = "192.168.0.0/16"
    """Overlay pod address range (not routed in the VNet)."""
    service_cidr: str = "172.16.0.0/16"
    """Kubernetes service address range."""
    dns_service_ip: str = "172.16.0.10"
    """Cluster DNS service IP, inside `serviceCidr`."""
    system_pool: NodePool = NodePool(name="system", vm_size="Standard_D4ds_v5", min_count=3)
    """The system pool, tainted `CriticalAddonsOnly`."""
    user_pools: list[NodePool] = [NodePool(name="apps")]
    """User pools for workloads."""
    upgrade_channel: Literal["none", "patch", "stable", "rapid", "node-image"] = "stable"
    """Cluster auto-upgrade channel."""
    node_os_upgrade_channel: Literal["None", "Unmanaged", "NodeImage", "SecurityPatch"] = (
        "NodeImage"
    )
    """Node OS upgrade channel."""
    maintenance_window: MaintenanceWindow = MaintenanceWindow()
    """Window used for both auto-upgrade and node-OS upgrades."""
    azure_policy: bool = True
    """Azure Policy add-on."""
    defender: bool = True
    """Microsoft Defender for Containers."""
    key_vault_csi: bool = True
    """Key Vault Secrets Store CSI driver add-on (with rotation); the add-on plug-in CA needs it."""
    image_cleaner: bool = True
    """Image Cleaner (removes unused vulnerable images)."""
    disable_run_command: bool = True
    """Disable `az aks command invoke`."""
    log_analytics_retention_days: Annotated[int, Field(ge=30, le=730)] = 30
    """Retention of the Log Analytics workspace the monitoring add-ons write to."""

    @model_validator(mode="after")
    def _unique_pools(self) -> AksConfig:
        names = [self.system_pool.name, *(p.name for p in self.user_pools)]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(
                f"userPools: node pool names must be unique; repeated: {', '.join(dupes)}"
            )
        return self
