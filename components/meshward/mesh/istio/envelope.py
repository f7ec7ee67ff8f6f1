"""What every Istio security object shares: apiVersion/kind/metadata/spec/status, admission
on construction, and dumping back to a manifest."""

from __future__ import annotations

from enum import Enum
from typing import Any, ClassVar, Literal, Self

from pydantic import ValidationInfo, model_validator

from meshward.errors import Problem
from meshward.mesh.istio._base import DECODED, IstioModel
from meshward.mesh.istio.metadata import ObjectMeta
from meshward.mesh.istio.problems import Findings, IstioValidationError

GROUP = "security.istio.io"
#: Served versions; both have the same schema, and the version given is kept on output.
API_VERSIONS = ("security.istio.io/v1", "security.istio.io/v1beta1")
ApiVersion = Literal["security.istio.io/v1", "security.istio.io/v1beta1"]
#: Validation-context key that defers the admission rules of a model being built: only for
#: `documents.validate_documents`, which builds many objects in one call and then admits
#: each itself (`_run_admission`) before returning anything.
ADMIT_LATER = "meshward.admit-later"


class IstioObjectBase(IstioModel):
    """A namespaced security.istio.io object.

    Constructing one (from Python or from a manifest) runs every istiod admission rule and
    CRD rule; errors raise `IstioValidationError` with located problems, warnings are kept
    available through `warnings()`.
    """

    KIND: ClassVar[str]
    """The Kubernetes kind, e.g. `AuthorizationPolicy`."""

    api_version: ApiVersion = "security.istio.io/v1"
    """`security.istio.io/v1` (storage version) or `security.istio.io/v1beta1`."""
    metadata: ObjectMeta
    """Name, namespace, labels and annotations."""
    status: dict[str, Any] | None = None
    """Server-written status, kept verbatim (the CRD preserves unknown fields here)."""

    def check(self, *, decoded: bool = False) -> Findings:
        """Every admission rule, as errors and warnings with field paths.

        `decoded` says the object came from YAML/JSON, where istiod's decoder turns an empty
        `from`/`to` list into "absent" so its non-empty checks cannot fire (SEMANTICS.md §6.5).
        """
        out = Findings()
        self._check(out, decoded=decoded)
        return out

    def _check(self, out: Findings, *, decoded: bool) -> None:
        raise NotImplementedError

    @model_validator(mode="after")
    def _admit(self, info: ValidationInfo) -> Self:
        if info.context and info.context.get(ADMIT_LATER):
            return self  # the caller admits it before anyone sees it (documents.py)
        self._run_admission(decoded=bool(info.context and info.context.get(DECODED)))
        return self

    def _run_admission(self, *, decoded: bool) -> list[Problem]:
        """Every admission rule; raises IstioValidationError on errors (see `_admit`), else
        returns the warnings."""
        found = self.check(decoded=decoded)
        if found.errors:
            # Not a ValueError on purpose: pydantic re-raises it unchanged, so callers get the
            # located problems rather than one flattened pydantic message.
            raise IstioValidationError(found.errors, found.warnings, source=self.ref)
        return found.warnings

    # No private attribute keeps these warnings: pydantic would then set up private state for
    # every object it builds and route each write through its `__setattr__` (about 3 µs per
    # object, ~10,000 objects per compile at 5,000 workloads); `documents` takes them from
    # `_run_admission` instead.

    def warnings(self) -> list[Problem]:
        """Findings istiod admits with a warning (S4, A27, R10)."""
        return self.check(decoded=True).warnings

    @property
    def ref(self) -> str:
        """`Kind/namespace/name`, with `-` for an unset namespace or name."""
        meta = self.metadata
        return f"{self.KIND}/{meta.namespace or '-'}/{meta.name or meta.generate_name or '-'}"

    def to_manifest(self) -> dict[str, Any]:
        """The object as a plain manifest dict: exactly the fields that were set, camelCase.

        Absent fields stay absent (no defaults are injected), the apiVersion given is kept,
        and map keys keep their YAML type (`portLevelMtls: {8080: ...}` stays an int key).
        """
        dumped = self.model_dump(mode="python", by_alias=True, exclude_none=True)
        return {"apiVersion": dumped.pop("apiVersion"), "kind": self.KIND, **_plain(dumped)}


def _plain(value: Any) -> Any:
    """Tuples to lists and enums to their string values, so YAML/JSON dumpers accept it."""
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    return value
