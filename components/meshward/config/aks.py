"""AKS settings. Every default is the hardened one; weaker choices must be written down."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from meshward.config._base import ConfigModel
from meshward.config.vm_sizes import EPHEMERAL_FAMILIES, describe_local_disk, ephemeral_os_disk_gb
from meshward.versions import KUBERNETES_VERSION

Zone = Literal["1", "2", "3"]
_GUID_PATTERN = r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$"
Guid = Annotated[str, Field(pattern=_GUID_PATTERN)]
"""An Entra ID object, client or tenant id."""
ResourceId = Annotated[
    str, Field(pattern=r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/.+")
]
"""An Azure resource ID."""


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
    host_encryption: bool = True
    """Encrypt temp disks, caches and OS/data disk flows at the VM host (needs the subscription
    feature `Microsoft.Compute/EncryptionAtHost` registered; `meshward preflight` names it)."""
    os_disk: Literal["auto", "Ephemeral", "Managed"] = "auto"
    """OS disk: `auto` is ephemeral (on the VM's local disk: faster re-imaging, no disk cost,
    nothing persisted off the host) whenever meshward knows the VM size's local disk can hold
    it, else managed. `Ephemeral` on a size without such a disk is an error."""

    @property
    def ephemeral_os_disk_gb(self) -> int | None:
        """Size of the ephemeral OS disk, or None when the pool gets a managed one."""
        if self.os_disk == "Managed":
            return None
        return ephemeral_os_disk_gb(self.vm_size)

    @model_validator(mode="after")
    def _min_le_max(self) -> NodePool:
        if self.min_count > self.max_count:
            raise ValueError(
                f"minCount: {self.min_count} is greater than maxCount {self.max_count}"
            )
        # AKS would refuse it only after the cluster or pool is half created (the OS disk must
        # fit the local disk); say so while nothing exists.
        if self.os_disk == "Ephemeral" and ephemeral_os_disk_gb(self.vm_size) is None:
            raise ValueError(
                f"osDisk: 'Ephemeral' needs a VM size whose local disk holds the OS disk; "
                f"{describe_local_disk(self.vm_size)} (known: {EPHEMERAL_FAMILIES} sizes). "
                "Use 'auto' or 'Managed'"
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
    """CIDRs allowed to reach a public API server; required with `authorizedRanges`. Put the
    egress addresses of whoever runs `pulumi up` here (your CI runners' and your office's)."""
    runner_vnet_id: ResourceId | None = None
    """`private` only: the VNet the deployer runs in (a self-hosted CI runner or jump host).
    meshward peers it with the platform VNet and links the cluster's private DNS zone to it,
    so `pulumi up` can reach the private API server. Not needed when `network.existing` is a
    VNet your runner already sits in or is peered to."""

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
        if self.mode != "private" and self.runner_vnet_id is not None:
            raise ValueError("runnerVnetId: only used with mode 'private'")
        return self


class KubeLogin(ConfigModel):
    """How the Kubernetes provider signs in to the Entra ID cluster, through `kubelogin` (which
    must be on the PATH of whoever runs `pulumi up`). AKS hands out a device-code kubeconfig
    that waits for a person; meshward rewrites it to this mode, which never prompts."""

    mode: Literal["azurecli", "workloadidentity", "spn", "msi"] = "azurecli"
    """`azurecli`: the signed-in Azure CLI (people, or CI after `azure/login`).
    `workloadidentity`: OpenID Connect federation in CI (`AZURE_CLIENT_ID`, `AZURE_TENANT_ID`,
    `AZURE_FEDERATED_TOKEN_FILE`). `spn`: a service principal secret (`AZURE_CLIENT_ID`,
    `AZURE_CLIENT_SECRET`). `msi`: the managed identity of the VM or runner."""
    client_id: Guid | None = None
    """Client id written into the kubeconfig (`msi`: which user-assigned identity; `spn` and
    `workloadidentity`: instead of `AZURE_CLIENT_ID`)."""
    principal_type: Literal["User", "ServicePrincipal"] | None = None
    """Kind of principal that runs `pulumi up` (it is granted cluster admin, and Azure refuses
    a role assignment whose principal type is wrong). Default: `User` for `azurecli`,
    `ServicePrincipal` for the other modes; set it when CI signs the Azure CLI in."""

    @property
    def deployer_principal_type(self) -> str:
        """The principal type of the deployer's role assignments."""
        if self.principal_type is not None:
            return self.principal_type
        return "User" if self.mode == "azurecli" else "ServicePrincipal"


class AksConfig(ConfigModel):
    """The AKS cluster: Entra ID + Azure RBAC, workload identity, overlay CNI, no local accounts."""

    kubernetes_version: Annotated[str, Field(pattern=r"^1\.[0-9]{2}(\.[0-9]+)?$")] = (
        KUBERNETES_VERSION
    )
    """Kubernetes version (minor, or minor.patch)."""
    sku_tier: Literal["Free", "Standard", "Premium"] = "Standard"
    """Control-plane tier; Standard carries the uptime SLA."""
    api_server: ApiServerAccess = ApiServerAccess()
    """API server exposure."""
    admin_group_object_ids: list[Guid] = []
    """Entra ID groups granted cluster admin through Azure RBAC ("Azure Kubernetes Service
    RBAC Cluster Admin" on the cluster; the deploying principal gets it too)."""
    kubelogin: KubeLogin = KubeLogin()
    """How `pulumi up` signs in to the cluster (never interactively)."""
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
    log_analytics_retention_days: Annotated[int, Field(ge=30, le=730)] = 90
    """Retention of the platform's Log Analytics workspace: the monitoring add-ons and every
    security log (`monitoring.diagnosticSettings`) go there. Below 90 days is reported as
    weaker (the dev profile keeps 30)."""
    container_insights: bool = True
    """Container Insights (the monitoring add-on, Entra ID auth) with its data collection rule
    and the rule's association with the cluster; off: no monitoring add-on at all."""

    @model_validator(mode="after")
    def _unique_pools(self) -> AksConfig:
        names = [self.system_pool.name, *(p.name for p in self.user_pools)]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(
                f"userPools: node pool names must be unique; repeated: {', '.join(dupes)}"
            )
        return self
