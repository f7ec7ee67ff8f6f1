"""Plain Kubernetes objects against the Kubernetes OpenAPI schemas (`kubernetes-validate`,
a development dependency: imported only when called)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: The Kubernetes minor the schemas are taken at when the cluster's is not bundled.
FALLBACK_VERSION = "1.34.0"


@dataclass
class SchemaReport:
    """What the schemas said about a list of objects."""

    version: str
    valid: list[str] = field(default_factory=list)
    invalid: dict[str, str] = field(default_factory=dict)
    custom: list[str] = field(default_factory=list)
    """Objects of kinds the Kubernetes schemas do not know (custom resources)."""


def _label(obj: dict[str, Any]) -> str:
    metadata = obj.get("metadata") or {}
    namespace = metadata.get("namespace")
    where = f"{namespace}/" if namespace else ""
    return f"{obj.get('apiVersion')} {obj.get('kind')} {where}{metadata.get('name')}"


def validate_objects(objects: list[dict[str, Any]], version: str) -> SchemaReport:
    """Validate every object strictly (unknown fields are errors) at Kubernetes `version`."""
    import kubernetes_validate  # type: ignore[import-untyped]

    report = SchemaReport(version)
    for obj in objects:
        label = _label(obj)
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.SchemaNotFoundError:
            report.custom.append(label)
        except kubernetes_validate.ValidationError as exc:
            path = "/".join(str(p) for p in exc.path) or "."
            report.invalid[label] = f"{path}: {exc.message}"
        else:
            report.valid.append(label)
    return report
