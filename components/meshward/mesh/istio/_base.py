"""The base every Istio model shares: frozen, camelCase keys exactly as in the CRD."""

from __future__ import annotations

from meshward.config._base import ConfigModel

#: Validation-context key set when a model is decoded from a manifest (YAML/JSON) rather than
#: built in Python. It changes one thing: istiod's "must not be empty" checks on `from`/`to`
#: cannot fire for decoded manifests (SEMANTICS.md §6.5), but do fire for objects built in code.
DECODED = "meshward.decoded"


class IstioModel(ConfigModel):
    """A piece of an Istio security object.

    Python attributes are snake_case, manifest keys are the CRD's camelCase. Unknown keys are
    rejected because `kubectl apply` (strict field validation) rejects them (rule C16); the
    loader turns that into a located problem rather than an exception. Every optional field
    defaults to `None` meaning *absent*, so that `has()`-style CRD rules (C2, C12) and
    round-tripping can tell "absent" from "empty". Strictness and key convention are the
    stack config's (`ConfigModel`), so both layers read and fail the same way.
    """
