"""Generate the API reference (Markdown) of `meshward`'s public names from their docstrings.

`make docs` writes `docs/API.md`; a test fails when the file is stale, so the reference can
never drift from the code. Deterministic: names in a fixed order, annotations as written in
the source, no memory addresses.
"""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, is_typeddict

import pulumi
from pydantic import BaseModel

import meshward

COMPONENTS = "Components"
ARGS = "Component arguments"
MODELS = "Models (stack configuration, mesh intent, simulated requests)"
FUNCTIONS = "Functions"
OTHER = "Other classes"

#: Sections of the page, in order: title, test for membership.
SECTIONS: list[tuple[str, Callable[[Any], bool]]] = [
    (COMPONENTS, lambda o: isinstance(o, type) and issubclass(o, pulumi.ComponentResource)),
    (ARGS, lambda o: isinstance(o, type) and is_typeddict(o)),
    (
        MODELS,
        lambda o: isinstance(o, type) and issubclass(o, BaseModel),
    ),
    (FUNCTIONS, inspect.isfunction),
    (OTHER, lambda o: isinstance(o, type)),
]


def _doc(obj: Any) -> str:
    own = obj.__dict__.get("__doc__") if isinstance(obj, type) else obj.__doc__
    return inspect.cleandoc(own or "")


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _attributes(cls: type) -> Iterator[tuple[str, str, str]]:
    """`(name, annotation as written, docstring)` of a class's own annotated attributes."""
    try:
        source = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):
        return
    node = ast.parse(source).body[0]
    if not isinstance(node, ast.ClassDef):
        return
    body = node.body
    for i, stmt in enumerate(body):
        if not isinstance(stmt, ast.AnnAssign) or not isinstance(stmt.target, ast.Name):
            continue
        if stmt.target.id.startswith("_"):
            continue
        following = body[i + 1] if i + 1 < len(body) else None
        doc = ""
        if (
            isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            doc = inspect.cleandoc(following.value.value)
        yield stmt.target.id, ast.unparse(stmt.annotation), doc


def _default(value: Any) -> str:
    text = repr(value)
    return "…" if " at 0x" in text else text


def _signature(name: str, func: Callable[..., Any], *, skip_self: bool = False) -> str:
    params = []
    seen_star = False
    for param in inspect.signature(func).parameters.values():
        if skip_self and param.name in ("self", "cls"):
            continue
        text = param.name
        if param.kind is param.VAR_POSITIONAL:
            text, seen_star = f"*{text}", True
        elif param.kind is param.VAR_KEYWORD:
            text = f"**{text}"
        elif param.kind is param.KEYWORD_ONLY and not seen_star:
            params.append("*")
            seen_star = True
        if param.annotation is not param.empty:
            text += f": {param.annotation}"
        if param.default is not param.empty:
            text += f" = {_default(param.default)}"
        params.append(text)
    result = inspect.signature(func).return_annotation
    returns = "" if result is inspect.Signature.empty or skip_self else f" -> {result}"
    return f"{name}({', '.join(params)}){returns}"


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _public_methods(cls: type) -> list[str]:
    lines = []
    for attr, member in sorted(cls.__dict__.items()):
        if attr.startswith("_") or not inspect.isfunction(member):
            continue
        summary = _doc(member).split("\n\n")[0]
        sig = _signature(attr, member, skip_self=True)
        lines.append(f"- `{sig}`: {' '.join(summary.split())}")
    return lines


def _entry(name: str, obj: Any, section: str) -> list[str]:
    lines = [f"### `{name}`", ""]
    if section == FUNCTIONS:
        lines += ["```python", _signature(name, obj), "```", ""]
    elif section == COMPONENTS:
        lines += ["```python", _signature(name, obj.__init__, skip_self=True), "```", ""]
    lines += [_doc(obj), ""]
    if isinstance(obj, type) and section != ARGS:
        bases = [b.__name__ for b in obj.__bases__ if b.__name__ in meshward.__all__]
        if bases:
            lines += ["Extends " + ", ".join(f"`{b}`" for b in bases) + ".", ""]
    attrs = list(_attributes(obj)) if isinstance(obj, type) else []
    rows: list[tuple[str, ...]]
    if section == ARGS and attrs:
        rows = [
            (
                f"`{key}`",
                f"`{ann.removeprefix('NotRequired[').removesuffix(']')}`",
                "no" if ann.startswith("NotRequired[") else "**yes**",
                doc,
            )
            for key, ann, doc in attrs
        ]
        lines += [*_table(("key", "type", "required", "description"), rows), ""]
    elif section == COMPONENTS and attrs:
        rows = [(f"`{key}`", f"`{ann}`", doc) for key, ann, doc in attrs]
        lines += ["Outputs and attributes:", "", *_table(("name", "type", "description"), rows)]
        lines.append("")
    elif section == MODELS and attrs:
        fields = obj.model_fields
        rows = [
            (f"`{fields[key].alias or key}`", f"`{ann}`", doc)
            for key, ann, doc in attrs
            if key in fields
        ]
        lines += [*_table(("field", "type", "description"), rows), ""]
    elif section == OTHER:
        if attrs:
            rows = [(f"`{key}`", f"`{ann}`", doc) for key, ann, doc in attrs]
            lines += [*_table(("attribute", "type", "description"), rows), ""]
        methods = _public_methods(obj)
        if methods:
            lines += ["Methods:", "", *methods, ""]
    return lines


def reference_markdown() -> str:
    """The whole page: every name of `meshward.__all__`, grouped by kind."""
    placed: set[str] = set()
    out = [
        "# meshward API reference",
        "",
        "<!-- Generated by `make docs` (python -m meshward.api_reference docs/API.md) from the",
        "     docstrings; do not edit by hand. -->",
        "",
        _doc(meshward),
        "",
        "The stack configuration's YAML keys are documented in the README's configuration"
        " reference.",
        "",
    ]
    for title, belongs in SECTIONS:
        names = [n for n in meshward.__all__ if n not in placed and belongs(getattr(meshward, n))]
        if not names:
            continue
        out += [f"## {title}", ""]
        for name in names:
            placed.add(name)
            out += _entry(name, getattr(meshward, name), title)
    missing = sorted(set(meshward.__all__) - placed)
    if missing:
        raise ValueError(f"public names of no documented kind: {', '.join(missing)}")
    return "\n".join(out).rstrip("\n") + "\n"


def main(argv: list[str]) -> int:
    """`python -m meshward.api_reference docs/API.md` writes the reference."""
    for name in argv:
        Path(name).write_text(reference_markdown(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
