"""Typed `security.istio.io` objects that enforce every istiod admission rule.

Layer 1 of mesh security: AuthorizationPolicy, RequestAuthentication and PeerAuthentication
as frozen pydantic models covering every CRD field (v1 and v1beta1), checked against the CRD
rules C1–C16 and istiod's webhook rules M1–M7, S1–S4, T1–T3, A1–A27, R1–R10, P1–P4 of
`SEMANTICS.md` §2. Each problem names its field path (`spec.rules[0].from[1].source...`) and
ends with the rule id, e.g. `[A14]`. Validation accepts exactly what istiod accepts; judging
risky-but-valid policies belongs to the guardrails layer.

Public surface:

* `parse_istio_object(doc) -> IstioObject` decodes a manifest dict, raising
  `IstioValidationError` (a `UserInputError` with `.problems` and `.warnings`).
* `validate_document(doc) -> ValidationResult(object, errors, warnings)` never raises for
  bad input; `validate_object(obj)` re-checks a built object through its manifest.
* `load_documents(text, source) -> list[Document]` for multi-document YAML (or JSON with
  `json_input=True`); raises `ManifestSyntaxError` when the text does not parse at all.
* Building a model in Python (`AuthorizationPolicy(metadata=ObjectMeta(name="x"), spec=...)`)
  runs the same rules and raises `IstioValidationError`; structural mistakes in a part raise
  pydantic's `ValidationError` when that part is built.
* `obj.to_manifest() -> dict` dumps exactly the fields that were set (round-trips YAML);
  `obj.warnings() -> list[Problem]` lists the S4/A27/R10 warnings.
"""

from __future__ import annotations

from meshward.mesh.istio.authorization import (
    Action,
    AuthorizationPolicy,
    AuthorizationPolicySpec,
    Condition,
    ExtensionProvider,
    Operation,
    Rule,
    RuleFrom,
    RuleTo,
    Source,
)
from meshward.mesh.istio.documents import (
    Document,
    IstioObject,
    ManifestSyntaxError,
    ValidationResult,
    load_documents,
    parse_istio_object,
    validate_document,
    validate_object,
)
from meshward.mesh.istio.metadata import ObjectMeta
from meshward.mesh.istio.peer_authentication import (
    MtlsMode,
    MutualTLS,
    PeerAuthentication,
    PeerAuthenticationSpec,
)
from meshward.mesh.istio.problems import IstioValidationError
from meshward.mesh.istio.request_authentication import (
    ClaimToHeader,
    JWTHeader,
    JWTRule,
    Presence,
    RequestAuthentication,
    RequestAuthenticationSpec,
)
from meshward.mesh.istio.selector import PolicyTargetReference, WorkloadSelector

__all__ = [
    "Action",
    "AuthorizationPolicy",
    "AuthorizationPolicySpec",
    "ClaimToHeader",
    "Condition",
    "Document",
    "ExtensionProvider",
    "IstioObject",
    "IstioValidationError",
    "JWTHeader",
    "JWTRule",
    "ManifestSyntaxError",
    "MtlsMode",
    "MutualTLS",
    "ObjectMeta",
    "Operation",
    "PeerAuthentication",
    "PeerAuthenticationSpec",
    "PolicyTargetReference",
    "Presence",
    "RequestAuthentication",
    "RequestAuthenticationSpec",
    "Rule",
    "RuleFrom",
    "RuleTo",
    "Source",
    "ValidationResult",
    "WorkloadSelector",
    "load_documents",
    "parse_istio_object",
    "validate_document",
    "validate_object",
]
