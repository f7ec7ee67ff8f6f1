"""The MeshConfig values that change how a sidecar decides: everything else is in the objects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

PathNormalization = Literal["NONE", "BASE", "MERGE_SLASHES", "DECODE_AND_MERGE_SLASHES"]
"""MeshConfig `pathNormalization.normalization`; Istio's default is BASE."""
PATH_NORMALIZATIONS: tuple[PathNormalization, ...] = get_args(PathNormalization)
"""Every `PathNormalization` value, for checking untyped input."""

LOCAL_TRUST_DOMAIN = "cluster.local"
"""The trust domain a principal in a policy names to mean "this mesh" (SEMANTICS §4.3)."""


@dataclass(frozen=True, slots=True)
class MeshSettings:
    """Mesh-wide configuration the simulator needs besides the security objects."""

    root_namespace: str = "istio-system"
    """MeshConfig `rootNamespace`: its policies apply mesh-wide."""
    trust_domain: str = LOCAL_TRUST_DOMAIN
    """MeshConfig `trustDomain`."""
    trust_domain_aliases: tuple[str, ...] = ()
    """MeshConfig `trustDomainAliases`: principals naming the local trust domain match these too."""
    extension_providers: frozenset[str] | None = None
    """Names of MeshConfig `extensionProviders`. `None` means unknown: every CUSTOM provider is
    assumed to be defined (the trace says so); a set makes a CUSTOM policy naming a provider
    outside it deny the requests it matches, as istiod does."""
    path_normalization: PathNormalization = "BASE"
    """How the sidecar normalizes the path before authorization."""
    multiple_custom_providers: bool = False
    """`PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS`: without it, a workload whose CUSTOM policies
    name more than one provider denies every request a CUSTOM rule matches."""

    @property
    def local_trust_domains(self) -> tuple[str, ...]:
        """The mesh trust domain followed by its aliases, without duplicates."""
        return tuple(dict.fromkeys((self.trust_domain, *self.trust_domain_aliases)))
