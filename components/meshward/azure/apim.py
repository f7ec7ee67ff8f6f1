"""API Management in internal VNet mode: the API that fronts the mesh, with edge JWT checks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict, cast

import pulumi
from pulumi_azure_native import apimanagement, privatedns

from meshward.azure import apim_settings as settings
from meshward.azure.apim_policy import MESH_BACKEND_ID, jwt_policy_xml, select_issuers
from meshward.azure.certificate_specs import pem_der_base64
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
    service_zones: NotRequired[Sequence[str]]
    """Private zones named after APIM's default host names (`<service>.azure-api.net`,
    `<service>.portal.azure-api.net`, ...): each gets an apex record on the private IP."""
    key_vault_dependencies: NotRequired[Sequence[pulumi.Resource]]
    """What must exist before APIM reads Key Vault (its identity's role assignment, the
    certificate and named-value secrets): the service and every Key Vault reference wait."""
    trusted_ca_pem: NotRequired[pulumi.Input[str]]
    """CA (PEM) that signs the mesh gateway's certificate: added to APIM's root store so the
    backend's chain validates."""
    client_certificate_secret: NotRequired[str]
    """Key Vault secret (PFX) APIM presents to the mesh gateway (mutual TLS)."""
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
        reads_vault = list(args.get("key_vault_dependencies", []))
        ca = args.get("trusted_ca_pem")
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
            certificates=(
                None
                if ca is None
                else [
                    {
                        "store_name": "Root",
                        "encoded_certificate": pulumi.Output.from_input(ca).apply(pem_der_base64),
                    }
                ]
            ),
            developer_portal_status="Enabled" if cfg.developer_portal else "Disabled",
            legacy_portal_status="Disabled",
            tags=dict(args.get("tags", {})),
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=reads_vault,
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
        reader = pulumi.ResourceOptions(parent=self, depends_on=reads_vault)
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
                opts=reader,
            )
        credentials: dict[str, Any] | None = None
        backend_waits: list[pulumi.Resource] = []
        if "client_certificate_secret" in args:
            client_cert = apimanagement.Certificate(
                f"{name}-mesh-client-cert",
                certificate_id=settings.MESH_CLIENT_CERTIFICATE_ID,
                service_name=service.name,
                resource_group_name=rg,
                key_vault={
                    "secret_identifier": _secret_id(
                        args["key_vault_uri"], args["client_certificate_secret"]
                    ),
                    "identity_client_id": args["identity_client_id"],
                },
                opts=reader,
            )
            credentials = {
                "certificate_ids": [f"/certificates/{settings.MESH_CLIENT_CERTIFICATE_ID}"]
            }
            backend_waits.append(client_cert)
        apimanagement.Backend(
            f"{name}-backend",
            backend_id=MESH_BACKEND_ID,
            service_name=service.name,
            resource_group_name=rg,
            protocol="http",
            url=args["backend_url"],
            description="The mesh's internal Istio ingress gateway",
            tls={"validate_certificate_chain": True, "validate_certificate_name": True},
            # Mutual TLS to the mesh gateway: APIM presents its client certificate.
            credentials=cast(Any, credentials),
            opts=pulumi.ResourceOptions(parent=self, depends_on=backend_waits),
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
        if cfg.subscription_required:
            self._subscriptions(name, cfg, service, api, rg)
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

    def _subscriptions(
        self,
        name: str,
        cfg: ApimConfig,
        service: apimanagement.ApiManagementService,
        api: apimanagement.Api,
        rg: pulumi.Input[str],
    ) -> None:
        """Keys are required: one product carrying the API and one subscription (and key pair,
        generated by APIM) per configured consumer, so every key has an owner."""
        product = apimanagement.Product(
            f"{name}-product",
            product_id=settings.MESH_PRODUCT_ID,
            display_name="Mesh",
            service_name=service.name,
            resource_group_name=rg,
            subscription_required=True,
            approval_required=False,
            state=cast(Any, "published"),
            opts=pulumi.ResourceOptions(parent=self),
        )
        # Ids are written out (not read from outputs) so the plan shows the real ARM paths.
        after_product = pulumi.ResourceOptions(parent=self, depends_on=[product])
        apimanagement.ProductApi(
            f"{name}-product-api",
            product_id=settings.MESH_PRODUCT_ID,
            api_id=api.name,
            service_name=service.name,
            resource_group_name=rg,
            opts=after_product,
        )
        for consumer in cfg.consumers:
            apimanagement.Subscription(
                f"{name}-sub-{consumer}",
                sid=consumer,
                display_name=consumer,
                scope=f"/products/{settings.MESH_PRODUCT_ID}",
                service_name=service.name,
                resource_group_name=rg,
                state=cast(Any, "active"),
                opts=after_product,
            )

    def _dns(self, name: str, args: ApiManagementArgs, rg: pulumi.Input[str]) -> None:
        records: list[tuple[str, str]] = []
        if "internal_zone" in args:
            zone = args["internal_zone"]
            records.append((zone, relative_name(args["config"].gateway_hostname, zone)))
        records.extend((zone, "@") for zone in args.get("service_zones", []))
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
