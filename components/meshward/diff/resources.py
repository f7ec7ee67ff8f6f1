"""Resource diff of two plan documents: added and removed URNs, changed input paths, and
whether a change forces Pulumi to replace the resource.

Replacement is judged offline from what the schemas say without a provider plugin:

* Kubernetes: `apiVersion`, `kind`, `metadata.name` and `metadata.namespace` identify the
  object; changing one replaces it (the Kubernetes provider's own rule).
* azure-native: the inputs that form the ARM resource ID replace: `location`,
  `resourceGroupName` and top-level `*Name` inputs (`vaultName`, `resourceName`,
  `subnetName`, …; the ID's path parameters), except body properties that merely end in
  `Name` (`NAME_BODY_PROPERTIES`). The installed `pulumi_azure_native` SDK carries no
  `replaceOnChanges` metadata, so other create-only properties the provider's schema marks
  (e.g. an AKS cluster's `dnsPrefix`) are reported as changed, not replaced.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

KUBERNETES_IDENTITY: frozenset[str] = frozenset(
    {"apiVersion", "kind", "metadata.name", "metadata.namespace"}
)
AZURE_IDENTITY: frozenset[str] = frozenset({"location", "resourceGroupName"})
NAME_BODY_PROPERTIES: frozenset[str] = frozenset(
    {"displayName", "publisherName", "hostName", "computerName", "commonName"}
)
"""azure-native top-level inputs ending in `Name` that are request-body properties (updated
in place), not path parameters of the resource ID."""


@dataclass(frozen=True)
class ResourceChange:
    """One resource whose inputs differ."""

    urn: str
    paths: tuple[str, ...]
    """Changed input paths, dotted with list indices (`securityRules[2].access`)."""
    replace: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"urn": self.urn, "paths": list(self.paths), "replace": self.replace}


@dataclass(frozen=True)
class ResourceDiff:
    """What `pulumi preview` would list, judged from the plan documents."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[ResourceChange, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "added": list(self.added),
            "removed": list(self.removed),
            "changed": [c.to_dict() for c in self.changed],
        }


def _key(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def changed_paths(base: Any, head: Any, path: str = "") -> Iterator[str]:
    """Leaf paths where `base` and `head` differ; a list that changes length is compared by
    index up to the longer one (an added element is its own path)."""
    if isinstance(base, Mapping) and isinstance(head, Mapping):
        for key in sorted(set(base) | set(head), key=str):
            if key not in base or key not in head:
                yield _key(path, str(key))
            else:
                yield from changed_paths(base[key], head[key], _key(path, str(key)))
    elif isinstance(base, list) and isinstance(head, list):
        for i in range(max(len(base), len(head))):
            if i >= len(base) or i >= len(head):
                yield f"{path}[{i}]"
            else:
                yield from changed_paths(base[i], head[i], f"{path}[{i}]")
    elif base != head:
        yield path or "."


def _top(path: str) -> str:
    return path.split(".", 1)[0].split("[", 1)[0]


def forces_replace(resource_type: str, path: str) -> bool:
    """Whether changing input `path` of a `resource_type` resource replaces it (module doc)."""
    if resource_type.startswith("kubernetes:"):
        return path in KUBERNETES_IDENTITY
    if resource_type.startswith("azure-native:"):
        top = _top(path)
        if path != top:
            return False
        return top in AZURE_IDENTITY or (top.endswith("Name") and top not in NAME_BODY_PROPERTIES)
    return False


def resource_diff(base: Mapping[str, Any], head: Mapping[str, Any]) -> ResourceDiff:
    """Compare two `plan.json` documents by URN."""
    before = {str(r["urn"]): r for r in base.get("resources") or []}
    after = {str(r["urn"]): r for r in head.get("resources") or []}
    changed: list[ResourceChange] = []
    for urn in sorted(before.keys() & after.keys()):
        old, new = before[urn], after[urn]
        paths = tuple(changed_paths(old.get("inputs") or {}, new.get("inputs") or {}))
        if not paths:
            continue
        kind = str(new.get("type", ""))
        replace = any(forces_replace(kind, p) for p in paths)
        changed.append(ResourceChange(urn, paths, replace))
    return ResourceDiff(
        added=tuple(sorted(after.keys() - before.keys())),
        removed=tuple(sorted(before.keys() - after.keys())),
        changed=tuple(changed),
    )
