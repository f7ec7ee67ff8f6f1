"""Helpers for tests that run the real Pulumi program under the mock engine."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import yaml

from meshward.engine.plan import plan_document
from meshward.engine.planner import plan_config, plan_stack, render_stack

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
VALIDATE_PY = SHARED / "istio" / "validate.py"


def stack_platform(stack: str) -> dict[str, Any]:
    """The `meshward:platform` object of a committed stack file."""
    doc = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    return copy.deepcopy(doc["config"]["meshward:platform"])


def render_platform(
    platform: dict[str, Any], stack: str = "test", secrets: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run `__main__.py` under mocks with this platform config; return the plan document."""
    config: dict[str, Any] = {"meshward:platform": platform}
    config.update({f"meshward:{k}": v for k, v in (secrets or {}).items()})
    planned = plan_config(ROOT / "__main__.py", "meshward", stack, config)
    return plan_document(planned.capture)


def stack_files(stack: str) -> dict[str, str]:
    """Every file `meshward plan --stack <stack>` writes, by relative path."""
    return render_stack(plan_stack(ROOT, stack)).files


def resources_of(plan: dict[str, Any], type_: str) -> list[dict[str, Any]]:
    """All resources of one type token in a plan."""
    return [r for r in plan["resources"] if r["type"] == type_]


def one(plan: dict[str, Any], type_: str) -> dict[str, Any]:
    """The single resource of a type; fails the test when there are none or several."""
    found = resources_of(plan, type_)
    assert len(found) == 1, f"expected one {type_}, found {[r['name'] for r in found]}"
    return found[0]


def plan_of(files: dict[str, str]) -> dict[str, Any]:
    """The plan document inside a set of plan files."""
    return dict(json.loads(files["plan.json"]))


# Scalars YAML emitters quote, escape or fold, or the resolver reads as another type (shared by
# the manifest writer's tests).
TRICKY_YAML_STRINGS = [
    "",
    " ",
    "yes",
    "No",
    "on",
    "OFF",
    "y",
    "null",
    "Null",
    "~",
    "true",
    "1",
    "-1",
    "+1",
    "1_000",
    "0b101",
    "0x1F",
    "0o17",
    "017",
    "1.5",
    "1e3",
    "1.0e+3",
    "6.8523015e+5",
    ".5",
    ".inf",
    "-.Inf",
    "-.NaN",
    "190:20:30",
    "2026-11-26",
    "2026-11-26T18:00:00Z",
    "2026-11-26 18:00:00 +01:00",
    "12:30:45",
    "<<",
    "=",
    "-",
    "?",
    ":",
    "- item",
    "? key",
    ": value",
    "-item",
    "?key",
    ":value",
    "key: value",
    "key:",
    "a:b",
    "http://x.y/z",
    "a #comment",
    "a#b",
    "#not a comment",
    "---",
    "--- x",
    "...",
    "....",
    "--",
    "@at",
    "`tick",
    "!tag",
    "&anchor",
    "*alias",
    "%directive",
    "|",
    ">",
    ",",
    "[",
    "]",
    "{a}",
    "a,b[c]{d}",
    "'single'",
    "it's",
    '"double"',
    "trailing ",
    " leading",
    "two  spaces",
    "tab\there",
    "line\nbreak",
    "two\n\nbreaks\n",
    "\r\n",
    "é ü 中文 😀",
    "\x00\x07\x1b\x7f\x85\u2028\u2029\ufeff",
    "a" * 150,
    " ".join(["word"] * 40),
    "/api/svc-00001/*",
    "cluster.local/ns/team-0000/sa/svc-00000",
    "request.auth.claims[groups]",
]
