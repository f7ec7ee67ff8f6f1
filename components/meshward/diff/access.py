"""Access diff: the atoms (caller, destination, port, method, path) one revision allows and the
other does not, grouped back into `access.json` edge objects.

Rendered edges cannot be compared as strings: each revision labels paths by its own patterns
(`/api/*` in one, `/api/v2/*` in the other), asks its own callers, and `paths: ["*"]` means
"every path no pattern names". So both revisions are asked one common set of questions: the
union of both revisions' callers (from `access.json`), and per namespace the union of both
revisions' path patterns (hence the same probe paths and path labels on both sides). A
destination is asked only in the revisions that declare it (a workload that does not exist
allows nothing).

Computed, not brute-forced:

* a destination whose sidecar picks up the same security objects in both revisions (same
  settings, same protocol) decides every question alike, so it is not asked at all;
* the others are decided per revision by the access matrix's per-class computation
  (`meshward.mesh.access.access_matrix_for`: one simulation per class of callers, paths and
  methods the destination's policies can tell apart), which lists only allowed callers;
* where the two revisions' rows for a (caller, destination, port) differ, both are expanded
  into atoms over the common probe paths and compared; equal rows mean equal atoms.

`access_diff(..., exhaustive=True)` skips both shortcuts and simulates every caller × path ×
method of every destination: the oracle the tests hold the computed diff to.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from meshward.diff.folder import PlanFolder
from meshward.mesh.access import (
    ANY,
    AccessMatrix,
    Caller,
    Edge,
    Row,
    _summarise,
    access_matrix_for,
    path_label,
    probe_paths,
)
from meshward.mesh.intent.models import MeshIntent, Workload, WorkloadPort
from meshward.mesh.simulation import Jwt, MeshSettings
from meshward.mesh.simulation.scope import describe, selection

Atom = tuple[str, str, int, str, str]
"""(caller id, workload, port, method, path); method and path are `""` on TCP ports."""
Port = tuple[str, int]
"""(workload, port)."""


@dataclass(frozen=True)
class AccessDiff:
    """Edges newly allowed (`gained`) and no longer allowed (`lost`), atom by atom."""

    gained: tuple[Edge, ...]
    lost: tuple[Edge, ...]
    destinations: int = 0
    """Workload ports in either revision."""
    decided: int = 0
    """Workload ports re-decided (the others pick up the same objects in both revisions)."""
    simulated: int = 0
    """Requests simulated over both revisions."""

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


def _caller(doc: Mapping[str, Any]) -> Caller:
    token = doc.get("token")
    return Caller(
        id=str(doc["id"]),
        kind=doc.get("kind", "workload"),
        principal=doc.get("principal"),
        ip=doc.get("ip"),
        token=Jwt.model_validate(token) if token else None,
    )


def _destinations(side: PlanFolder) -> dict[Port, str]:
    """(workload, port) → protocol of the workload ports a revision declares."""
    return {
        (str(d["workload"]), int(d["port"])): str(d.get("protocol", "http"))
        for d in side.access.get("destinations") or []
    }


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


class _Scopes:
    """What a sidecar picks up in one revision, as comparable text: the PeerAuthentications
    of its namespace and the root namespace, and the AuthorizationPolicies and
    RequestAuthentications there that select its labels, in input order. The simulator
    consults nothing else about a destination, so equal scopes decide every request alike."""

    def __init__(self, objects: Sequence[Mapping[str, Any]], settings: MeshSettings) -> None:
        self.root = settings.root_namespace
        self.by_namespace: dict[str, list[tuple[Any, str]]] = {}
        for index, obj in enumerate(objects):
            ref = describe(obj, index)
            if ref is not None:
                text = json.dumps(obj, sort_keys=True, default=str)
                self.by_namespace.setdefault(ref.namespace, []).append((ref, text))

    def namespace_text(self, namespace: str) -> tuple[str, ...]:
        """Every security object a sidecar in `namespace` could pick up."""
        spaces = [self.root] if namespace == self.root else [self.root, namespace]
        return tuple(t for ns in spaces for _, t in self.by_namespace.get(ns, ()))

    def of(self, namespace: str, labels: Mapping[str, str]) -> tuple[str, ...]:
        """The objects the sidecar of a workload with `labels` in `namespace` picks up."""
        spaces = [self.root] if namespace == self.root else [self.root, namespace]
        found = [
            (ref.index, text)
            for ns in spaces
            for ref, text in self.by_namespace.get(ns, ())
            if ref.kind == "PeerAuthentication" or selection(ref, labels) is None
        ]
        return tuple(text for _, text in sorted(found))


def _changed(
    base: PlanFolder,
    head: PlanFolder,
    ports: Mapping[Port, tuple[str | None, str | None]],
    labels_of: Mapping[str, Mapping[str, str]],
) -> set[Port]:
    """The workload ports whose decisions may differ between the revisions."""
    if base.settings != head.settings:
        return set(ports)
    scopes = (
        _Scopes(base.security_objects, base.settings),
        _Scopes(head.security_objects, head.settings),
    )
    same_namespace: dict[str, bool] = {}
    same_workload: dict[str, bool] = {}
    out: set[Port] = set()
    for (workload, port), (before, after) in ports.items():
        if before != after:  # declared on one side only, or its protocol changed
            out.add((workload, port))
            continue
        namespace = workload.split("/", 1)[0]
        if namespace not in same_namespace:
            same_namespace[namespace] = len({s.namespace_text(namespace) for s in scopes}) == 1
        if same_namespace[namespace]:
            continue
        if workload not in same_workload:
            labels = labels_of[workload]
            same_workload[workload] = len({s.of(namespace, labels) for s in scopes}) == 1
        if not same_workload[workload]:
            out.add((workload, port))
    return out


def _matrix(
    side: PlanFolder,
    asked: Iterable[Port],
    protocols: Mapping[Port, str],
    callers: Sequence[Caller],
    extra_patterns: Mapping[str, Iterable[str]],
    labels_of: Mapping[str, Mapping[str, str]],
    *,
    exhaustive: bool,
) -> AccessMatrix:
    """One revision's decisions on the `asked` workload ports it declares."""
    ports: dict[str, list[WorkloadPort]] = {}
    for workload, port in sorted(asked):
        if (workload, port) in protocols:
            protocol = protocols[(workload, port)]
            ports.setdefault(workload, []).append(WorkloadPort(port=port, protocol=protocol))
    workloads = [
        Workload(
            name=ref.split("/", 1)[1],
            namespace=ref.split("/", 1)[0],
            labels=dict(labels_of[ref]),
            ports=found,
        )
        for ref, found in ports.items()
    ]
    return access_matrix_for(
        side.security_objects,
        MeshIntent(workloads=workloads),
        callers,
        side.settings,
        extra_patterns=extra_patterns,
        exhaustive=exhaustive,
    )


def _rows(matrix: AccessMatrix) -> dict[tuple[str, str, int], tuple[Row, ...]]:
    out: dict[tuple[str, str, int], list[Row]] = {}
    for e in matrix.edges:
        out.setdefault((e.caller, e.to, e.port), []).append((e.methods, e.paths, e.except_paths))
    return {key: tuple(sorted(rows)) for key, rows in out.items()}


def row_atoms(
    rows: Iterable[Row], paths: Sequence[str], labels: Mapping[str, str]
) -> set[tuple[str, str]]:
    """(method, path) pairs the summary rows of one edge allow, over the probe `paths` they
    were summarised from (`labels`: each path's label). A row names path labels, or concrete
    probe paths where a label's paths disagreed; `*` with exceptions means every path but
    those. A TCP row (no methods, no paths) allows the one connection `("", "")`."""
    out: set[tuple[str, str]] = set()
    for methods, shown, excepted in rows:
        if not shown:
            out.add(("", ""))
            continue
        for path in paths:
            keys = (path, labels[path])
            if shown == (ANY,):
                covered = not any(k in excepted for k in keys)
            else:
                covered = any(k in shown for k in keys)
            if covered:
                out.update((m, path) for m in methods)
    return out


def _edges(
    atoms: Iterable[Atom],
    protocols: Mapping[Port, str],
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


def access_diff(base: PlanFolder, head: PlanFolder, *, exhaustive: bool = False) -> AccessDiff:
    """Ask both revisions the same questions and compare what they allow atom by atom (module
    docstring); `exhaustive=True` simulates every question instead (the oracle)."""
    documents = _callers((base, head))
    callers = [_caller(doc) for doc in documents.values()]
    labels_of = _labels_of((base, head))
    declared = (_destinations(base), _destinations(head))
    ports = {
        key: (declared[0].get(key), declared[1].get(key))
        for key in declared[0].keys() | declared[1].keys()
    }
    # A lost atom is grouped by its port's protocol in base, a gained one by head's.
    protocols_before = {key: str(before or after) for key, (before, after) in ports.items()}
    protocols_after = {key: str(after or before) for key, (before, after) in ports.items()}

    # One set of path patterns per namespace for both revisions: both sides' patterns of the
    # namespace and of both sides' root namespaces.
    found = [_patterns_by_namespace(side.security_objects) for side in (base, head)]
    roots = set().union(
        *(
            f.get(side.settings.root_namespace, set())
            for f, side in zip(found, (base, head), strict=True)
        )
    )
    extra: dict[str, set[str]] = {}
    for workload, _ in ports:
        namespace = workload.split("/", 1)[0]
        if namespace not in extra:
            extra[namespace] = set(roots).union(*(f.get(namespace, set()) for f in found))
    patterns_of = {w: sorted(extra[w.split("/", 1)[0]]) for w, _ in ports}
    paths_of = {w: probe_paths(p) for w, p in patterns_of.items()}

    asked = set(ports) if exhaustive else _changed(base, head, ports, labels_of)
    before, after = (
        _matrix(side, asked, d, callers, extra, labels_of, exhaustive=exhaustive)
        for side, d in zip((base, head), declared, strict=True)
    )
    rows_before, rows_after = _rows(before), _rows(after)
    gained: set[Atom] = set()
    lost: set[Atom] = set()
    for key in rows_before.keys() | rows_after.keys():
        old, new = rows_before.get(key, ()), rows_after.get(key, ())
        if old == new:
            continue
        caller, workload, port = key
        paths = paths_of[workload]
        labels = {p: path_label(p, patterns_of[workload]) for p in paths}
        was, now = row_atoms(old, paths, labels), row_atoms(new, paths, labels)
        gained.update((caller, workload, port, m, p) for m, p in now - was)
        lost.update((caller, workload, port, m, p) for m, p in was - now)
    order = {c.id: i for i, c in enumerate(callers)}
    return AccessDiff(
        gained=_edges(gained, protocols_after, paths_of, patterns_of, order),
        lost=_edges(lost, protocols_before, paths_of, patterns_of, order),
        destinations=len(ports),
        decided=len(asked),
        simulated=before.simulated + after.simulated,
    )
