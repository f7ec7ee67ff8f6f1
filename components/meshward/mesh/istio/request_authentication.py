"""RequestAuthentication (security.istio.io/v1): the typed model and rules R1–R10."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import Field, StrictBool, StrictStr, ValidationInfo, model_validator

from meshward.mesh.istio import formats
from meshward.mesh.istio._base import DECODED, IstioModel
from meshward.mesh.istio.envelope import IstioObjectBase
from meshward.mesh.istio.metadata import check_metadata
from meshward.mesh.istio.problems import Findings
from meshward.mesh.istio.selector import (
    PolicyTargetReference,
    WorkloadSelector,
    check_attachment,
)

StrList = tuple[StrictStr, ...]
MAX_JWT_RULES = 4096
MAX_SPACE_DELIMITED_CLAIMS = 64
MAX_JWKS_URI = 2048


class Presence(StrEnum):
    """Whether a token is required (in the CRD, but not read by istiod yet; §6.8)."""

    OPTIONAL = "OPTIONAL"
    REQUIRED = "REQUIRED"


class JWTHeader(IstioModel):
    """A header a token is read from."""

    name: StrictStr
    """Header name, e.g. `Authorization`."""
    prefix: StrictStr | None = None
    """Text before the token, e.g. `Bearer ` (must match exactly)."""


class ClaimToHeader(IstioModel):
    """Copy one claim of a verified token into a request header."""

    header: StrictStr
    """Header to write (letters, digits, `-`, `_`)."""
    claim: StrictStr
    """Claim to copy."""


class JWTRule(IstioModel):
    """One accepted token issuer and how its tokens are found and verified."""

    issuer: StrictStr | None = None
    """Expected `iss`."""
    audiences: StrList | None = None
    """Accepted `aud` values; absent accepts the service name."""
    jwks_uri: StrictStr | None = Field(default=None, alias="jwksUri")
    """URL of the key set (http/https)."""
    legacy_jwks_uri: StrictStr | None = Field(default=None, alias="jwks_uri")
    """The CRD's snake_case spelling `jwks_uri` of `jwksUri`, kept only so manifests that use
    it round-trip; in code set `jwks_uri` instead."""
    jwks: StrictStr | None = None
    """Inline key set (JSON); only one of jwks/jwksUri/jwks_uri."""
    from_headers: tuple[JWTHeader, ...] | None = None
    """Headers the token is read from (replaces the default `Authorization: Bearer`)."""
    from_params: StrList | None = None
    """Query parameters the token is read from."""
    from_cookies: StrList | None = None
    """Cookies the token is read from."""
    output_payload_to_header: StrictStr | None = None
    """Header receiving the base64 payload of a verified token."""
    output_claim_to_headers: tuple[ClaimToHeader, ...] | None = None
    """Claims copied into headers."""
    forward_original_token: StrictBool | None = None
    """Keep the token on the forwarded request (default false)."""
    space_delimited_claims: StrList | None = None
    """Extra claims split on spaces for matching (like `scope`)."""
    timeout: StrictStr | None = None
    """JWKS fetch timeout, a Go duration in whole milliseconds ≥ 1ms (default 5s)."""
    presence: Presence | None = None
    """OPTIONAL or REQUIRED."""

    @model_validator(mode="before")
    @classmethod
    def _jwks_uri_by_name(cls, data: Any, info: ValidationInfo) -> Any:
        # Built in code, `jwks_uri=` names the attribute of `jwksUri`; without this it would
        # also match the alias of `legacy_jwks_uri` and set both.
        if (
            isinstance(data, dict)
            and not (info.context and info.context.get(DECODED))
            and "jwks_uri" in data
            and "jwksUri" not in data
        ):
            data = {("jwksUri" if key == "jwks_uri" else key): v for key, v in data.items()}
        return data

    @property
    def effective_jwks_uri(self) -> str | None:
        """The key-set URL whichever spelling carried it."""
        return self.jwks_uri if self.jwks_uri is not None else self.legacy_jwks_uri


class RequestAuthenticationSpec(IstioModel):
    """Which workloads verify which tokens."""

    selector: WorkloadSelector | None = None
    """Workloads by label; absent means every workload in the namespace (or mesh)."""
    target_ref: PolicyTargetReference | None = None
    """Single attachment target (prefer `targetRefs`)."""
    target_refs: tuple[PolicyTargetReference, ...] | None = None
    """Gateway/waypoint attachment targets."""
    jwt_rules: tuple[JWTRule, ...] | None = None
    """Accepted issuers; a token matching none of them is rejected with 401."""


class RequestAuthentication(IstioObjectBase):
    """A `security.istio.io` RequestAuthentication."""

    KIND = "RequestAuthentication"
    kind: Literal["RequestAuthentication"] = "RequestAuthentication"
    """Always `RequestAuthentication`."""
    spec: RequestAuthenticationSpec | None = None
    """The policy."""

    def _check(self, out: Findings, *, decoded: bool) -> None:
        spec = self.spec or RequestAuthenticationSpec()
        check_metadata(self.metadata, self.KIND, None, "metadata", out)
        check_request_authentication_spec(spec, "spec", out)


def check_request_authentication_spec(
    spec: RequestAuthenticationSpec, path: str, out: Findings
) -> None:
    """S1–S4, T1–T3, R1–R10 and the CRD rules C10–C15 for one spec."""
    check_attachment(spec.selector, spec.target_ref, spec.target_refs, path, out)
    rules = spec.jwt_rules or ()
    if len(rules) > MAX_JWT_RULES:
        out.error(f"{path}.jwtRules", f"more than {MAX_JWT_RULES} jwtRules", "C10")
    for index, rule in enumerate(rules):
        _check_jwt_rule(rule, f"{path}.jwtRules[{index}]", out)


def _check_jwt_rule(rule: JWTRule, path: str, out: Findings) -> None:
    if rule.issuer == "":
        out.error(f"{path}.issuer", "issuer must not be empty when set", "C10")
    key_sources = [
        alias
        for alias, value in (
            ("jwksUri", rule.jwks_uri),
            ("jwks_uri", rule.legacy_jwks_uri),
            ("jwks", rule.jwks),
        )
        if value is not None
    ]
    if len(key_sources) > 1:
        out.error(path, f"only one of jwks or jwksUri can be set, got {key_sources}", "C12")
    # istiod reads `jwksUri` from the proto, which both JSON spellings decode into.
    if not rule.issuer and not rule.effective_jwks_uri:
        out.error(path, "issuer and jwksUri cannot both be empty", "R2")
    for alias, uri in (("jwksUri", rule.jwks_uri), ("jwks_uri", rule.legacy_jwks_uri)):
        if uri is None:
            continue
        if not uri or len(uri) > MAX_JWKS_URI:
            out.error(f"{path}.{alias}", f"must be 1-{MAX_JWKS_URI} characters", "C11")
        elif problem := formats.jwks_uri_problem(uri):
            out.error(f"{path}.{alias}", problem, "R3/C11")
    if rule.jwks is not None:
        if problem := formats.jwks_problem(rule.jwks):
            out.error(f"{path}.jwks", problem, "R4")
        for index in formats.jwks_private_keys(rule.jwks):
            out.warn(
                f"{path}.jwks",
                f"key {index} contains private or symmetric key material; publish only public keys",
                "R10",
            )
    for index, audience in enumerate(rule.audiences or ()):
        if not audience:
            out.error(f"{path}.audiences[{index}]", "audience must not be empty", "R1")
    for index, header in enumerate(rule.from_headers or ()):
        if not header.name:
            out.error(f"{path}.fromHeaders[{index}].name", "header name must not be empty", "R5")
    for index, param in enumerate(rule.from_params or ()):
        if not param:
            out.error(f"{path}.fromParams[{index}]", "must not be empty", "R6")
    for index, cookie in enumerate(rule.from_cookies or ()):
        if not cookie:
            out.error(f"{path}.fromCookies[{index}]", "must not be empty", "R7")
    for index, mapping in enumerate(rule.output_claim_to_headers or ()):
        at = f"{path}.outputClaimToHeaders[{index}]"
        if not mapping.claim:
            out.error(f"{at}.claim", "claim must not be empty", "R8/C14")
        if not formats.HEADER_NAME.match(mapping.header):
            out.error(
                f"{at}.header",
                f"{mapping.header!r} is not a valid header name ([-_A-Za-z0-9]+)",
                "R8/C14",
            )
    claims = rule.space_delimited_claims or ()
    if len(claims) > MAX_SPACE_DELIMITED_CLAIMS:
        out.error(f"{path}.spaceDelimitedClaims", "at most 64 claims", "C10")
    for index, claim in enumerate(claims):
        if not claim:
            out.error(f"{path}.spaceDelimitedClaims[{index}]", "must not be empty", "C10")
    if rule.timeout is not None:
        _check_timeout(rule.timeout, f"{path}.timeout", out)


def _check_timeout(timeout: str, path: str, out: Findings) -> None:
    try:
        nanoseconds = formats.parse_go_duration(timeout)
    except ValueError as exc:
        out.error(path, f"{exc} (use Go syntax such as 5s or 1500ms)", "M7/C13")
        return
    if nanoseconds < formats.MILLISECOND_NS:
        out.error(path, f"{timeout!r} must be at least 1ms", "C13/R9")
    elif nanoseconds % formats.MILLISECOND_NS:
        out.error(path, f"{timeout!r} must be a whole number of milliseconds", "R9")
