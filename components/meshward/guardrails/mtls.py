"""Mutual TLS: every workload port should accept only Istio mTLS (SEMANTICS §5.2)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from meshward.guardrails.index import Index, namespace_subject
from meshward.guardrails.model import Hit, Severity, Subject, rule
from meshward.guardrails.walk import spec
from meshward.mesh.simulation.scope import as_mapping

WEAK = ("PERMISSIVE", "DISABLE")
BEST_PRACTICE = (
    "Istio security best practices, 'Mutual TLS' (istio.io/latest/docs/ops/best-practices/security)"
)


def _level(index: Index, subject: Subject) -> str:
    if subject.namespace == index.root:
        return "mesh"
    return "workload" if index.selector(subject) else "namespace"


@rule(
    "MW101",
    Severity.ERROR,
    title="PeerAuthentication sets PERMISSIVE or DISABLE",
    rationale=f"PERMISSIVE accepts plaintext and DISABLE turns mTLS off, so callers need no "
    f"identity and identity-based rules can be bypassed ({BEST_PRACTICE}; "
    "ISTIO-SECURITY-2021-004).",
    fix="Set `spec.mtls.mode: STRICT` (or UNSET under a STRICT mesh policy); waive a migration "
    "window with a reason and an expiry.",
    peers=("Kyverno enforce-strict-mtls", "ASM AsmPeerAuthnStrictMtls", "Lunar mtls-strict"),
    beyond="Names the level (mesh, namespace, workload) the downgrade applies to.",
)
def weak_mode(index: Index) -> Iterator[Hit]:
    for s in index.of_kind("PeerAuthentication"):
        mode = as_mapping(spec(s).get("mtls")).get("mode")
        if mode in WEAK:
            level = _level(index, s)
            yield Hit(s, "spec.mtls.mode", f"{level}-level mTLS is {mode}: plaintext is accepted")


@rule(
    "MW102",
    Severity.ERROR,
    title="portLevelMtls downgrades a port to PERMISSIVE or DISABLE",
    rationale="A port-level PERMISSIVE/DISABLE accepts plaintext on that workload port even under "
    f"a STRICT mesh ({BEST_PRACTICE}); Kyverno's enforce-strict-mtls does not look at it.",
    fix="Remove the port entry or set it to STRICT; if a non-mesh scraper needs the port, waive "
    "with the reason and restrict the port with an ipBlocks ALLOW and a NetworkPolicy.",
    peers=("ASM AsmPeerAuthnStrictMtls",),
    beyond="Kyverno enforce-strict-mtls misses portLevelMtls entirely.",
)
def weak_port(index: Index) -> Iterator[Hit]:
    for s in index.of_kind("PeerAuthentication"):
        ports = as_mapping(spec(s).get("portLevelMtls"))
        for port, block in ports.items():
            mode = as_mapping(block).get("mode")
            if mode in WEAK:
                yield Hit(
                    s,
                    f"spec.portLevelMtls.{port}.mode",
                    f"workload port {port} is {mode}: plaintext is accepted there",
                )


@rule(
    "MW103",
    Severity.ERROR,
    title="mTLS left UNSET where it inherits PERMISSIVE (no STRICT mesh policy)",
    rationale="UNSET inherits from the next wider level and the mesh default is PERMISSIVE, so "
    "without a STRICT PeerAuthentication in the root namespace every workload accepts plaintext "
    "(SEMANTICS §5.2; istio.io PeerAuthentication reference).",
    fix="Add a selector-less PeerAuthentication with `mtls.mode: STRICT` in the root namespace.",
    peers=("ASM AsmPeerAuthnMeshStrictMtls", "Lunar mtls-strict"),
    beyond="Follows inheritance: an UNSET namespace, workload or port policy under a non-STRICT "
    "mesh is reported at the policy that looks harmless (Kyverno allows UNSET).",
    context=True,
)
def unset_inherits_permissive(index: Index) -> Iterator[Hit]:
    pas = index.of_kind("PeerAuthentication")
    mesh_level = [
        s for s in index.in_namespace("PeerAuthentication", index.root) if not index.selector(s)
    ]
    if not mesh_level and (pas or index.settings.mesh_config_known):
        ns = namespace_subject(index, index.root)
        yield Hit(
            ns,
            "-",
            f"no mesh-wide PeerAuthentication in root namespace {index.root}: "
            "the mesh default is PERMISSIVE",
        )
    for s in pas:
        if s.namespace == index.root and index.selector(s):
            continue  # ignored anyway (MW104)
        labels = index.selector(s) or {}
        own = as_mapping(spec(s).get("mtls")).get("mode")
        namespace = s.namespace or index.root
        if own in (None, "UNSET"):
            effective = index.mtls(namespace, labels, 0).mode
            if effective == "PERMISSIVE" and (s.namespace != index.root or mesh_level):
                yield Hit(s, "spec.mtls.mode", "mode UNSET inherits PERMISSIVE")
        for port, block in as_mapping(spec(s).get("portLevelMtls")).items():
            if as_mapping(block).get("mode") in (None, "UNSET"):
                effective = index.mtls(namespace, labels, -1).mode
                if effective == "PERMISSIVE":
                    yield Hit(
                        s,
                        f"spec.portLevelMtls.{port}.mode",
                        f"port {port} UNSET inherits PERMISSIVE",
                    )


@rule(
    "MW104",
    Severity.WARNING,
    title="PeerAuthentication with a selector in the root namespace is ignored",
    rationale="Istio ignores workload-selector PeerAuthentications in the root namespace "
    "(PeerAuthentication API reference; SEMANTICS §5.2), so the intended setting never applies.",
    fix="Move the policy into the workload's namespace, or drop the selector to make it mesh-wide.",
    beyond="Not reported by istioctl, Kiali, Kyverno or Gatekeeper.",
)
def root_selector(index: Index) -> Iterator[Hit]:
    for s in index.in_namespace("PeerAuthentication", index.root):
        if index.selector(s):
            yield Hit(s, "spec.selector", "ignored for sidecars: selector in the root namespace")


@rule(
    "MW105",
    Severity.WARNING,
    title="Several namespace-wide (or mesh-wide) PeerAuthentications in one namespace",
    rationale="Only the oldest one applies (SEMANTICS §5.2); which one that is depends on "
    "creation order, so the effective mode is not visible in the manifests.",
    fix="Keep exactly one selector-less PeerAuthentication per namespace.",
    peers=("Kiali KIA0002",),
    context=True,
)
def several_namespace_wide(index: Index) -> Iterator[Hit]:
    by_ns: dict[str | None, list[Subject]] = defaultdict(list)
    for s in index.of_kind("PeerAuthentication"):
        if not index.selector(s):
            by_ns[s.namespace].append(s)
    for ns, items in by_ns.items():
        for s in items[1:]:
            yield Hit(
                s,
                "metadata.name",
                f"{len(items)} selector-less PeerAuthentications in {ns}: only the oldest applies",
            )


@rule(
    "MW106",
    Severity.WARNING,
    title="Several workload PeerAuthentications select the same workload",
    rationale="Only the oldest applies (SEMANTICS §5.2), so the effective mode of the workload "
    "depends on creation order.",
    fix="Merge them into one PeerAuthentication per workload.",
    peers=("Kiali KIA0003",),
    context=True,
)
def several_workload_level(index: Index) -> Iterator[Hit]:
    for w in index.inventory.workloads:
        chosen = [
            s
            for s in index.policies_for("PeerAuthentication", w)
            if index.selector(s) and s.namespace != index.root
        ]
        for s in chosen[1:]:
            yield Hit(
                s,
                "spec.selector",
                f"{len(chosen)} PeerAuthentications select {w.namespace}/{w.name}: "
                "only the oldest applies",
            )
