"""What a guardrail rule is, what it reports, and the registry every face reads."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from meshward.guardrails.index import Index


class Severity(StrEnum):
    """How bad a finding is; only errors can fail a run."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Subject:
    """One object a rule can point at: a Kubernetes manifest or a planned Azure resource."""

    kind: str
    """Kubernetes `kind`, or the Azure type's last segment (`ManagedCluster`)."""
    namespace: str | None
    """`metadata.namespace`; `None` for cluster-scoped objects and Azure resources."""
    name: str
    """`metadata.name`, or the Pulumi resource name."""
    doc: Mapping[str, Any]
    """The manifest dict, or the plan resource (`type`, `inputs`, `protect`, ...)."""
    file: str | None = None
    """Where the object was read from (`None` when it came from memory)."""
    line: int = 0
    """First line of the object's document in `file` (1-based; 0 when unknown)."""

    @property
    def ref(self) -> str:
        """`Kind/namespace/name`, or `Kind/name` when cluster-scoped."""
        if self.namespace is None:
            return f"{self.kind}/{self.name}"
        return f"{self.kind}/{self.namespace}/{self.name}"


@dataclass(frozen=True, slots=True)
class Hit:
    """What a rule function yields: where and what, the rule adds the rest."""

    subject: Subject
    path: str
    """Field path inside the object, e.g. `spec.rules[0].to[0].operation.methods[1]`."""
    message: str


@dataclass(frozen=True, slots=True)
class Rule:
    """One guardrail: metadata for reports and docs plus the pure check function."""

    id: str
    """Stable id: MW0xx meta, MW1xx mesh, MW2xx Azure."""
    severity: Severity
    title: str
    """One line."""
    rationale: str
    """Why, citing the source (Istio docs, advisory, Azure baseline)."""
    fix: str
    """What to change."""
    family: str
    """Module the rule lives in: mtls, authorization, jwt, identity, inventory, azure, meta."""
    peers: tuple[str, ...]
    """Peer checks this one covers (istioctl/Kiali/Kyverno/Gatekeeper/ASM ids), empty if none."""
    beyond: str
    """What this rule does that the peers do not."""
    context: bool
    """Needs more than the object itself (other objects, mesh config, inventory): CrossGuard
    runs it as a stack policy; rules without context also run as resource policies."""
    environments: tuple[str, ...] | None
    """Stack environments it applies to (`None`: every environment and `meshward check`)."""
    check: Callable[[Index], Iterable[Hit]] = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule's verdict on one object field, as every report prints it."""

    rule: str
    severity: Severity
    ref: str
    """`Kind/namespace/name` (or `Kind/name`)."""
    path: str
    message: str
    file: str | None
    line: int
    waiver: str | None = None
    """`reason (expires DATE)` of the waiver that covers it, if any."""

    @property
    def blocking(self) -> bool:
        """An unwaived error."""
        return self.severity is Severity.ERROR and self.waiver is None

    def to_dict(self) -> dict[str, Any]:
        """JSON form (stable keys)."""
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "object": self.ref,
            "path": self.path,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "waiver": self.waiver,
        }


RULES: dict[str, Rule] = {}
"""Every rule by id, in registration order (the catalogue modules register on import)."""


def rule(
    id: str,
    severity: Severity,
    *,
    title: str,
    rationale: str,
    fix: str,
    peers: tuple[str, ...] = (),
    beyond: str = "",
    context: bool = False,
    environments: tuple[str, ...] | None = None,
) -> Callable[[Callable[[Index], Iterable[Hit]]], Callable[[Index], Iterable[Hit]]]:
    """Register the decorated check function under `id`."""

    def register(check: Callable[[Index], Iterable[Hit]]) -> Callable[[Index], Iterable[Hit]]:
        if id in RULES:
            raise ValueError(f"guardrail {id} registered twice")
        family = check.__module__.rsplit(".", 1)[-1]
        RULES[id] = Rule(
            id, severity, title, rationale, fix, family, peers, beyond, context, environments, check
        )
        return check

    return register


def hits(subject: Subject, items: Iterable[tuple[str, str]]) -> Iterator[Hit]:
    """`Hit`s for one subject from (path, message) pairs."""
    for path, message in items:
        yield Hit(subject, path, message)
