"""The top-level component: the whole platform from one `PlatformConfig`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import resources

from components.config import PlatformConfig
from components.naming import azure_name


class PlatformArgs(TypedDict):
    """Inputs of `Platform`."""

    config: PlatformConfig
    """The validated stack configuration."""
    seed_secrets: NotRequired[Mapping[str, pulumi.Input[str]]]
    """Values of `keyVault.seedSecrets` by secret name (read with `require_secret`)."""


class Platform(pulumi.ComponentResource):
    """AppGW+WAF → APIM → Istio ingress → services, on AKS, with Key Vault and External Secrets."""

    resource_group_name: pulumi.Output[str]
    """Resource group holding the platform."""

    def __init__(
        self, name: str, args: PlatformArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("meshward:index:Platform", name, None, opts)
        cfg = args["config"]
        tags = {**cfg.tags, "managed-by": "meshward", "environment": cfg.environment}
        group = resources.ResourceGroup(
            f"{name}-rg",
            resource_group_name=azure_name(cfg.prefix, cfg.environment, "rg"),
            location=cfg.location,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, protect=cfg.protect_stateful_resources),
        )
        self.resource_group_name = group.name
        self.register_outputs({"resource_group_name": self.resource_group_name})
