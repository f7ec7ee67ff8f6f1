"""The AKS cluster, its agent pools and maintenance windows, and a Kubernetes provider."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_kubernetes as k8s
from pulumi_azure_native import (
    authorization,
    containerservice,
    monitor,
    operationalinsights,
)

from meshward.azure import aks_profiles
from meshward.azure.existing import require_for_create, resource_group_of
from meshward.azure.identity import ManagedIdentity, assign_role
from meshward.azure.kubeconfig import noninteractive_kubeconfig
from meshward.azure.private_zone import ZoneLink, linked_private_zone
from meshward.config.aks import AksConfig, KubeLogin
from meshward.config.mesh import MeshInstallConfig

# The pure layer returns plain dicts; the SDK's input TypedDicts are narrower than mypy can
# relate them to, and azure-native translates the snake_case keys either way.
profiles: Any = aks_profiles


def _addon_object_id(addon_profiles: Any, addon: str) -> str:
    """Object id of the identity AKS created for an add-on (empty while unknown)."""
    identity = getattr((addon_profiles or {}).get(addon), "identity", None)
    return str(getattr(identity, "object_id", None) or "")


#: `AksArgs` keys needed to create a cluster (not with `existing_cluster_id`).
_CREATE_KEYS = ("config", "mesh", "base_name", "resource_group_name", "location", "node_subnet_id")


class AksArgs(TypedDict):
    """Inputs of `Aks`: everything needed to create a cluster, or `existing_cluster_id` alone
    to use a cluster made elsewhere (then only its Kubernetes provider is registered)."""

    existing_cluster_id: NotRequired[pulumi.Input[str]]
    """Resource ID of an existing AKS cluster to use instead of creating one: the component
    reads it (`ManagedCluster.get`) and builds a Kubernetes provider from its user credentials."""
    config: NotRequired[AksConfig]
    """Cluster settings (required to create)."""
    mesh: NotRequired[MeshInstallConfig]
    """Istio installation; the add-on is part of the cluster resource (required to create)."""
    base_name: NotRequired[str]
    """Prefix of Azure names, e.g. `mw-dev` (required to create)."""
    resource_group_name: NotRequired[pulumi.Input[str]]
    """Resource group of the cluster (required to create)."""
    location: NotRequired[str]
    """Azure region (required to create)."""
    node_subnet_id: NotRequired[pulumi.Input[str]]
    """Subnet of the nodes and internal load balancers (required to create)."""
    api_server_subnet_id: NotRequired[pulumi.Input[str] | None]
    """Delegated subnet for API-server VNet integration (optional)."""
    vnet_id: NotRequired[pulumi.Input[str]]
    """The VNet of the nodes. Needed with `aks.apiServer.runnerVnetId`: the cluster's private
    DNS zone is then the stack's own, linked to this VNet and to the runner's."""
    key_vault_id: NotRequired[pulumi.Input[str]]
    """Key Vault holding the mesh plug-in CA (needed with `mesh.pluginCa`)."""
    log_analytics_workspace_id: NotRequired[pulumi.Input[str]]
    """An existing Log Analytics workspace for the monitoring add-ons, instead of creating
    `<base>-aks-logs`."""
    tags: NotRequired[Mapping[str, str]]
    """Tags on every resource."""
    protect: NotRequired[bool]
    """Protect the cluster from deletion."""


class Aks(pulumi.ComponentResource):
    """An Entra-only AKS cluster (no local accounts) with workload identity and overlay CNI, or
    an existing cluster read by ID; either way with a Kubernetes provider for it."""

    cluster: containerservice.ManagedCluster
    """The cluster resource (the Istio add-on installation when `mesh.install` is `addon`); a
    read-only reference with `existing_cluster_id`."""
    cluster_name: pulumi.Output[str]
    """Name of the cluster."""
    cluster_id: pulumi.Output[str]
    """Resource id of the cluster."""
    oidc_issuer_url: pulumi.Output[str]
    """OIDC issuer that workload-identity federations trust."""
    control_plane_identity_principal_id: pulumi.Output[str]
    """Principal of the cluster's user-assigned control-plane identity (with
    `existing_cluster_id`: its system-assigned identity, empty when it has none)."""
    kubeconfig: pulumi.Output[str]
    """User kubeconfig (Entra ID exec via kubelogin in the configured non-interactive mode),
    secret."""
    provider: k8s.Provider
    """Kubernetes provider for in-cluster components."""
    workspace_id: pulumi.Output[str]
    """Log Analytics workspace the cluster's monitoring add-ons write to (created, or the one
    given; empty with `existing_cluster_id`)."""
    admin_grants: list[pulumi.Resource]
    """"Azure Kubernetes Service RBAC Cluster Admin" for the deployer and the admin groups:
    every in-cluster resource must depend on these (empty for an existing cluster)."""

    def __init__(
        self, name: str, args: AksArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("meshward:index:Aks", name, None, opts)
        existing = args.get("existing_cluster_id")
        self.admin_grants = []
        if existing is not None:
            self.cluster = containerservice.ManagedCluster.get(
                f"{name}-cluster", existing, opts=pulumi.ResourceOptions(parent=self)
            )
            rg: pulumi.Input[str] = pulumi.Output.from_input(existing).apply(resource_group_of)
            self.control_plane_identity_principal_id = self.cluster.identity.apply(
                lambda i: str((i.principal_id if i else None) or "")
            )
            self.workspace_id = pulumi.Output.from_input(args.get("log_analytics_workspace_id", ""))
        else:
            require_for_create("Aks", args, _CREATE_KEYS, "existing_cluster_id")
            rg = args["resource_group_name"]
            self._create(name, args)
        login = args["config"].kubelogin if "config" in args else KubeLogin()
        self._connect(name, rg, login)

    def _create(self, name: str, args: AksArgs) -> None:
        cfg, base = args["config"], args["base_name"]
        rg, location, tags = (
            args["resource_group_name"],
            args["location"],
            dict(args.get("tags", {})),
        )
        api_subnet = args.get("api_server_subnet_id")

        existing_workspace = args.get("log_analytics_workspace_id")
        if existing_workspace is None:
            self.workspace_id = operationalinsights.Workspace(
                f"{name}-logs",
                workspace_name=f"{base}-aks-logs",
                resource_group_name=rg,
                location=location,
                sku={"name": "PerGB2018"},
                retention_in_days=cfg.log_analytics_retention_days,
                tags=tags,
                opts=pulumi.ResourceOptions(parent=self),
            ).id
        else:
            self.workspace_id = pulumi.Output.from_input(existing_workspace)
        identity = ManagedIdentity(
            f"{name}-identity",
            {
                "identity_name": f"{base}-aks-controlplane",
                "resource_group_name": rg,
                "location": location,
                "tags": tags,
            },
            opts=pulumi.ResourceOptions(parent=self),
        )
        # The control plane manages internal load balancers (static gateway IP) in the node
        # subnet and, with VNet integration, the API server's address: grant before creation.
        grants: list[pulumi.Resource] = [
            assign_role(
                f"{name}-netcontrib-nodes",
                role="Network Contributor",
                scope=args["node_subnet_id"],
                principal_id=identity.principal_id,
                parent=self,
            )
        ]
        if api_subnet is not None:
            grants.append(
                assign_role(
                    f"{name}-netcontrib-apiserver",
                    role="Network Contributor",
                    scope=api_subnet,
                    principal_id=identity.principal_id,
                    parent=self,
                )
            )
        private_zone_id: pulumi.Output[str] | None = None
        if cfg.api_server.mode == "private" and cfg.api_server.runner_vnet_id is not None:
            if "vnet_id" not in args:
                raise ValueError("Aks: aks.apiServer.runnerVnetId needs the `vnet_id` argument")
            private_zone_id, zone_ready = self._private_zone(
                name, base, rg, location, tags, args["vnet_id"], cfg.api_server.runner_vnet_id
            )
            grants.append(
                assign_role(
                    f"{name}-dnscontrib-apiserver",
                    role="Private DNS Zone Contributor",
                    scope=private_zone_id,
                    principal_id=identity.principal_id,
                    parent=self,
                )
            )
            grants.extend(zone_ready)
        tenant_id = authorization.get_client_config_output().tenant_id
        self.cluster = containerservice.ManagedCluster(
            f"{name}-cluster",
            resource_name_=f"{base}-aks",
            resource_group_name=rg,
            location=location,
            dns_prefix=base,
            kubernetes_version=cfg.kubernetes_version,
            sku=profiles.cluster_sku(cfg),
            identity=profiles.control_plane_identity(identity.id),
            node_resource_group=f"{base}-aks-nodes-rg",
            node_resource_group_profile={"restriction_level": "ReadOnly"},
            enable_rbac=True,
            disable_local_accounts=True,
            aad_profile=profiles.aad_profile(cfg, tenant_id),
            oidc_issuer_profile={"enabled": True},
            security_profile=profiles.security_profile(cfg, self.workspace_id),
            network_profile=profiles.network_profile(cfg),
            api_server_access_profile=profiles.api_server_access_profile(
                cfg, api_subnet, private_zone_id
            ),
            agent_pool_profiles=[profiles.system_pool_profile(cfg, args["node_subnet_id"])],
            auto_upgrade_profile=profiles.auto_upgrade_profile(cfg),
            addon_profiles=profiles.addon_profiles(cfg, self.workspace_id),
            service_mesh_profile=profiles.service_mesh_profile(
                args["mesh"], args.get("key_vault_id")
            ),
            tags=tags,
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=grants,
                protect=args.get("protect", False),
                ignore_changes=profiles.cluster_ignore_changes(cfg),
                custom_timeouts=pulumi.CustomTimeouts(create="90m", update="90m"),
            ),
        )
        previous: list[pulumi.Resource] = []
        for pool in cfg.user_pools:
            # One pool at a time: AKS rejects concurrent agent-pool operations on a cluster.
            agent_pool = containerservice.AgentPool(
                f"{name}-pool-{pool.name}",
                agent_pool_name=pool.name,
                resource_name_=self.cluster.name,
                resource_group_name=rg,
                **profiles.node_pool_profile(pool, "User", args["node_subnet_id"]),
                opts=pulumi.ResourceOptions(
                    parent=self,
                    depends_on=previous,
                    ignore_changes=profiles.AGENT_POOL_IGNORE_CHANGES,
                ),
            )
            previous = [agent_pool]
        if cfg.container_insights:
            self._container_insights(name, base, rg, location, tags)
        for config_name, window in profiles.maintenance_configurations(cfg).items():
            containerservice.MaintenanceConfiguration(
                f"{name}-{config_name}",
                config_name=config_name,
                resource_name_=self.cluster.name,
                resource_group_name=rg,
                maintenance_window=window,
                opts=pulumi.ResourceOptions(parent=self),
            )
        if args["mesh"].plugin_ca is not None and "key_vault_id" in args:
            # The add-on reads the mesh CA through the Key Vault CSI add-on's identity.
            csi_identity = self.cluster.addon_profiles.apply(
                lambda p: _addon_object_id(p, "azureKeyvaultSecretsProvider")
            )
            assign_role(
                f"{name}-meshca-reader",
                role="Key Vault Secrets User",
                scope=args["key_vault_id"],
                principal_id=csi_identity,
                parent=self,
            )
        self.control_plane_identity_principal_id = identity.principal_id
        self._grant_cluster_admins(name, cfg)

    def _private_zone(
        self,
        name: str,
        base: str,
        rg: pulumi.Input[str],
        location: str,
        tags: dict[str, str],
        vnet_id: pulumi.Input[str],
        runner_vnet_id: str,
    ) -> tuple[pulumi.Output[str], list[pulumi.Resource]]:
        """The API server's private DNS zone, owned by the stack instead of AKS ("system"), so
        it can be linked to the runner's VNet too: `pulumi up` there resolves the private API
        server. AKS writes the API server's record into it (hence Private DNS Zone
        Contributor); both links exist before the cluster, so nodes resolve it while joining."""
        zone, links = linked_private_zone(
            f"{name}-apiserver-zone",
            zone_name=profiles.api_server_private_zone(location),
            resource_group_name=rg,
            tags=tags,
            links=[
                ZoneLink(f"{name}-apiserver-zone-{which}", f"{base}-{which}-link", target)
                for which, target in (("vnet", vnet_id), ("runner", runner_vnet_id))
            ],
            parent=self,
        )
        return zone.id, [*links]

    def _container_insights(
        self,
        name: str,
        base: str,
        rg: pulumi.Input[str],
        location: str,
        tags: dict[str, str],
    ) -> None:
        """With Entra auth (`useAADAuth`) the monitoring agent sends nothing until a data
        collection rule to the workspace is associated with the cluster; AKS creates both only
        when the CLI or portal onboards it, so the stack does."""
        rule = monitor.DataCollectionRule(
            f"{name}-ci-dcr",
            data_collection_rule_name=profiles.container_insights_rule_name(
                location, f"{base}-aks"
            ),
            resource_group_name=rg,
            location=location,
            description="Container Insights (monitoring add-on with Entra ID auth)",
            tags=tags,
            **profiles.container_insights_rule(self.workspace_id),
            opts=pulumi.ResourceOptions(parent=self),
        )
        monitor.DataCollectionRuleAssociation(
            f"{name}-ci-dcra",
            association_name=profiles.CONTAINER_INSIGHTS_ASSOCIATION,
            resource_uri=self.cluster.id,
            data_collection_rule_id=rule.id,
            description="Container Insights data collection of this cluster",
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _grant_cluster_admins(self, name: str, cfg: AksConfig) -> None:
        """Azure RBAC is on and local accounts are off: without a data-plane role nobody, not
        even the deployer, may create anything inside the cluster."""
        deployer = authorization.get_client_config_output().object_id
        self.admin_grants = [
            assign_role(
                f"{name}-cluster-admin-deployer",
                role="Azure Kubernetes Service RBAC Cluster Admin",
                scope=self.cluster.id,
                principal_id=deployer,
                parent=self,
                principal_type=cfg.kubelogin.deployer_principal_type,
            )
        ]
        for group in cfg.admin_group_object_ids:
            self.admin_grants.append(
                assign_role(
                    f"{name}-cluster-admin-{group}",
                    role="Azure Kubernetes Service RBAC Cluster Admin",
                    scope=self.cluster.id,
                    principal_id=group,
                    parent=self,
                    principal_type="Group",
                )
            )

    def _connect(self, name: str, rg: pulumi.Input[str], login: KubeLogin) -> None:
        credentials = containerservice.list_managed_cluster_user_credentials_output(
            resource_group_name=rg, resource_name=self.cluster.name
        )
        # AKS answers with a device-code kubeconfig that waits for a person; the provider gets
        # the configured non-interactive login instead.
        self.kubeconfig = pulumi.Output.secret(
            credentials.kubeconfigs[0].value.apply(
                lambda b64: noninteractive_kubeconfig(
                    base64.b64decode(b64).decode(), login.mode, login.client_id
                )
            )
        )
        self.provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=self.kubeconfig,
            cluster_identifier=self.cluster.id,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.cluster_name = self.cluster.name
        self.cluster_id = self.cluster.id
        self.oidc_issuer_url = self.cluster.oidc_issuer_profile.apply(
            lambda p: str((p.issuer_url if p else None) or "")
        )
        self.register_outputs(
            {
                "cluster_name": self.cluster_name,
                "cluster_id": self.cluster_id,
                "oidc_issuer_url": self.oidc_issuer_url,
                "kubeconfig": self.kubeconfig,
            }
        )
