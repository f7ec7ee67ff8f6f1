"""Turn pydantic validation errors into one readable line per problem.

Each line names the field path exactly as the user wrote it in YAML (camelCase, list indices
in brackets), the offending value, and what is allowed, e.g.::

    platform.appGateway.waf.mode: 'Detect' is not allowed (allowed: Detection, Prevention)
    platform.aks.systemPool.nodeCont: unknown key (did you mean 'nodeCount'? allowed: ...)
"""

from __future__ import annotations

import difflib
import re
import typing
from collections.abc import Sequence
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from components.errors import Problem

_SEGMENT = r"[A-Za-z][A-Za-z0-9_]*(?:\[\d+\])*"
_RELATIVE = re.compile(rf"^(?P<path>{_SEGMENT}(?:\.{_SEGMENT})*): (?P<message>.+)$", re.S)


def format_path(root: str, loc: Sequence[int | str]) -> str:
    """Render a pydantic location as `root.a.b[2].c`."""
    out = root
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """Every pydantic model class reachable in one type annotation."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        return _models_in(get_args(annotation)[0])
    if origin is typing.Literal:
        return []
    if origin is not None:
        for arg in get_args(annotation):
            found.extend(_models_in(arg))
    return found


def _field_named(model: type[BaseModel], key: str) -> Any:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info.annotation
    return None


def _models_at(root: type[BaseModel], loc: Sequence[int | str]) -> list[type[BaseModel]]:
    """The model classes that may sit at `loc` below `root` (several for unions).

    A part that is not a field of the current model (a list index, a dict key, a union tag)
    leaves us on the same model, which is what the contained value is validated against.
    """
    current: list[type[BaseModel]] = [root]
    for part in loc:
        nxt: list[type[BaseModel]] = []
        for model in current:
            annotation = _field_named(model, part) if isinstance(part, str) else None
            nxt.extend(_models_in(annotation) if annotation is not None else [model])
        current = nxt
    return current


def _allowed_keys(root: type[BaseModel], parent_loc: Sequence[int | str]) -> list[str]:
    keys: set[str] = set()
    for model in _models_at(root, parent_loc):
        keys.update(info.alias or name for name, info in model.model_fields.items())
    return sorted(keys)


def _describe(err: ErrorDetails, root: type[BaseModel], loc: Sequence[int | str]) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    value = err.get("input")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(root, loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        return f"unknown key ({hint}allowed: {', '.join(allowed)})"
    if kind in ("literal_error", "enum"):
        expected = str(ctx.get("expected", "")).replace("'", "")
        expected = expected.replace(" or ", ", ")
        return f"{_short(value)} is not allowed (allowed: {expected})"
    if kind == "union_tag_invalid":
        expected = str(ctx.get("expected_tags", "")).replace("'", "")
        return f"{_short(ctx.get('tag'))} is not allowed (allowed: {expected})"
    if kind == "union_tag_not_found":
        return f"needs the key {ctx.get('discriminator', '')!s}"
    if kind == "missing":
        return "required but missing"
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error", err["msg"]))
    return f"{err['msg'][0].lower()}{err['msg'][1:]} (got {_short(value)})"


def problems_from_validation_error(
    exc: ValidationError, model: type[BaseModel], root: str
) -> list[Problem]:
    """One `Problem` per pydantic error, with YAML-shaped paths below `root`."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for err in exc.errors(include_url=False):
        # Tagged unions put the tag in the location; users never wrote it.
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        path, message = format_path(root, loc), _describe(err, model, loc)
        # Cross-field validators name the field they blame as "sub.path: message".
        match = _RELATIVE.match(message)
        if match:
            path, message = f"{path}.{match['path']}", match["message"]
        if err["type"] == "union_tag_invalid":
            path += f".{(err.get('ctx') or {}).get('discriminator', '')!s}".replace("'", "")
        problem = Problem(path, message)
        if str(problem) not in seen:
            seen.add(str(problem))
            problems.append(problem)
    return problems
