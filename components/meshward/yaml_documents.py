"""Manifest text to documents, each with the line it starts on: one loader for every command.

`read_documents(text, source)` parses a multi-document YAML stream (or one JSON value) the way
Kubernetes reads manifests: YAML 1.1 scalars except timestamps (Kubernetes converts YAML to JSON
first, so `2024-01-01` stays a string), duplicate mapping keys reported (strict decoding rejects
them), each document returned with the 1-based line of its first content line so messages can
say `FILE:LINE:`. `read_text(path)` reads a file as UTF-8 and refuses binary files. Both raise
`DocumentSyntaxError`, whose `str()` is one line: `FILE:LINE:COLUMN: what is wrong`.

PyYAML's C parser (libyaml) is used when PyYAML was built with it; documents are then built
straight from the parser's nodes (plain str/int/float/bool/None, lists and dicts), falling back
to PyYAML's own constructor for anything unusual (tags, anchors, merge keys).

`safe_load(text)` is `yaml.safe_load(text)` (timestamps included) by the same route, for the
stack files `meshward plan` reads (a generated 1,000-workload stack file is 0.9 MB).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from meshward.collector import collector_paused
from meshward.errors import Problem, UserInputError

LIBYAML: bool = hasattr(yaml, "CSafeLoader")
"""Whether PyYAML's C loader is available (about 5× faster than the pure-Python one)."""

_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_BINARY_SNIFF = 8192


class DocumentSyntaxError(UserInputError):
    """Input that is not YAML/JSON text at all; `str()` is `FILE:LINE:COLUMN: why`."""

    def __init__(self, source: str, line: int, column: int, why: str) -> None:
        self.line = line
        """1-based line of the problem (0 when unknown)."""
        self.column = column
        """1-based column of the problem (0 when unknown)."""
        where = (
            f"{source}:{line}:{column}"
            if line and column
            else f"{source}:{line}"
            if line
            else source
        )
        super().__init__([Problem("", why)], where)


@dataclass(frozen=True)
class SourceDocument:
    """One document of a stream."""

    line: int
    """1-based line of the document's first content line (after `---` and comments)."""
    value: Any
    """The decoded document (None for an empty document)."""
    duplicates: tuple[Problem, ...] = ()
    """Duplicate mapping keys, located by field path (Kubernetes rejects them)."""
    item_lines: tuple[int, ...] = field(default=())
    """For a document with an `items` list (a `kind: List`), each item's first line."""


_BaseLoader: Any = yaml.CSafeLoader if LIBYAML else yaml.SafeLoader


class _Loader(_BaseLoader):  # type: ignore[misc]
    """Safe loader without the YAML 1.1 timestamp type (Kubernetes keeps those as strings)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_text(path: Path) -> str:
    """A manifest file's text; DocumentSyntaxError for binary or non-UTF-8 content, or a file
    that cannot be read (with the OS's reason)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentSyntaxError(str(path), 0, 0, f"cannot read: {exc.strerror or exc}") from None
    return decode(data, str(path))


def decode(data: bytes, source: str) -> str:
    """Bytes as UTF-8 text (a BOM is dropped); binary content is refused by position."""
    nul = data.find(b"\0", 0, _BINARY_SNIFF)
    if nul >= 0:
        line, column = _position(data, nul)
        raise DocumentSyntaxError(source, line, column, "binary file (NUL byte), not YAML or JSON")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = _position(data, exc.start)
        raise DocumentSyntaxError(
            source, line, column, f"not UTF-8 text (byte 0x{data[exc.start]:02x}), not YAML or JSON"
        ) from None


def _position(data: bytes, offset: int) -> tuple[int, int]:
    line_start = data.rfind(b"\n", 0, offset) + 1
    return data.count(b"\n", 0, offset) + 1, offset - line_start + 1


def read_documents(text: str, source: str, *, json_input: bool = False) -> list[SourceDocument]:
    """Every document of `text` in order, empty ones included (value None)."""
    if json_input:
        return [_json_document(text, source)]
    documents: list[SourceDocument] = []
    with collector_paused():
        loader = _Loader(text)
        try:
            while loader.check_node():
                node = loader.get_node()
                if node is None:
                    continue
                documents.append(_document(loader, node))
        except yaml.YAMLError as exc:
            raise _syntax_error(exc, source) from None
        finally:
            loader.dispose()
    return documents


def safe_load(text: str) -> Any:
    """`yaml.safe_load(text)`'s value (a `yaml.YAMLError` for text that is not one YAML
    document), built straight from libyaml's nodes where PyYAML has libyaml."""
    # Every node becomes a live object: with the collector running, its generation-2 passes
    # rescanned the heap of the already imported SDKs three times while a 1,000-workload stack
    # file was read (0.75 s -> 0.27 s of CPU paused).
    with collector_paused():
        loader = _BaseLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            try:
                return _build(loader, node, [], set())
            except (_UnusualNodeError, RecursionError):
                return loader.construct_document(node)
        finally:
            loader.dispose()


def _syntax_error(exc: yaml.YAMLError, source: str) -> DocumentSyntaxError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None)
    context = getattr(exc, "context", None)
    why = " ".join(str(problem or exc).split())
    if context:
        why += f" ({' '.join(str(context).split())})"
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
    return DocumentSyntaxError(source, line, column, f"not valid YAML: {why}")


class _UnusualNodeError(Exception):
    """The fast builder met something only PyYAML's constructor handles."""


def _document(loader: Any, node: Node) -> SourceDocument:
    duplicate_keys: list[Node] = []
    try:
        value = _build(loader, node, duplicate_keys, set())
    except (_UnusualNodeError, RecursionError):
        value = loader.construct_document(node)
        duplicate_keys = [node]  # unknown: let the path finder look
    duplicates: list[Problem] = []
    if duplicate_keys:
        _find_duplicates(node, "", duplicates)
    return SourceDocument(node.start_mark.line + 1, value, tuple(duplicates), _item_lines(node))


def _build(loader: Any, node: Node, duplicates: list[Node], seen: set[int]) -> Any:
    kind = type(node)
    if kind is ScalarNode:
        if node.tag == _STR:
            return node.value
        construct = _SCALARS.get(node.tag)
        if construct is None:
            raise _UnusualNodeError
        return construct(loader, node)
    if id(node) in seen:
        raise _UnusualNodeError  # an alias: share the object as PyYAML does
    seen.add(id(node))
    if kind is SequenceNode:
        if node.tag != _SEQ:
            raise _UnusualNodeError
        return [_build(loader, item, duplicates, seen) for item in node.value]
    if kind is MappingNode and node.tag == _MAP:
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _build(loader, key_node, duplicates, seen)
            if type(key) in (list, dict):
                raise _UnusualNodeError  # PyYAML reports unhashable keys with their position
            if key in out:
                duplicates.append(key_node)
            out[key] = _build(loader, value_node, duplicates, seen)
        return out
    raise _UnusualNodeError


_SCALARS: dict[str, Callable[[Any, Any], Any]] = {
    "tag:yaml.org,2002:int": yaml.constructor.SafeConstructor.construct_yaml_int,
    "tag:yaml.org,2002:float": yaml.constructor.SafeConstructor.construct_yaml_float,
    "tag:yaml.org,2002:bool": yaml.constructor.SafeConstructor.construct_yaml_bool,
    "tag:yaml.org,2002:null": yaml.constructor.SafeConstructor.construct_yaml_null,
}


def _item_lines(node: Node) -> tuple[int, ...]:
    if type(node) is not MappingNode:
        return ()
    for key_node, value_node in node.value:
        if key_node.value == "items" and type(value_node) is SequenceNode:
            return tuple(item.start_mark.line + 1 for item in value_node.value)
    return ()


def _find_duplicates(node: Node, path: str, out: list[Problem]) -> None:
    if isinstance(node, MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = f"{path}.{key}" if path else key
            if key in seen:
                line = key_node.start_mark.line + 1
                out.append(Problem(child, f"duplicate key {key!r} (line {line}) [schema]"))
            seen.add(key)
            _find_duplicates(value_node, child, out)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            _find_duplicates(item, f"{path}[{index}]", out)


def _json_document(text: str, source: str) -> SourceDocument:
    duplicates: list[Problem] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in items:
            if key in result:
                duplicates.append(Problem("", f"duplicate key {key!r} [schema]"))
            result[key] = value
        return result

    try:
        value = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        raise DocumentSyntaxError(
            source, exc.lineno, exc.colno, f"not valid JSON: {exc.msg}"
        ) from None
    start = len(text) - len(text.lstrip())
    return SourceDocument(text.count("\n", 0, start) + 1, value, tuple(duplicates))
