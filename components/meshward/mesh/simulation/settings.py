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

    def to_json(self) -> dict[str, object]:
        """The camelCase JSON form `meshward plan` writes to `mesh-settings.json`."""
        providers = self.extension_providers
        return {
            "rootNamespace": self.root_namespace,
            "trustDomain": self.trust_domain,
            "trustDomainAliases": list(self.trust_domain_aliases),
            "extensionProviders": None if providers is None else sorted(providers),
            "pathNormalization": self.path_normalization,
            "multipleCustomProviders": self.multiple_custom_providers,
        }

    @classmethod
    def from_json(cls, doc: object) -> MeshSettings:
        """Read `to_json`'s form back; raises `ValueError` naming the field that is wrong."""
        if not isinstance(doc, dict):
            raise ValueError("expected a JSON object")
        defaults = cls()
        unknown = sorted(set(doc) - set(defaults.to_json()))
        if unknown:
            raise ValueError(f"{unknown[0]}: unknown key")

        def text(key: str, default: str) -> str:
            value = doc.get(key, default)
            if not isinstance(value, str) or not value:
                raise ValueError(f"{key}: expected a non-empty string, got {value!r}")
            return value

        def texts(key: str) -> tuple[str, ...]:
            value = doc.get(key) or []
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"{key}: expected a list of strings, got {value!r}")
            return tuple(value)

        normalization = doc.get("pathNormalization", "BASE")
        if normalization not in PATH_NORMALIZATIONS:
            allowed = ", ".join(PATH_NORMALIZATIONS)
            raise ValueError(f"pathNormalization: {normalization!r} is not one of {allowed}")
        multiple = doc.get("multipleCustomProviders", False)
        if not isinstance(multiple, bool):
            raise ValueError(f"multipleCustomProviders: expected true or false, got {multiple!r}")
        return cls(
            root_namespace=text("rootNamespace", defaults.root_namespace),
            trust_domain=text("trustDomain", defaults.trust_domain),
            trust_domain_aliases=texts("trustDomainAliases"),
            extension_providers=(
                None
                if doc.get("extensionProviders") is None
                else frozenset(texts("extensionProviders"))
            ),
            path_normalization=normalization,
            multiple_custom_providers=multiple,
        )
