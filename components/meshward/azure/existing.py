"""Adopting resources made elsewhere: parts of Azure resource IDs, and the arguments a
component needs only when it creates what it could otherwise adopt (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def id_part(resource_id: str, part: str) -> str:
    """The segment after `part` in an ARM resource ID, e.g. `resourceGroups` → the group.

    Raises `ValueError` naming the ID when it has no such segment (not an Azure resource ID).
    """
    segments = resource_id.strip("/").split("/")
    lowered = [s.lower() for s in segments]
    if not resource_id.startswith("/subscriptions/") or part.lower() not in lowered:
        raise ValueError(f"{resource_id!r} is not an Azure resource ID with a {part} segment")
    index = lowered.index(part.lower()) + 1
    if index >= len(segments) or not segments[index]:
        raise ValueError(f"{resource_id!r} has no value after {part}")
    return segments[index]


def resource_group_of(resource_id: str) -> str:
    """Resource group name inside an ARM resource ID."""
    return id_part(resource_id, "resourceGroups")


def name_of(resource_id: str) -> str:
    """Last segment of an ARM resource ID: the resource's own name."""
    name = resource_id.rstrip("/").rsplit("/", 1)[-1]
    if not resource_id.startswith("/subscriptions/") or not name:
        raise ValueError(f"{resource_id!r} is not an Azure resource ID")
    return name


def require_for_create(
    component: str, args: Mapping[str, Any], keys: Iterable[str], existing_key: str
) -> None:
    """Raise `ValueError` naming the missing `<Component>Args` keys when the component has to
    create its resource (no `existing_key` given) but lacks what creating needs."""
    missing = [key for key in keys if key not in args]
    if missing:
        raise ValueError(
            f"{component}Args: {', '.join(missing)} required to create the resource "
            f"(or pass {existing_key} to use an existing one)"
        )
