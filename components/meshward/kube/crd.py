"""CustomResourceDefinitions as validators: load any CRD file, check objects of its kinds.

`CrdRegistry.from_files(path, ...)` reads every `CustomResourceDefinition` in YAML files (other
documents are ignored) and compiles each served version's schema and CEL rules once. Adding
kinds is adding a file. `registry.problems(obj)` answers what the API server would answer on
create: served version, kind, ObjectMeta, structural schema, CEL rules. `CrdRegistry.deferred`
reads and compiles each kind of known-good files (meshward's vendored CRDs) on its first use.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from meshward.errors import Problem
from meshward.kube.objectmeta import metadata_problems
from meshward.kube.schema import Checker, Schema, compile_schema

CRD_KIND = "CustomResourceDefinition"


class CrdFileError(ValueError):
    """A CRD file that cannot be read or holds no usable CustomResourceDefinition."""


@dataclass(frozen=True)
class CrdVersion:
    """One version of a CRD, compiled."""

    group: str
    kind: str
    version: str
    served: bool
    namespaced: bool
    deprecation_warning: str | None
    schema: Schema
    checker: Checker
    """Schema and CEL rules together."""
    schema_only: Checker
    """The same schema without CEL (to measure the layers apart)."""


@dataclass(frozen=True)
class CrdKind:
    """A kind and its versions."""

    group: str
    kind: str
    versions: dict[str, CrdVersion]

    def served(self) -> list[str]:
        """`group/version` of every served version."""
        return [f"{self.group}/{v}" for v, cv in self.versions.items() if cv.served]


class CrdRegistry:
    """The kinds of a set of CRDs, indexed by (group, kind)."""

    def __init__(self, crds: Iterable[Mapping[str, Any]]) -> None:
        kinds: dict[tuple[str, str], CrdKind] = {}
        for crd in crds:
            kind = _compile_crd(crd)
            kinds[(kind.group, kind.kind)] = kind
        self.kinds: Mapping[tuple[str, str], CrdKind] = kinds
        self.groups = frozenset(group for group, _ in self.kinds)

    @classmethod
    def deferred(cls, texts: Iterable[tuple[str, str]]) -> CrdRegistry:
        """The CRDs of YAML `texts` ((text, source name) pairs, later definitions of a kind
        replacing earlier ones, as in `CrdRegistry(...)`), each kind read and compiled on its
        first use: a plan checks five of the thirteen vendored Istio kinds, and the other
        eight (the largest schemas among them) cost more to parse and compile than those five.

        For files known to be well formed: a document that cannot be read or compiled is
        reported when its kind is first used, not here."""
        registry = cls.__new__(cls)
        pending: dict[tuple[str, str], Callable[[], CrdKind]] = {}
        for text, source in texts:
            pending.update(_crd_sources(text, source))
        registry.kinds = _DeferredKinds(pending)
        registry.groups = frozenset(group for group, _ in pending)
        return registry

    @classmethod
    def from_files(cls, *paths: Path) -> CrdRegistry:
        """Every CustomResourceDefinition in these YAML files."""
        documents: list[Mapping[str, Any]] = []
        for path in paths:
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise CrdFileError(f"{path}: cannot read: {exc}") from None
            documents += crd_documents(text, str(path))
        if not documents:
            raise CrdFileError(f"no {CRD_KIND} in {', '.join(map(str, paths))}")
        return cls(documents)

    def owns(self, obj: Any) -> bool:
        """Whether `obj` claims a group these CRDs define (then it is checked)."""
        # `type(...) is dict` first: the ABC check is slow, and decoded objects are dicts.
        is_map = type(obj) is dict or isinstance(obj, Mapping)
        api_version = obj.get("apiVersion") if is_map else None
        return isinstance(api_version, str) and api_version.rpartition("/")[0] in self.groups

    def problems(self, obj: Mapping[str, Any], *, cel: bool = True) -> list[Problem]:
        """What the API server would refuse in `obj` on create; empty when it would accept it.

        Call only for objects this registry `owns`. `cel=False` skips the CEL rules.
        """
        return self.problems_each([obj], cel=cel)[0]

    def problems_each(
        self, objs: Sequence[Mapping[str, Any]], *, cel: bool = True
    ) -> list[list[Problem]]:
        """`problems` of each object, in order; every object's metadata is checked before any
        object's schema, which keeps each check's code warm in the CPU's caches across many
        objects (a compiled mesh) rather than alternating per object. Same results."""
        found = [self._served(obj, cel) for obj in objs]
        meta = [
            metadata_problems(obj, namespaced=served[0]) if isinstance(served, tuple) else served
            for obj, served in zip(objs, found, strict=True)
        ]
        return [
            problems + served[1].problems(obj) if isinstance(served, tuple) else problems
            for obj, served, problems in zip(objs, found, meta, strict=True)
        ]

    def _served(self, obj: Mapping[str, Any], cel: bool) -> tuple[bool, Checker] | list[Problem]:
        """Whether the object's served version is namespaced and its checker, or why the
        API server refuses its apiVersion/kind outright."""
        api_version = str(obj.get("apiVersion", ""))
        group, _, version = api_version.rpartition("/")
        kind_name = obj.get("kind")
        kind = self.kinds.get((group, kind_name)) if isinstance(kind_name, str) else None
        if kind is None:
            known = ", ".join(sorted(k for g, k in self.kinds if g == group))
            return [
                Problem(
                    "kind",
                    f"kind {kind_name!r} does not exist in {group}; known kinds: "
                    f"{known} [CRD names]",
                )
            ]
        served = kind.versions.get(version)
        if served is None or not served.served:
            return [
                Problem(
                    "apiVersion",
                    f"version {version!r} of {kind.kind} is not served; use "
                    f"one of: {', '.join(kind.served())} [CRD versions]",
                )
            ]
        return served.namespaced, served.checker if cel else served.schema_only

    def version(self, api_version: str, kind: str) -> CrdVersion | None:
        """The compiled version for an apiVersion and kind, if defined."""
        group, _, version = api_version.rpartition("/")
        found = self.kinds.get((group, kind))
        return found.versions.get(version) if found else None


def crd_documents(text: str, source: str) -> list[Mapping[str, Any]]:
    """The CustomResourceDefinition documents of a YAML text."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        documents = list(yaml.load_all(text, Loader=loader))
    except yaml.YAMLError as exc:
        raise CrdFileError(f"{source}: not valid YAML: {' '.join(str(exc).split())}") from None
    return [d for d in documents if isinstance(d, Mapping) and d.get("kind") == CRD_KIND]


class _DeferredKinds(Mapping[tuple[str, str], CrdKind]):
    """(group, kind) -> the kind, its document read and compiled on first lookup."""

    def __init__(self, pending: dict[tuple[str, str], Callable[[], CrdKind]]) -> None:
        self._pending = pending
        self._compiled: dict[tuple[str, str], CrdKind] = {}

    def __getitem__(self, key: tuple[str, str]) -> CrdKind:
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled[key] = self._pending[key]()
        return found

    def __contains__(self, key: object) -> bool:
        # Without reading the kind (`Mapping`'s own answer looks it up).
        return key in self._pending

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._pending)

    def __len__(self) -> int:
        return len(self._pending)


# A YAML stream's document markers, and the header lines a CRD is known by in the layout
# `kubectl`, Helm and controller-gen write (block style, two-space indentation, the spec's
# `group` and `names` before its `versions`).
_DOCUMENT_START = re.compile(r"\n---[ \t]*(?=\n|\Z)")
_FIRST_DOCUMENT_START = re.compile(r"---[ \t]*(?=\n|\Z)")
_VERSIONS = "\n  versions:"
_CRD_LINE = re.compile(r"^kind: CustomResourceDefinition[ \t]*$", re.M)
_TOP_LEVEL = re.compile(r"^[^ \t#\n]", re.M)
_SPEC = re.compile(r"^spec:[ \t]*$", re.M)
_GROUP = re.compile(r"^  group: ([A-Za-z0-9.-]+)[ \t]*$", re.M)
_NAMES = re.compile(r"^  names:[ \t]*$", re.M)
_SPEC_KEY = re.compile(r"^  [^ \t#\n]", re.M)
_KIND = re.compile(r"^    kind: ([A-Za-z0-9]+)[ \t]*$", re.M)


def _crd_sources(text: str, source: str) -> dict[tuple[str, str], Callable[[], CrdKind]]:
    """(group, kind) -> its compiler, for each CRD of a YAML text: a document whose group and
    kind can be told from its first lines is read and compiled when asked for, any other one
    now (as `CrdRegistry(crd_documents(...))` would). A deferred document is checked when
    read: it must hold exactly that one CRD."""
    found: dict[tuple[str, str], Callable[[], CrdKind]] = {}
    for at, chunk in enumerate(_documents(text)):
        key = _crd_key(chunk)
        if key is None:
            for crd in crd_documents(chunk, source):
                compiled = _compile_crd(crd)
                found[(compiled.group, compiled.kind)] = functools.partial(_same, compiled)
        else:
            name = f"{source} document {at + 1}"
            found[key] = functools.partial(_read_one, chunk, name, key)
    return found


def _documents(text: str) -> list[str]:
    """The texts of a YAML stream's documents (the whole text when it has a directive, which
    belongs to the stream's next document only)."""
    if text.startswith("%") or "\n%" in text:
        return [text]
    chunks = _DOCUMENT_START.split(text)
    first = _FIRST_DOCUMENT_START.match(chunks[0])
    if first is not None:
        chunks[0] = chunks[0][first.end() :]
    return chunks


def _crd_key(chunk: str) -> tuple[str, str] | None:
    """(group, kind) of a document that is one CRD in the usual layout, else None."""
    end = chunk.find(_VERSIONS)
    head = chunk if end < 0 else chunk[:end]
    if len(_CRD_LINE.findall(head)) != 1 or len(_SPEC.findall(head)) != 1:
        return None
    spec = _block(head, _SPEC, _TOP_LEVEL)
    names = _block(spec, _NAMES, _SPEC_KEY) if len(_NAMES.findall(spec)) == 1 else ""
    groups, kinds = _GROUP.findall(spec), _KIND.findall(names)
    return (groups[0], kinds[0]) if len(groups) == 1 and len(kinds) == 1 else None


def _same(kind: CrdKind) -> CrdKind:
    return kind


def _block(text: str, header: re.Pattern[str], sibling: re.Pattern[str]) -> str:
    """The lines after `header` up to the next line at the header's own indentation."""
    start = header.search(text)
    if start is None:
        return ""
    end = sibling.search(text, start.end())
    return text[start.end() : end.start() if end else len(text)]


def _read_one(chunk: str, source: str, key: tuple[str, str]) -> CrdKind:
    crds = crd_documents(chunk, source)
    kind = _compile_crd(crds[0]) if len(crds) == 1 else None
    if kind is None or (kind.group, kind.kind) != key:
        raise CrdFileError(f"{source}: not the one CustomResourceDefinition of {'/'.join(key)}")
    return kind


def _compile_crd(crd: Mapping[str, Any]) -> CrdKind:
    try:
        spec = crd["spec"]
        group, kind = str(spec["group"]), str(spec["names"]["kind"])
        namespaced = spec.get("scope", "Namespaced") == "Namespaced"
        versions: dict[str, CrdVersion] = {}
        for entry in spec["versions"]:
            raw = (entry.get("schema") or {}).get("openAPIV3Schema") or {}
            schema = compile_schema(_without_object_meta(_string_keys(raw)))
            versions[str(entry["name"])] = CrdVersion(
                group=group,
                kind=kind,
                version=str(entry["name"]),
                served=bool(entry.get("served", False)),
                namespaced=namespaced,
                deprecation_warning=entry.get("deprecationWarning")
                if entry.get("deprecated")
                else None,
                schema=schema,
                checker=Checker(schema),
                schema_only=Checker(schema, cel=False),
            )
    except (KeyError, TypeError, AttributeError) as exc:
        name = (crd.get("metadata") or {}).get("name", "?") if isinstance(crd, Mapping) else "?"
        raise CrdFileError(f"CustomResourceDefinition {name}: malformed ({exc!r})") from None
    return CrdKind(group, kind, versions)


def _without_object_meta(schema: Any) -> Any:
    """The root schema without its `metadata` entry: the API server validates (and never
    prunes) ObjectMeta itself (`metadata_problems` here). controller-gen CRDs, such as External
    Secrets', declare a bare `metadata: {type: object}`, which would otherwise reject `name`."""
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(properties, dict) or "metadata" not in properties:
        return schema
    return {**schema, "properties": {k: v for k, v in properties.items() if k != "metadata"}}


def _string_keys(value: Any) -> Any:
    """YAML→JSON as the API server does: map keys become strings (`true` → "true")."""
    if isinstance(value, Mapping):
        return {
            ("true" if k is True else "false" if k is False else str(k)): _string_keys(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_string_keys(v) for v in value]
    return value
