"""Which security objects a sidecar workload picks up (SEMANTICS §4.2, §5.1, §5.2)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GROUP = "security.istio.io"
KINDS = frozenset({"AuthorizationPolicy", "RequestAuthentication", "PeerAuthentication"})
DEFAULT_NAMESPACE = "default"
"""What `kubectl apply` uses for an object without `metadata.namespace`."""

# Go's strconv.ParseBool literals (SEMANTICS §2.1 M3).
_GO_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})


def as_mapping(value: object) -> Mapping[str, Any]:
    """`value` if it is a mapping, else empty: manifests are read leniently, never trusted."""
    # Parsed manifests are plain dicts: the exact type test spares the ABC `isinstance`, which
    # the guardrails pay hundreds of thousands of times on a large stack.
    if type(value) is dict:
        return value
    return value if isinstance(value, Mapping) else {}


def _created(value: object) -> datetime | None:
    # YAML gives a datetime for unquoted timestamps, JSON a string.
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return None


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """One security object reduced to what scoping needs."""

    kind: str
    """`AuthorizationPolicy`, `RequestAuthentication` or `PeerAuthentication`."""
    namespace: str
    """`metadata.namespace` (`default` when absent)."""
    name: str
    """`metadata.name`."""
    index: int
    """Position in the input, the tie-breaker for "oldest"."""
    created: datetime | None
    """`metadata.creationTimestamp`, when given."""
    selector: Mapping[str, str] | None
    """`selector.matchLabels`; `None` when there is no selector or it has no labels."""
    targeted: bool
    """Has `targetRef`/`targetRefs`: such policies are for gateways and waypoints only."""
    annotations: Mapping[str, Any]
    """`metadata.annotations`."""
    spec: Mapping[str, Any]
    """The spec as given."""

    @property
    def key(self) -> str:
        """`namespace/name`, how decisions name the object."""
        return f"{self.namespace}/{self.name}"

    @property
    def dry_run(self) -> bool:
        """`istio.io/dry-run` set to a Go true literal."""
        value = self.annotations.get("istio.io/dry-run")
        return value is True or (isinstance(value, str) and value in _GO_TRUE)

    def age_key(self) -> tuple[int, datetime, int]:
        """Sort key, oldest first; objects without a timestamp are newest (a plan's objects do
        not exist yet), in input order."""
        if self.created is None:
            return (1, datetime.min.replace(tzinfo=UTC), self.index)
        return (0, self.created, self.index)


def describe(obj: object, index: int) -> ObjectRef | None:
    """The security object in `obj`, or `None` for anything else (other kinds are ignored)."""
    if not isinstance(obj, Mapping):
        return None
    api_version = obj.get("apiVersion")
    kind = obj.get("kind")
    if not isinstance(api_version, str) or api_version.split("/", 1)[0] != GROUP:
        return None
    if kind not in KINDS:
        return None
    metadata = as_mapping(obj.get("metadata"))
    spec = as_mapping(obj.get("spec"))
    labels = as_mapping(as_mapping(spec.get("selector")).get("matchLabels"))
    namespace = metadata.get("namespace")
    name = metadata.get("name")
    return ObjectRef(
        kind=str(kind),
        namespace=namespace if isinstance(namespace, str) and namespace else DEFAULT_NAMESPACE,
        name=name if isinstance(name, str) and name else f"<unnamed #{index}>",
        index=index,
        created=_created(metadata.get("creationTimestamp")),
        selector={str(k): str(v) for k, v in labels.items()} or None,
        # An empty `targetRefs` list is "absent" once decoded by istiod (SEMANTICS §2.2 S1).
        targeted=bool(spec.get("targetRef")) or bool(spec.get("targetRefs")),
        annotations=as_mapping(metadata.get("annotations")),
        spec=spec,
    )


def selection(ref: ObjectRef, labels: Mapping[str, str]) -> str | None:
    """Why a candidate (root or workload namespace) object does not select the workload, or
    `None` when it does."""
    if ref.targeted:
        return "has targetRef(s): applies to gateways/waypoints only, ignored by sidecars"
    if ref.selector is None:
        return None
    missing = {k: v for k, v in ref.selector.items() if labels.get(k) != v}
    if missing:
        shown = ", ".join(f"{k}={v}" for k, v in sorted(missing.items()))
        return f"selector does not match the workload ({shown})"
    return None
