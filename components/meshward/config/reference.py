"""Generate the configuration reference (Markdown) from the models' attribute docstrings.

`make docs` writes it into README.md between markers; a test fails when README.md is stale,
so the reference can never drift from the code.
"""

from __future__ import annotations

import json
import sys
import types
import typing
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from meshward.config.platform import PlatformConfig

START = "<!-- config-reference:start -->"
END = "<!-- config-reference:end -->"
REQUEST_START = "<!-- request-reference:start -->"
REQUEST_END = "<!-- request-reference:end -->"
"""Markers of the `meshward simulate` request format, generated the same way."""


def _type_name(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        return _type_name(get_args(annotation)[0])
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in get_args(annotation))
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in get_args(annotation))
    if origin is list:
        return f"list of {_type_name(get_args(annotation)[0])}"
    if origin is dict:
        key, value = get_args(annotation)
        return f"map {_type_name(key)} → {_type_name(value)}"
    if annotation is type(None):
        return "null"
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation)


def _default(info: Any) -> str:
    if info.default is PydanticUndefined and info.default_factory is None:
        return "**required**"
    value = info.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        return "see below"
    text = json.dumps(value, default=str)
    return f"`{text}`" if len(text) <= 40 else "see source"


def _nested_models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _nested_models(arg)]


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split()).replace("|", "\\|")


def reference_markdown(root: type[BaseModel] = PlatformConfig, prefix: str = "platform") -> str:
    """A Markdown table per model, depth first, each row a field with type, default and doc."""
    sections: list[str] = []
    seen: set[tuple[str, type[BaseModel]]] = set()

    def visit(model: type[BaseModel], path: str) -> None:
        if (path, model) in seen:
            return
        seen.add((path, model))
        lines = [
            f"#### `{path}`",
            "",
            _one_line(model.__doc__),
            "",
            "| key | type | default | description |",
            "|---|---|---|---|",
        ]
        nested: list[tuple[type[BaseModel], str]] = []
        for name, info in model.model_fields.items():
            key = info.alias or name
            lines.append(
                f"| `{key}` | {_type_name(info.annotation)} | {_default(info)} "
                f"| {_one_line(info.description)} |"
            )
            is_list = get_origin(info.annotation) is list
            for sub in _nested_models(info.annotation):
                nested.append((sub, f"{path}.{key}[]" if is_list else f"{path}.{key}"))
        sections.append("\n".join(lines))
        for sub, sub_path in nested:
            visit(sub, sub_path)

    visit(root, prefix)
    return "\n\n".join(sections) + "\n"


def splice(document: str, reference: str, start: str = START, end: str = END) -> str:
    """Replace the text between the reference markers of `document`."""
    head, _, rest = document.partition(start)
    _, _, tail = rest.partition(end)
    if not rest:
        raise ValueError(f"markers {start} … {end} not found")
    return f"{head}{start}\n{reference}{end}{tail}"


def request_reference() -> str:
    """The `meshward simulate` request format, one table per object."""
    from meshward.mesh.simulation import Request

    return reference_markdown(Request, "request")


def with_references(document: str) -> str:
    """`document` with both generated references brought up to date."""
    document = splice(document, reference_markdown())
    return splice(document, request_reference(), REQUEST_START, REQUEST_END)


def main(argv: list[str]) -> int:
    """`python -m meshward.config.reference README.md` rewrites the reference in place."""
    for name in argv:
        path = Path(name)
        path.write_text(with_references(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
