"""Which workloads a policy applies to: a label selector or references to Gateway API parents.

Rules S1–S4 and T1–T3 (istiod) and C2–C4 (CRD) live here because all three kinds share them
(PeerAuthentication only has the selector).
"""

from __future__ import annotations

from pydantic import StrictStr

from meshward.mesh.istio import formats
from meshward.mesh.istio._base import IstioModel
from meshward.mesh.istio.problems import Findings, map_key

MAX_LABEL_VALUE = 63
MAX_LABELS = 4096
MAX_TARGET_REFS = 16
MAX_KIND = 63
MAX_NAME = 253

#: (group, kind) pairs istiod accepts as a policy target (T3); `""` and `core` are both core.
ALLOWED_TARGETS = frozenset(
    {
        ("", "Service"),
        ("core", "Service"),
        ("networking.istio.io", "ServiceEntry"),
        ("gateway.networking.k8s.io", "Gateway"),
        ("gateway.networking.k8s.io", "GatewayClass"),
    }
)


class WorkloadSelector(IstioModel):
    """Pods/VMs a policy applies to, by labels; without labels it selects every workload."""

    match_labels: dict[StrictStr, StrictStr] | None = None
    """Labels a workload must all carry (exact values; no wildcards)."""


class PolicyTargetReference(IstioModel):
    """A same-namespace Service, ServiceEntry, Gateway or GatewayClass the policy attaches to."""

    group: StrictStr | None = None
    """API group; empty or `core` for Service."""
    kind: StrictStr
    """Kind, e.g. `Gateway`."""
    name: StrictStr
    """Name of the referenced object."""
    namespace: StrictStr | None = None
    """Must be empty: cross-namespace references are not supported."""


def check_selector(
    selector: WorkloadSelector | None, path: str, out: Findings, also: str = ""
) -> None:
    """S2–S4, C3; `also` names the kind's own rule id for them (PeerAuthentication: P4)."""
    if selector is None:
        return
    tag = f"/{also}" if also else ""
    labels = selector.match_labels or {}
    if not labels:
        out.warn(
            path, "workload selector specified without labels (selects everything)", f"S4{tag}"
        )
    if len(labels) > MAX_LABELS:
        out.error(f"{path}.matchLabels", f"more than {MAX_LABELS} labels", "C3")
    for key, value in labels.items():
        if key and "*" not in key and "*" not in value and len(value) <= MAX_LABEL_VALUE:
            continue  # the usual label: its path (a JSON-quoted key) only for a problem
        at = map_key(f"{path}.matchLabels", key)
        if not key:
            out.error(at, "label key must not be empty", f"S2{tag}")
        if "*" in key:
            out.error(at, "wildcard not allowed in label key match", f"S3{tag}")
        if "*" in value:
            out.error(at, "wildcard not allowed in label value match", f"S3{tag}")
        if len(value) > MAX_LABEL_VALUE:
            out.error(at, f"label value longer than {MAX_LABEL_VALUE} characters", "C3")


def check_target_ref(ref: PolicyTargetReference, path: str, out: Findings) -> None:
    """T1–T3, C4 for one reference."""
    if not ref.name:
        out.error(f"{path}.name", "targetRef name must be set", "T1")
    elif len(ref.name) > MAX_NAME:
        out.error(f"{path}.name", f"longer than {MAX_NAME} characters", "C4")
    if ref.namespace:
        out.error(
            f"{path}.namespace",
            "must be empty: cross-namespace references are not supported",
            "T2",
        )
    group = ref.group or ""
    if len(ref.kind) > MAX_KIND or not formats.TARGET_KIND.match(ref.kind):
        out.error(f"{path}.kind", f"{ref.kind!r} is not a valid kind", "C4")
    if len(group) > MAX_NAME or not formats.TARGET_GROUP.match(group):
        out.error(f"{path}.group", f"{group!r} is not a valid API group", "C4")
    if (group, ref.kind) not in ALLOWED_TARGETS:
        out.error(
            path,
            f"targetRef must be a Service, ServiceEntry (networking.istio.io), Gateway or "
            f"GatewayClass (gateway.networking.k8s.io), not {group or 'core'}/{ref.kind}",
            "T3",
        )


def check_attachment(
    selector: WorkloadSelector | None,
    target_ref: PolicyTargetReference | None,
    target_refs: tuple[PolicyTargetReference, ...] | None,
    path: str,
    out: Findings,
) -> None:
    """S1/C2 and every selector/target rule of AuthorizationPolicy and RequestAuthentication."""
    # The CRD's CEL rule counts with has(), so `targetRefs: []` counts too; it is stricter
    # than istiod's webhook (non-empty only), and the API server runs first.
    present = [
        name
        for name, value in (
            ("selector", selector),
            ("targetRef", target_ref),
            ("targetRefs", target_refs),
        )
        if value is not None
    ]
    if len(present) > 1:
        out.error(
            path,
            "only one of selector, targetRef or targetRefs can be set, "
            f"got {' and '.join(present)}",
            "S1/C2",
        )
    check_selector(selector, f"{path}.selector", out)
    if target_ref is not None:
        check_target_ref(target_ref, f"{path}.targetRef", out)
    refs = target_refs or ()
    if len(refs) > MAX_TARGET_REFS:
        out.error(f"{path}.targetRefs", f"more than {MAX_TARGET_REFS} targetRefs", "C4")
    for index, ref in enumerate(refs):
        check_target_ref(ref, f"{path}.targetRefs[{index}]", out)
