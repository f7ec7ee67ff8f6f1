"""Object metadata, and the annotation rules istiod applies to all three kinds (M1–M5)."""

from __future__ import annotations

from typing import Any

from pydantic import StrictInt, StrictStr

from meshward.mesh.istio import formats
from meshward.mesh.istio._base import IstioModel
from meshward.mesh.istio.problems import Findings, map_key

DRY_RUN = "istio.io/dry-run"
"""Evaluate an AuthorizationPolicy in shadow mode only (ALLOW/DENY)."""
ALWAYS_REJECT = "internal.istio.io/webhook-always-reject"
"""Istio's own test hook: the webhook rejects any object carrying it."""
INTERNAL_PARENT_ANNOTATIONS = ("internal.istio.io/parents", "internal.istio.io/parent-namespace")
"""Annotations istiod writes on objects it generates; users may not set them."""


class ObjectMeta(IstioModel):
    """Kubernetes ObjectMeta: every field `kubectl get -o yaml` may show, so manifests
    exported from a cluster load and round-trip unchanged."""

    name: StrictStr | None = None
    """Object name; required unless `generateName` is set."""
    generate_name: StrictStr | None = None
    """Prefix the API server completes into a unique name."""
    namespace: StrictStr | None = None
    """Namespace; absent means the namespace kubectl is pointed at."""
    labels: dict[StrictStr, StrictStr] | None = None
    """Labels of the policy object itself (not a workload selector)."""
    annotations: dict[StrictStr, StrictStr] | None = None
    """Annotations, e.g. `istio.io/dry-run`."""
    uid: StrictStr | None = None
    """Server-assigned identity."""
    resource_version: StrictStr | None = None
    """Server-assigned version for optimistic concurrency."""
    generation: StrictInt | None = None
    """Server-assigned spec generation."""
    creation_timestamp: StrictStr | None = None
    """Server-assigned creation time (RFC 3339)."""
    deletion_timestamp: StrictStr | None = None
    """Server-assigned deletion time."""
    deletion_grace_period_seconds: StrictInt | None = None
    """Server-assigned grace period."""
    finalizers: tuple[StrictStr, ...] | None = None
    """Finalizers blocking deletion."""
    owner_references: tuple[dict[str, Any], ...] | None = None
    """Owners, kept verbatim."""
    managed_fields: tuple[dict[str, Any], ...] | None = None
    """Server-side apply bookkeeping, kept verbatim."""
    self_link: StrictStr | None = None
    """Deprecated self link, kept verbatim."""


def check_metadata(
    meta: ObjectMeta, kind: str, action: str | None, path: str, out: Findings
) -> None:
    """M1–M5 and the API server's name requirement.

    `action` is the AuthorizationPolicy action (`None` = ALLOW); ignored for other kinds.
    """
    if not meta.name and not meta.generate_name:
        out.error(f"{path}.name", "name or generateName is required", "k8s")
    annotations = meta.annotations or {}
    at = f"{path}.annotations"
    if DRY_RUN in annotations:
        value = annotations[DRY_RUN]
        if kind != "AuthorizationPolicy":
            out.error(map_key(at, DRY_RUN), f"not supported on {kind}; remove it", "M1")
        elif action not in {None, "ALLOW", "DENY"}:
            out.error(map_key(at, DRY_RUN), f"not supported for action {action}", "M2")
        elif value not in formats.GO_BOOLS:
            out.error(map_key(at, DRY_RUN), f"{value!r} must be true or false", "M3")
    if ALWAYS_REJECT in annotations:
        out.error(map_key(at, ALWAYS_REJECT), "objects with this annotation are rejected", "M4")
    for internal in INTERNAL_PARENT_ANNOTATIONS:
        if internal in annotations:
            out.error(map_key(at, internal), "internal annotation; users may not set it", "M5")
