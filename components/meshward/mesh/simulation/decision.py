"""The sidecar's decision for one request: mTLS → CUSTOM → JWT → DENY → ALLOW (SEMANTICS §4.1)."""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from meshward.mesh.simulation.attributes import Attributes
from meshward.mesh.simulation.authn import (
    NO_TOKEN,
    JwtRule,
    MtlsMode,
    TokenResult,
    authenticate_token,
    is_cors_preflight,
    jwt_rules,
    resolve_mtls,
)
from meshward.mesh.simulation.matching import SPIFFE, IpAddress, normalize_path
from meshward.mesh.simulation.request import Jwt, Request
from meshward.mesh.simulation.rules import (
    CompiledPolicy,
    UsableRule,
    compile_policy,
    port_rules,
    rule_matches,
)
from meshward.mesh.simulation.scope import ObjectRef, describe, selection
from meshward.mesh.simulation.settings import MeshSettings
from meshward.mesh.simulation.trace import TraceEntry

_ACTIONS = frozenset({"ALLOW", "DENY", "AUDIT", "CUSTOM"})


@dataclass(frozen=True, slots=True)
class _Scope:
    """The security objects one workload's sidecar picks up, and the trace of the others."""

    peer_authentications: tuple[ObjectRef, ...]
    policies: Mapping[str, tuple[CompiledPolicy, ...]]
    """Selected AuthorizationPolicies by action, in input order."""
    authz_trace: tuple[TraceEntry, ...]
    """AuthorizationPolicies not selected or ignored."""
    request_authentications: tuple[ObjectRef, ...]
    jwt_trace: tuple[TraceEntry, ...]
    """RequestAuthentications not selected."""
    jwt_rules: tuple[JwtRule, ...]
    """The merged `jwtRules` of `request_authentications`."""
    no_allow_match: str
    """The reason given when ALLOW policies are enforced and none matched."""
    tokens: dict[tuple[int, bool], tuple[Jwt, TokenResult]]
    """Untraced JWT outcomes by token object (the token is kept, so its id stays its own)."""
    deny: tuple[CompiledPolicy, ...]
    """The enforced (not dry-run) DENY policies, in input order."""
    allow: tuple[CompiledPolicy, ...]
    """The enforced ALLOW policies, in input order."""


@dataclass(frozen=True, slots=True)
class _Port:
    """What the sidecar of one workload port does with one kind of connection (TCP or HTTP),
    worked out once: its scope, its mTLS mode, and for the untraced path the enforced DENY and
    ALLOW rules that can match there (port checks answered) with the decision each gives."""

    scope: _Scope
    mtls: MtlsMode
    deny: tuple[tuple[UsableRule, Decision], ...]
    """Enforced DENY policies' rules in order, each with "DENY policy … matched"."""
    allow: tuple[tuple[UsableRule, Decision], ...]
    """Enforced ALLOW policies' rules in order, each with "ALLOW policy … matched"."""
    otherwise: Decision
    """The decision when no rule above matches."""


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome for one request."""

    decision: Literal["ALLOW", "DENY"]
    """Whether the request reaches the application."""
    status: Literal[200, 401, 403]
    """200 allowed; 401 invalid token; 403 denied (for TCP and mTLS refusals: connection closed)."""
    policy: str | None
    """`namespace/name` of the object that decided, or `None` when nothing specific did
    (allowed without ALLOW policies, or denied because no ALLOW policy matched)."""
    reason: str
    """One sentence for humans."""
    trace: tuple[TraceEntry, ...] = ()
    """Every object considered, in evaluation order."""

    def to_dict(self, *, explain: bool = False) -> dict[str, Any]:
        """The JSON line `meshward simulate` prints."""
        out: dict[str, Any] = {
            "decision": self.decision,
            "status": self.status,
            "policy": self.policy,
            "reason": self.reason,
        }
        if explain:
            out["trace"] = [entry.to_dict() for entry in self.trace]
        return out


def _deny(
    status: Literal[401, 403], policy: str | None, reason: str, trace: list[TraceEntry] | None
) -> Decision:
    return Decision("DENY", status, policy, reason, _frozen(trace))


_TOKEN_MEMO = 4096
"""Untraced JWT outcomes remembered per workload scope before the memo starts over."""


@dataclass(slots=True)
class Call:
    """A request in the form the sidecar steps read it: what `Request` says, validated and
    normalized once (labels as a key, addresses parsed, header names lower-cased).

    Not changed once built (the simulator never does). Not `frozen`: a frozen dataclass sets
    each of these fields through `object.__setattr__`, which made `Call.of` a sixth of a
    decision on CPython 3.11."""

    namespace: str
    """Destination workload's namespace."""
    labels: Mapping[str, str]
    """Destination workload's pod labels."""
    labels_key: tuple[tuple[str, str], ...]
    """`labels` sorted, the key scopes are remembered by."""
    port: int
    """Workload port."""
    tcp: bool
    """A TCP connection (no HTTP fields)."""
    principal: str | None = None
    """Peer identity without `spiffe://`; `None` for plaintext."""
    source_ip: IpAddress | None = None
    remote_ip: IpAddress | None = None
    method: str | None = None
    path: str | None = None
    """As sent (normalized by the simulator's settings)."""
    host: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    """By lower-case name."""
    jwt: Jwt | None = None
    preflight: bool = False
    """A CORS preflight (bypasses JWT checks)."""
    custom_provider_decision: Literal["ALLOW", "DENY"] | None = None

    @classmethod
    def of(cls, request: Request) -> Call:
        """The call a `Request` describes."""
        dest, source = request.destination, request.source
        principal = source.principal
        if principal is not None and principal.startswith(SPIFFE):
            principal = principal[len(SPIFFE) :]
        labels, headers, method = dest.labels, request.headers, request.method
        ip = None if source.ip is None else ipaddress.ip_address(source.ip)
        remote = ip if not source.remote_ip else ipaddress.ip_address(source.remote_ip)
        return cls(
            dest.namespace,
            labels,
            tuple(sorted(labels.items())) if len(labels) > 1 else tuple(labels.items()),
            dest.port,
            request.protocol == "TCP",
            principal,
            ip,
            remote,
            method,
            request.path,
            request.host,
            {k.lower(): v for k, v in headers.items()} if headers else {},
            request.jwt,
            method == "OPTIONS" and is_cors_preflight(request),
            request.custom_provider_decision,
        )


class Simulator:
    """Security objects indexed and compiled once, for evaluating many requests."""

    def __init__(
        self, objects: Iterable[Mapping[str, Any]], settings: MeshSettings | None = None
    ) -> None:
        self.settings = settings or MeshSettings()
        self._by_namespace: dict[str, dict[str, list[ObjectRef]]] = defaultdict(
            lambda: defaultdict(list)
        )
        self._compiled: dict[int, CompiledPolicy] = {}
        self._scopes: dict[tuple[str, tuple[tuple[str, str], ...]], _Scope] = {}
        self._modes: dict[tuple[str, tuple[tuple[str, str], ...], int], MtlsMode] = {}
        self._ports: dict[tuple[str, tuple[tuple[str, str], ...], int, bool], _Port] = {}
        for index, obj in enumerate(objects):
            ref = describe(obj, index)
            if ref is None:
                continue
            self._by_namespace[ref.namespace][ref.kind].append(ref)
            if ref.kind == "AuthorizationPolicy":
                self._compiled[index] = compile_policy(ref, self.settings)

    def _candidates(self, kind: str, namespace: str) -> list[ObjectRef]:
        # Root namespace and workload namespace, in input order (deterministic reporting).
        root = self.settings.root_namespace
        spaces = [root] if namespace == root else [root, namespace]
        refs = [ref for ns in spaces for ref in self._by_namespace.get(ns, {}).get(kind, [])]
        return sorted(refs, key=lambda ref: ref.index)

    def _scope(self, namespace: str, labels: Mapping[str, str]) -> _Scope:
        """What the sidecar of a workload picks up, worked out once per namespace and label
        set: policies elsewhere, or selecting other workloads, cost nothing per request."""
        key = (namespace, tuple(sorted(labels.items())))
        scope = self._scopes.get(key)
        if scope is None:
            scope = self._scopes[key] = self._new_scope(namespace, labels)
        return scope

    def _new_scope(self, namespace: str, labels: Mapping[str, str]) -> _Scope:
        authz_trace: list[TraceEntry] = []
        policies: dict[str, list[CompiledPolicy]] = defaultdict(list)
        for ref in self._candidates("AuthorizationPolicy", namespace):
            policy = self._compiled[ref.index]
            why_not = selection(ref, labels)
            if why_not is not None:
                authz_trace.append(
                    TraceEntry(_step(policy.action), ref.key, "not-selected", why_not)
                )
            elif policy.action not in _ACTIONS:
                detail = f"unknown action {policy.action!r}: ignored"
                authz_trace.append(TraceEntry("ALLOW", ref.key, "ignored", detail))
            else:
                policies[policy.action].append(policy)
        jwt_trace: list[TraceEntry] = []
        applicable: list[ObjectRef] = []
        for ref in self._candidates("RequestAuthentication", namespace):
            why_not = selection(ref, labels)
            if why_not is None:
                applicable.append(ref)
            else:
                jwt_trace.append(
                    TraceEntry("RequestAuthentication", ref.key, "not-selected", why_not)
                )
        allow = tuple(p for p in policies.get("ALLOW", ()) if not p.dry_run)
        return _Scope(
            peer_authentications=tuple(self._candidates("PeerAuthentication", namespace)),
            policies={action: tuple(found) for action, found in policies.items()},
            authz_trace=tuple(authz_trace),
            request_authentications=tuple(applicable),
            jwt_trace=tuple(jwt_trace),
            jwt_rules=jwt_rules(applicable),
            no_allow_match=f"no ALLOW policy matched ({', '.join(p.ref.key for p in allow)} apply)",
            tokens={},
            deny=tuple(p for p in policies.get("DENY", ()) if not p.dry_run),
            allow=allow,
        )

    def _mtls(self, namespace: str, labels: Mapping[str, str], port: int) -> MtlsMode:
        key = (namespace, tuple(sorted(labels.items())), port)
        mode = self._modes.get(key)
        if mode is None:
            scope = self._scope(namespace, labels)
            mode = self._modes[key] = resolve_mtls(
                scope.peer_authentications, namespace, labels, port, self.settings
            )
        return mode

    def _port(self, call: Call) -> _Port:
        """The workload port `call` reaches, worked out once per port and connection kind."""
        key = (call.namespace, call.labels_key, call.port, call.tcp)
        found = self._ports.get(key)
        if found is None:
            found = self._ports[key] = self._new_port(call)
        return found

    def _new_port(self, call: Call) -> _Port:
        scope = self._scope_of(call.namespace, call.labels, call.labels_key)
        deny: list[tuple[UsableRule, Decision]] = []
        for policy in scope.deny:
            key = policy.ref.key
            matched = Decision("DENY", 403, key, f"DENY policy {key} matched")
            deny += [(rule, matched) for rule in port_rules(policy, call.tcp, call.port)]
        allow: list[tuple[UsableRule, Decision]] = []
        for policy in scope.allow:
            matched = self._allow_outcome(scope, True, policy.ref.key, None)
            allow += [(rule, matched) for rule in port_rules(policy, call.tcp, call.port)]
        return _Port(
            scope,
            self._mtls(call.namespace, call.labels, call.port),
            tuple(deny),
            tuple(allow),
            self._allow_outcome(scope, bool(scope.allow), None, None),
        )

    def request_authentications(
        self, namespace: str, labels: Mapping[str, str]
    ) -> tuple[ObjectRef, ...]:
        """The RequestAuthentications the sidecar of a workload with `labels` applies."""
        return self._scope(namespace, labels).request_authentications

    def selected_policies(self, namespace: str, labels: Mapping[str, str]) -> list[CompiledPolicy]:
        """The AuthorizationPolicies (every action) the sidecar of a workload with `labels` in
        `namespace` picks up, in input order."""
        return [
            self._compiled[ref.index]
            for ref in self._candidates("AuthorizationPolicy", namespace)
            if selection(ref, labels) is None
        ]

    def evaluate(self, request: Request) -> Decision:
        """Decide one request and explain it: the decision with every object considered."""
        trace: list[TraceEntry] = []
        return self._decide(Call.of(request), trace)

    def decide(self, request: Request) -> Decision:
        """Decide one request without a trace: the same steps as `evaluate`, for bulk."""
        return self._decide(Call.of(request), None)

    def decide_call(self, call: Call) -> Decision:
        """`decide` for a request already in `Call` form (no model validation per request)."""
        return self._decide(call, None)

    def _decide(self, call: Call, trace: list[TraceEntry] | None) -> Decision:
        """The sidecar's steps for one request. With a `trace` list every object considered
        is appended to it; with `None` nothing is explained, and nothing else changes."""
        port = self._ports.get((call.namespace, call.labels_key, call.port, call.tcp))
        if port is None:
            port = self._port(call)
        scope = port.scope

        # 1. mTLS: which PeerAuthentication mode applies to this workload port.
        mtls = port.mtls
        if trace is not None:
            trace.extend(mtls.trace)
        principal = call.principal
        if mtls.mode == "STRICT" and principal is None:
            reason = "STRICT mTLS refuses the plaintext connection"
            return _deny(403, mtls.policy, reason, trace)
        if mtls.mode == "DISABLE" and principal is not None:
            # The sidecar does not terminate Istio mTLS on a DISABLE port, so no peer identity
            # reaches authorization: the request is evaluated as identity-less plaintext.
            if trace is not None:
                detail = "DISABLE: the sidecar does not terminate mTLS; no peer identity"
                trace.append(TraceEntry("PeerAuthentication", mtls.policy or "-", "note", detail))
            principal = None

        tcp = call.tcp
        path = call.path
        attrs = Attributes(
            tcp,
            call.port,
            None if principal is None else SPIFFE + principal,
            call.source_ip,
            call.remote_ip,
            call.method,
            None if path is None else normalize_path(path, self.settings.path_normalization),
            call.host,
            call.headers,
        )

        policies = scope.policies
        if trace is not None:
            trace.extend(scope.authz_trace)

        # 2. CUSTOM runs before JWT validation, so it never sees request.auth.* attributes.
        custom = policies.get("CUSTOM")
        if custom:
            denied = self._custom(custom, attrs, call.custom_provider_decision, trace)
            if denied is not None:
                return denied

        # 3. JWT: invalid tokens are answered by the proxy before any DENY/ALLOW policy.
        if not tcp:
            if trace is not None:
                trace.extend(scope.jwt_trace)
            result = self._token(scope, call, trace)
            if result.status is not None:
                return _deny(
                    result.status, result.policy, f"token rejected: {result.reason}", trace
                )
            if result.token is not None:
                attrs.token = result.token  # `attrs` is this request's own

        # 4. AUDIT never changes the outcome; DENY then ALLOW do.
        if trace is None:
            return self._enforce(port, attrs)
        for policy in policies.get("AUDIT", ()):
            matched, why = policy.match(attrs)
            trace.append(TraceEntry("AUDIT", policy.ref.key, _word(matched), why))
        deciding: str | None = None
        for policy in policies.get("DENY", ()):
            matched, why = policy.match(attrs)
            if policy.dry_run:
                trace.append(TraceEntry("DENY", policy.ref.key, "dry-run", f"not enforced; {why}"))
                continue
            trace.append(TraceEntry("DENY", policy.ref.key, _word(matched), why))
            if matched and deciding is None:
                deciding = policy.ref.key
        if deciding is not None:
            return _deny(403, deciding, f"DENY policy {deciding} matched", trace)

        enforced = False
        for policy in policies.get("ALLOW", ()):
            matched, why = policy.match(attrs)
            if policy.dry_run:
                trace.append(TraceEntry("ALLOW", policy.ref.key, "dry-run", f"not enforced; {why}"))
                continue
            enforced = True
            trace.append(TraceEntry("ALLOW", policy.ref.key, _word(matched), why))
            if matched and deciding is None:
                deciding = policy.ref.key
        return self._allow_outcome(scope, enforced, deciding, trace)

    @staticmethod
    def _enforce(port: _Port, attrs: Attributes) -> Decision:
        """Step 4 without a trace: the first enforced DENY policy matching denies, else the
        first enforced ALLOW policy matching allows (AUDIT and dry-run policies change
        nothing, so they are not evaluated). The rules are the port's (`port_rules`), in
        policy order, so the first rule matching is the first policy's."""
        for rule, decision in port.deny:
            if rule_matches(rule, attrs):
                return decision
        for rule, decision in port.allow:
            if rule_matches(rule, attrs):
                return decision
        return port.otherwise

    @staticmethod
    def _allow_outcome(
        scope: _Scope, enforced: bool, deciding: str | None, trace: list[TraceEntry] | None
    ) -> Decision:
        if not enforced:
            reason = "no ALLOW policy applies to the workload"
            return Decision("ALLOW", 200, None, reason, _frozen(trace))
        if deciding is not None:
            return Decision(
                "ALLOW", 200, deciding, f"ALLOW policy {deciding} matched", _frozen(trace)
            )
        return _deny(403, None, scope.no_allow_match, trace)

    def _scope_of(
        self, namespace: str, labels: Mapping[str, str], key: tuple[tuple[str, str], ...]
    ) -> _Scope:
        scope = self._scopes.get((namespace, key))
        return scope if scope is not None else self._scope(namespace, labels)

    def _token(self, scope: _Scope, call: Call, trace: list[TraceEntry] | None) -> TokenResult:
        """JWT authentication of the call; untraced outcomes are remembered per token object."""
        if trace is None and call.jwt is None:
            return NO_TOKEN
        applies = bool(scope.request_authentications)
        if trace is not None or call.jwt is None:
            return authenticate_token(call.jwt, call.preflight, applies, scope.jwt_rules, trace)
        key = (id(call.jwt), call.preflight)
        known = scope.tokens.get(key)
        if known is not None and known[0] is call.jwt:
            return known[1]
        result = authenticate_token(call.jwt, call.preflight, applies, scope.jwt_rules, None)
        if len(scope.tokens) >= _TOKEN_MEMO:
            scope.tokens.clear()
        scope.tokens[key] = (call.jwt, result)
        return result

    def _custom(
        self,
        policies: Sequence[CompiledPolicy],
        attrs: Attributes,
        answer: Literal["ALLOW", "DENY"] | None,
        trace: list[TraceEntry] | None,
    ) -> Decision | None:
        providers = sorted({p.provider or "" for p in policies})
        known = self.settings.extension_providers
        matched_policy: CompiledPolicy | None = None
        for policy in policies:
            matched, why = _match(policy, attrs, trace)
            if trace is not None:
                detail = f"provider {policy.provider!r}; {why}"
                trace.append(TraceEntry("CUSTOM", policy.ref.key, _word(matched), detail))
            if matched and matched_policy is None:
                matched_policy = policy
                if trace is None:
                    break
        if matched_policy is None:
            return None
        key, provider = matched_policy.ref.key, matched_policy.provider or ""
        if len(providers) > 1 and not self.settings.multiple_custom_providers:
            reason = (
                f"CUSTOM policies name several providers ({', '.join(providers)}): istiod denies"
            )
            return _deny(403, key, reason, trace)
        if known is None:
            if trace is not None:
                note = f"extension providers unknown: assuming {provider!r} is defined"
                trace.append(TraceEntry("CUSTOM", key, "note", note))
        elif provider not in known:
            reason = f"CUSTOM provider {provider!r} is not a defined extension provider"
            return _deny(403, key, reason, trace)
        if (answer or "DENY") == "DENY":
            return _deny(403, key, f"CUSTOM provider {provider!r} denied the request", trace)
        if trace is not None:
            detail = f"provider {provider!r} allowed; DENY/ALLOW still apply"
            trace.append(TraceEntry("CUSTOM", key, "allowed", detail))
        return None


def _match(
    policy: CompiledPolicy, attrs: Attributes, trace: list[TraceEntry] | None
) -> tuple[bool, str]:
    """Whether `policy` matches, explained only when a trace is being built."""
    if trace is not None:
        return policy.match(attrs)
    return policy.matches(attrs), ""


def _frozen(trace: list[TraceEntry] | None) -> tuple[TraceEntry, ...]:
    return () if trace is None else tuple(trace)


def _word(matched: bool) -> str:
    return "matched" if matched else "not-matched"


def _step(action: str) -> Literal["CUSTOM", "DENY", "ALLOW", "AUDIT"]:
    if action in ("CUSTOM", "DENY", "AUDIT"):
        return action  # type: ignore[return-value]
    return "ALLOW"


def simulate(
    objects: Sequence[Mapping[str, Any]], request: Request, settings: MeshSettings | None = None
) -> Decision:
    """Decide `request` against the security objects in `objects` (plain manifest dicts; other
    kinds are ignored). For many requests, build one `Simulator` and call `decide` (`evaluate`
    when the trace is wanted)."""
    return Simulator(objects, settings).evaluate(request)
