"""API Management in internal VNet mode: the API that fronts the mesh, with edge JWT checks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict, cast

import pulumi
from pulumi_azure_native import apimanagement, privatedns

from meshward.azure import apim_settings as settings
from meshward.azure.apim_policy import MESH_BACKEND_ID, jwt_policy_xml, select_issuers
from meshward.azure.dns import relative_name
from meshward.config.edge import ApimConfig
from meshward.config.jwt import JwtIssuer


def _identity(user_assigned_id: str) -> dict[str, Any]:
    """System-assigned for policies, user-assigned for Key Vault reads at creation time."""
    return {
        "type": "SystemAssigned, UserAssigned",
        "user_assigned_identities": {user_assigned_id: {}},
    }


def _secret_id(vault_uri: pulumi.Input[str], name: str) -> pulumi.Output[str]:
    return pulumi.Output.from_input(vault_uri).apply(
        lambda uri: settings.key_vault_secret_id(uri, name)
    )


class ApiManagementArgs(TypedDict):
    """Inputs of `ApiManagement`."""

    config: ApimConfig
    """SKU, host name, API path, named values."""
    jwt_issuers: Sequence[JwtIssuer]
    """All trusted issuers (the same list the mesh's RequestAuthentication is built from)."""
    service_name: str
    """Globally unique service name."""
    resource_group_name: pulumi.Input[str]
    """Resource group of the service."""
    location: str
    """Azure region."""
    subnet_id: pulumi.Input[str]
    """Dedicated APIM subnet (internal VNet mode)."""
    identity_id: pulumi.Input[str]
    """User-assigned identity that reads certificates and named values from Key Vault (it must
    hold its role before the service is created, which a system-assigned one cannot)."""
    identity_client_id: pulumi.Input[str]
    """Client id of that identity."""
    key_vault_uri: pulumi.Input[str]
    """Vault holding the gateway certificate and named values."""
    backend_url: str
    """HTTPS URL of the mesh's internal gateway."""
    internal_zone: NotRequired[str]
    """Private zone to publish `gatewayHostname` in (must contain it)."""
    service_zone: NotRequired[str]
    """The `<service>.azure-api.net` private zone to publish default host names in."""
    tags: NotRequired[Mapping[str, str]]
    """Tags on the service."""
    protect: NotRequired[bool]
    """Protect the service from deletion."""


class ApiManagement(pulumi.ComponentResource):
    """An internal APIM whose one API forwards to the mesh after validating the caller's JWT."""

    service_name: pulumi.Output[str]
    """Name of the service."""
    service_id: pulumi.Output[str]
    """Resource ID of the service."""
    private_ip: pulumi.Output[str]
    """Private IP of the gateway in the APIM subnet (AppGW's backend)."""
    gateway_hostname: str
    """Host name AppGW must send (and probe with)."""
    principal_id: pulumi.Output[str]
    """System-assigned identity (for `authentication-managed-identity` to backends)."""
    policy_xml: str
    """The API policy that validates tokens at the edge."""

    def __init__(
        self, name: str, args: ApiManagementArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("meshward:index:ApiManagement", name, None, opts)
        cfg, rg = args["config"], args["resource_group_name"]
        timeout = f"{cfg.create_timeout_minutes}m"
        service = apimanagement.ApiManagementService(
            f"{name}-service",
            service_name=args["service_name"],
            resource_group_name=rg,
            location=args["location"],
            sku={"name": cfg.sku, "capacity": cfg.capacity},
            zones=list(cfg.zones) or None,
            publisher_name=cfg.publisher_name,
            publisher_email=cfg.publisher_email,
            virtual_network_type="Internal",
            virtual_network_configuration={"subnet_resource_id": args["subnet_id"]},
            identity=cast(Any, pulumi.Output.from_input(args["identity_id"]).apply(_identity)),
            hostname_configurations=cast(
                Any,
                pulumi.Output.all(args["key_vault_uri"], args["identity_client_id"]).apply(
                    lambda v: settings.hostname_configurations(cfg, str(v[0]), str(v[1]))
                ),
            ),
            custom_properties=settings.SECURITY_PROPERTIES,
            developer_portal_status="Enabled" if cfg.developer_portal else "Disabled",
            legacy_portal_status="Disabled",
            tags=dict(args.get("tags", {})),
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=args.get("protect", False),
                # Creating an injected APIM takes 30–90 minutes; updates of its network too.
                custom_timeouts=pulumi.CustomTimeouts(
                    create=timeout, update=timeout, delete=timeout
                ),
            ),
        )
        self.private_ip = service.private_ip_addresses.apply(lambda ips: str((ips or [""])[0]))
        self._dns(name, args, rg)
        child = pulumi.ResourceOptions(parent=self)
        for named in cfg.named_values:
            apimanagement.NamedValue(
                f"{name}-nv-{named.name}",
                named_value_id=named.name,
                display_name=named.name,
                service_name=service.name,
                resource_group_name=rg,
                secret=True,
                key_vault={
                    "secret_identifier": _secret_id(args["key_vault_uri"], named.secret_name),
                    "identity_client_id": args["identity_client_id"],
                },
                opts=child,
            )
        apimanagement.Backend(
            f"{name}-backend",
            backend_id=MESH_BACKEND_ID,
            service_name=service.name,
            resource_group_name=rg,
            protocol="http",
            url=args["backend_url"],
            description="The mesh's internal Istio ingress gateway",
            tls={"validate_certificate_chain": True, "validate_certificate_name": True},
            opts=child,
        )
        api = apimanagement.Api(
            f"{name}-api",
            api_id="mesh",
            service_name=service.name,
            resource_group_name=rg,
            display_name="Mesh",
            path=cfg.api_path,
            protocols=["https"],
            service_url=args["backend_url"],
            subscription_required=cfg.subscription_required,
            api_type="http",
            opts=child,
        )
        for method in settings.WILDCARD_METHODS:
            apimanagement.ApiOperation(
                f"{name}-op-{method.lower()}",
                operation_id=f"all-{method.lower()}",
                api_id=api.name,
                service_name=service.name,
                resource_group_name=rg,
                display_name=f"{method} /*",
                method=method,
                url_template="/*",
                opts=child,
            )
        self.policy_xml = jwt_policy_xml(
            select_issuers(args["jwt_issuers"], cfg.jwt_issuers), rate_limits=cfg.rate_limits
        )
        apimanagement.ApiPolicy(
            f"{name}-api-policy",
            policy_id="policy",
            api_id=api.name,
            service_name=service.name,
            resource_group_name=rg,
            format="xml",
            value=self.policy_xml,
            opts=child,
        )
        self.service_name = service.name
        self.service_id = service.id
        self.gateway_hostname = cfg.gateway_hostname
        self.principal_id = service.identity.apply(
            lambda i: str((i.principal_id if i else None) or "")
        )
        self.register_outputs(
            {
                "service_name": self.service_name,
                "private_ip": self.private_ip,
                "principal_id": self.principal_id,
            }
        )

    def _dns(self, name: str, args: ApiManagementArgs, rg: pulumi.Input[str]) -> None:
        records: list[tuple[str, str]] = []
        if "internal_zone" in args:
            zone = args["internal_zone"]
            records.append((zone, relative_name(args["config"].gateway_hostname, zone)))
        if "service_zone" in args:
            records.extend((args["service_zone"], r) for r in settings.APIM_ZONE_RECORDS)
        for zone, record in records:
            label = record.replace("@", "apex").replace(".", "-")
            privatedns.PrivateRecordSet(
                f"{name}-a-{zone.replace('.', '-')}-{label}",
                private_zone_name=zone,
                relative_record_set_name=record,
                record_type="A",
                resource_group_name=rg,
                ttl=300,
                a_records=[{"ipv4_address": self.private_ip}],
                opts=pulumi.ResourceOptions(parent=self),
            )
