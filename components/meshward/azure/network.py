"""The platform network: VNet, subnets with NSGs, and the private DNS zones of the chain."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict, cast

import pulumi
from pulumi_azure_native import network, privatedns

from meshward.azure.existing import name_of, require_for_create, resource_group_of
from meshward.azure.nsg_rules import subnet_rules
from meshward.azure.private_zone import ZoneLink, linked_private_zone
from meshward.config.network import NetworkConfig

#: Azure subnet names by the role they play.
SUBNET_NAMES: dict[str, str] = {
    "aks_nodes": "snet-aks-nodes",
    "app_gateway": "snet-appgw",
    "apim": "snet-apim",
    "private_endpoints": "snet-private-endpoints",
    "api_server": "snet-aks-apiserver",
}


class ExistingSubnets(TypedDict):
    """A VNet and subnets made elsewhere (IDs may be Outputs of another stack); pass only the
    subnets of the components you compose."""

    vnet_id: pulumi.Input[str]
    """Resource ID of the virtual network (private DNS zones are linked to it)."""
    aks_nodes_subnet_id: NotRequired[pulumi.Input[str]]
    """AKS node subnet."""
    app_gateway_subnet_id: NotRequired[pulumi.Input[str]]
    """Dedicated Application Gateway subnet."""
    apim_subnet_id: NotRequired[pulumi.Input[str]]
    """Dedicated API Management subnet."""
    private_endpoints_subnet_id: NotRequired[pulumi.Input[str]]
    """Private endpoint subnet."""
    api_server_subnet_id: NotRequired[pulumi.Input[str]]
    """Subnet delegated to `Microsoft.ContainerService/managedClusters`."""


class NetworkArgs(TypedDict):
    """Inputs of `Network`: a layout to create, or the existing VNet and subnets to use (then
    only the private DNS zones and records are created)."""

    existing: NotRequired[ExistingSubnets]
    """An existing VNet and its subnets, instead of creating them (the same as
    `config.existing`, but the IDs may be Outputs)."""
    config: NotRequired[NetworkConfig]
    """VNet and subnet layout, or the existing subnets to use (required unless `existing`)."""
    base_name: str
    """Prefix of Azure names, e.g. `mw-dev`."""
    resource_group_name: pulumi.Input[str]
    """Resource group of the VNet and zones."""
    location: str
    """Azure region."""
    tags: NotRequired[Mapping[str, str]]
    """Tags on every resource."""
    private_dns_zones: NotRequired[Sequence[str]]
    """Private DNS zones to create and link to the VNet."""
    a_records: NotRequired[Mapping[str, Mapping[str, str]]]
    """Static A records: zone → record name → IPv4 (the Istio gateway's internal IP)."""
    ingress_ip: NotRequired[str]
    """Internal IP of the mesh gateway APIM calls (opened from the APIM subnet only)."""
    peer_vnet_id: NotRequired[pulumi.Input[str]]
    """A VNet (same subscription) to peer with in both directions, e.g. the one the deploying
    CI runner sits in; the peering on its side is created in its resource group."""


class Network(pulumi.ComponentResource):
    """VNet + subnets + NSGs + private DNS, or private DNS linked to a bring-your-own VNet."""

    vnet_id: pulumi.Output[str]
    """Resource id of the virtual network."""
    aks_nodes_subnet_id: pulumi.Output[str]
    """Subnet of the AKS nodes (and the internal load balancers)."""
    app_gateway_subnet_id: pulumi.Output[str]
    """Dedicated Application Gateway subnet."""
    apim_subnet_id: pulumi.Output[str]
    """Dedicated API Management subnet."""
    private_endpoints_subnet_id: pulumi.Output[str]
    """Subnet of private endpoints.

    With `existing`, a subnet not given there reads as an empty string."""
    api_server_subnet_id: pulumi.Output[str] | None
    """Delegated subnet for API-server VNet integration, when there is one."""
    zone_ids: dict[str, pulumi.Output[str]]
    """Private DNS zone ids by zone name."""
    peerings: list[pulumi.Resource]
    """The two halves of the peering with `peer_vnet_id` (empty without one)."""

    def __init__(
        self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("meshward:index:Network", name, None, opts)
        rg, tags = args["resource_group_name"], dict(args.get("tags", {}))
        existing = args.get("existing")
        if existing is None and "config" in args and args["config"].existing is not None:
            existing = cast(
                ExistingSubnets,
                args["config"].existing.model_dump(by_alias=False, exclude_none=True),
            )
        self._last_vnet_write: list[pulumi.Resource] = []
        if existing is not None:
            self._use(existing)
        else:
            require_for_create("Network", args, ["config"], "existing")
            self._create_vnet(name, args)
        self.peerings = []
        if args.get("peer_vnet_id") is not None:
            self._peer(name, args["base_name"], args["peer_vnet_id"])
        self.zone_ids = {}
        for zone_name in args.get("private_dns_zones", []):
            self.zone_ids[zone_name] = self._zone(name, zone_name, rg, tags, args)
        self.register_outputs(
            {
                "vnet_id": self.vnet_id,
                "aks_nodes_subnet_id": self.aks_nodes_subnet_id,
                "app_gateway_subnet_id": self.app_gateway_subnet_id,
                "apim_subnet_id": self.apim_subnet_id,
                "private_endpoints_subnet_id": self.private_endpoints_subnet_id,
                "zone_ids": self.zone_ids,
            }
        )

    def _use(self, existing: ExistingSubnets) -> None:
        def subnet(key: str) -> pulumi.Output[str]:
            return pulumi.Output.from_input(cast(Mapping[str, Any], existing).get(key, ""))

        self.vnet_id = pulumi.Output.from_input(existing["vnet_id"])
        self.aks_nodes_subnet_id = subnet("aks_nodes_subnet_id")
        self.app_gateway_subnet_id = subnet("app_gateway_subnet_id")
        self.apim_subnet_id = subnet("apim_subnet_id")
        self.private_endpoints_subnet_id = subnet("private_endpoints_subnet_id")
        api_server = existing.get("api_server_subnet_id")
        self.api_server_subnet_id = (
            pulumi.Output.from_input(api_server) if api_server is not None else None
        )

    def _create_vnet(self, name: str, args: NetworkArgs) -> None:
        cfg, rg, tags = args["config"], args["resource_group_name"], dict(args.get("tags", {}))
        base = args["base_name"]
        vnet = network.VirtualNetwork(
            f"{name}-vnet",
            virtual_network_name=f"{base}-vnet",
            resource_group_name=rg,
            location=args["location"],
            address_space={"address_prefixes": [cfg.address_space]},
            tags=tags,
            # Subnets are separate resources below; the VNet must not own (and wipe) them.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["subnets"]),
        )
        rules = subnet_rules(cfg.subnets, args.get("ingress_ip"))
        ids: dict[str, pulumi.Output[str]] = {}
        previous: list[pulumi.Resource] = []
        for role, subnet_name in SUBNET_NAMES.items():
            extra: dict[str, Any] = {}
            if role in rules:
                nsg = network.NetworkSecurityGroup(
                    f"{name}-nsg-{subnet_name.removeprefix('snet-')}",
                    network_security_group_name=f"{base}-nsg-{subnet_name.removeprefix('snet-')}",
                    resource_group_name=rg,
                    location=args["location"],
                    security_rules=cast(Any, rules[role]),
                    tags=tags,
                    opts=pulumi.ResourceOptions(parent=self),
                )
                extra["network_security_group"] = {"id": nsg.id}
            if role == "api_server":
                extra["delegations"] = [
                    {
                        "name": "aks-apiserver",
                        "service_name": "Microsoft.ContainerService/managedClusters",
                    }
                ]
            if role == "private_endpoints":
                extra["private_endpoint_network_policies"] = "Enabled"
            # One subnet at a time: Azure refuses concurrent writes to one VNet.
            subnet = network.Subnet(
                f"{name}-{subnet_name}",
                subnet_name=subnet_name,
                virtual_network_name=vnet.name,
                resource_group_name=rg,
                address_prefix=getattr(cfg.subnets, role),
                default_outbound_access=False,
                opts=pulumi.ResourceOptions(parent=self, depends_on=previous),
                **extra,
            )
            previous = [subnet]
            ids[role] = subnet.id
        self._last_vnet_write = previous
        self.vnet_id = vnet.id
        self.aks_nodes_subnet_id = ids["aks_nodes"]
        self.app_gateway_subnet_id = ids["app_gateway"]
        self.apim_subnet_id = ids["apim"]
        self.private_endpoints_subnet_id = ids["private_endpoints"]
        self.api_server_subnet_id = ids["api_server"]

    def _peer(self, name: str, base: str, remote: pulumi.Input[str]) -> None:
        """Both halves of a VNet peering: ours, and the remote VNet's back to ours (ARM needs
        both before traffic flows). Forwarded traffic and gateway transit stay off."""
        local = pulumi.Output.from_input(self.vnet_id)
        remote_id = pulumi.Output.from_input(remote)
        settings: dict[str, Any] = {
            "allow_virtual_network_access": True,
            "allow_forwarded_traffic": False,
            "allow_gateway_transit": False,
            "use_remote_gateways": False,
        }
        ours = network.VirtualNetworkPeering(
            f"{name}-peer-runner",
            virtual_network_peering_name=f"{base}-to-runner",
            virtual_network_name=local.apply(name_of),
            # The VNet's own group: a `network.existing` VNet may live outside the stack's.
            resource_group_name=local.apply(resource_group_of),
            remote_virtual_network={"id": remote_id},
            **settings,
            # After the subnets: Azure refuses concurrent writes to one VNet.
            opts=pulumi.ResourceOptions(parent=self, depends_on=self._last_vnet_write),
        )
        theirs = network.VirtualNetworkPeering(
            f"{name}-peer-runner-back",
            virtual_network_peering_name=f"runner-to-{base}",
            virtual_network_name=remote_id.apply(name_of),
            resource_group_name=remote_id.apply(resource_group_of),
            remote_virtual_network={"id": local},
            **settings,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[ours]),
        )
        self.peerings = [ours, theirs]

    def _zone(
        self,
        name: str,
        zone_name: str,
        rg: pulumi.Input[str],
        tags: dict[str, str],
        args: NetworkArgs,
    ) -> pulumi.Output[str]:
        key = zone_name.replace(".", "-")
        zone, _ = linked_private_zone(
            f"{name}-zone-{key}",
            zone_name=zone_name,
            resource_group_name=rg,
            tags=tags,
            links=[ZoneLink(f"{name}-link-{key}", f"{args['base_name']}-vnet-link", self.vnet_id)],
            parent=self,
        )
        for record, ip in sorted(args.get("a_records", {}).get(zone_name, {}).items()):
            privatedns.PrivateRecordSet(
                f"{name}-a-{key}-{record.replace('@', 'apex')}",
                private_zone_name=zone.name,
                relative_record_set_name=record,
                record_type="A",
                resource_group_name=rg,
                ttl=300,
                a_records=[{"ipv4_address": ip}],
                opts=pulumi.ResourceOptions(parent=self),
            )
        return zone.id
