"""Read Kubernetes manifests (files or directories of YAML/JSON) into plain dicts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from meshward.errors import Problem, UserInputError
from meshward.yaml_documents import DocumentSyntaxError, read_documents, read_text

_T = TypeVar("_T")

SUFFIXES = frozenset({".yaml", ".yml", ".json"})


def _files(paths: Sequence[Path], problems: list[Problem]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(str(path), "no such file or directory"))
    return files


def _flatten(
    doc: object,
    where: str,
    out: list[dict[str, Any]],
    problems: list[Problem],
    item_places: Sequence[str] = (),
) -> None:
    if doc is None:
        return
    if not isinstance(doc, dict):
        problems.append(Problem(where, f"expected a mapping, got {type(doc).__name__}"))
        return
    items = doc.get("items")
    # `kubectl get ... -o yaml` wraps objects in a `List` (or `<Kind>List`) with `items`.
    if (
        isinstance(doc.get("kind"), str)
        and doc["kind"].endswith("List")
        and isinstance(items, list)
    ):
        for i, item in enumerate(items):
            place = item_places[i] if i < len(item_places) else f"{where}: items[{i}]"
            _flatten(item, place, out, problems)
        return
    out.append(doc)


def parse_documents(text: str, source: str) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Objects in one multi-document YAML/JSON text, and what could not be read; problems
    are located as `FILE:LINE` (the document's first line), like `meshward validate`'s."""
    out: list[dict[str, Any]] = []
    problems: list[Problem] = []
    try:
        docs = read_documents(text, source, json_input=source.endswith(".json"))
    except DocumentSyntaxError as exc:
        problems.append(Problem(exc.source, exc.problems[0].message))
        return out, problems
    for doc in docs:
        # An item of a List is located by its own first line, in the same FILE:LINE form.
        places = [f"{source}:{line}" for line in doc.item_lines]
        _flatten(doc.value, f"{source}:{doc.line}", out, problems, places)
    return out, problems


def _load(
    paths: Sequence[Path], parse: Callable[[str, str], tuple[list[_T], list[Problem]]]
) -> list[_T]:
    """Parse every file in `paths` with `parse`; raise `UserInputError` naming every
    unreadable file or document (all of them, not just the first)."""
    problems: list[Problem] = []
    objects: list[_T] = []
    for file in _files(paths, problems):
        try:
            text = read_text(file)
        except DocumentSyntaxError as exc:
            problems.append(Problem(exc.source, exc.problems[0].message))
            continue
        found, bad = parse(text, str(file))
        objects.extend(found)
        problems.extend(bad)
    if problems:
        raise UserInputError(problems)
    return objects


def load_manifests(paths: Sequence[Path]) -> list[dict[str, Any]]:
    """Every object in `paths` (files, or directories searched recursively for *.yaml, *.yml,
    *.json), in a stable order; raises `UserInputError` naming every unreadable file."""
    return _load(paths, parse_documents)


@dataclass(frozen=True, slots=True)
class Located:
    """One object and where its document starts, the position every meshward report uses."""

    object: dict[str, Any]
    file: str
    line: int
    """1-based first line of the object's document (for a `List` item, of the item)."""


def parse_located(text: str, source: str) -> tuple[list[Located], list[Problem]]:
    """Like `parse_documents`, keeping each object's first line (YAML and JSON alike)."""
    out: list[Located] = []
    problems: list[Problem] = []
    try:
        docs = read_documents(text, source, json_input=source.endswith(".json"))
    except DocumentSyntaxError as exc:
        problems.append(Problem(exc.source, exc.problems[0].message))
        return out, problems
    for doc in docs:
        found: list[dict[str, Any]] = []
        _flatten(doc.value, f"{source}:{doc.line}", found, problems)
        listed = len(found) > 1 or (found and found[0] is not doc.value)
        for i, obj in enumerate(found):
            line = doc.item_lines[i] if listed and i < len(doc.item_lines) else doc.line
            out.append(Located(obj, source, line))
    return out, problems


def load_located(paths: Sequence[Path]) -> list[Located]:
    """Every object in `paths` with its file and first line; raises `UserInputError` naming
    every unreadable file or document."""
    return _load(paths, parse_located)
