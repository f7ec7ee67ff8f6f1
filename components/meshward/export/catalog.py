"""The shipped ARM catalog: where each azure-native input sits in the ARM resource body.

`arm_catalog.json` is generated at build time by `tools/arm_catalog.py` from the official ARM
JSON schemas (github.com/Azure/azure-resource-manager-schemas) and the installed
pulumi-azure-native SDK's API versions; users need neither at run time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

CATALOG_FILE = "arm_catalog.json"


@dataclass(frozen=True)
class ArmResourceType:
    """How one azure-native resource token maps to ARM."""

    token: str
    type: str
    """ARM type; `{input}` segments are filled from that input (private DNS record types)."""
    api_version: str
    names: tuple[str, ...]
    """Inputs that form the ARM name, parent first (`vnet/subnet`)."""
    scope: str | None
    """Input holding the target of an extension resource (role assignments)."""
    shapes: dict[str, str]
    """Concrete ARM type → shape id of its resource definition."""


@dataclass(frozen=True)
class Catalog:
    """Resource types and object shapes (`{"keys": {name: shape|None}, "map": shape}`)."""

    resources: dict[str, ArmResourceType]
    shapes: dict[str, dict[str, Any]]
    source: dict[str, str]


@cache
def load_catalog() -> Catalog:
    """The catalog shipped with the package."""
    text = resources.files("meshward.export").joinpath(CATALOG_FILE).read_text(encoding="utf-8")
    doc = json.loads(text)
    types = {
        token: ArmResourceType(
            token=token,
            type=entry["type"],
            api_version=entry["apiVersion"],
            names=tuple(entry["names"]),
            scope=entry["scope"],
            shapes=dict(entry["shapes"]),
        )
        for token, entry in doc["resources"].items()
    }
    return Catalog(types, doc["shapes"], doc["source"])
