"""Checks of the intent against the rest of the platform config (issuers, the installation)."""

from __future__ import annotations

from collections.abc import Sequence

from meshward.config.jwt import JwtIssuer
from meshward.mesh.intent.models import AccessRule, MeshIntent, Source

SAFE_PATH_NORMALIZATION = ("MERGE_SLASHES", "DECODE_AND_MERGE_SLASHES")


def _peers(src: Source, intent: MeshIntent, ingress_ns: str) -> tuple[set[str], set[str]]:
    workloads = {w.ref for r in src.workloads if (w := intent.workload(r)) is not None}
    namespaces = set(src.namespaces) | ({ingress_ns} if src.ingress_gateway else set())
    return workloads, namespaces


def may_share_callers(a: Source, b: Source, intent: MeshIntent, ingress_ns: str) -> bool:
    """Whether one caller could match both sources' peers (conservative for IP blocks)."""
    if not a.has_peers or not b.has_peers or a.ip_blocks or b.ip_blocks:
        return True
    aw, an = _peers(a, intent, ingress_ns)
    bw, bn = _peers(b, intent, ingress_ns)
    ns_of = {ref: ref.split("/")[0] for ref in aw | bw}
    return bool(
        aw & bw or an & bn or any(ns_of[r] in bn for r in aw) or any(ns_of[r] in an for r in bw)
    )


def _shared_ports(a: AccessRule, b: AccessRule, intent: MeshIntent) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    for ref in a.to.workloads:
        workload = intent.workload(ref)
        if workload is None:
            continue
        if not any(intent.workload(r) == workload for r in b.to.workloads):
            continue
        ports_a = {p.port for p in intent.target_ports(a.to, workload)}
        ports_b = {p.port for p in intent.target_ports(b.to, workload)}
        out += [(workload.ref, port) for port in sorted(ports_a & ports_b)]
    return out


def mesh_problem(
    intent: MeshIntent,
    issuers: Sequence[JwtIssuer],
    *,
    root_namespace: str,
    ingress_namespace: str,
    path_normalization: str,
) -> str | None:
    """The first cross-config problem, as `mesh.<path>: message` (relative to `platform`)."""
    known = [i.name for i in issuers]
    rules = intent.allow_rules
    for path, rule in rules:
        if rule.from_.jwt is not None and rule.from_.jwt.issuer not in known:
            return (
                f"mesh.{path}.from.jwt.issuer: unknown issuer {rule.from_.jwt.issuer!r} "
                f"(known: {', '.join(known) or 'none; add platform.jwtIssuers'})"
            )
    for i, workload in enumerate(intent.workloads):
        if workload.namespace in (root_namespace, ingress_namespace):
            return (
                f"mesh.workloads[{i}].namespace: {workload.namespace!r} is the mesh's "
                f"{'root' if workload.namespace == root_namespace else 'ingress'} namespace; "
                "policies there would apply mesh-wide or to the gateways"
            )
    for namespace in intent.namespaces:
        if namespace in (root_namespace, ingress_namespace):
            return f"mesh.namespaces.{namespace}: the mesh's root/ingress namespace is not allowed"
    if path_normalization not in SAFE_PATH_NORMALIZATION:
        for i, deny in enumerate(intent.deny):
            if deny.to.paths:
                return (
                    f"mesh.deny[{i}].to.paths: deny paths need meshConfig.pathNormalization "
                    f"MERGE_SLASHES or DECODE_AND_MERGE_SLASHES (is {path_normalization}), "
                    "otherwise '//admin' bypasses them"
                )
    # Only rules naming a common workload can share ports: look those up instead of pairing
    # every rule with every other (in the order the full pairing would find them).
    position = {id(rule): k for k, (_, rule) in enumerate(rules)}
    for path_j, jwt_rule in rules:
        if jwt_rule.from_.jwt is None:
            continue
        nearby: set[int] = set()
        for ref in jwt_rule.to.workloads:
            target = intent.workload(ref)
            if target is not None:
                nearby.update(
                    position[id(r)] for r in (*intent.access_to(target), *intent.grants_to(target))
                )
        for k in sorted(nearby):
            path_o, other = rules[k]
            if other.from_.jwt is not None:
                continue
            if not may_share_callers(jwt_rule.from_, other.from_, intent, ingress_namespace):
                continue
            shared = _shared_ports(jwt_rule, other, intent)
            if shared:
                ref, port = shared[0]
                return (
                    f"mesh.{path_o}.from: admits callers without a token on port {port} of "
                    f"{ref}, where {path_j} ({jwt_rule.name}) requires a token from the same "
                    "callers; add jwt here, or separate the callers or ports"
                )
    if intent.extra_objects:
        from meshward.mesh.compiler import compile_mesh

        try:  # object names do not depend on the trust domain
            compile_mesh(
                intent,
                issuers,
                root_namespace=root_namespace,
                trust_domain="cluster.local",
                ingress_namespace=ingress_namespace,
            )
        except ValueError as exc:  # a raw object collides with a compiled one
            return f"mesh.{exc}"
    return None
