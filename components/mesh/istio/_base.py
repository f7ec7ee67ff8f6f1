"""The base every Istio model shares: frozen, camelCase keys exactly as in the CRD."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

#: Validation-context key set when a model is decoded from a manifest (YAML/JSON) rather than
#: built in Python. It changes one thing: istiod's "must not be empty" checks on `from`/`to`
#: cannot fire for decoded manifests (SEMANTICS.md §6.5), but do fire for objects built in code.
DECODED = "meshward.decoded"


class IstioModel(BaseModel):
    """A piece of an Istio security object.

    Python attributes are snake_case, manifest keys are the CRD's camelCase. Unknown keys are
    rejected because `kubectl apply` (strict field validation) rejects them (rule C16); the
    loader turns that into a located problem rather than an exception. Every optional field
    defaults to `None` meaning *absent*, so that `has()`-style CRD rules (C2, C12) and
    round-tripping can tell "absent" from "empty".
    """

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        use_attribute_docstrings=True,
    )
