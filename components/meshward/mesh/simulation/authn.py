"""Authentication at the sidecar: the mTLS mode (PeerAuthentication) and JWT validation
(RequestAuthentication), SEMANTICS §5."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from meshward.mesh.simulation.attributes import DEFAULT_SPACE_DELIMITED, Token
from meshward.mesh.simulation.request import Jwt, Request
from meshward.mesh.simulation.scope import ObjectRef, selection
from meshward.mesh.simulation.settings import MeshSettings
from meshward.mesh.simulation.trace import TraceEntry

Mode = Literal["STRICT", "PERMISSIVE", "DISABLE"]
_MODES = frozenset({"STRICT", "PERMISSIVE", "DISABLE"})


def _mode(block: object) -> Mode | None:
    """The mode in an `mtls`/port block; `None` for UNSET, absent or unknown."""
    mode = block.get("mode") if isinstance(block, Mapping) else None
    return mode if mode in _MODES else None


@dataclass(frozen=True, slots=True)
class MtlsMode:
    """The mTLS mode the workload port runs with, and which policy set it."""

    mode: Mode
    """Effective mode on the destination port."""
    policy: str | None
    """`namespace/name` of the PeerAuthentication that set it; `None` for the default."""
    trace: tuple[TraceEntry, ...]
    """Every PeerAuthentication considered."""


def resolve_mtls(
    candidates: Sequence[ObjectRef],
    namespace: str,
    labels: Mapping[str, str],
    port: int,
    s: MeshSettings,
) -> MtlsMode:
    """Effective mode: workload > namespace > mesh, oldest per level, UNSET inherits, then
    `portLevelMtls` of the workload policy; nothing set means PERMISSIVE (SEMANTICS §5.2)."""
    trace: list[TraceEntry] = []
    levels: dict[str, list[ObjectRef]] = {"mesh": [], "namespace": [], "workload": []}
    for ref in candidates:
        why_not = selection(ref, labels)
        in_root = ref.namespace == s.root_namespace
        if in_root and ref.selector is not None:
            why_not = "has a selector in the root namespace: ignored for sidecars"
        if why_not is not None:
            trace.append(TraceEntry("PeerAuthentication", ref.key, "ignored", why_not))
            continue
        level = "mesh" if in_root else ("workload" if ref.selector is not None else "namespace")
        levels[level].append(ref)

    mode: Mode = "PERMISSIVE"
    policy: str | None = None
    chosen_workload: ObjectRef | None = None
    for level in ("mesh", "namespace", "workload"):
        refs = sorted(levels[level], key=ObjectRef.age_key)
        for older in refs[1:]:
            detail = f"{level}-level, superseded by the older {refs[0].key}"
            trace.append(TraceEntry("PeerAuthentication", older.key, "ignored", detail))
        if not refs:
            continue
        chosen = refs[0]
        own = _mode(chosen.spec.get("mtls"))
        if level == "workload":
            chosen_workload = chosen
        if own is None:
            detail = f"{level}-level, mode UNSET: inherits {mode}"
        else:
            mode, policy = own, chosen.key
            detail = f"{level}-level, mode {own}"
        trace.append(TraceEntry("PeerAuthentication", chosen.key, "selected", detail))

    if chosen_workload is not None:
        ports = chosen_workload.spec.get("portLevelMtls")
        port_block = ports.get(str(port), ports.get(port)) if isinstance(ports, Mapping) else None
        port_mode = _mode(port_block)
        if port_mode is not None:
            mode, policy = port_mode, chosen_workload.key
            detail = f"portLevelMtls for workload port {port}: {port_mode}"
            trace.append(TraceEntry("PeerAuthentication", chosen_workload.key, "selected", detail))
    if policy is None:
        trace.append(
            TraceEntry("PeerAuthentication", "-", "default", f"mode {mode} (no policy sets one)")
        )
    return MtlsMode(mode, policy, tuple(trace))


# --- RequestAuthentication -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JwtRule:
    """One `jwtRules` entry and the policy it came from."""

    policy: str
    """`namespace/name`."""
    spec: Mapping[str, Any]
    """The rule as given."""

    @property
    def issuer(self) -> str | None:
        """`issuer`; a rule without one (only `jwksUri`) accepts any `iss`."""
        issuer = self.spec.get("issuer")
        return issuer if isinstance(issuer, str) and issuer else None

    def locate(self, jwt: Jwt) -> Literal["read", "bad-prefix"] | None:
        """Whether this rule reads the token where it is (SEMANTICS §5.1 "Locations")."""
        headers = [h for h in _list(self.spec.get("fromHeaders")) if isinstance(h, Mapping)]
        params = [str(p) for p in _list(self.spec.get("fromParams"))]
        cookies = [str(c) for c in _list(self.spec.get("fromCookies"))]
        if not (headers or params or cookies):
            # Defaults: `Authorization: Bearer <t>` or `?access_token=<t>`. Another scheme in
            # Authorization (e.g. Basic) is not a bearer token, so it is not read at all.
            if jwt.header is not None:
                named = jwt.header.lower() == "authorization" and (jwt.prefix or "") == "Bearer "
                return "read" if named else None
            return "read" if jwt.param == "access_token" else None
        if jwt.header is not None:
            for header in headers:
                if str(header.get("name", "")).lower() == jwt.header.lower():
                    # "If the header doesn't have this exact prefix, it is considered invalid."
                    same = str(header.get("prefix") or "") == (jwt.prefix or "")
                    return "read" if same else "bad-prefix"
            return None
        if jwt.param is not None:
            return "read" if jwt.param in params else None
        return "read" if jwt.cookie in cookies else None

    def failure(self, jwt: Jwt) -> str | None:
        """Why this rule rejects the token (in Envoy's check order), or `None` if it accepts."""
        if jwt.expired:
            return "expired"
        audiences = [str(a) for a in _list(self.spec.get("audiences"))]
        if audiences:
            aud = jwt.claims.get("aud")
            given = [aud] if isinstance(aud, str) else [a for a in _list(aud) if isinstance(a, str)]
            if not set(given) & set(audiences):
                return "audience"
        if not jwt.signature_valid:
            return "signature"
        return None


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


@dataclass(frozen=True, slots=True)
class TokenResult:
    """What JWT authentication made of the request."""

    token: Token | None
    """The accepted token; `None` when there is none or it was ignored."""
    status: Literal[401, 403] | None = None
    """Set when the proxy rejects the request."""
    policy: str | None = None
    """The RequestAuthentication that rejected it."""
    reason: str = ""
    """Why it was rejected."""


NO_TOKEN = TokenResult(None)
"""No token accepted and none rejected (immutable, so one object serves every request)."""

_FAILURE_TEXT = {
    "expired": "the token is expired",
    "audience": "the token's aud matches none of the rule's audiences",
    "signature": "the token's signature does not verify",
}


def is_cors_preflight(request: Request) -> bool:
    """An `OPTIONS` request with `Origin` and `Access-Control-Request-Method`: Envoy's JWT
    filter lets it through unchecked."""
    headers = {k.lower() for k in (request.headers or {})}
    return request.method == "OPTIONS" and {"origin", "access-control-request-method"} <= headers


def jwt_rules(applicable: Sequence[ObjectRef]) -> tuple[JwtRule, ...]:
    """The merged `jwtRules` of the `applicable` RequestAuthentications, sorted by issuer as
    istiod merges them."""
    rules = [
        JwtRule(ref.key, rule)
        for ref in applicable
        for rule in _list(ref.spec.get("jwtRules"))
        if isinstance(rule, Mapping)
    ]
    rules.sort(key=lambda rule: rule.issuer or "")
    return tuple(rules)


def authenticate_jwt(
    request: Request, applicable: Sequence[ObjectRef], trace: list[TraceEntry]
) -> TokenResult:
    """Validate the request's token against the merged `jwtRules` of `applicable` policies."""
    rules = jwt_rules(applicable)
    return authenticate_token(
        request.jwt, is_cors_preflight(request), bool(applicable), rules, trace
    )


def authenticate_token(
    jwt: Jwt | None,
    preflight: bool,
    applies: bool,
    rules: Sequence[JwtRule],
    trace: list[TraceEntry] | None,
) -> TokenResult:
    """Validate `jwt` against `rules` (`jwt_rules` of the applicable RequestAuthentications;
    `applies` says whether any applies). `trace=None` decides without explaining."""
    step: Final = "RequestAuthentication"

    def note(policy: str, result: str, detail: str) -> None:
        if trace is not None:
            trace.append(TraceEntry(step, policy, result, detail))

    if not applies:
        if jwt is not None:
            note("-", "ignored", "no RequestAuthentication applies: token ignored")
        return NO_TOKEN
    if jwt is None:
        note("-", "no-token", "no token: no request principal")
        return NO_TOKEN
    if preflight:
        note("-", "bypassed", "CORS preflight bypasses JWT checks")
        return NO_TOKEN
    readers = [rule for rule in rules if rule.locate(jwt) == "read"]
    if not readers:
        bad = [rule for rule in rules if rule.locate(jwt) == "bad-prefix"]
        if bad:
            why = f"token header {jwt.header} does not carry the configured prefix"
            note(bad[0].policy, "rejected", why)
            return TokenResult(None, 401, bad[0].policy, why)
        note("-", "ignored", "token is not at any configured location: ignored")
        return NO_TOKEN
    iss = jwt.claims.get("iss")
    candidates = [rule for rule in readers if rule.issuer is None or rule.issuer == iss]
    if not candidates:
        why = f"issuer {iss!r} is not configured by any rule reading the token"
        note(readers[0].policy, "rejected", why)
        return TokenResult(None, 401, readers[0].policy, why)
    failures: list[tuple[JwtRule, str]] = []
    for rule in candidates:
        failed = rule.failure(jwt)
        if failed is None:
            note(rule.policy, "accepted", f"token valid for issuer {iss!r}")
            return TokenResult(_token(jwt, rule))
        failures.append((rule, failed))
        note(rule.policy, "rejected", _FAILURE_TEXT[failed])
    # Envoy answers an audience mismatch with 403, every other invalid token with 401.
    status: Literal[401, 403] = 403 if all(f == "audience" for _, f in failures) else 401
    rule, failed = next(((r, f) for r, f in failures if (f == "audience") == (status == 403)))
    return TokenResult(None, status, rule.policy, _FAILURE_TEXT[failed])


def _token(jwt: Jwt, rule: JwtRule) -> Token:
    iss, sub = jwt.claims.get("iss"), jwt.claims.get("sub")
    extra = frozenset(str(c) for c in _list(rule.spec.get("spaceDelimitedClaims")))
    return Token(
        issuer=iss if isinstance(iss, str) else None,
        subject=sub if isinstance(sub, str) else None,
        claims=jwt.claims,
        space_delimited=DEFAULT_SPACE_DELIMITED | extra,
    )
