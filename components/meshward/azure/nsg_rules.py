"""NSG rule tables per subnet (pure): what APIM in internal VNet mode and Application Gateway v2
need, and nothing that opens more."""

from __future__ import annotations

from typing import Any

from meshward.config.network import Subnets

Rule = dict[str, Any]


def _rule(
    name: str,
    priority: int,
    source: str,
    destination: str,
    ports: str | list[str],
    *,
    direction: str = "Inbound",
    access: str = "Allow",
    protocol: str = "Tcp",
) -> Rule:
    rule: Rule = {
        "name": name,
        "priority": priority,
        "direction": direction,
        "access": access,
        "protocol": protocol,
        "source_address_prefix": source,
        "source_port_range": "*",
        "destination_address_prefix": destination,
    }
    if isinstance(ports, list):
        rule["destination_port_ranges"] = ports
    else:
        rule["destination_port_range"] = ports
    return rule


def _deny_all_inbound() -> Rule:
    return _rule("DenyAllInbound", 4096, "*", "*", "*", access="Deny", protocol="*")


def app_gateway_rules(subnets: Subnets) -> list[Rule]:
    """Application Gateway v2: public HTTPS (and HTTP for the redirect) plus the infrastructure
    ports Azure requires (GatewayManager 65200-65535, AzureLoadBalancer)."""
    return [
        _rule("AllowHttpsInbound", 100, "Internet", subnets.app_gateway, "443"),
        _rule("AllowHttpRedirectInbound", 110, "Internet", subnets.app_gateway, "80"),
        _rule("AllowGatewayManager", 120, "GatewayManager", "*", "65200-65535"),
        _rule("AllowAzureLoadBalancer", 130, "AzureLoadBalancer", "*", "*", protocol="*"),
        _deny_all_inbound(),
    ]


def apim_rules(subnets: Subnets) -> list[Rule]:
    """API Management (classic, internal VNet mode): management endpoint from the
    `ApiManagement` tag, the infrastructure load balancer, client traffic only from the
    Application Gateway subnet, instance sync inside the subnet; outbound dependencies."""
    return [
        _rule("AllowApimManagement", 100, "ApiManagement", "VirtualNetwork", "3443"),
        _rule("AllowAzureLoadBalancer", 110, "AzureLoadBalancer", "VirtualNetwork", "6390"),
        _rule("AllowAppGatewayHttps", 120, subnets.app_gateway, subnets.apim, "443"),
        _rule("AllowApimRateLimitSync", 130, subnets.apim, subnets.apim, "4290", protocol="Udp"),
        _rule("AllowApimCacheSync", 140, subnets.apim, subnets.apim, "6381-6383"),
        _deny_all_inbound(),
        _rule("AllowStorage", 100, "VirtualNetwork", "Storage", "443", direction="Outbound"),
        _rule("AllowSql", 110, "VirtualNetwork", "Sql", "1433", direction="Outbound"),
        _rule("AllowKeyVault", 120, "VirtualNetwork", "AzureKeyVault", "443", direction="Outbound"),
        _rule(
            "AllowAzureMonitor",
            130,
            "VirtualNetwork",
            "AzureMonitor",
            ["443", "1886"],
            direction="Outbound",
        ),
        _rule(
            "AllowMeshGateway", 140, subnets.apim, subnets.aks_nodes, "443", direction="Outbound"
        ),
        _rule(
            "AllowPrivateEndpoints",
            150,
            subnets.apim,
            subnets.private_endpoints,
            "443",
            direction="Outbound",
        ),
    ]


MESH_GATEWAY_DENY_PRIORITY = 4000
"""Below every allow of the node subnet, above Azure's default `AllowVnetInBound` (65000)."""


def aks_nodes_rules(subnets: Subnets, ingress_ip: str | None) -> list[Rule]:
    """AKS nodes: the mesh's internal gateway answers the APIM subnet only. Azure's default
    `AllowVnetInBound` would let the whole VNet (and every peered one) in, so a deny for the
    gateway's address sits under three allows: APIM, the Azure load balancer's health probes,
    and the nodes themselves (pods reach the gateway from their node's address; overlay pod
    traffic leaving a node is SNATed to it). Everything else keeps Azure's defaults (AKS
    manages its own rules on the node NICs)."""
    if ingress_ip is None:
        return []
    gateway = f"{ingress_ip}/32"
    return [
        _rule("AllowApimToMeshGateway", 100, subnets.apim, gateway, "443"),
        _rule(
            "AllowLoadBalancerToMeshGateway", 110, "AzureLoadBalancer", gateway, "*", protocol="*"
        ),
        _rule("AllowNodesToMeshGateway", 120, subnets.aks_nodes, gateway, "*", protocol="*"),
        _rule(
            "DenyVnetToMeshGateway",
            MESH_GATEWAY_DENY_PRIORITY,
            "VirtualNetwork",
            gateway,
            "*",
            access="Deny",
            protocol="*",
        ),
    ]


def private_endpoint_rules(subnets: Subnets) -> list[Rule]:
    """Private endpoints: HTTPS from inside the VNet only."""
    return [
        _rule("AllowVnetHttps", 100, "VirtualNetwork", subnets.private_endpoints, "443"),
        _deny_all_inbound(),
    ]


def subnet_rules(subnets: Subnets, ingress_ip: str | None) -> dict[str, list[Rule]]:
    """The NSG rule table of every subnet meshward creates (the API-server subnet has none)."""
    return {
        "aks_nodes": aks_nodes_rules(subnets, ingress_ip),
        "app_gateway": app_gateway_rules(subnets),
        "apim": apim_rules(subnets),
        "private_endpoints": private_endpoint_rules(subnets),
    }
