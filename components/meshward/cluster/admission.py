"""Rendered Istio objects must pass the checks the API server and istiod would apply (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from meshward.mesh.istio import validate_document
from meshward.mesh.istio.crd_rules import istio_crds
from meshward.mesh.istio.documents import is_istio_security


def require_admissible(objects: Iterable[Mapping[str, Any]], producer: str) -> None:
    """Raise `RuntimeError` (a bug in `producer`, since its input was validated config) when an
    object of a kind meshward ships the CRD for, or a security kind, would be refused. Kinds
    without a vendored CRD pass unchecked here (the tests check them against Istio's full CRD
    file)."""
    for obj in objects:
        if not (is_istio_security(obj) or istio_crds().owns(obj)):
            continue
        errors = validate_document(obj).errors
        if errors:
            meta = obj.get("metadata") or {}
            ref = f"{obj.get('kind')}/{meta.get('namespace')}/{meta.get('name')}"
            problems = "; ".join(str(p) for p in errors)
            raise RuntimeError(f"{producer} bug: {ref} is not admissible: {problems}")
