"""A private DNS zone linked to VNets: the one shape both the network's zones and the private
API server's zone take."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import pulumi
from pulumi_azure_native import privatedns


class ZoneLink(NamedTuple):
    """One VNet link of a zone."""

    resource_name: str
    """Pulumi resource name."""
    link_name: str
    """Azure name of the link."""
    vnet_id: pulumi.Input[str]
    """The linked VNet."""


def linked_private_zone(
    resource_name: str,
    *,
    zone_name: str,
    resource_group_name: pulumi.Input[str],
    tags: dict[str, str],
    links: Sequence[ZoneLink],
    parent: pulumi.Resource,
) -> tuple[privatedns.PrivateZone, list[privatedns.VirtualNetworkLink]]:
    """Register the zone (global, as Azure requires) and one link per VNet, without
    auto-registration: only the records the stack or AKS writes resolve."""
    zone = privatedns.PrivateZone(
        resource_name,
        private_zone_name=zone_name,
        resource_group_name=resource_group_name,
        location="global",
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    registered = [
        privatedns.VirtualNetworkLink(
            link.resource_name,
            virtual_network_link_name=link.link_name,
            private_zone_name=zone.name,
            resource_group_name=resource_group_name,
            location="global",
            virtual_network={"id": link.vnet_id},
            registration_enabled=False,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=parent),
        )
        for link in links
    ]
    return zone, registered
