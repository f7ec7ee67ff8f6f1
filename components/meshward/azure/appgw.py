"""Application Gateway WAF_v2: the platform's only public entry point."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict, cast

import pulumi
from pulumi_azure_native import authorization, network

from meshward.azure import appgw_layout, waf_rules
from meshward.config.edge import AppGatewayConfig

_LAYOUT_KEYS = (
    "trusted_root_certificates",
    "frontend_ports",
    "ssl_certificates",
    "http_listeners",
    "redirect_configurations",
    "backend_address_pools",
    "probes",
    "backend_http_settings_collection",
    "request_routing_rules",
)


def _pick(layout: pulumi.Output[dict[str, Any]], key: str) -> pulumi.Output[Any]:
    return layout.apply(lambda d: d[key])


class AppGatewayArgs(TypedDict):
    """Inputs of `AppGateway`."""

    config: AppGatewayConfig
    """Host name, certificate, capacity, zones, TLS and WAF settings."""
    base_name: str
    """Prefix of Azure names, e.g. `mw-dev`."""
    resource_group_name: pulumi.Input[str]
    """Resource group (also part of the gateway's own sub-resource ids)."""
    location: str
    """Azure region."""
    subnet_id: pulumi.Input[str]
    """Dedicated Application Gateway subnet."""
    identity_id: pulumi.Input[str]
    """User-assigned identity allowed to read the listener certificate from Key Vault."""
    key_vault_uri: pulumi.Input[str]
    """Vault holding the listener certificate."""
    backend_hostname: str
    """Host name the backend (APIM) answers to; sent as Host and used by the probe."""
    backend_ip: pulumi.Input[str]
    """Private IP of the backend (APIM)."""
    trusted_root_secret: NotRequired[str]
    """Key Vault secret (certificate-only PFX) of the CA that signs APIM's certificate."""
    key_vault_dependencies: NotRequired[Sequence[pulumi.Resource]]
    """What must exist before the gateway reads Key Vault (its identity's role assignment and
    the certificate secrets)."""
    tags: NotRequired[Mapping[str, str]]
    """Tags on every resource."""


class AppGateway(pulumi.ComponentResource):
    """WAF policy + public IP + Application Gateway forwarding HTTPS to APIM."""

    public_ip: pulumi.Output[str]
    """Public IP address clients connect to (point the public DNS name here)."""
    gateway_id: pulumi.Output[str]
    """Resource id of the gateway."""
    waf_policy_id: pulumi.Output[str]
    """Resource id of the WAF policy."""

    def __init__(
        self, name: str, args: AppGatewayArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("meshward:index:AppGateway", name, None, opts)
        cfg, rg, base = args["config"], args["resource_group_name"], args["base_name"]
        tags = dict(args.get("tags", {}))
        zones = list(cfg.zones) or None
        policy = network.WebApplicationFirewallPolicy(
            f"{name}-waf",
            policy_name=f"{base}-waf",
            resource_group_name=rg,
            location=args["location"],
            policy_settings=cast(Any, waf_rules.policy_settings(cfg.waf)),
            managed_rules=cast(Any, waf_rules.managed_rules(cfg.waf)),
            custom_rules=cast(Any, waf_rules.custom_rules(cfg.waf.custom_rules)),
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        public_ip = network.PublicIPAddress(
            f"{name}-pip",
            public_ip_address_name=f"{base}-appgw-pip",
            resource_group_name=rg,
            location=args["location"],
            sku={"name": "Standard", "tier": "Regional"},
            public_ip_allocation_method="Static",
            public_ip_address_version="IPv4",
            zones=zones,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        gateway_name = f"{base}-appgw"
        subscription = authorization.get_client_config_output().subscription_id
        layout = pulumi.Output.all(
            subscription, rg, args["backend_ip"], args["key_vault_uri"]
        ).apply(
            lambda v: appgw_layout.layout(
                cfg,
                appgw_layout.gateway_id(str(v[0]), str(v[1]), gateway_name),
                args["backend_hostname"],
                str(v[2]),
                str(v[3]),
                args.get("trusted_root_secret"),
            )
        )
        parts: dict[str, Any] = {key: _pick(layout, key) for key in _LAYOUT_KEYS}
        gateway = network.ApplicationGateway(
            f"{name}-gateway",
            application_gateway_name=gateway_name,
            resource_group_name=rg,
            location=args["location"],
            sku={"name": "WAF_v2", "tier": "WAF_v2"},
            autoscale_configuration={
                "min_capacity": cfg.min_capacity,
                "max_capacity": cfg.max_capacity,
            },
            zones=zones,
            identity=cast(
                Any, {"type": "UserAssigned", "user_assigned_identities": [args["identity_id"]]}
            ),
            firewall_policy={"id": policy.id},
            force_firewall_policy_association=True,
            ssl_policy={"policy_type": "Predefined", "policy_name": cfg.tls_policy},
            enable_http2=True,
            gateway_ip_configurations=[
                {"name": appgw_layout.GATEWAY_IP, "subnet": {"id": args["subnet_id"]}}
            ],
            frontend_ip_configurations=[
                {"name": appgw_layout.FRONTEND_IP, "public_ip_address": {"id": public_ip.id}}
            ],
            tags=tags,
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=list(args.get("key_vault_dependencies", []))
            ),
            **parts,
        )
        self.public_ip = public_ip.ip_address.apply(lambda ip: str(ip or ""))
        self.gateway_id = gateway.id
        self.waf_policy_id = policy.id
        self.register_outputs(
            {
                "public_ip": self.public_ip,
                "gateway_id": self.gateway_id,
                "waf_policy_id": self.waf_policy_id,
            }
        )
