"""From manifest text or dicts to typed Istio objects, with every problem located."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import TypeAdapter, ValidationError

from meshward.collector import collector_paused
from meshward.errors import Problem, UserInputError
from meshward.mesh.istio._base import DECODED
from meshward.mesh.istio.authorization import AuthorizationPolicy
from meshward.mesh.istio.crd_rules import crd_problems, crd_problems_each, istio_crds, merge
from meshward.mesh.istio.envelope import ADMIT_LATER, API_VERSIONS, GROUP
from meshward.mesh.istio.peer_authentication import PeerAuthentication
from meshward.mesh.istio.problems import IstioValidationError, problems_from_pydantic
from meshward.mesh.istio.request_authentication import RequestAuthentication
from meshward.yaml_documents import DocumentSyntaxError, read_documents

IstioObject = AuthorizationPolicy | RequestAuthentication | PeerAuthentication
"""Any of the three security.istio.io kinds."""

KINDS: dict[str, type[IstioObject]] = {
    cls.KIND: cls for cls in (AuthorizationPolicy, RequestAuthentication, PeerAuthentication)
}


class ManifestSyntaxError(UserInputError):
    """Text that is not YAML/JSON at all (the CLI exits 2 for it); renders as one line,
    `FILE:LINE:COLUMN: why`."""


@dataclass(frozen=True)
class ValidationResult:
    """The outcome of validating one manifest document."""

    object: IstioObject | None
    """The typed object, or `None` when the document has errors."""
    errors: list[Problem]
    """Why the object would be rejected; empty when valid."""
    warnings: list[Problem]
    """Admitted-with-warning findings; may be non-empty for a valid object."""

    @property
    def ok(self) -> bool:
        """Whether istiod and the API server would admit the document."""
        return not self.errors


@dataclass(frozen=True)
class Document:
    """One document of a manifest file, checked if it is a security.istio.io object."""

    index: int
    """0-based position among the file's documents (empty documents count too)."""
    ref: str
    """`Kind/namespace/name` as far as the document tells, `-` for unknown parts."""
    raw: Any
    """The decoded document."""
    result: ValidationResult | None
    """`None` for other kinds (not ours to check)."""
    line: int = 0
    """1-based line where the document (or its `List` item) starts, for `FILE:LINE:`."""


def is_istio_security(doc: Any) -> bool:
    """Whether a decoded document claims to be a security.istio.io object."""
    api_version = doc.get("apiVersion") if isinstance(doc, Mapping) else None
    return isinstance(api_version, str) and api_version.split("/", 1)[0] == GROUP


def is_checked(doc: Any) -> bool:
    """Whether meshward checks this document: a security.istio.io object, or any kind whose
    Istio CRD is vendored in `meshward/mesh/istio/crds/`."""
    return is_istio_security(doc) or istio_crds().owns(doc)


def parse_istio_object(doc: Mapping[str, Any]) -> IstioObject:
    """A manifest dict as a typed object; raises IstioValidationError with every problem."""
    return _parsed(doc)


def _parsed(doc: Mapping[str, Any], *, admit_later: bool = False) -> IstioObject:
    """`parse_istio_object`; with `admit_later`, the admission rules are left to the caller
    (`IstioObjectBase._run_admission`), which must run them before anyone sees the object."""
    if not isinstance(doc, Mapping):
        raise IstioValidationError([Problem("", "document must be a mapping (an object)")])
    kind = doc.get("kind")
    if doc.get("apiVersion") not in API_VERSIONS:
        raise IstioValidationError(
            [Problem("apiVersion", f"must be one of {', '.join(API_VERSIONS)} [schema]")]
        )
    cls = KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise IstioValidationError(
            [Problem("kind", f"must be one of {', '.join(KINDS)}, got {kind!r} [schema]")]
        )
    context = {DECODED: True, ADMIT_LATER: True} if admit_later else {DECODED: True}
    try:
        # By alias only: a YAML key `notPaths` is the CRD field, `not_paths` is a typo (C16).
        return cls.model_validate(doc, by_alias=True, by_name=False, context=context)
    except ValidationError as exc:
        raise IstioValidationError(problems_from_pydantic(exc)) from None


def validate_document(doc: Mapping[str, Any]) -> ValidationResult:
    """Validate one manifest dict: the object when valid, errors and warnings either way.

    Two layers, as a cluster applies them: the API server's (Istio's CRD schema and CEL
    rules, from the vendored CRD files) and istiod's admission rules (the typed models). A
    kind with a vendored CRD but no typed model gets the API server's layer only.
    """
    return _with_istiod_layer(doc, crd_problems(doc))


def validate_documents(docs: Sequence[Mapping[str, Any]]) -> Iterator[ValidationResult]:
    """`validate_document` of each of `docs`, in order, with the same results, worked out
    layer by layer per batch of documents: the API server's layer (every document's metadata,
    then every schema + CEL walk), then the typed models of each kind built in one pydantic
    call, then istiod's admission rules per document.

    For many documents (a compiled mesh) this is faster: each step's code stays warm in the
    CPU's caches instead of all of them alternating per document (about a fifth of the
    self-check's time at 10,000 objects). Every step is a pure function of the document; a
    kind whose batch pydantic refuses is redone document by document, exactly as
    `validate_document` does, for its located problems.
    """
    for start in range(0, len(docs), _BATCH):
        batch = docs[start : start + _BATCH]
        crds = crd_problems_each(batch)
        built = _built_together(batch)
        for index, (doc, crd) in enumerate(zip(batch, crds, strict=True)):
            yield _with_istiod_layer(doc, crd, built.pop(index, None))


#: Documents per batch: enough to keep each layer's code warm, few enough that a batch's
#: typed objects cost little memory.
_BATCH = 1000


def _built_together(docs: Sequence[Mapping[str, Any]]) -> dict[int, IstioObject]:
    """Typed objects of the documents, by position, built per kind in one pydantic call
    (a list) with the admission rules deferred to `_with_istiod_layer`; a kind where any
    document fails pydantic's validation is left out, so each of its documents goes through
    `parse_istio_object` and gets its own located problems."""
    positions: dict[str, list[int]] = {}
    for index, doc in enumerate(docs):
        if type(doc) is dict and doc.get("apiVersion") in API_VERSIONS:
            kind = doc.get("kind")
            if isinstance(kind, str) and kind in KINDS:
                positions.setdefault(kind, []).append(index)
    built: dict[int, IstioObject] = {}
    for kind, indexes in positions.items():
        try:
            objects = _list_adapter(kind).validate_python(
                [docs[i] for i in indexes],
                by_alias=True,
                by_name=False,
                context={DECODED: True, ADMIT_LATER: True},
            )
        except ValidationError:
            continue
        built.update(zip(indexes, objects, strict=True))
    return built


@cache
def _list_adapter(kind: str) -> TypeAdapter[list[IstioObject]]:
    items: Any = list.__class_getitem__(KINDS[kind])  # list[<the kind's class>]
    adapter: TypeAdapter[list[IstioObject]] = TypeAdapter(items)
    return adapter


def _with_istiod_layer(
    doc: Mapping[str, Any], crd: list[Problem], built: IstioObject | None = None
) -> ValidationResult:
    """The result of `doc` given its API-server layer's problems `crd` (and its typed
    object when `_built_together` built it, still to be admitted)."""
    if built is None and (
        isinstance(doc, Mapping)
        # A kind may be any YAML value (a list or map is unhashable): only a string names one.
        and not (isinstance(kind := doc.get("kind"), str) and kind in KINDS)
        and istio_crds().owns(doc)
    ):
        return ValidationResult(None, crd, [])
    try:
        # The admission rules `parse_istio_object`'s model validator would run (and raise
        # for), run here so that their warnings come back with them (`obj.warnings()` would
        # run them again).
        obj = _parsed(doc, admit_later=True) if built is None else built
        warnings = obj._run_admission(decoded=True)
    except IstioValidationError as exc:
        return ValidationResult(None, merge(crd, list(exc.problems)), exc.warnings)
    if crd:
        return ValidationResult(None, crd, warnings)
    return ValidationResult(obj, [], warnings)


def validate_object(obj: IstioObject) -> ValidationResult:
    """Re-check an already built object as istiod will see it once serialized (e.g. compiler
    output): round-trips it through its manifest so both layers agree."""
    return validate_document(obj.to_manifest())


def object_ref(doc: Any) -> str:
    """`Kind/namespace/name` of a raw document, `-` for missing parts."""
    if not isinstance(doc, Mapping):
        return "-/-/-"
    meta = doc.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    parts = (doc.get("kind"), meta.get("namespace"), meta.get("name") or meta.get("generateName"))
    return "/".join(str(p) if p not in (None, "") else "-" for p in parts)


def load_documents(text: str, source: str, *, json_input: bool = False) -> list[Document]:
    """Every document of a YAML stream (or one JSON value); security.istio.io objects are
    validated, `kind: List` items are expanded, other kinds are returned unchecked.

    Raises ManifestSyntaxError (one line: `FILE:LINE:COLUMN: why`) when the text cannot be
    parsed at all. Duplicate mapping keys, which Kubernetes' strict decoding rejects, are
    reported as errors of their document.
    """
    with collector_paused():
        return _load(text, source, json_input)


def _load(text: str, source: str, json_input: bool) -> list[Document]:
    try:
        parsed = read_documents(text, source, json_input=json_input)
    except DocumentSyntaxError as exc:
        raise ManifestSyntaxError(exc.problems, exc.source) from None
    documents: list[Document] = []
    for index, source_doc in enumerate(parsed):
        doc = source_doc.value
        if doc is None:
            continue  # an empty document (e.g. a trailing `---`) is not an object
        items = _expand_lists(doc)
        for position, (prefix, item) in enumerate(items):
            line = source_doc.line
            if prefix and position < len(source_doc.item_lines):
                line = source_doc.item_lines[position]
            documents.append(_document(index, prefix, item, list(source_doc.duplicates), line))
    return documents


def _expand_lists(doc: Any) -> list[tuple[str, Any]]:
    if (
        isinstance(doc, Mapping)
        and doc.get("kind") == "List"
        and isinstance(doc.get("items"), list)
    ):
        return [(f"items[{i}].", item) for i, item in enumerate(doc["items"])]
    return [("", doc)]


def _document(index: int, prefix: str, doc: Any, duplicates: list[Problem], line: int) -> Document:
    ref = object_ref(doc)
    if not is_checked(doc):
        return Document(index, ref, doc, None, line)
    result = validate_document(doc)
    own_duplicates = [
        Problem(p.path.removeprefix(prefix), p.message)
        for p in duplicates
        if p.path.startswith(prefix) or not prefix
    ]
    if own_duplicates:
        result = ValidationResult(None, own_duplicates + result.errors, result.warnings)
    if prefix:
        result = ValidationResult(
            result.object,
            [Problem(f"{prefix}{p.path}".rstrip("."), p.message) for p in result.errors],
            [Problem(f"{prefix}{p.path}".rstrip("."), p.message) for p in result.warnings],
        )
    return Document(index, ref, doc, result, line)
