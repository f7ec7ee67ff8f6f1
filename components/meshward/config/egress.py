"""What may leave the mesh: the outbound traffic policy, ServiceEntries and the egress gateway."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, model_validator

from meshward.config._base import ConfigModel

_K8S_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
K8sName = Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", max_length=63)]
ExternalHost = Annotated[
    str,
    Field(pattern=r"^(\*\.)?([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,63}$", max_length=253),
]
ServiceAccountRef = Annotated[
    str,
    Field(pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$"),
]
#: Port protocols a ServiceEntry port may declare (Istio's protocol names).
EgressProtocol = Literal["HTTPS", "TLS", "HTTP", "HTTP2", "GRPC", "TCP"]


class ExternalPort(ConfigModel):
    """One port of an external service."""

    number: Annotated[int, Field(ge=1, le=65535)]
    """Port number."""
    protocol: EgressProtocol = "TLS"
    """Protocol Istio treats the port as; `TLS` routes by SNI and keeps end-to-end TLS."""


class ExternalService(ConfigModel):
    """An external host workloads may call, registered as an Istio `ServiceEntry`."""

    name: K8sName
    """ServiceEntry name."""
    namespace: K8sName
    """Namespace the ServiceEntry lives in."""
    hosts: Annotated[list[ExternalHost], Field(min_length=1)]
    """Host names (a leading `*.` matches any subdomain)."""
    ports: Annotated[list[ExternalPort], Field(min_length=1)]
    """Ports workloads call."""
    export_to: Annotated[list[str], Field(min_length=1)] = ["."]
    """Namespaces whose workloads may use it: `.` is its own namespace, a name is that namespace,
    `*` is every namespace (reported as weaker)."""
    via_egress_gateway: bool = False
    """Route the `TLS`/`HTTPS` ports through the egress gateway (needs `egress.gateway`)."""

    @model_validator(mode="after")
    def _shape(self) -> ExternalService:
        numbers = [p.number for p in self.ports]
        dupes = sorted({n for n in numbers if numbers.count(n) > 1})
        if dupes:
            raise ValueError(f"ports: numbers must be unique; repeated: {dupes}")
        for entry in self.export_to:
            if entry not in (".", "*") and not _is_k8s_name(entry):
                raise ValueError(
                    f"exportTo: {entry!r} is not allowed (allowed: '.', '*' or a namespace name)"
                )
        if self.via_egress_gateway and (len(self.hosts) != 1 or self.hosts[0].startswith("*")):
            raise ValueError(
                "hosts: a service routed via the egress gateway takes exactly one exact host"
            )
        if "*" in self.export_to and len(self.export_to) > 1:
            raise ValueError("exportTo: '*' already means every namespace; list nothing else")
        return self

    @property
    def resolution(self) -> str:
        """`DNS` for exact hosts; `NONE` when a wildcard is present (Istio refuses DNS
        resolution for wildcard hosts)."""
        return "NONE" if any(h.startswith("*.") for h in self.hosts) else "DNS"


def _is_k8s_name(value: str) -> bool:
    return len(value) <= 63 and _K8S_NAME.fullmatch(value) is not None


class EgressGateway(ConfigModel):
    """A dedicated egress gateway that only named service accounts may leave through."""

    enabled: bool = False
    """Run it (upstream Helm install only; the AKS add-on's egress gateway is a preview)."""
    namespace: K8sName = "istio-egress"
    """Namespace of the gateway."""
    allowed_service_accounts: list[ServiceAccountRef] = []
    """`namespace/serviceaccount` of every workload allowed out through the gateway; nothing
    else is (AuthorizationPolicy on the gateway)."""


class EgressConfig(ConfigModel):
    """Egress control: only registered hosts are reachable from the sidecars."""

    outbound_traffic_policy: Literal["REGISTRY_ONLY", "ALLOW_ANY"] = "REGISTRY_ONLY"
    """MeshConfig `outboundTrafficPolicy.mode`: `REGISTRY_ONLY` lets sidecars reach only
    services in Istio's registry (Kubernetes services plus `externalServices`); `ALLOW_ANY`
    passes every unknown destination through (weaker; reported)."""
    external_services: list[ExternalService] = []
    """External hosts workloads may call."""
    gateway: EgressGateway = EgressGateway()
    """Optional egress gateway."""
    jwks_fetched_by: Literal["istiod", "envoy"] = "istiod"
    """Who fetches the issuers' JWKS: `istiod` (Istio's default; it inlines the keys into the
    sidecars' config) or `envoy` (each sidecar fetches them; upstream Helm only, and the JWKS
    hosts are then registered as ServiceEntries automatically so REGISTRY_ONLY lets them out)."""

    @model_validator(mode="after")
    def _consistent(self) -> EgressConfig:
        names = [(s.namespace, s.name) for s in self.external_services]
        dupes = sorted({f"{ns}/{n}" for ns, n in names if names.count((ns, n)) > 1})
        if dupes:
            raise ValueError(f"externalServices: names must be unique; repeated: {dupes}")
        routed = [s.name for s in self.external_services if s.via_egress_gateway]
        if routed and not self.gateway.enabled:
            raise ValueError(
                "gateway.enabled: externalServices "
                + ", ".join(routed)
                + " route via the egress gateway, which is not enabled"
            )
        if self.gateway.enabled and not self.gateway.allowed_service_accounts:
            raise ValueError(
                "gateway.allowedServiceAccounts: name at least one `namespace/serviceaccount` "
                "(an egress gateway nobody may use is a mistake)"
            )
        return self
