"""Problems found in Istio objects: errors reject an object, warnings only inform."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from meshward.errors import Problem, UserInputError

if TYPE_CHECKING:
    from pydantic import ValidationError
    from pydantic_core import ErrorDetails

#: Manifest keys whose children are user-chosen map keys, rendered as `["key"]` in paths so a
#: label such as `app.kubernetes.io/name` cannot be mistaken for nested fields.
MAP_FIELDS = frozenset({"matchLabels", "portLevelMtls", "labels", "annotations"})


@dataclass
class Findings:
    """Errors and warnings collected while checking one object."""

    errors: list[Problem] = field(default_factory=list)
    """Problems that make istiod or the API server reject the object."""
    warnings: list[Problem] = field(default_factory=list)
    """Problems istiod admits with a warning (S4, A27, R10)."""

    def error(self, path: str, message: str, rule: str) -> None:
        """Record a rejection; `rule` is the SEMANTICS.md id, shown so users can look it up."""
        self.errors.append(Problem(path, f"{message} [{rule}]"))

    def warn(self, path: str, message: str, rule: str) -> None:
        """Record a warning (admitted, but kubectl shows it)."""
        self.warnings.append(Problem(path, f"{message} [{rule}]"))


class IstioValidationError(UserInputError):
    """An Istio object that istiod or the Kubernetes API server would reject."""

    def __init__(
        self, problems: list[Problem], warnings: list[Problem] | None = None, source: str = ""
    ) -> None:
        self.warnings = list(warnings or [])
        """Warnings found alongside the errors (never the reason for raising)."""
        super().__init__(problems, source)


def render_loc(loc: tuple[str | int, ...], prefix: str = "") -> str:
    """A pydantic error location as a field path, e.g. `spec.rules[0].from[1].source`."""
    path = prefix
    previous: str | int | None = None
    for part in loc:
        if part == "[key]":
            continue
        if isinstance(part, int):
            path += f"[{part}]"
        elif previous in MAP_FIELDS:
            path += f"[{json.dumps(part)}]"
        else:
            path = f"{path}.{part}" if path else part
        previous = part
    return path


def problems_from_pydantic(exc: ValidationError, prefix: str = "") -> list[Problem]:
    """Turn pydantic's structural errors into located problems with CRD-style messages."""
    problems: list[Problem] = []
    for err in exc.errors(include_url=False):
        path = render_loc(err["loc"], prefix)
        problem = Problem(path, _message(err, top_level=len(err["loc"]) == 1))
        if problem not in problems:
            problems.append(problem)
    return problems


def _message(err: ErrorDetails, *, top_level: bool) -> str:
    kind = err["type"]
    value: Any = err.get("input")
    if kind == "extra_forbidden":
        if top_level:
            return (
                "unknown top-level field; only apiVersion, kind, metadata, spec and status "
                "are allowed [M6]"
            )
        return "unknown field (not in the CRD schema; kubectl strict validation rejects it) [C16]"
    if kind == "missing":
        return "required field is missing [schema]"
    if value is None and kind in {"model_type", "dict_type", "model_attributes_type"}:
        owner = next((str(p) for p in reversed(err["loc"]) if isinstance(p, str)), "")
        rule = _NULL_ITEM_RULES.get(owner, "M7")
        return f"must not be null (null list items are rejected) [{rule}]"
    if kind in {"enum", "literal_error"}:
        field_name = str(err["loc"][-1]) if err["loc"] else ""
        rule = _ENUM_RULES.get(field_name, "schema")
        return f"must be {err['msg'].removeprefix('Input should be ')}, got {value!r} [{rule}]"
    described = {
        "string_type": "must be a string",
        "bool_type": "must be a boolean (true or false)",
        "list_type": "must be a list",
        "tuple_type": "must be a list",
        "dict_type": "must be an object",
        "model_type": "must be an object",
        "model_attributes_type": "must be an object",
        "int_type": "must be an integer",
    }.get(kind, err["msg"])
    return f"{described}, got {type(value).__name__} {value!r} [schema]"


#: Lists whose null items have their own istiod rule.
_NULL_ITEM_RULES = {
    "rules": "A7",
    "from": "A9",
    "to": "A17",
    "fromHeaders": "R5",
    "outputClaimToHeaders": "R8",
}
#: Enumerated fields and the CRD rule that lists their values.
_ENUM_RULES = {"action": "C1", "mode": "C8", "presence": "C15"}


def map_key(path: str, key: object) -> str:
    """The path of one entry of a user-keyed map, e.g. `spec.portLevelMtls["8080"]`."""
    return f"{path}[{json.dumps(str(key))}]"
