"""The platform Key Vault: RBAC-only, purge-protected, private; its readers and seeded secrets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict, cast

import pulumi
from pulumi_azure_native import authorization, keyvault, network

from meshward.azure.certificate_specs import epoch
from meshward.azure.existing import require_for_create, resource_group_of
from meshward.azure.identity import assign_role
from meshward.config.keyvault import KeyVaultConfig, SeedSecret


def vault_properties(cfg: KeyVaultConfig, tenant_id: Any) -> dict[str, Any]:
    """Vault properties (pure): Azure RBAC instead of access policies, soft delete with purge
    protection, firewall denying by default, no template/VM/disk-encryption access."""
    return {
        "tenant_id": tenant_id,
        "sku": {"family": "A", "name": cfg.sku},
        "enable_rbac_authorization": True,
        "enable_soft_delete": True,
        "soft_delete_retention_in_days": cfg.soft_delete_retention_days,
        "enable_purge_protection": True,
        "enabled_for_deployment": False,
        "enabled_for_disk_encryption": False,
        "enabled_for_template_deployment": False,
        "public_network_access": "Enabled" if cfg.public_network_access else "Disabled",
        "network_acls": {
            "default_action": "Deny",
            "bypass": "AzureServices",
            "ip_rules": [{"value": cidr} for cidr in cfg.allowed_ip_ranges],
        },
    }


#: `KeyVaultArgs` keys needed to create a vault (not with `existing_vault_id`).
_CREATE_KEYS = ("config", "vault_name", "resource_group_name", "location")


def seed_properties(value: Any, seed: SeedSecret | None) -> dict[str, Any]:
    """A seeded secret's properties: its value, what it is, and (when configured) when it stops
    being valid, so Key Vault's near-expiry events fire."""
    props: dict[str, Any] = {"value": value}
    if seed is None:
        return props
    props["content_type"] = seed.content_type
    if seed.expires is not None:
        props["attributes"] = {"enabled": True, "expires": epoch(seed.expires)}
    return props


class KeyVaultArgs(TypedDict):
    """Inputs of `KeyVault`: the settings to create a vault, or `existing_vault_id` to grant
    readers and seed secrets in a vault made elsewhere."""

    existing_vault_id: NotRequired[pulumi.Input[str]]
    """Resource ID of an existing vault (RBAC authorization enabled) to use instead of creating
    one: the component reads it (`Vault.get`) and adds only readers and seeded secrets; its
    network access stays as its owner set it."""
    config: NotRequired[KeyVaultConfig]
    """Vault settings (required to create)."""
    vault_name: NotRequired[str]
    """Globally unique vault name (required to create)."""
    resource_group_name: NotRequired[pulumi.Input[str]]
    """Resource group of the vault (required to create)."""
    location: NotRequired[str]
    """Azure region (required to create)."""
    private_endpoint_subnet_id: NotRequired[pulumi.Input[str]]
    """Subnet for the private endpoint (with `config.privateEndpoint`)."""
    private_dns_zone_id: NotRequired[pulumi.Input[str]]
    """The `privatelink.vaultcore.azure.net` zone the endpoint registers in."""
    secret_readers: NotRequired[Mapping[str, pulumi.Input[str]]]
    """Principal ids granted *Key Vault Secrets User*, by short name."""
    seed_secrets: NotRequired[Mapping[str, pulumi.Input[str]]]
    """Secret values to write into the vault, by secret name (keep them secret Outputs)."""
    tags: NotRequired[Mapping[str, str]]
    """Tags on every resource."""
    protect: NotRequired[bool]
    """Protect the vault from deletion."""


class KeyVault(pulumi.ComponentResource):
    """Key Vault with RBAC authorization, purge protection and a private endpoint, or an
    existing vault read by ID; either way with its secret readers and seeded secrets."""

    vault_id: pulumi.Output[str]
    """Resource id of the vault."""
    vault_name: pulumi.Output[str]
    """Name of the vault."""
    vault_uri: pulumi.Output[str]
    """Data-plane URI, e.g. `https://<name>.vault.azure.net/`."""
    reader_grants: list[pulumi.Resource]
    """Role assignments of `secret_readers`: depend on these before reading the vault."""
    seeded: list[pulumi.Resource]
    """The seeded secrets: readers of them depend on these."""

    def __init__(
        self, name: str, args: KeyVaultArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("meshward:index:KeyVault", name, None, opts)
        existing = args.get("existing_vault_id")
        if existing is not None:
            vault = keyvault.Vault.get(
                f"{name}-vault", existing, opts=pulumi.ResourceOptions(parent=self)
            )
            rg: pulumi.Input[str] = pulumi.Output.from_input(existing).apply(resource_group_of)
        else:
            require_for_create("KeyVault", args, _CREATE_KEYS, "existing_vault_id")
            rg = args["resource_group_name"]
            vault = self._create(name, args)
        self._grant(name, args, vault, rg)
        self.vault_id = vault.id
        self.vault_name = vault.name
        self.vault_uri = vault.properties.apply(lambda p: str(p.vault_uri or ""))
        self.register_outputs(
            {"vault_id": self.vault_id, "vault_name": self.vault_name, "vault_uri": self.vault_uri}
        )

    def _create(self, name: str, args: KeyVaultArgs) -> keyvault.Vault:
        cfg, rg, tags = args["config"], args["resource_group_name"], dict(args.get("tags", {}))
        tenant_id = authorization.get_client_config_output().tenant_id
        vault = keyvault.Vault(
            f"{name}-vault",
            vault_name=args["vault_name"],
            resource_group_name=rg,
            location=args["location"],
            properties=cast(Any, vault_properties(cfg, tenant_id)),
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, protect=args.get("protect", False)),
        )
        if cfg.private_endpoint and "private_endpoint_subnet_id" in args:
            endpoint = network.PrivateEndpoint(
                f"{name}-pe",
                private_endpoint_name=f"{args['vault_name']}-pe",
                custom_network_interface_name=f"{args['vault_name']}-pe-nic",
                resource_group_name=rg,
                location=args["location"],
                subnet={"id": args["private_endpoint_subnet_id"]},
                private_link_service_connections=[
                    {"name": "vault", "private_link_service_id": vault.id, "group_ids": ["vault"]}
                ],
                tags=tags,
                opts=pulumi.ResourceOptions(parent=self),
            )
            if "private_dns_zone_id" in args:
                network.PrivateDnsZoneGroup(
                    f"{name}-pe-dns",
                    private_dns_zone_group_name="default",
                    private_endpoint_name=endpoint.name,
                    resource_group_name=rg,
                    private_dns_zone_configs=[
                        {"name": "vault", "private_dns_zone_id": args["private_dns_zone_id"]}
                    ],
                    opts=pulumi.ResourceOptions(parent=self),
                )
        return vault

    def _grant(
        self, name: str, args: KeyVaultArgs, vault: keyvault.Vault, rg: pulumi.Input[str]
    ) -> None:
        self.reader_grants = [
            assign_role(
                f"{name}-reader-{short}",
                role="Key Vault Secrets User",
                scope=vault.id,
                principal_id=principal,
                parent=self,
            )
            for short, principal in sorted(args.get("secret_readers", {}).items())
        ]
        seeds = {s.name: s for s in args["config"].seed_secrets} if "config" in args else {}
        self.seeded = []
        for secret_name, value in sorted(args.get("seed_secrets", {}).items()):
            self.seeded.append(
                keyvault.Secret(
                    f"{name}-secret-{secret_name}",
                    secret_name=secret_name,
                    vault_name=vault.name,
                    resource_group_name=rg,
                    properties=cast(
                        Any, seed_properties(pulumi.Output.secret(value), seeds.get(secret_name))
                    ),
                    opts=pulumi.ResourceOptions(
                        parent=self, additional_secret_outputs=["properties"]
                    ),
                )
            )
