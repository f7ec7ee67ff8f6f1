"""The root of the stack configuration: `meshward:platform` in `Pulumi.<stack>.yaml`."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, ValidationError, model_validator

from meshward.collector import collector_paused
from meshward.config._base import ConfigModel
from meshward.config.aks import AksConfig
from meshward.config.certificates import CertificatesConfig
from meshward.config.diagnostics import problems_from_validation_error
from meshward.config.edge import ApimConfig, AppGatewayConfig
from meshward.config.guardrails import GuardrailsConfig
from meshward.config.jwt import JwtIssuer
from meshward.config.keyvault import ExternalSecretsConfig, KeyVaultConfig
from meshward.config.mesh import MeshConfig
from meshward.config.monitoring import MonitoringConfig
from meshward.config.network import NetworkConfig
from meshward.config.profiles import PROFILES, Environment, deep_merge
from meshward.errors import ConfigError, Problem
from meshward.mesh.intent.checks import mesh_problem
from meshward.versions import addon_revision_problem


class PlatformConfig(ConfigModel):
    """Everything meshward builds for one stack, validated before any resource is declared."""

    environment: Environment
    """`dev` (cheap: Developer APIM, one zone, public API server with authorized ranges allowed)
    or `prod` (hardened: zones, Premium APIM, private cluster, WAF Prevention, protect)."""
    location: Annotated[str, Field(pattern=r"^[a-z]+[a-z0-9]*$")]
    """Azure region, e.g. `westeurope`."""
    prefix: Annotated[str, Field(pattern=r"^[a-z][a-z0-9]{1,9}$")] = "mw"
    """Short prefix for Azure resource names (2–10 lower-case letters and digits)."""
    tags: dict[str, str] = {}
    """Tags on every Azure resource (meshward adds `managed-by` and `environment`)."""
    network: NetworkConfig = NetworkConfig()
    """Virtual network and private DNS."""
    aks: AksConfig = AksConfig()
    """The AKS cluster."""
    mesh: MeshConfig = MeshConfig()
    """The Istio installation and the mesh security intent."""
    jwt_issuers: list[JwtIssuer] = []
    """Token issuers trusted at the edge (APIM) and in the mesh (RequestAuthentication)."""
    key_vault: KeyVaultConfig = KeyVaultConfig()
    """The Key Vault."""
    external_secrets: ExternalSecretsConfig = ExternalSecretsConfig()
    """External Secrets Operator."""
    apim: ApimConfig = ApimConfig()
    """API Management."""
    app_gateway: AppGatewayConfig = AppGatewayConfig()
    """Application Gateway + WAF."""
    certificates: CertificatesConfig = CertificatesConfig()
    """TLS certificates of the chain (generated in the run, or from stack secrets)."""
    monitoring: MonitoringConfig = MonitoringConfig()
    """Security logs, Sentinel, alerts."""
    protect_stateful_resources: bool = True
    """Mark Key Vault, APIM and the cluster `protect` so `pulumi destroy` cannot remove them."""
    generation: Annotated[int, Field(ge=1, le=99)] = 1
    """Part of the globally unique names (Key Vault, APIM). After `pulumi destroy` the vault
    stays soft-deleted (purge protection: `keyVault.softDeleteRetentionDays`) and APIM for 48
    hours, holding their names; raise this by one to re-create the stack next to them."""
    guardrails: GuardrailsConfig = GuardrailsConfig()
    """Guardrail enforcement (mandatory in prod, advisory in dev) and waivers."""

    @property
    def workload_namespaces(self) -> list[str]:
        """Namespaces that receive synced secrets, run meshed workloads or hold the mesh's
        ServiceEntries and access-log overrides (not system ones)."""
        system = {
            "kube-system",
            self.external_secrets.namespace,
            self.mesh.root_namespace,
            self.mesh.ingress_namespace,
            self.mesh.egress.gateway.namespace,
        }
        secrets = {s.namespace for s in self.external_secrets.secrets}
        traffic = {s.namespace for s in self.mesh.egress.external_services}
        traffic |= set(self.mesh.telemetry.namespaces)
        return sorted((secrets | traffic | set(self.mesh.namespace_names)) - system)

    @property
    def secret_config_keys(self) -> list[str]:
        """Stack config keys the program reads with `require_secret`: seed secrets and the
        action group's webhook URIs."""
        return [s.config_key for s in self.key_vault.seed_secrets] + [
            w.uri_config_key for w in self.monitoring.action_group.webhooks
        ]

    @property
    def watched_vault_objects(self) -> list[str]:
        """Key Vault objects whose expiry breaks the platform (sorted, unique): the edge, APIM
        and mesh gateway certificates, the APIM client CA, the mesh plug-in CA's certificates,
        every certificate External Secrets syncs, and `certificateAlerts.extraObjects`."""
        names = {
            self.app_gateway.certificate_name,
            self.apim.gateway_certificate_name,
            self.external_secrets.gateway_certificate,
            *self.monitoring.certificate_alerts.extra_objects,
            *(s.certificate for s in self.external_secrets.secrets if s.certificate),
        }
        if self.external_secrets.gateway_client_ca:
            names.add(self.external_secrets.gateway_client_ca)
        ca = self.mesh.plugin_ca
        if ca is not None:
            names.update((ca.cert_object_name, ca.root_cert_object_name, ca.cert_chain_object_name))
        return sorted(names)

    @model_validator(mode="before")
    @classmethod
    def _apply_profile(cls, data: Any) -> Any:
        if isinstance(data, dict):
            profile = PROFILES.get(str(data.get("environment")))
            if profile is not None:
                return deep_merge(profile, data)
        return data

    @model_validator(mode="after")
    def _environment_rules(self) -> PlatformConfig:
        if self.environment == "prod" and self.app_gateway.waf.mode != "Prevention":
            raise ValueError(
                "appGateway.waf.mode: must be 'Prevention' in prod "
                "(Detection only logs and is allowed in dev only)"
            )
        names = [i.name for i in self.jwt_issuers]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"jwtIssuers: names must be unique; repeated: {', '.join(dupes)}")
        if self.apim.jwt_issuers is not None:
            unknown = sorted(set(self.apim.jwt_issuers) - set(names))
            if unknown:
                raise ValueError(
                    f"apim.jwtIssuers: unknown issuers {', '.join(unknown)} "
                    f"(known: {', '.join(names) or 'none'})"
                )
        if self.mesh.install == "addon":
            clash = addon_revision_problem(self.mesh.revisions[-1], self.aks.kubernetes_version)
            if clash:
                raise ValueError(f"mesh.revisions: {clash}")
        watched = self.watched_vault_objects
        if self.monitoring.certificate_alerts.enabled and len(watched) > 25:
            # One Event Grid `StringIn` filter takes at most 25 values.
            raise ValueError(
                f"monitoring.certificateAlerts.extraObjects: {len(watched)} Key Vault objects "
                "to watch; Event Grid filters at most 25"
            )
        problem = mesh_problem(
            self.mesh,
            self.jwt_issuers,
            root_namespace=self.mesh.root_namespace,
            ingress_namespace=self.mesh.ingress_namespace,
            path_normalization=self.mesh.path_normalization,
        )
        if problem:
            raise ValueError(problem)
        return self


def parse_platform_config(data: Any, root: str = "platform") -> PlatformConfig:
    """Validate raw stack config into a `PlatformConfig`, or raise `ConfigError` with one
    problem per line, each naming its field path under `root`."""
    if not isinstance(data, dict):
        raise ConfigError([Problem(root, f"must be a mapping, got {type(data).__name__}")])
    try:
        with collector_paused():
            return PlatformConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(problems_from_validation_error(exc, PlatformConfig, root)) from None
