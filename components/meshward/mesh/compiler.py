"""Compile the mesh intent into Istio security objects (pure and deterministic).

What it emits (all `security.istio.io/v1`, labelled `app.kubernetes.io/managed-by: meshward`
and annotated `meshward.io/intent` with the intent entries each object came from):

| object | kind | namespace | when |
|---|---|---|---|
| `mesh-mtls` | PeerAuthentication | root | always: the mesh-wide mode |
| `namespace-mtls` | PeerAuthentication | ns | `mtls.namespaces[ns]` |
| `<workload>-mtls` | PeerAuthentication | ns | `mtls.workloads[]` (mode and `portLevelMtls`) |
| `allow-nothing` | AuthorizationPolicy (ALLOW, no rules) | ns | default-deny namespaces |
| `<workload>-allow` | AuthorizationPolicy ALLOW | ns | access rules target the workload |
| `<workload>-break-glass` | AuthorizationPolicy ALLOW | ns | grants target a protected workload |
| `<workload>-deny` | AuthorizationPolicy DENY | ns | deny rules target the workload |
| `<workload>-jwt` | RequestAuthentication | ns | a rule with `jwt` targets the workload |
| `<workload>-require-jwt` | AuthorizationPolicy DENY | ns | same: refuses tokenless requests |

A *protected* workload is one in a default-deny namespace or targeted by an access rule; a
grant on an unprotected workload adds nothing (it already accepts everything) and is skipped.

Forms chosen for Istio's pitfalls (SEMANTICS.md §4, MESH-TOOLING.md §5):

* ALLOW rules carry only positive fields, always list the workload ports they cover (so
  undeclared ports stay closed), and never carry HTTP-only fields on TCP ports (§4.6: such a
  rule would never match; the intent refuses it).
* Namespaces (and the ingress gateway) are written as principal prefixes
  `<td>/ns/<ns>/sa/*`, not `namespaces`, which would ignore the trust domain.
* DENY rules exempt callers with negative fields (`notPrincipals`, `notIpBlocks`: a plaintext
  caller is never exempt), always scope methods/paths to the
  workload's HTTP ports (no TCP over-deny, no A27 warning), and turn every path into a prefix
  (`/admin` → `/admin*`), which with MERGE_SLASHES normalization (checked in the config)
  also covers `//admin`, `/admin/`, `/admin%2F…`.
* Principals are `<trustDomain>/ns/<ns>/sa/<sa>` without `spiffe://` (istiod adds it).
* Requiring a token is an explicit DENY `notRequestPrincipals: ["*"]` besides the ALLOW rule's
  `requestPrincipals`, because a RequestAuthentication alone lets tokenless requests through.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any

from meshward.collector import collector_paused
from meshward.config.jwt import JwtIssuer
from meshward.mesh.intent.models import (
    AccessRule,
    BreakGlassGrant,
    DenyRule,
    DenySource,
    MeshIntent,
    Source,
    Workload,
)

API_VERSION = "security.istio.io/v1"
MANAGED_BY = {"app.kubernetes.io/managed-by": "meshward"}
INTENT_ANNOTATION = "meshward.io/intent"
BREAK_GLASS_ANNOTATION = "meshward.io/break-glass"
_KIND_ORDER = {"PeerAuthentication": 0, "RequestAuthentication": 1, "AuthorizationPolicy": 2}


def principal(trust_domain: str, namespace: str, service_account: str) -> str:
    """The peer identity Istio matches in `principals` (istiod prepends `spiffe://`)."""
    return f"{trust_domain}/ns/{namespace}/sa/{service_account}"


def sorted_json_encoder(item_separator: str, key_separator: str) -> Callable[[Any], str]:
    """`json.dumps(value, sort_keys=True, separators=(item_separator, key_separator))` for
    the acyclic values of plain JSON types the compilers order and deduplicate by, with
    CPython's C encoder built once and called directly.

    `json.dumps` (or a kept `JSONEncoder.encode`) builds a new C encoder per call and keeps
    a dict of every container's id to detect cycles; the values here are trees built in
    code, so neither is needed (about a third of the encoding's cost; same text, which
    `tests/mesh/test_compiler.py` holds to `json.dumps`). Without the C encoder (not
    CPython) this is `JSONEncoder.encode`.
    """
    encoder = json.JSONEncoder(
        sort_keys=True, separators=(item_separator, key_separator), check_circular=False
    )
    if c_make_encoder is None:  # pragma: no cover - CPython always has it
        return encoder.encode
    encode = c_make_encoder(
        None,  # no cycle markers (check_circular=False)
        encoder.default,
        encode_basestring_ascii,
        None,  # no indent
        key_separator,
        item_separator,
        True,  # sort_keys
        False,  # skipkeys
        True,  # allow_nan
    )
    join = "".join

    def text(value: Any) -> str:
        return join(encode(value, 0))

    return text


#: `json.dumps(value, sort_keys=True, separators=(",", ":"))`.
_canon: Callable[[Any], str] = sorted_json_encoder(",", ":")


def _distinct(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Distinct items in canonical order (sorted by their canonical JSON text), as they are.

    The compiler builds every rule with its keys sorted at every level and no list shared
    between two places, so a rule as built is already what a JSON round trip of its
    canonical text would give (`tests/mesh/test_compiler.py` holds it to that): only the
    order and the duplicates need the text, and a single item not even that."""
    listed = list(items)
    if len(listed) < 2:
        return listed  # nothing to deduplicate or order (the usual `from`, `when`, DENY)
    by_text = {_canon(i): i for i in listed}
    return [by_text[t] for t in sorted(by_text)]


def _source(*parts: dict[str, list[str]]) -> dict[str, list[str]]:
    """One `source` from field dicts: keys sorted, each list its own copy."""
    merged = {k: v for part in parts for k, v in part.items()}
    return {k: list(merged[k]) for k in sorted(merged)}


def metadata(
    name: str, namespace: str, sources: Iterable[str], extra: dict[str, str] | None = None
) -> dict[str, Any]:
    """Metadata every compiled object carries."""
    annotations = {INTENT_ANNOTATION: ",".join(sorted(set(sources)))}
    if extra:
        annotations = dict(sorted({**annotations, **extra}.items()))
    return {
        "name": name,
        "namespace": namespace,
        "labels": dict(MANAGED_BY),
        "annotations": annotations,
    }


def _object(
    kind: str,
    name: str,
    namespace: str,
    spec: dict[str, Any],
    sources: Iterable[str],
    extra: dict[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": kind,
        "metadata": metadata(name, namespace, sources, extra),
        "spec": spec,
    }


class _Compiler:
    def __init__(
        self,
        intent: MeshIntent,
        issuers: Sequence[JwtIssuer],
        root_namespace: str,
        trust_domain: str,
        ingress_namespace: str,
    ) -> None:
        self.intent = intent
        self.issuers = {i.name: i for i in issuers}
        self.root = root_namespace
        self.td = trust_domain
        self.ingress = ingress_namespace
        self._principals: dict[str, str] = {}

    def wl(self, ref: str) -> Workload:
        workload = self.intent.workload(ref)
        if workload is None:  # the config validators make this unreachable
            raise ValueError(f"unknown workload {ref!r}")
        return workload

    def targets(self, rule: AccessRule | DenyRule) -> list[Workload]:
        return [self.wl(r) for r in rule.to.workloads]

    # ---- sources -------------------------------------------------------------------------

    def principal_of(self, ref: str) -> str:
        """The principal of workload `ref`, worked out once (each caller is named by about
        two rules)."""
        found = self._principals.get(ref)
        if found is None:
            workload = self.wl(ref)
            found = self._principals[ref] = principal(self.td, workload.namespace, workload.sa)
        return found

    def peers(self, src: Source | DenySource, negate: bool = False) -> list[dict[str, Any]]:
        """One source field per kind of peer (alternatives), optionally in `not` form."""
        principals = {self.principal_of(ref) for ref in src.workloads}
        # Namespaces become principal prefixes: Istio's `namespaces` field ignores the trust
        # domain (`.*/ns/<ns>/.*`), so a peer from a foreign trust domain would match it.
        principals.update(principal(self.td, ns, "*") for ns in src.namespaces)
        if isinstance(src, Source) and src.ingress_gateway:
            principals.add(principal(self.td, self.ingress, "*"))
        fields = {
            "principals": sorted(principals),
            "ipBlocks": sorted(set(src.ip_blocks)),
        }
        if negate:
            return [{"not" + k[0].upper() + k[1:]: v for k, v in fields.items() if v}]
        return [{k: v} for k, v in fields.items() if v]

    def request_principals(self, src: Source) -> list[str]:
        assert src.jwt is not None
        issuer = self.issuers[src.jwt.issuer].issuer
        return sorted(f"{issuer}/{s}" for s in (src.jwt.subjects or ["*"]))

    # ---- rules ---------------------------------------------------------------------------

    def allow_rule(self, rule: AccessRule, workload: Workload) -> dict[str, Any]:
        src, to = rule.from_, rule.to
        peers = self.peers(src)
        if src.jwt is not None:
            token = {"requestPrincipals": self.request_principals(src)}
            sources = [_source(p, token) for p in peers] or [token]
        else:
            sources = peers
        # Keys in sorted order (see `_distinct`).
        operation: dict[str, Any] = {}
        if to.hosts:
            operation["hosts"] = sorted(
                {h.lower() for h in to.hosts} | {f"{h.lower()}:*" for h in to.hosts}
            )
        if to.methods:
            operation["methods"] = sorted(set(to.methods))
        if to.paths:
            operation["paths"] = sorted(set(to.paths))
        operation["ports"] = [str(p.port) for p in self.intent.target_ports(to, workload)]
        when = [{"key": c.key, "values": sorted(set(c.values))} for c in rule.when]
        if src.jwt is not None:
            when += [
                {"key": f"request.auth.claims[{claim}]", "values": sorted(set(values))}
                for claim, values in src.jwt.claims.items()
            ]
        out: dict[str, Any] = {
            "from": _distinct({"source": s} for s in sources),
            "to": [{"operation": operation}],
        }
        if when:
            out["when"] = _distinct(when)
        return out

    def deny_rule(self, rule: DenyRule, workload: Workload) -> dict[str, Any]:
        to = rule.to
        ports = self.intent.target_ports(to, workload)
        # Keys in sorted order (see `_distinct`).
        operation: dict[str, Any] = {}
        if to.methods:
            operation["methods"] = sorted(set(to.methods))
        if to.paths:
            operation["paths"] = sorted({p if p.endswith("*") else p + "*" for p in to.paths})
        if to.methods or to.paths:
            operation["ports"] = [str(p.port) for p in ports if p.is_http]
        elif to.ports:
            operation["ports"] = [str(p.port) for p in ports]
        exempt = self.peers(rule.unless, negate=True)[0] if rule.unless else {}
        if rule.from_ is not None:
            sources = [_source(p, exempt) for p in self.peers(rule.from_)]
        else:
            sources = [_source(exempt)] if exempt else []
        out: dict[str, Any] = {}
        if sources:
            out["from"] = _distinct({"source": s} for s in sources)
        if operation:
            out["to"] = [{"operation": operation}]
        return out

    def require_jwt_rule(self, rule: AccessRule, workload: Workload) -> dict[str, Any]:
        no_token = {"notRequestPrincipals": ["*"]}
        sources = [_source(p, no_token) for p in self.peers(rule.from_)] or [no_token]
        ports = [str(p.port) for p in self.intent.target_ports(rule.to, workload)]
        return {
            "from": _distinct({"source": s} for s in sources),
            "to": [{"operation": {"ports": ports}}],
        }

    def jwt_rule(self, issuer: JwtIssuer) -> dict[str, Any]:
        rule: dict[str, Any] = {"issuer": issuer.issuer, "jwksUri": issuer.jwks_uri}
        if issuer.audiences:
            rule["audiences"] = sorted(set(issuer.audiences))
        if issuer.from_headers:
            rule["fromHeaders"] = [
                {"name": h.name, **({"prefix": h.prefix} if h.prefix else {})}
                for h in issuer.from_headers
            ]
        if issuer.from_params:
            rule["fromParams"] = list(issuer.from_params)
        if issuer.from_cookies:
            rule["fromCookies"] = list(issuer.from_cookies)
        if issuer.claims_to_headers:
            rule["outputClaimToHeaders"] = [
                {"header": c.header, "claim": c.claim} for c in issuer.claims_to_headers
            ]
        if issuer.forward_original_token:
            rule["forwardOriginalToken"] = True
        return rule

    # ---- objects -------------------------------------------------------------------------

    def mtls_objects(self) -> list[dict[str, Any]]:
        mtls = self.intent.mtls
        out = [
            _object(
                "PeerAuthentication",
                "mesh-mtls",
                self.root,
                {"mtls": {"mode": mtls.mode}},
                ["mtls.mode"],
            )
        ]
        for namespace, mode in sorted(mtls.namespaces.items()):
            out.append(
                _object(
                    "PeerAuthentication",
                    "namespace-mtls",
                    namespace,
                    {"mtls": {"mode": mode}},
                    [f"mtls.namespaces:{namespace}"],
                )
            )
        for override in mtls.workloads:
            workload = self.wl(override.workload)
            spec: dict[str, Any] = {"selector": {"matchLabels": workload.selector}}
            if override.mode is not None:
                spec["mtls"] = {"mode": override.mode}
            if override.ports:
                spec["portLevelMtls"] = {
                    str(port): {"mode": mode} for port, mode in sorted(override.ports.items())
                }
            out.append(
                _object(
                    "PeerAuthentication",
                    f"{workload.name}-mtls",
                    workload.namespace,
                    spec,
                    [f"mtls.workloads:{workload.ref}"],
                )
            )
        return out

    def protected(self, workload: Workload) -> bool:
        return self.intent.default_deny_in(workload.namespace) or bool(
            self.intent.access_to(workload)
        )

    def workload_objects(self, workload: Workload) -> list[dict[str, Any]]:
        ns, name = workload.namespace, workload.name
        out: list[dict[str, Any]] = []
        access = self.intent.access_to(workload)
        grants: list[BreakGlassGrant] = []
        if self.protected(workload):
            grants = self.intent.grants_to(workload)
        denies = self.intent.denies_to(workload)

        def allow(suffix: str, rules: Sequence[AccessRule], label: str, extra: Any) -> None:
            if rules:
                spec = {
                    "action": "ALLOW",
                    "selector": {"matchLabels": workload.selector},
                    "rules": _distinct(self.allow_rule(r, workload) for r in rules),
                }
                sources = [f"{label}:{r.name}" for r in rules]
                out.append(
                    _object("AuthorizationPolicy", f"{name}-{suffix}", ns, spec, sources, extra)
                )

        allow("allow", access, "access", None)
        if grants:
            reasons = "; ".join(
                f"{g.name}: expires {g.expires.isoformat()}, ticket {g.ticket}, {g.reason}"
                for g in sorted(grants, key=lambda g: g.name)
            )
            allow("break-glass", grants, "breakGlass", {BREAK_GLASS_ANNOTATION: reasons})
        if denies:
            spec = {
                "action": "DENY",
                "selector": {"matchLabels": workload.selector},
                "rules": _distinct(self.deny_rule(r, workload) for r in denies),
            }
            out.append(
                _object(
                    "AuthorizationPolicy",
                    f"{name}-deny",
                    ns,
                    spec,
                    [f"deny:{r.name}" for r in denies],
                )
            )
        token_rules = [r for r in (*access, *grants) if r.from_.jwt is not None]
        if token_rules:
            sources = [
                f"{'breakGlass' if isinstance(r, BreakGlassGrant) else 'access'}:{r.name}"
                for r in token_rules
            ]
            names = sorted({r.from_.jwt.issuer for r in token_rules if r.from_.jwt})
            out.append(
                _object(
                    "RequestAuthentication",
                    f"{name}-jwt",
                    ns,
                    {
                        "selector": {"matchLabels": workload.selector},
                        "jwtRules": [self.jwt_rule(self.issuers[n]) for n in names],
                    },
                    sources,
                )
            )
            out.append(
                _object(
                    "AuthorizationPolicy",
                    f"{name}-require-jwt",
                    ns,
                    {
                        "action": "DENY",
                        "selector": {"matchLabels": workload.selector},
                        "rules": _distinct(self.require_jwt_rule(r, workload) for r in token_rules),
                    },
                    sources,
                )
            )
        return out

    def compile(self) -> list[dict[str, Any]]:
        out = self.mtls_objects()
        for namespace in self.intent.namespace_names:
            if self.intent.default_deny_in(namespace):
                out.append(
                    _object(
                        "AuthorizationPolicy",
                        "allow-nothing",
                        namespace,
                        {},
                        [f"defaultDeny:{namespace}"],
                    )
                )
        for workload in sorted(self.intent.workloads, key=lambda w: w.ref):
            out += self.workload_objects(workload)
        taken = {_key(o) for o in out}
        for i, raw in enumerate(self.intent.extra_objects):
            obj = _extra(raw, i)
            if _key(obj) in taken:
                raise ValueError(
                    f"extraObjects[{i}].metadata.name: {obj['kind']} "
                    f"{obj['metadata']['namespace']}/{obj['metadata']['name']} already exists "
                    "(compiled from the intent or listed earlier)"
                )
            taken.add(_key(obj))
            out.append(obj)
        return sorted(out, key=_sort_key)


def _key(obj: dict[str, Any]) -> tuple[str, str, str]:
    return (obj["kind"], obj["metadata"]["namespace"], obj["metadata"]["name"])


def _sort_key(obj: dict[str, Any]) -> tuple[int, str, str]:
    return (_KIND_ORDER[obj["kind"]], obj["metadata"]["namespace"], obj["metadata"]["name"])


def _extra(raw: dict[str, Any], index: int) -> dict[str, Any]:
    """A raw object with meshward's label and provenance annotation added (a deep copy)."""
    # `json.dumps` itself: a raw object comes from YAML, where anchors can make a cycle.
    obj: dict[str, Any] = json.loads(json.dumps(raw, sort_keys=True, separators=(",", ":")))
    meta = obj["metadata"]
    meta["labels"] = {**(meta.get("labels") or {}), **MANAGED_BY}
    meta["annotations"] = {
        **(meta.get("annotations") or {}),
        INTENT_ANNOTATION: f"extraObjects[{index}]",
    }
    return obj


@collector_paused()
def compile_mesh(
    intent: MeshIntent,
    issuers: Sequence[JwtIssuer],
    *,
    root_namespace: str,
    trust_domain: str,
    ingress_namespace: str,
) -> list[dict[str, Any]]:
    """Every Istio security object for `intent`, as manifests in a stable order.

    Pure: the same arguments give equal objects (and byte-identical YAML). `intent` must come
    from a validated config (references resolved, issuers known). Raises `ValueError` naming
    `extraObjects[i]...` when a raw object collides with a compiled one, and `RuntimeError` if a
    compiled object would not pass istiod's admission rules (a compiler bug).
    """
    from meshward.mesh.istio.documents import validate_documents

    objects = _Compiler(intent, issuers, root_namespace, trust_domain, ingress_namespace).compile()
    for obj, result in zip(objects, validate_documents(objects), strict=True):
        if result.errors or (result.warnings and not _is_extra(obj)):
            problems = "; ".join(str(p) for p in [*result.errors, *result.warnings])
            raise RuntimeError(f"compiler bug: {'/'.join(_key(obj))} is not admissible: {problems}")
    return objects


def _is_extra(obj: dict[str, Any]) -> bool:
    return str(obj["metadata"]["annotations"][INTENT_ANNOTATION]).startswith("extraObjects[")
