"""The API server's layer for Istio objects: Istio's own CRDs, vendored as package data.

`crds/security-crds.yaml` is Istio's CRD file for the security.istio.io kinds at a pinned
commit (its first line names the commit and the licence, Apache-2.0). Every `*.yaml` in
`crds/` is loaded, so supporting more Istio kinds (Telemetry, ServiceEntry, ...) is adding
Istio's CRD file for them there. Each kind is read and compiled once, on first use.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from meshward.errors import Problem
from meshward.kube.crd import CrdRegistry

CRD_PACKAGE = "meshward.mesh.istio"
CRD_FOLDER = "crds"


@cache
def istio_crds() -> CrdRegistry:
    """Every CRD vendored in `meshward/mesh/istio/crds/`, each kind compiled once, when first
    used (`CrdRegistry.deferred`)."""
    folder = files(CRD_PACKAGE).joinpath(CRD_FOLDER)
    return CrdRegistry.deferred(
        (entry.read_text(encoding="utf-8"), entry.name)
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith((".yaml", ".yml"))
    )


def vendored_crd_files() -> list[Path]:
    """The vendored CRD files (for tests and tools that want the paths)."""
    folder = Path(str(files(CRD_PACKAGE).joinpath(CRD_FOLDER)))
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml"))


def crd_problems(doc: Any, *, cel: bool = True) -> list[Problem]:
    """What the API server would refuse in `doc` by Istio's CRDs (schema and CEL rules)."""
    registry = istio_crds()
    if not registry.owns(doc):
        return []
    return registry.problems(doc, cel=cel)


def crd_problems_each(docs: Sequence[Any]) -> list[list[Problem]]:
    """`crd_problems` of each document, in order (metadata of all, then the schemas: see
    `CrdRegistry.problems_each`)."""
    registry = istio_crds()
    owned = [registry.owns(doc) for doc in docs]
    found = iter(registry.problems_each([d for d, mine in zip(docs, owned, strict=True) if mine]))
    return [next(found) if mine else [] for mine in owned]


_TAG = re.compile(r"\[([^\[\]]+)\]\s*\Z")
#: Tags of istiod-layer findings that restate a CRD-level rule (the C rules, schema shape).
_CRD_LEVEL = re.compile(r"C\d+|schema|k8s")


def merge(crd: list[Problem], istiod: list[Problem]) -> list[Problem]:
    """CRD problems first, then istiod's; an istiod finding that only restates a CRD rule
    (tagged `[C…]`/`[schema]`) is dropped where the CRD layer already reported that field,
    so one mistake prints once, with Istio's own rule."""
    if not crd:
        return list(istiod)
    paths = [p.path for p in crd]
    kept = list(crd)
    for problem in istiod:
        if _restates_crd(problem) and any(_related(problem.path, p) for p in paths):
            continue
        kept.append(problem)
    return kept


def _restates_crd(problem: Problem) -> bool:
    tag = _TAG.search(problem.message)
    return tag is not None and all(_CRD_LEVEL.fullmatch(t) for t in tag.group(1).split("/"))


def _related(a: str, b: str) -> bool:
    if a == b:
        return True
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return long.startswith(short) and long[len(short)] in ".[" if short else True
