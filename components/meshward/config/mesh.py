"""How Istio is installed: the AKS add-on or upstream Helm charts."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from meshward.config._base import ConfigModel
from meshward.config.egress import EgressConfig
from meshward.config.telemetry import MeshTelemetryConfig
from meshward.mesh.intent.models import MeshIntent
from meshward.versions import ISTIO_ADDON_REVISION, ISTIO_HELM_REPOSITORY, ISTIO_HELM_VERSION

Revision = Annotated[str, Field(pattern=r"^asm-1-[0-9]{2}$")]

ADDON_INGRESS_NAMESPACE = "aks-istio-ingress"
"""Where the add-on runs its ingress gateways."""
HELM_INGRESS_NAMESPACE = "istio-ingress"
"""Where meshward runs the Helm-installed gateways."""

#: MeshConfig keys the add-on accepts in `istio-shared-configmap-<revision>` (Supported or Allowed
#: in the AKS docs); every other key is blocked by the add-on and refused here.
ADDON_MESH_CONFIG_KEYS = frozenset(
    {
        "accessLogEncoding",
        "accessLogFile",
        "accessLogFormat",
        "defaultConfig",
        "discoverySelectors",
        "enablePrometheusMerge",
        "enableTracing",
        "extensionProviders",
        "outboundTrafficPolicy",
        "pathNormalization",
        "defaultProviders",
        "localityLbSetting",
        "meshMTLS",
        "tlsDefaults",
        "trustDomainAliases",
    }
)


class IngressGateway(ConfigModel):
    """The mesh's ingress gateways: APIM calls the internal one."""

    internal_ip: str = "10.40.15.250"
    """Static private IP of the internal gateway's load balancer (inside the AKS node subnet)."""
    external: bool = False
    """Also run a public ingress gateway (off: the only way in is AppGW → APIM)."""
    hostname: str = "mesh"
    """Host label in the internal DNS zone that resolves to `internalIp`."""

    @field_validator("internal_ip")
    @classmethod
    def _ip(cls, value: str) -> str:
        ipaddress.IPv4Address(value)
        return value


class PluginCa(ConfigModel):
    """Intermediate CA for the mesh, kept in Key Vault (add-on plug-in CA)."""

    cert_object_name: str = "mesh-ca-cert"
    """Key Vault object with the intermediate certificate."""
    key_object_name: str = "mesh-ca-key"
    """Key Vault object with its private key."""
    root_cert_object_name: str = "mesh-root-cert"
    """Key Vault object with the root certificate."""
    cert_chain_object_name: str = "mesh-cert-chain"
    """Key Vault object with the chain."""


class HelmInstall(ConfigModel):
    """Upstream Istio from its Helm charts."""

    version: Annotated[str, Field(pattern=r"^1\.[0-9]{2}\.[0-9]+$")] = ISTIO_HELM_VERSION
    """Chart version of `base`, `istiod` and `gateway` (pinned; sources in
    `meshward/versions.py`)."""
    repository: str = ISTIO_HELM_REPOSITORY
    """Helm repository."""
    revision: Annotated[str, Field(pattern=r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$")] = ""
    """Control-plane revision (empty: the default revision)."""


class MeshInstallConfig(ConfigModel):
    """The Istio installation."""

    install: Literal["addon", "helm"] = "addon"
    """`addon`: the AKS Istio-based service mesh add-on (Microsoft-run lifecycle).
    `helm`: upstream charts `base`, `istiod`, `gateway` (you own upgrades)."""
    revisions: list[Revision] = [ISTIO_ADDON_REVISION]
    """Add-on revisions: one normally, two during a canary upgrade (`[old, new]`); the last one is
    the target that namespaces are labelled with."""
    helm: HelmInstall = HelmInstall()
    """Settings for `install: helm`."""
    trust_domain: Annotated[str, Field(pattern=r"^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$")] = (
        "cluster.local"
    )
    """SPIFFE trust domain (AKS add-on meshes use `cluster.local`)."""
    ingress: IngressGateway = IngressGateway()
    """Ingress gateways."""
    plugin_ca: PluginCa | None = None
    """Use a plug-in CA from Key Vault (add-on only; must be chosen at mesh creation)."""
    mesh_config: dict[str, Any] = {"pathNormalization": {"normalization": "MERGE_SLASHES"}}
    """MeshConfig overrides. Default merges slashes so path rules cannot be bypassed with `//`."""
    telemetry: MeshTelemetryConfig = MeshTelemetryConfig()
    """Access logging (Istio Telemetry API)."""
    egress: EgressConfig = EgressConfig()
    """Egress control: outbound traffic policy, external services, egress gateway."""

    @model_validator(mode="after")
    def _install_rules(self) -> MeshInstallConfig:
        if self.install == "addon":
            if not 1 <= len(self.revisions) <= 2:
                raise ValueError(
                    "revisions: must hold one revision, or two during a canary upgrade"
                )
            if len(set(self.revisions)) != len(self.revisions):
                raise ValueError("revisions: must be distinct")
            blocked = sorted(set(self.mesh_config) - ADDON_MESH_CONFIG_KEYS)
            if blocked:
                raise ValueError(
                    "meshConfig: keys blocked by the AKS add-on: "
                    + ", ".join(blocked)
                    + f" (allowed: {', '.join(sorted(ADDON_MESH_CONFIG_KEYS))})"
                )
        elif self.plugin_ca is not None:
            raise ValueError("pluginCa: only supported with install 'addon'")
        self._traffic_rules()
        return self

    def _traffic_rules(self) -> None:
        """Egress and access logging each have one typed home; MeshConfig may not fight it."""
        for key, home in (
            ("outboundTrafficPolicy", "egress.outboundTrafficPolicy"),
            ("accessLogFile", "telemetry.accessLogs"),
        ):
            if key in self.mesh_config:
                raise ValueError(f"meshConfig: set {home} instead of meshConfig.{key}")
        if self.install == "addon":
            # learn.microsoft.com/azure/aks/istio-deploy-egress: "(Preview)"; meshward uses GA
            # features only. The add-on's istiod environment cannot be set either.
            if self.egress.gateway.enabled:
                raise ValueError(
                    "egress.gateway.enabled: needs install 'helm' (the AKS add-on's egress "
                    "gateway is a preview feature)"
                )
            if self.egress.jwks_fetched_by == "envoy":
                raise ValueError(
                    "egress.jwksFetchedBy: 'envoy' needs install 'helm' (the add-on's istiod "
                    "settings cannot be changed)"
                )
        provider = self.telemetry.provider
        declared = {
            str(p.get("name"))
            for p in self.mesh_config.get("extensionProviders") or []
            if isinstance(p, dict)
        }
        if provider != "envoy" and provider not in declared:
            raise ValueError(
                f"telemetry.provider: {provider!r} is not declared in "
                f"meshConfig.extensionProviders (declared: {', '.join(sorted(declared)) or 'none'}"
                "; `envoy` is built in)"
            )

    @property
    def root_namespace(self) -> str:
        """Istio's root namespace: policies here apply mesh-wide."""
        return "aks-istio-system" if self.install == "addon" else "istio-system"

    @property
    def ingress_namespace(self) -> str:
        """Namespace of the mesh ingress gateways: the add-on's, or the one meshward's Helm
        install uses."""
        return ADDON_INGRESS_NAMESPACE if self.install == "addon" else HELM_INGRESS_NAMESPACE

    @property
    def revision(self) -> str:
        """The revision namespaces are labelled with (`istio.io/rev`)."""
        return self.revisions[-1] if self.install == "addon" else self.helm.revision


class MeshConfig(MeshIntent, MeshInstallConfig):
    """The Istio installation and the mesh security intent compiled onto it."""

    @property
    def path_normalization(self) -> str:
        """MeshConfig `pathNormalization.normalization` in effect (Istio's default is BASE)."""
        setting = self.mesh_config.get("pathNormalization") or {}
        return str(setting.get("normalization", "BASE")) if isinstance(setting, dict) else "BASE"
