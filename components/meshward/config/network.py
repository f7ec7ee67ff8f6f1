"""Network settings: the VNet, its subnets, and the private DNS the traffic chain needs."""

from __future__ import annotations

import ipaddress
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from meshward.config._base import ConfigModel

Cidr = Annotated[str, Field(pattern=r"^[0-9.]+/[0-9]{1,2}$")]


def _network(value: str) -> ipaddress.IPv4Network:
    try:
        return ipaddress.IPv4Network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not an IPv4 network in CIDR form ({exc})") from exc


class Subnets(ConfigModel):
    """Address prefixes of the subnets meshward creates inside the VNet."""

    aks_nodes: Cidr = "10.40.0.0/20"
    """AKS node subnet (pods use the CNI overlay range, not this one)."""
    app_gateway: Cidr = "10.40.16.0/24"
    """Dedicated Application Gateway v2 subnet (no other resources allowed)."""
    apim: Cidr = "10.40.17.0/24"
    """Dedicated, undelegated subnet for API Management in internal VNet mode."""
    private_endpoints: Cidr = "10.40.18.0/24"
    """Private endpoints (Key Vault and others)."""
    api_server: Cidr = "10.40.19.0/28"
    """Delegated subnet for AKS API-server VNet integration (the API server gets a private IP
    here, so nodes and operators never need a public endpoint)."""

    @field_validator("*")
    @classmethod
    def _is_cidr(cls, value: str) -> str:
        _network(value)
        return value


class ExistingNetwork(ConfigModel):
    """Bring-your-own network: resource IDs of subnets created elsewhere (e.g. a hub team)."""

    vnet_id: str
    """Resource ID of the existing virtual network."""
    aks_nodes_subnet_id: str
    """Resource ID of the AKS node subnet."""
    app_gateway_subnet_id: str
    """Resource ID of the Application Gateway subnet."""
    apim_subnet_id: str
    """Resource ID of the API Management subnet (with an NSG allowing APIM management traffic)."""
    private_endpoints_subnet_id: str
    """Resource ID of the private endpoint subnet."""
    api_server_subnet_id: str | None = None
    """Resource ID of a subnet delegated to `Microsoft.ContainerService/managedClusters` for
    API-server VNet integration; without it a private cluster uses a private endpoint only."""

    @field_validator("*")
    @classmethod
    def _is_resource_id(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("/subscriptions/"):
            raise ValueError(f"{value!r} is not an Azure resource ID (starts with /subscriptions/)")
        return value


class NetworkConfig(ConfigModel):
    """The VNet and subnets of the platform, or references to existing ones."""

    address_space: Cidr = "10.40.0.0/16"
    """Address space of the VNet meshward creates."""
    subnets: Subnets = Subnets()
    """Subnet prefixes; each must lie inside `addressSpace` and not overlap the others."""
    existing: ExistingNetwork | None = None
    """Use these existing subnets instead of creating a VNet (then `addressSpace`/`subnets` are
    ignored)."""
    internal_dns_zone: str = "internal.meshward.example"
    """Private DNS zone for internal names (the Istio internal gateway's A record lives here)."""

    @model_validator(mode="after")
    def _subnets_fit(self) -> NetworkConfig:
        space = _network(self.address_space)
        nets = {name: _network(getattr(self.subnets, name)) for name in Subnets.model_fields}
        for name, net in nets.items():
            if not net.subnet_of(space):
                raise ValueError(f"subnets.{name}: {net} is outside addressSpace {space}")
        names = sorted(nets)
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                if nets[a].overlaps(nets[b]):
                    raise ValueError(f"subnets.{a}: {nets[a]} overlaps subnets.{b} {nets[b]}")
        return self
