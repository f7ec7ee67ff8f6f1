"""Read a Pulumi project and one stack's config file the way the Pulumi CLI would."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from meshward.errors import Problem, UserInputError
from meshward.yaml_documents import safe_load


@dataclass(frozen=True)
class StackFile:
    """A project's name and one stack's config, ready for the mock engine."""

    project: str
    stack: str
    program: Path
    config: dict[str, Any]
    """Full config keys (`meshward:platform`) to plain values."""
    encrypted_keys: frozenset[str]
    """Keys stored `secure:` in the file; they cannot be decrypted offline."""


def find_project(start: Path) -> Path:
    """The nearest directory at or above `start` holding `Pulumi.yaml`."""
    for directory in (start.resolve(), *start.resolve().parents):
        if (directory / "Pulumi.yaml").is_file():
            return directory
    raise UserInputError([Problem("", f"no Pulumi.yaml in {start.resolve()} or above")])


def _read_yaml(path: Path) -> Any:
    try:
        return safe_load(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{path.name}:{mark.line + 1}:{mark.column + 1}" if mark else path.name
        raise UserInputError([Problem(where, f"not valid YAML: {exc.problem}")]) from None
    except yaml.YAMLError as exc:
        raise UserInputError([Problem(path.name, f"not valid YAML: {exc}")]) from None


def load_stack_file(project_dir: Path, stack: str) -> StackFile:
    """Read `Pulumi.yaml` and `Pulumi.<stack>.yaml` below `project_dir`."""
    project_doc = _read_yaml(project_dir / "Pulumi.yaml") or {}
    project = str(project_doc.get("name", ""))
    if not project:
        raise UserInputError([Problem("Pulumi.yaml.name", "required but missing")])
    stack_path = project_dir / f"Pulumi.{stack}.yaml"
    if not stack_path.is_file():
        known = sorted(
            p.name[len("Pulumi.") : -len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml")
        )
        raise UserInputError(
            [
                Problem(
                    "--stack", f"no {stack_path.name} (known stacks: {', '.join(known) or 'none'})"
                )
            ]
        )
    doc = _read_yaml(stack_path) or {}
    raw = doc.get("config") or {}
    if not isinstance(raw, dict):
        raise UserInputError([Problem(f"{stack_path.name}.config", "must be a mapping")])
    config: dict[str, Any] = {}
    encrypted: set[str] = set()
    for key, value in raw.items():
        full = key if ":" in key else f"{project}:{key}"
        if isinstance(value, dict) and set(value) == {"secure"}:
            encrypted.add(full)
            continue
        config[full] = value
    main = project_dir / "__main__.py"
    return StackFile(project, stack, main, config, frozenset(encrypted))
