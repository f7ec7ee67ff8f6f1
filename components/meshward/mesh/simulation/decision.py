"""The sidecar's decision for one request: mTLS → CUSTOM → JWT → DENY → ALLOW (SEMANTICS §4.1)."""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from meshward.mesh.simulation.attributes import Attributes
from meshward.mesh.simulation.authn import MtlsMode, authenticate_jwt, resolve_mtls
from meshward.mesh.simulation.matching import SPIFFE, normalize_path
from meshward.mesh.simulation.request import Request
from meshward.mesh.simulation.rules import CompiledPolicy, compile_policy
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
    status: Literal[401, 403], policy: str | None, reason: str, trace: list[TraceEntry]
) -> Decision:
    return Decision("DENY", status, policy, reason, tuple(trace))


def _ip(value: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    return None if value is None else ipaddress.ip_address(value)


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
        return _Scope(
            peer_authentications=tuple(self._candidates("PeerAuthentication", namespace)),
            policies={action: tuple(found) for action, found in policies.items()},
            authz_trace=tuple(authz_trace),
            request_authentications=tuple(applicable),
            jwt_trace=tuple(jwt_trace),
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
        """Decide one request."""
        s = self.settings
        dest = request.destination
        trace: list[TraceEntry] = []

        scope = self._scope(dest.namespace, dest.labels)

        # 1. mTLS: which PeerAuthentication mode applies to this workload port.
        mtls = self._mtls(dest.namespace, dest.labels, dest.port)
        trace.extend(mtls.trace)
        principal = request.source.principal
        if principal is not None and principal.startswith(SPIFFE):
            principal = principal[len(SPIFFE) :]
        if mtls.mode == "STRICT" and principal is None:
            reason = "STRICT mTLS refuses the plaintext connection"
            return _deny(403, mtls.policy, reason, trace)
        if mtls.mode == "DISABLE" and principal is not None:
            # The sidecar does not terminate Istio mTLS on a DISABLE port, so no peer identity
            # reaches authorization: the request is evaluated as identity-less plaintext.
            detail = "DISABLE: the sidecar does not terminate mTLS; no peer identity"
            trace.append(TraceEntry("PeerAuthentication", mtls.policy or "-", "note", detail))
            principal = None

        tcp = request.protocol == "TCP"
        attrs = Attributes(
            tcp=tcp,
            destination_port=dest.port,
            peer=None if principal is None else SPIFFE + principal,
            source_ip=_ip(request.source.ip),
            remote_ip=_ip(request.source.remote_ip or request.source.ip),
            method=request.method,
            path=None
            if request.path is None
            else normalize_path(request.path, s.path_normalization),
            host=request.host,
            headers={k.lower(): v for k, v in (request.headers or {}).items()},
        )

        policies = scope.policies
        trace.extend(scope.authz_trace)

        # 2. CUSTOM runs before JWT validation, so it never sees request.auth.* attributes.
        denied = self._custom(policies.get("CUSTOM", ()), attrs, request, trace)
        if denied is not None:
            return denied

        # 3. JWT: invalid tokens are answered by the proxy before any DENY/ALLOW policy.
        if not tcp:
            trace.extend(scope.jwt_trace)
            result = authenticate_jwt(request, scope.request_authentications, trace)
            if result.status is not None:
                return _deny(
                    result.status, result.policy, f"token rejected: {result.reason}", trace
                )
            attrs = replace(attrs, token=result.token)

        # 4. AUDIT never changes the outcome; DENY then ALLOW do.
        for policy in policies.get("AUDIT", ()):
            matched, why = policy.match(attrs)
            trace.append(TraceEntry("AUDIT", policy.ref.key, _word(matched), why))
        deciding: str | None = None
        for policy in policies.get("DENY", ()):
            matched, why = policy.match(attrs)
            if policy.ref.dry_run:
                trace.append(TraceEntry("DENY", policy.ref.key, "dry-run", f"not enforced; {why}"))
                continue
            trace.append(TraceEntry("DENY", policy.ref.key, _word(matched), why))
            if matched and deciding is None:
                deciding = policy.ref.key
        if deciding is not None:
            return _deny(403, deciding, f"DENY policy {deciding} matched", trace)

        enforced: list[str] = []
        for policy in policies.get("ALLOW", ()):
            matched, why = policy.match(attrs)
            if policy.ref.dry_run:
                trace.append(TraceEntry("ALLOW", policy.ref.key, "dry-run", f"not enforced; {why}"))
                continue
            enforced.append(policy.ref.key)
            trace.append(TraceEntry("ALLOW", policy.ref.key, _word(matched), why))
            if matched and deciding is None:
                deciding = policy.ref.key
        if not enforced:
            reason = "no ALLOW policy applies to the workload"
            return Decision("ALLOW", 200, None, reason, tuple(trace))
        if deciding is not None:
            return Decision(
                "ALLOW", 200, deciding, f"ALLOW policy {deciding} matched", tuple(trace)
            )
        reason = f"no ALLOW policy matched ({', '.join(enforced)} apply)"
        return _deny(403, None, reason, trace)

    def _custom(
        self,
        policies: Sequence[CompiledPolicy],
        attrs: Attributes,
        request: Request,
        trace: list[TraceEntry],
    ) -> Decision | None:
        providers = sorted({p.provider or "" for p in policies})
        known = self.settings.extension_providers
        matched_policy: CompiledPolicy | None = None
        for policy in policies:
            matched, why = policy.match(attrs)
            trace.append(
                TraceEntry(
                    "CUSTOM", policy.ref.key, _word(matched), f"provider {policy.provider!r}; {why}"
                )
            )
            if matched and matched_policy is None:
                matched_policy = policy
        if matched_policy is None:
            return None
        key, provider = matched_policy.ref.key, matched_policy.provider or ""
        if len(providers) > 1 and not self.settings.multiple_custom_providers:
            reason = (
                f"CUSTOM policies name several providers ({', '.join(providers)}): istiod denies"
            )
            return _deny(403, key, reason, trace)
        if known is None:
            note = f"extension providers unknown: assuming {provider!r} is defined"
            trace.append(TraceEntry("CUSTOM", key, "note", note))
        elif provider not in known:
            reason = f"CUSTOM provider {provider!r} is not a defined extension provider"
            return _deny(403, key, reason, trace)
        answer = request.custom_provider_decision or "DENY"
        if answer == "DENY":
            return _deny(403, key, f"CUSTOM provider {provider!r} denied the request", trace)
        trace.append(
            TraceEntry(
                "CUSTOM", key, "allowed", f"provider {provider!r} allowed; DENY/ALLOW still apply"
            )
        )
        return None


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
    kinds are ignored). For many requests, build one `Simulator` and call `evaluate`."""
    return Simulator(objects, settings).evaluate(request)
