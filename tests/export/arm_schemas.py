"""Validate ARM template resources against the official ARM JSON schemas in ../shared
(github.com/Azure/azure-resource-manager-schemas, draft-04, `$ref`s to
https://schema.management.azure.com/schemas/... resolved to the local copies)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SCHEMA_ROOT = Path(__file__).resolve().parents[2] / ".." / "shared" / "azure" / "arm-schemas"
BASE = "https://schema.management.azure.com/schemas/"
SECTIONS = (
    "resourceDefinitions",
    "extension_resourceDefinitions",
    "subscription_resourceDefinitions",
    "unknown_resourceDefinitions",
)


def _retrieve(uri: str) -> Resource[Any]:
    relative = uri.removeprefix(BASE).split("#", 1)[0]
    text = (SCHEMA_ROOT / relative).read_text(encoding="utf-8")
    return Resource.from_contents(json.loads(text) if text.strip() else {}, DRAFT4)


@cache
def _registry() -> Registry[Any]:
    return Registry(retrieve=_retrieve)  # type: ignore[call-arg]


@cache
def definition_uri(api_version: str, arm_type: str) -> str | None:
    """The `$id`-relative URI of the resource definition of `arm_type` at `api_version`."""
    folder = SCHEMA_ROOT / api_version
    for path in sorted(folder.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        for section in SECTIONS:
            for key, definition in (doc.get(section) or {}).items():
                enum = (definition.get("properties", {}).get("type") or {}).get("enum", [])
                if any(t.lower() == arm_type.lower() for t in enum):
                    return f"{BASE}{api_version}/{path.name}#/{section}/{key}"
    return None


def resource_errors(resource: dict[str, Any]) -> list[str]:
    """Schema violations of one template resource (`path: message`)."""
    uri = definition_uri(resource["apiVersion"], resource["type"])
    if uri is None:
        return [f"no schema for {resource['type']}@{resource['apiVersion']}"]
    # Template-level keys of a resource, not part of its type's definition.
    body = {k: v for k, v in resource.items() if k not in ("dependsOn", "scope", "resourceGroup")}
    validator = jsonschema.Draft4Validator({"$ref": uri}, registry=_registry())
    return sorted(
        f"{'/'.join(str(p) for p in e.absolute_path) or '.'}: {e.message[:300]}"
        for e in validator.iter_errors(body)
    )
