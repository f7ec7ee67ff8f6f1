"""Key Vault and the External Secrets Operator that syncs it into the cluster."""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from pydantic import Field, model_validator

from meshward.config._base import ConfigModel
from meshward.versions import EXTERNAL_SECRETS_CHART_VERSION, EXTERNAL_SECRETS_REPOSITORY

K8sName = Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", max_length=63)]
VaultObjectName = Annotated[str, Field(pattern=r"^[0-9a-zA-Z-]{1,127}$")]


class KeyVaultConfig(ConfigModel):
    """The platform's Key Vault: RBAC authorization, purge protection, private by default."""

    sku: Literal["standard", "premium"] = "standard"
    """Vault SKU (premium adds HSM-backed keys)."""
    soft_delete_retention_days: Annotated[int, Field(ge=7, le=90)] = 90
    """Soft-delete retention; purge protection is always on."""
    public_network_access: bool = False
    """Allow the public endpoint at all (off: private endpoint only). When on, `allowedIpRanges`
    still restricts it (default action Deny)."""
    allowed_ip_ranges: list[str] = []
    """CIDRs allowed through the firewall when `publicNetworkAccess` is on."""
    private_endpoint: bool = True
    """Create a private endpoint and the `privatelink.vaultcore.azure.net` zone."""
    seed_secrets: list[SeedSecret] = []
    """Secrets written into the vault from encrypted stack config (token and client secrets that
    External Secrets then syncs into the cluster)."""


class SeedSecret(ConfigModel):
    """A Key Vault secret whose value comes from an encrypted stack config key."""

    name: VaultObjectName
    """Secret name in Key Vault."""
    config_key: Annotated[str, Field(pattern=r"^[a-zA-Z][a-zA-Z0-9]*$")]
    """Stack config key holding the value, set with
    `pulumi config set --secret meshward:<configKey> <value>`."""
    content_type: Annotated[str, Field(min_length=1, max_length=255)] = "text/plain"
    """Content type recorded on the Key Vault secret (what the value is)."""
    expires: datetime.date | None = None
    """Last day (UTC) the value is valid: written as the secret's `exp` attribute, so Key Vault
    raises near-expiry events (and refuses to serve it after)."""


class ExternalSecretRef(ConfigModel):
    """One Kubernetes Secret kept in sync with Key Vault objects."""

    name: K8sName
    """Name of the Kubernetes Secret (and of the ExternalSecret)."""
    namespace: K8sName
    """Namespace it is created in."""
    type: Literal["Opaque", "kubernetes.io/tls"] = "Opaque"
    """Secret type; `kubernetes.io/tls` takes a Key Vault certificate."""
    keys: dict[Annotated[str, Field(pattern=r"^[-._a-zA-Z0-9]+$")], VaultObjectName] = {}
    """Secret key → Key Vault secret name (for Opaque secrets)."""
    certificate: VaultObjectName | None = None
    """Key Vault certificate name (for TLS secrets; becomes tls.crt and tls.key)."""
    refresh_interval: Annotated[str, Field(pattern=r"^[0-9]+[smh]$")] = "1h"
    """How often ESO re-reads Key Vault."""

    @model_validator(mode="after")
    def _shape(self) -> ExternalSecretRef:
        if self.type == "kubernetes.io/tls":
            if self.certificate is None or self.keys:
                raise ValueError(
                    "certificate: a kubernetes.io/tls secret takes `certificate` and no `keys`"
                )
        elif self.certificate is not None or not self.keys:
            raise ValueError(
                "keys: an Opaque secret takes `keys` (at least one) and no `certificate`"
            )
        return self


class ExternalSecretsConfig(ConfigModel):
    """External Secrets Operator with a workload-identity ClusterSecretStore for Key Vault."""

    chart_version: Annotated[str, Field(pattern=r"^[0-9]+\.[0-9]+\.[0-9]+$")] = (
        EXTERNAL_SECRETS_CHART_VERSION
    )
    """Pinned `external-secrets` chart version (source in `meshward/versions.py`)."""
    namespace: K8sName = "external-secrets"
    """Namespace of the operator."""
    repository: str = EXTERNAL_SECRETS_REPOSITORY
    """Helm repository of the chart."""
    service_account: K8sName = "eso-keyvault-reader"
    """Service account the ClusterSecretStore authenticates as (workload identity; federated with
    a user-assigned identity that may only read Key Vault secrets)."""
    gateway_certificate: VaultObjectName = "mesh-gateway-tls"
    """Key Vault certificate synced as the internal ingress gateway's TLS secret (the server
    certificate APIM validates when it calls the mesh)."""
    gateway_client_ca: VaultObjectName | None = None
    """Key Vault secret with the CA of APIM's client certificate; synced as
    `<gatewayCertificate>-cacert` (`ca.crt`) so the gateway can require mutual TLS."""
    secrets: list[ExternalSecretRef] = []
    """Secrets to sync (the ingress gateway certificate is added automatically)."""
