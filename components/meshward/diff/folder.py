"""A plan folder read back: the documents `meshward plan` wrote for one stack."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from meshward.errors import Problem, UserInputError
from meshward.mesh.simulation import MeshSettings

PLAN_JSON = "plan.json"
ACCESS_JSON = "access.json"
MESH_SETTINGS_JSON = "mesh-settings.json"
FINDINGS_JSON = "findings.json"
ISTIO_SECURITY_GROUP = "security.istio.io/"


@dataclass(frozen=True)
class PlanFolder:
    """One side of a diff."""

    stack: str
    plan: dict[str, Any]
    """`plan.json`."""
    access: dict[str, Any]
    """`access.json` (callers and destinations are the questions a re-decision asks)."""
    settings: MeshSettings
    """`mesh-settings.json` (defaults when an older plan did not write it)."""
    findings: list[dict[str, Any]]
    """`findings.json`'s findings (empty when an older plan did not write it)."""

    @cached_property
    def security_objects(self) -> list[dict[str, Any]]:
        """The Istio security objects the plan declares (what the simulator decides over)."""
        from meshward.engine.plan import kubernetes_objects

        return [
            o
            for o in kubernetes_objects(self.plan)
            if str(o.get("apiVersion", "")).startswith(ISTIO_SECURITY_GROUP)
        ]


def _read_json(folder: Path, name: str, *, required: bool) -> Any:
    path = folder / name
    if not path.is_file():
        if required:
            raise UserInputError(
                [Problem(str(path), "missing: expected a folder written by `meshward plan`")]
            )
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserInputError([Problem(str(path), f"not readable as JSON ({exc})")]) from None


def load_plan_folder(folder: Path) -> PlanFolder:
    """Read a plan folder; a missing or malformed file is a `UserInputError` naming it."""
    if not folder.is_dir():
        raise UserInputError(
            [Problem(str(folder), "not a folder (expected `meshward plan` output or a revision)")]
        )
    plan = _read_json(folder, PLAN_JSON, required=True)
    if not isinstance(plan, dict) or not isinstance(plan.get("resources"), list):
        raise UserInputError([Problem(f"{folder / PLAN_JSON}.resources", "expected a list")])
    access = _read_json(folder, ACCESS_JSON, required=True)
    if not isinstance(access, dict):
        raise UserInputError([Problem(str(folder / ACCESS_JSON), "expected a JSON object")])
    raw_settings = _read_json(folder, MESH_SETTINGS_JSON, required=False)
    try:
        settings = MeshSettings() if raw_settings is None else MeshSettings.from_json(raw_settings)
    except ValueError as exc:
        raise UserInputError([Problem(str(folder / MESH_SETTINGS_JSON), str(exc))]) from None
    raw_findings = _read_json(folder, FINDINGS_JSON, required=False) or {}
    findings = raw_findings.get("findings") if isinstance(raw_findings, dict) else None
    return PlanFolder(
        stack=str(plan.get("stack") or access.get("stack") or ""),
        plan=plan,
        access=access,
        settings=settings,
        findings=[f for f in findings or [] if isinstance(f, dict)],
    )
