"""Access diff: the atoms (caller, destination, port, method, path) one revision allows and the
other does not, grouped back into `access.json` edge objects.

Rendered edges cannot be compared as strings: each revision labels paths by its own patterns
(`/api/*` in one, `/api/v2/*` in the other) and `paths: ["*"]` means "every path no pattern
names". So both revisions' security objects are re-decided by the simulator over one common
set of questions: the union of both revisions' callers (from `access.json`), and per
destination the probe paths of the union of both revisions' path patterns. A destination is
asked only in the revisions that declare it (a workload that does not exist allows nothing).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from meshward.diff.folder import PlanFolder
from meshward.mesh.access import (
    METHODS,
    Edge,
    _summarise,
    path_label,
    probe_paths,
)
from meshward.mesh.simulation import Jwt, Request, Simulator

Atom = tuple[str, str, int, str, str]
"""(caller id, workload, port, method, path); method and path are `""` on TCP ports."""


@dataclass(frozen=True)
class AccessDiff:
    """Edges newly allowed (`gained`) and no longer allowed (`lost`), atom by atom."""

    gained: tuple[Edge, ...]
    lost: tuple[Edge, ...]
    probes: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "gained": [e.to_dict() for e in self.gained],
            "lost": [e.to_dict() for e in self.lost],
        }


def _patterns_by_namespace(objects: Iterable[Mapping[str, Any]]) -> dict[str, set[str]]:
    """Path patterns (`paths`/`notPaths`) of AuthorizationPolicies, indexed by namespace."""
    out: dict[str, set[str]] = {}
    for obj in objects:
        if obj.get("kind") != "AuthorizationPolicy":
            continue
        found = out.setdefault(str((obj.get("metadata") or {}).get("namespace")), set())
        for rule in (obj.get("spec") or {}).get("rules") or []:
            for entry in rule.get("to") or []:
                operation = entry.get("operation") or {}
                for key in ("paths", "notPaths"):
                    found.update(str(p) for p in operation.get(key) or [])
    return out


def _callers(sides: Sequence[PlanFolder]) -> dict[str, dict[str, Any]]:
    """Caller id → caller document, head's definition winning over base's."""
    out: dict[str, dict[str, Any]] = {}
    for side in sides:
        for caller in side.access.get("callers") or []:
            out[str(caller["id"])] = caller
    return out


def _destinations(side: PlanFolder) -> dict[tuple[str, int], dict[str, Any]]:
    return {(str(d["workload"]), int(d["port"])): d for d in side.access.get("destinations") or []}


def _labels_of(sides: Sequence[PlanFolder]) -> dict[str, dict[str, str]]:
    """Workload → pod labels, head's winning over base's.

    A workload's labels belong to the workload, not to a revision's policies: a plan written
    before `access.json` destinations carried labels is asked with the labels the other side
    knows, and with the compiler's default selector (`app: <name>`) only when neither knows
    them. Guessing per side would report a change where only the plan format changed.
    """
    out: dict[str, dict[str, str]] = {}
    for side in sides:
        for dest in side.access.get("destinations") or []:
            workload = str(dest["workload"])
            labels = dest.get("labels")
            if isinstance(labels, dict):
                out[workload] = {str(k): str(v) for k, v in labels.items()}
            else:
                out.setdefault(workload, {"app": workload.split("/", 1)[1]})
    return out


def _allowed(
    side: PlanFolder,
    callers: Mapping[str, Mapping[str, Any]],
    paths_of: Mapping[str, Sequence[str]],
    labels_of: Mapping[str, Mapping[str, str]],
) -> tuple[set[Atom], int]:
    simulator = Simulator(side.security_objects, side.settings)
    tokens = {
        cid: Jwt.model_validate(c["token"]) if c.get("token") else None
        for cid, c in callers.items()
    }
    atoms: set[Atom] = set()
    probes = 0
    for (workload, port), dest in sorted(_destinations(side).items()):
        namespace, name = workload.split("/", 1)
        destination = {"namespace": namespace, "labels": dict(labels_of[workload]), "port": port}
        http = dest.get("protocol") != "tcp"
        for cid, caller in callers.items():
            source = {"principal": caller.get("principal"), "ip": caller.get("ip")}
            if not http:
                decision = simulator.evaluate(
                    Request.model_validate(
                        {"destination": destination, "protocol": "TCP", "source": source}
                    )
                )
                probes += 1
                if decision.decision == "ALLOW":
                    atoms.add((cid, workload, port, "", ""))
                continue
            for path in paths_of[workload]:
                for method in METHODS:
                    request = Request.model_validate(
                        {
                            "destination": destination,
                            "protocol": "HTTP",
                            "source": source,
                            "method": method,
                            "path": path,
                            "host": f"{name}.{namespace}.svc.cluster.local",
                        }
                    )
                    if tokens[cid] is not None:
                        request = request.model_copy(update={"jwt": tokens[cid]})
                    probes += 1
                    if simulator.evaluate(request).decision == "ALLOW":
                        atoms.add((cid, workload, port, method, path))
    return atoms, probes


def _edges(
    atoms: Iterable[Atom],
    protocols: Mapping[tuple[str, int], str],
    paths_of: Mapping[str, Sequence[str]],
    patterns_of: Mapping[str, Sequence[str]],
    caller_order: Mapping[str, int],
) -> tuple[Edge, ...]:
    """Group atoms into edge objects the way `access.json` summarises probes."""
    grouped: dict[tuple[str, str, int], dict[str, set[str]]] = {}
    for caller, workload, port, method, path in atoms:
        grouped.setdefault((caller, workload, port), {}).setdefault(path, set())
        if method:
            grouped[(caller, workload, port)][path].add(method)
    edges: list[Edge] = []
    for (caller, workload, port), allowed in grouped.items():
        protocol = protocols[(workload, port)]
        if protocol == "tcp":
            edges.append(Edge(caller, workload, port, protocol))
            continue
        full = {p: frozenset(allowed.get(p, ())) for p in paths_of[workload]}
        path_labels = {p: path_label(p, patterns_of[workload]) for p in full}
        for methods, labels, excepted in _summarise(full, path_labels):
            edges.append(Edge(caller, workload, port, protocol, methods, labels, excepted))
    last = len(caller_order)
    edges.sort(
        key=lambda e: (caller_order.get(e.caller, last), e.caller, e.to, e.port, e.paths, e.methods)
    )
    return tuple(edges)


def access_diff(base: PlanFolder, head: PlanFolder) -> AccessDiff:
    """Re-decide both revisions over the union of their questions and compare atom by atom."""
    callers = _callers((base, head))
    by_ns = [_patterns_by_namespace(side.security_objects) for side in (base, head)]
    protocols: dict[tuple[str, int], str] = {}
    patterns_of: dict[str, list[str]] = {}
    for side, patterns in zip((base, head), by_ns, strict=True):
        for (workload, port), dest in _destinations(side).items():
            protocols[(workload, port)] = str(dest.get("protocol", "http"))
            namespace = workload.split("/", 1)[0]
            found = set(patterns_of.get(workload, ()))
            found |= patterns.get(namespace, set())
            found |= patterns.get(side.settings.root_namespace, set())
            patterns_of[workload] = sorted(found)
    paths_of = {w: probe_paths(p) for w, p in patterns_of.items()}
    labels_of = _labels_of((base, head))
    before, probes_before = _allowed(base, callers, paths_of, labels_of)
    after, probes_after = _allowed(head, callers, paths_of, labels_of)
    order = {cid: i for i, cid in enumerate(callers)}
    return AccessDiff(
        gained=_edges(after - before, protocols, paths_of, patterns_of, order),
        lost=_edges(before - after, protocols, paths_of, patterns_of, order),
        probes=probes_before + probes_after,
    )
