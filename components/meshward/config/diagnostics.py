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

from meshward.errors import Problem

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


def _is_tag(model: type[BaseModel], part: str) -> bool:
    """Whether `part` is the value of a `Literal` field of `model` (a union discriminator)."""
    return any(
        get_origin(info.annotation) is typing.Literal and part in get_args(info.annotation)
        for info in model.model_fields.values()
    )


def _walk(
    root: type[BaseModel], loc: Sequence[int | str]
) -> tuple[list[int | str], list[type[BaseModel]]]:
    """Follow `loc` from `root`: the location without union tags, and the models found there.

    A part that is not a field (a list index, a dict key) leaves us on the same model, which is
    what the contained value is validated against; a discriminator tag picks its union member
    and is dropped, because users never wrote it as a key.
    """
    current: list[type[BaseModel]] = [root]
    clean: list[int | str] = []
    for part in loc:
        if isinstance(part, str):
            owners = [m for m in current if _field_named(m, part) is not None]
            if owners:
                clean.append(part)
                current = [m for o in owners for m in _models_in(_field_named(o, part))]
                continue
            tagged = [m for m in current if _is_tag(m, part)]
            if tagged or part.startswith("function-"):
                current = tagged or current
                continue
        clean.append(part)
    return clean, current


def _allowed_keys(root: type[BaseModel], parent_loc: Sequence[int | str]) -> list[str]:
    keys: set[str] = set()
    for model in _walk(root, parent_loc)[1]:
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
        loc = _walk(model, err["loc"])[0]
        path, message = format_path(root, loc), _describe(err, model, err["loc"])
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
