"""The access matrix: who can call what, decided by the simulator over rendered objects.

Pure (no pulumi, no I/O). The intent only supplies the *questions* — which callers exist, which
workload ports exist, which tokens a caller could hold — and every answer comes from the
simulator (`Simulator.decide_call`, its untraced path) over the Istio security objects that would
be deployed. So the matrix shows what the rendered policies enforce, not what the intent meant
them to.

Callers (`Caller.kind`):

* `workload` — every intent workload over mTLS (`<td>/ns/<ns>/sa/<sa>`), no token;
* `ingress-gateway` — the ingress gateway (traffic from APIM) over mTLS, no token (this is also
  the "token missing" case for token-protected routes);
* `jwt` — one *JWT principal class* per distinct `from.jwt` requirement (issuer, subjects,
  claims) in the intent's rules: a valid token from that issuer carrying exactly the required
  subject/claims (first accepted value each), presented through the ingress gateway (or through
  the rule's calling workloads/namespaces when the rule names peers but not the gateway);
* `jwt-missing-claims` — the same token without the required subject/claims;
* `token-expired`, `token-invalid-signature`, `token-wrong-audience` — per issuer, the most
  demanding class's token with one defect, through the ingress gateway;
* `ip-block` — a plaintext caller from the first address of every `ipBlocks` CIDR that an
  ALLOW policy names;
* `plaintext` — no mTLS identity, from an address no policy names;
* `foreign-trust-domain` — each workload's (and the gateway's) identity in another trust domain.

Probes: every destination is an intent workload port. TCP ports get one connection. HTTP ports
get every method of `METHODS` × a set of paths derived from the `paths`/`notPaths` patterns of
the AuthorizationPolicies in the workload's and the root namespace (`p*` → `p`, `p` + `x`;
exact `p` → `p`, `p/x`; `*s` → `/x` + `s`) plus the neutral `NEUTRAL_PATH`. Allowed probes
are summarised into rows by *path label*: the most specific rendered pattern a probe path
matches, `*` for paths no pattern matches (a label whose probes disagree is split into the
concrete probe paths); labels with the same allowed methods share a row, and a row covering
every label is written with `paths: ["*"]` (any path).
"""

from __future__ import annotations

import bisect
import ipaddress
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache, partial
from typing import TYPE_CHECKING, Any, Literal, get_args

from meshward.collector import collector_paused
from meshward.config.jwt import JwtIssuer
from meshward.json_text import indented_json
from meshward.mesh.compiler import principal
from meshward.mesh.intent.models import JwtRequirement, MeshIntent, Workload
from meshward.mesh.simulation import (
    Call,
    Decision,
    Jwt,
    MeshSettings,
    Request,
    Simulator,
    Source,
)
from meshward.mesh.simulation import Destination as SimDestination
from meshward.mesh.simulation.attributes import Attributes
from meshward.mesh.simulation.authn import TokenResult, authenticate_token, jwt_rules
from meshward.mesh.simulation.matching import (
    SPIFFE,
    UntranslatableError,
    alias_principals,
    normalize_path,
    path_form,
    principal_form,
)
from meshward.mesh.simulation.request import DEFAULT_TOKEN_HEADER, DEFAULT_TOKEN_PREFIX
from meshward.mesh.simulation.rules import Check
from meshward.mesh.simulation.rules import probe_for as peer_probe
from meshward.mesh.simulation.scope import ObjectRef
from meshward.mesh.simulation.settings import PATH_NORMALIZATIONS

if TYPE_CHECKING:
    from meshward.config import PlatformConfig

METHODS: tuple[str, ...] = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
"""Methods probed on every HTTP port, in report order."""
NEUTRAL_PATH = "/meshward-probe"
"""A path no policy is expected to name: it stands for "any other path" (label `*`)."""
ANY = "*"
"""The path label of paths no rendered pattern names; `paths: ["*"]` means any path."""
PLAINTEXT_IP = "198.51.100.7"
"""Source address of the `plaintext` caller (TEST-NET-2, never a pod address)."""
FOREIGN_TRUST_DOMAIN = "evil.example"
INGRESS_SERVICE_ACCOUNT = "ingress-gateway"
PROBE_SUBJECT = "meshward-probe-user"
WRONG_AUDIENCE = "meshward-wrong-audience"

CallerKind = Literal[
    "workload",
    "ingress-gateway",
    "jwt",
    "jwt-missing-claims",
    "token-expired",
    "token-invalid-signature",
    "token-wrong-audience",
    "ip-block",
    "plaintext",
    "foreign-trust-domain",
]
REFUSED_BY_DESIGN: frozenset[str] = frozenset(
    {
        "plaintext",
        "foreign-trust-domain",
        "token-expired",
        "token-invalid-signature",
        "token-wrong-audience",
    }
)
"""Caller kinds that exist to show refusals (a bad token is only refused where tokens are
validated; through the gateway it still reaches workloads that ask for none)."""


@dataclass(frozen=True)
class Caller:
    """One kind of client the matrix probes with."""

    id: str
    """Stable name used in edges (`web/frontend`, `jwt:entra{groups=admins}`, …)."""
    kind: CallerKind
    """What the caller represents."""
    principal: str | None
    """mTLS peer identity; `None` for plaintext."""
    ip: str | None = None
    """Source address, when it matters (`ip-block`, `plaintext`)."""
    token: Jwt | None = None
    """The token the caller presents (HTTP only)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        out: dict[str, Any] = {"id": self.id, "kind": self.kind, "principal": self.principal}
        if self.ip is not None:
            out["ip"] = self.ip
        if self.token is not None:
            token: dict[str, Any] = {"claims": dict(sorted(self.token.claims.items()))}
            # The token's location only where it is not the default `Authorization: Bearer`,
            # so `token` is a request's `jwt` as `meshward simulate` reads it.
            location = self.token.model_dump(
                by_alias=True, exclude_none=True, include={"header", "prefix", "param", "cookie"}
            )
            if location != {"header": DEFAULT_TOKEN_HEADER, "prefix": DEFAULT_TOKEN_PREFIX}:
                token.update(location)
            if self.token.expired:
                token["expired"] = True
            if not self.token.signature_valid:
                token["signatureValid"] = False
            out["token"] = token
        return out


@dataclass(frozen=True)
class Destination:
    """One workload port."""

    workload: str
    """`namespace/name`."""
    port: int
    """Workload (container) port."""
    protocol: str
    """`http`, `http2`, `grpc` or `tcp`."""
    labels: tuple[tuple[str, str], ...] = ()
    """The workload's pod labels (its selector), so a request can be written for it."""

    @property
    def is_http(self) -> bool:
        """Whether HTTP probes apply."""
        return self.protocol != "tcp"


@dataclass(frozen=True)
class Edge:
    """Operations one caller may perform on one workload port."""

    caller: str
    to: str
    port: int
    protocol: str
    methods: tuple[str, ...] = ()
    """Allowed methods (empty for TCP)."""
    paths: tuple[str, ...] = ()
    """Path labels (`*`: any path; empty for TCP)."""
    except_paths: tuple[str, ...] = ()
    """With `paths: ["*"]`: labels where these methods are not allowed."""

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        out: dict[str, Any] = {
            "from": self.caller,
            "to": self.to,
            "port": self.port,
            "protocol": self.protocol,
            "methods": list(self.methods),
            "paths": list(self.paths),
        }
        if self.except_paths:
            out["exceptPaths"] = list(self.except_paths)
        return out


@dataclass(frozen=True)
class NotableRefusal:
    """Callers of one kind refused on a workload port alike (same statuses, same reason)."""

    kind: CallerKind
    """The callers' kind (never `workload`: refused workloads are only counted)."""
    count: int
    """How many callers of the kind."""
    callers: tuple[str, ...]
    """Their ids; empty for `foreign-trust-domain`, which mirrors every workload."""
    statuses: tuple[int, ...]
    """Every status their probes got (401 bad token, 403 denied / connection refused)."""
    reason: str
    """The simulator's reason for their first probe."""

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        out: dict[str, Any] = {"kind": self.kind, "count": self.count}
        if self.callers:
            out["from"] = list(self.callers)
        return out | {"statuses": list(self.statuses), "reason": self.reason}


@dataclass(frozen=True)
class Refusals:
    """The callers no probe let through to one workload port: every caller without an edge
    there. Counted, with the notable ones (everything but workloads) named."""

    to: str
    port: int
    count: int
    """How many callers are refused outright."""
    statuses: tuple[int, ...]
    """Every status their probes got."""
    notable: tuple[NotableRefusal, ...]
    """The refused callers other than workloads, grouped by kind, statuses and reason."""

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "to": self.to,
            "port": self.port,
            "refusedCallers": self.count,
            "statuses": list(self.statuses),
            "notable": [n.to_dict() for n in self.notable],
        }

    def notable_caller(self, caller: str) -> NotableRefusal | None:
        """The group a named caller's refusal is in."""
        return next((n for n in self.notable if caller in n.callers), None)


_KIND_ORDER: dict[str, int] = {kind: i for i, kind in enumerate(get_args(CallerKind))}
_COUNTED_KINDS = frozenset({"foreign-trust-domain"})
"""Kinds with one caller per workload: naming them on every workload port would grow with
callers × destinations."""


@dataclass(frozen=True)
class AccessMatrix:
    """Every caller × workload port, decided by the simulator."""

    callers: tuple[Caller, ...]
    destinations: tuple[Destination, ...]
    edges: tuple[Edge, ...]
    refused: tuple[Refusals, ...]
    """One entry per workload port: everything not in `edges` is refused."""
    probes: int = 0
    """How many requests were decided (every caller × path × method, as exhaustive probing
    would send them)."""
    notes: tuple[str, ...] = field(default=())
    simulated: int = 0
    """How many of them were simulated (one per request class)."""

    def to_dict(self, stack: str) -> dict[str, Any]:
        """The `access.json` document."""
        return {
            "stack": stack,
            "methodsProbed": list(METHODS),
            "probes": self.probes,
            "simulated": self.simulated,
            "callers": [c.to_dict() for c in self.callers],
            "destinations": [
                {
                    "workload": d.workload,
                    "port": d.port,
                    "protocol": d.protocol,
                    "labels": dict(d.labels),
                }
                for d in self.destinations
            ],
            "edges": [e.to_dict() for e in self.edges],
            "refused": [r.to_dict() for r in self.refused],
            "notes": list(self.notes),
        }

    @cached_property
    def _edges_by_caller(self) -> dict[str, list[Edge]]:
        out: dict[str, list[Edge]] = {}
        for edge in self.edges:
            out.setdefault(edge.caller, []).append(edge)
        return out

    def edges_from(self, caller: str) -> list[Edge]:
        """The edges of one caller."""
        return list(self._edges_by_caller.get(caller, ()))

    def refusals(self, to: str, port: int) -> Refusals | None:
        """The refusal summary of one workload port."""
        return next((r for r in self.refused if (r.to, r.port) == (to, port)), None)

    def refused_callers(self, to: str, port: int) -> list[str]:
        """Every caller refused outright on a workload port (those without an edge there)."""
        allowed = {e.caller for e in self.edges if (e.to, e.port) == (to, port)}
        return [c.id for c in self.callers if c.id not in allowed]


# ---- callers -------------------------------------------------------------------------------


def _requirement_label(req: JwtRequirement) -> str:
    parts = [f"sub={req.subjects[0]}"] if req.subjects else []
    parts += [f"{claim}={values[0]}" for claim, values in sorted(req.claims.items())]
    return req.issuer + ("{" + ",".join(parts) + "}" if parts else "")


def _token(
    issuer: JwtIssuer,
    req: JwtRequirement | None,
    *,
    expired: bool = False,
    signature_valid: bool = True,
    audience: str | None = None,
) -> Jwt:
    claims: dict[str, Any] = {"iss": issuer.issuer, "sub": PROBE_SUBJECT}
    if issuer.audiences or audience:
        claims["aud"] = audience or sorted(issuer.audiences)[0]
    if req is not None:
        if req.subjects:
            claims["sub"] = req.subjects[0]
        for claim, values in req.claims.items():
            claims[claim] = values[0]
    where: dict[str, Any]
    if issuer.from_headers:
        header = issuer.from_headers[0]
        where = {"header": header.name, "prefix": header.prefix or None}
    elif issuer.from_params:
        where = {"param": issuer.from_params[0]}
    elif issuer.from_cookies:
        where = {"cookie": issuer.from_cookies[0]}
    else:
        where = {"header": "Authorization", "prefix": "Bearer "}
    return Jwt(**where, claims=claims, expired=expired, signature_valid=signature_valid)


def _via(intent: MeshIntent, td: str, ingress: str, src: Any) -> list[tuple[str, str]]:
    """(label, principal) of the peers a token class is presented through."""
    out: list[tuple[str, str]] = []
    if src.ingress_gateway or not src.has_peers:
        out.append(("", principal(td, ingress, INGRESS_SERVICE_ACCOUNT)))
    for ref in src.workloads:
        w = intent.workload(ref)
        if w is not None:
            out.append((f" via {w.ref}", principal(td, w.namespace, w.sa)))
    for ns in src.namespaces:
        out.append((f" via ns {ns}", principal(td, ns, "default")))
    return out


def _allow_ip_blocks(objects: Iterable[Mapping[str, Any]]) -> list[str]:
    found: set[str] = set()
    for obj in objects:
        spec = obj.get("spec") or {}
        if obj.get("kind") != "AuthorizationPolicy" or spec.get("action", "ALLOW") != "ALLOW":
            continue
        for rule in spec.get("rules") or []:
            for entry in rule.get("from") or []:
                found.update(str(b) for b in (entry.get("source") or {}).get("ipBlocks") or [])
            for cond in rule.get("when") or []:
                if cond.get("key") == "source.ip":
                    found.update(str(v) for v in cond.get("values") or [])
    return sorted(found)


def _first_address(cidr: str) -> str | None:
    try:
        network = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return None
    if network.num_addresses == 1:
        return str(network.network_address)
    return str(network.network_address + 1)


def callers_for(
    objects: Sequence[Mapping[str, Any]],
    intent: MeshIntent,
    issuers: Sequence[JwtIssuer],
    settings: MeshSettings,
    ingress_namespace: str,
) -> list[Caller]:
    """Every caller the matrix probes with (see the module docstring), deduplicated."""
    td = settings.trust_domain
    foreign = FOREIGN_TRUST_DOMAIN if td != FOREIGN_TRUST_DOMAIN else "evil2.example"
    gateway = principal(td, ingress_namespace, INGRESS_SERVICE_ACCOUNT)
    workloads = sorted(intent.workloads, key=lambda w: w.ref)
    out: list[Caller] = [
        Caller(w.ref, "workload", principal(td, w.namespace, w.sa)) for w in workloads
    ]
    out.append(Caller("ingress-gateway", "ingress-gateway", gateway))

    by_name = {i.name: i for i in issuers}
    strongest: dict[str, JwtRequirement] = {}
    for _, rule in intent.allow_rules:
        req = rule.from_.jwt
        if req is None or req.issuer not in by_name:
            continue
        issuer = by_name[req.issuer]
        label = _requirement_label(req)
        demanding = bool(req.subjects) + len(req.claims)
        best = strongest.get(req.issuer)
        if best is None or demanding > bool(best.subjects) + len(best.claims):
            strongest[req.issuer] = req
        for suffix, peer in _via(intent, td, ingress_namespace, rule.from_):
            out.append(Caller(f"jwt:{label}{suffix}", "jwt", peer, token=_token(issuer, req)))
            if req.subjects or req.claims:
                out.append(
                    Caller(
                        f"jwt:{req.issuer}{{missing claims}}{suffix}",
                        "jwt-missing-claims",
                        peer,
                        token=_token(issuer, None),
                    )
                )
    for name, req in sorted(strongest.items()):
        issuer = by_name[name]
        out.append(
            Caller(
                f"jwt:{name} expired",
                "token-expired",
                gateway,
                token=_token(issuer, req, expired=True),
            )
        )
        out.append(
            Caller(
                f"jwt:{name} invalid-signature",
                "token-invalid-signature",
                gateway,
                token=_token(issuer, req, signature_valid=False),
            )
        )
        if issuer.audiences:
            out.append(
                Caller(
                    f"jwt:{name} wrong-audience",
                    "token-wrong-audience",
                    gateway,
                    token=_token(issuer, req, audience=WRONG_AUDIENCE),
                )
            )
    for cidr in _allow_ip_blocks(objects):
        address = _first_address(cidr)
        if address is not None:
            out.append(Caller(f"ip:{cidr}", "ip-block", None, ip=address))
    out.append(Caller("plaintext", "plaintext", None, ip=PLAINTEXT_IP))
    for w in workloads:
        out.append(
            Caller(
                f"foreign:{w.ref}", "foreign-trust-domain", principal(foreign, w.namespace, w.sa)
            )
        )
    out.append(
        Caller(
            f"foreign:{ingress_namespace}",
            "foreign-trust-domain",
            principal(foreign, ingress_namespace, INGRESS_SERVICE_ACCOUNT),
        )
    )
    # The same request shape under two names would only repeat rows: keep the first.
    seen: set[str] = set()
    ids: set[str] = set()
    unique: list[Caller] = []
    for caller in out:
        shape = json.dumps(
            [caller.principal, caller.ip, caller.token.model_dump() if caller.token else None],
            sort_keys=True,
        )
        if caller.id in ids or shape in seen:
            continue
        seen.add(shape)
        ids.add(caller.id)
        unique.append(caller)
    return unique


# ---- probes --------------------------------------------------------------------------------


def _patterns_by_namespace(objects: Iterable[Mapping[str, Any]]) -> dict[str, set[str]]:
    """The `paths`/`notPaths` patterns of the AuthorizationPolicies of each namespace."""
    found: dict[str, set[str]] = {}
    for obj in objects:
        if obj.get("kind") != "AuthorizationPolicy":
            continue
        namespace = str((obj.get("metadata") or {}).get("namespace"))
        for rule in (obj.get("spec") or {}).get("rules") or []:
            for entry in rule.get("to") or []:
                operation = entry.get("operation") or {}
                for key in ("paths", "notPaths"):
                    found.setdefault(namespace, set()).update(
                        str(p) for p in operation.get(key) or []
                    )
    return found


def probe_paths(patterns: Iterable[str]) -> list[str]:
    """Concrete paths that tell the given path patterns apart, plus `NEUTRAL_PATH`."""
    out = {NEUTRAL_PATH}
    for p in patterns:
        if p == ANY or "{" in p:
            continue
        if p.endswith("*"):
            base = p[:-1]
            if base.startswith("/"):
                out.update({base, base + "x"})
        elif p.startswith("*"):
            out.add("/x" + p[1:])
        else:
            out.update({p, p.rstrip("/") + "/x"})
    return sorted(out)


@lru_cache(maxsize=65536)
def _matcher(pattern: str) -> Callable[[str], bool]:
    try:
        return path_form(pattern)
    except UntranslatableError:
        return lambda _value: False


def path_label(path: str, patterns: Sequence[str]) -> str:
    """The most specific pattern matching `path` (longest, then alphabetical), else `*`."""
    matching = [p for p in patterns if p != ANY and _matcher(p)(path)]
    if not matching:
        return ANY
    return sorted(matching, key=lambda p: (-len(p.rstrip("*")), p))[0]


Row = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]


def _summarise(allowed: Mapping[str, frozenset[str]], labels: Mapping[str, str]) -> list[Row]:
    """(methods, path labels, excepted labels) rows from the allowed methods per probe path;
    `labels` maps each probe path to its `path_label`."""
    by_label: dict[str, list[str]] = {}
    for path in allowed:
        by_label.setdefault(labels[path], []).append(path)
    methods_of: dict[str, frozenset[str]] = {}
    for label, paths in by_label.items():
        sets = {allowed[p] for p in paths}
        if len(sets) == 1:
            methods_of[label] = sets.pop()
        else:
            methods_of.update({p: allowed[p] for p in paths})
    groups: dict[frozenset[str], list[str]] = {}
    for label, methods in methods_of.items():
        if methods:
            groups.setdefault(methods, []).append(label)
    rows: list[Row] = []
    for methods, group in groups.items():
        ordered = tuple(m for m in METHODS if m in methods)
        # `*` stands for paths no pattern names; listed beside others it means "any path but
        # the patterns that do not allow these methods".
        excepted: tuple[str, ...] = ()
        if ANY in group:
            excepted = tuple(
                sorted(lb for lb, ms in methods_of.items() if lb not in group and methods - ms)
            )
        shown = (ANY,) if ANY in group else tuple(sorted(group))
        rows.append((ordered, shown, excepted))
    return sorted(rows, key=lambda r: (r[1], [METHODS.index(m) for m in r[0]]))


@dataclass(frozen=True)
class _Outcome:
    """What one caller gets on one workload port: allowed methods per probe path (TCP: the
    single path `""`), or, when nothing is allowed, every status and the first reason."""

    rows: tuple[Row, ...]
    statuses: tuple[int, ...]
    reason: str
    probes: int

    @property
    def allowed(self) -> bool:
        return bool(self.rows)


Decide = Callable[[str, str], Decision]
"""(path, method) → decision for one caller on one workload port (`"", ""` for TCP)."""


def _outcome(
    dest: Destination,
    paths: Sequence[str],
    labels: Mapping[str, str],
    path_key: Mapping[str, Any],
    method_key: Mapping[str, Any],
    decide: Decide,
) -> _Outcome:
    """Probe one caller on one workload port: every probe path × method (HTTP) or one
    connection (TCP). Paths (methods) with the same key are decided alike, so one of each key
    is asked; the first refusal is the first in path-then-method order."""
    if not dest.is_http:
        decision = decide("", "")
        if decision.decision == "ALLOW":
            return _Outcome((((), (), ()),), (), "", 1)
        return _Outcome((), (decision.status,), decision.reason, 1)
    path_reps: dict[Any, str] = {}
    for path in paths:
        path_reps.setdefault(path_key[path], path)
    method_reps: dict[Any, str] = {}
    for method in METHODS:
        method_reps.setdefault(method_key[method], method)
    table = {
        (pk, mk): decide(path, method)
        for pk, path in path_reps.items()
        for mk, method in method_reps.items()
    }
    probes = len(paths) * len(METHODS)
    refused = [d for d in table.values() if d.decision != "ALLOW"]
    if len(refused) == len(table):
        first = table[(path_key[paths[0]], method_key[METHODS[0]])]
        return _Outcome((), tuple(sorted({d.status for d in refused})), first.reason, probes)
    allowed_in = {
        pk: frozenset(m for m in METHODS if table[(pk, method_key[m])].decision == "ALLOW")
        for pk in path_reps
    }
    allowed = {p: allowed_in[path_key[p]] for p in paths}
    return _Outcome(tuple(_summarise(allowed, labels)), (), "", probes)


def _request(w: Workload, dest: Destination, caller: Caller, path: str, method: str) -> Request:
    source = Source(principal=caller.principal, ip=caller.ip)
    target = SimDestination(namespace=w.namespace, labels=w.selector, port=dest.port)
    if not dest.is_http:
        return Request(destination=target, protocol="TCP", source=source)
    return Request(
        destination=target,
        protocol="HTTP",
        source=source,
        method=method,
        path=path,
        host=f"{w.name}.{w.namespace}.svc.cluster.local",
        jwt=caller.token,
    )


class _CallerIndex:
    """The callers, indexed so the ones a policy value can match are found without a scan
    (exact principals, principal prefixes); other value forms are scanned once and
    remembered."""

    def __init__(self, callers: Sequence[Caller], settings: MeshSettings) -> None:
        self.callers = callers
        self.settings = settings
        self.by_principal: dict[str, list[int]] = {}
        for i, c in enumerate(callers):
            if c.principal is not None:
                self.by_principal.setdefault(c.principal, []).append(i)
        self.sorted_principals = sorted(self.by_principal)
        self.peers = frozenset(i for i, c in enumerate(callers) if c.principal is not None)
        self.always = tuple(
            i
            for i, c in enumerate(callers)
            if c.principal is None or c.ip is not None or c.token is not None
        )
        """Callers that are always decided on their own (no identity, an address, a token)."""
        self._memo: dict[tuple[str, str, str], frozenset[int] | None] = {}
        self.named_notable = tuple(
            i
            for i, c in enumerate(callers)
            if c.kind != "workload" and c.kind not in _COUNTED_KINDS
        )
        """Callers refusals name one by one (neither workloads nor counted kinds)."""
        self.counted: dict[str, list[int]] = {}
        """Callers of each counted kind, by id."""
        for i in sorted(range(len(callers)), key=lambda i: callers[i].id):
            if callers[i].kind in _COUNTED_KINDS:
                self.counted.setdefault(callers[i].kind, []).append(i)
        self._tokens: dict[tuple[tuple[int, ...], int], TokenResult] = {}

    def outside(self, named: frozenset[int]) -> list[int]:
        """Every caller not in `named`, in order."""
        return [i for i in range(len(self.callers)) if i not in named]

    def authenticate(self, caller: int, authentications: Sequence[ObjectRef]) -> TokenResult:
        """JWT authentication of the caller's token (a GET with no headers) by the
        RequestAuthentications that apply, remembered per set of them."""
        key = (tuple(ref.index for ref in authentications), caller)
        result = self._tokens.get(key)
        if result is None:
            token = self.callers[caller].token
            rules = jwt_rules(authentications)
            result = authenticate_token(token, False, bool(authentications), rules, None)
            self._tokens[key] = result
        return result

    def matching(self, kind: str, value: str, namespace: str) -> frozenset[int] | None:
        """The callers whose peer identity a `kind` value matches; `None` when it matches
        every caller with an identity (then it tells none of them apart)."""
        key = (kind, value, namespace if kind == "serviceAccount" else "")
        if key not in self._memo:
            self._memo[key] = self._match(kind, value, namespace)
        return self._memo[key]

    def _match(self, kind: str, value: str, namespace: str) -> frozenset[int] | None:
        found: set[int] = set()
        if kind == "principal":
            for form in alias_principals([value], self.settings):
                if form == "*":
                    return None
                if "*" not in form:
                    found.update(self.by_principal.get(form, ()))
                elif form.endswith("*") and not form.startswith("*"):
                    prefix = form[:-1]
                    start = bisect.bisect_left(self.sorted_principals, prefix)
                    for p in self.sorted_principals[start:]:
                        if not p.startswith(prefix):
                            break
                        found.update(self.by_principal[p])
                else:
                    found.update(self._scan(principal_form(form)))
        elif kind in _PEER_KINDS:
            # Every other peer field is scanned with the simulator's own probe for it, so the
            # candidates follow its semantics (wildcards, trust-domain aliases) exactly.
            try:
                probe = peer_probe(kind, [value], namespace, self.settings)
            except UntranslatableError:
                return frozenset()
            found.update(
                self._scan(lambda peer: probe(Attributes(tcp=False, destination_port=0, peer=peer)))
            )
        else:
            return frozenset()
        matched = frozenset(found)
        return None if matched == self.peers else matched

    def _scan(self, predicate: Callable[[str], bool]) -> list[int]:
        return [i for p, ids in self.by_principal.items() if predicate(SPIFFE + p) for i in ids]


_PEER_KINDS = frozenset({"principal", "namespace", "serviceAccount", "trustDomain"})
_CALLER_KINDS = _PEER_KINDS | {"sourceIp", "remoteIp"}
"""Fields on a caller's identity and address."""
_TOKEN_KINDS = frozenset({"requestPrincipal", "claim", "audience", "presenter"})
"""Fields on the validated token."""


def _of_kinds(
    checks: Sequence[tuple[Check, str]], kinds: frozenset[str]
) -> list[tuple[Check, str]]:
    """The checks reading one of `kinds`. A signature over attributes that set only those
    needs no other check: every other field reads an attribute that is absent alike for
    every value compared, so its outcome is the same for all of them and splits no class."""
    return [(check, ns) for check, ns in checks if check.kind in kinds]


def _signature(checks: Sequence[tuple[Check, str]], attrs: Attributes) -> tuple[bool, ...]:
    return tuple(check.probe(attrs) for check, _ in checks if check.probe is not None)


def _token_key(
    caller: int,
    index: _CallerIndex,
    authentications: Sequence[ObjectRef],
    checks: Sequence[tuple[Check, str]],
) -> Any:
    """What of a caller's token the workload can see: nothing without RequestAuthentication
    (the token is ignored), else the validation outcome and every policy field on the
    validated token."""
    if index.callers[caller].token is None or not authentications:
        return None
    result = index.authenticate(caller, authentications)
    attrs = Attributes(tcp=False, destination_port=0, token=result.token)
    return (result.status, result.policy, result.reason, _signature(checks, attrs))


@dataclass(frozen=True)
class _Others:
    """Every caller outside `named`: the class of the callers a workload's policies never
    name, kept as a complement so that it costs what `named` costs, not what the callers do."""

    named: frozenset[int]
    count: int


Members = Sequence[int] | _Others
"""A class's callers: their indexes, or every caller outside a set."""


def _classes(
    index: _CallerIndex,
    checks: Sequence[tuple[Check, str]],
    token_key: Callable[[int], Any],
) -> list[tuple[int, Members]]:
    """The callers grouped so that every member of a group gets the decisions of its first
    member (the representative) on this workload, as (representative, members) pairs.

    The sidecar sees a caller only through its identity, address and token. Callers with
    neither an address nor a token whose identity no value of the workload's policies names
    (values matching every identity tell nobody apart) agree on every field of every policy,
    so they form one group; every other caller is grouped by the outcome of each field of
    each policy on it (its signature), plus its token and whether it has an identity."""
    named: set[int] = set(index.always)
    for check, namespace in checks:
        if check.kind in _PEER_KINDS:
            for value in check.values:
                matched = index.matching(check.kind, value, namespace)
                if matched is not None:
                    named.update(matched)
    groups: dict[Any, list[int]] = {}
    for i in sorted(named):
        caller = index.callers[i]
        attrs = Attributes(
            tcp=False,
            destination_port=0,
            peer=None if caller.principal is None else SPIFFE + caller.principal,
            source_ip=None if caller.ip is None else ipaddress.ip_address(caller.ip),
            remote_ip=None if caller.ip is None else ipaddress.ip_address(caller.ip),
        )
        key = (caller.principal is None, token_key(i), _signature(checks, attrs))
        groups.setdefault(key, []).append(i)
    out: list[tuple[int, Members]] = [(members[0], members) for members in groups.values()]
    if len(named) < len(index.callers):
        first = next(i for i in range(len(index.callers)) if i not in named)
        out.append((first, _Others(frozenset(named), len(index.callers) - len(named))))
    return sorted(out, key=lambda class_: class_[0])


def _value_classes(
    values: Sequence[str], checks: Sequence[tuple[Check, str]], attrs: Callable[[str], Attributes]
) -> dict[str, tuple[bool, ...]]:
    """Each path (or method) → its signature over the workload's policy fields: values with
    the same signature are decided alike."""
    return {v: _signature(checks, attrs(v)) for v in values}


@dataclass
class _Results:
    destinations: list[Destination] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    refused: list[Refusals] = field(default_factory=list)
    probes: int = 0
    simulated: int = 0


def _record(
    results: _Results,
    dest: Destination,
    index: _CallerIndex,
    outcomes: Sequence[tuple[_Outcome, Members]],
) -> None:
    """Edges of the allowed callers and the destination's refusal summary."""
    callers = index.callers
    notable: dict[tuple[CallerKind, tuple[int, ...], str], _Group] = {}
    count = 0
    statuses: set[int] = set()
    for outcome, members in outcomes:
        size = members.count if isinstance(members, _Others) else len(members)
        results.probes += outcome.probes * size
        if outcome.allowed:
            if isinstance(members, _Others):
                members = index.outside(members.named)
            for i in members:
                for methods, paths, excepted in outcome.rows:
                    results.edges.append(
                        Edge(
                            callers[i].id,
                            dest.workload,
                            dest.port,
                            dest.protocol,
                            methods,
                            paths,
                            excepted,
                        )
                    )
            continue
        count += size
        statuses.update(outcome.statuses)
        if isinstance(members, _Others):
            # Named kinds: the few such callers outside `named`; counted kinds (one caller
            # per workload): how many are outside, and the first of them by id.
            for i in index.named_notable:
                if i not in members.named:
                    _group(notable, callers[i], outcome).add(callers[i].id)
            for kind, ordered in index.counted.items():
                inside = sum(1 for i in members.named if callers[i].kind == kind)
                if inside < len(ordered):
                    first = next(i for i in ordered if i not in members.named)
                    group = _group(notable, callers[first], outcome)
                    group.add(callers[first].id, len(ordered) - inside)
        else:
            for i in members:
                if callers[i].kind != "workload":
                    _group(notable, callers[i], outcome).add(callers[i].id)
    results.refused.append(
        Refusals(
            dest.workload,
            dest.port,
            count,
            tuple(sorted(statuses)),
            tuple(
                NotableRefusal(
                    kind,
                    group.count,
                    () if kind in _COUNTED_KINDS else tuple(sorted(group.ids)),
                    st,
                    reason,
                )
                for (kind, st, reason), group in sorted(
                    notable.items(), key=lambda kv: (_KIND_ORDER[kv[0][0]], kv[1].first)
                )
            ),
        )
    )


@dataclass
class _Group:
    """Refused callers of one kind with the same statuses and reason on a workload port."""

    count: int = 0
    first: str = ""
    """The smallest id."""
    ids: list[str] = field(default_factory=list)
    """Every id, for the kinds that are named (not `_COUNTED_KINDS`)."""

    def add(self, caller: str, count: int = 1) -> None:
        """`count` callers of which `caller` has the smallest id."""
        if self.count == 0 or caller < self.first:
            self.first = caller
        self.count += count
        self.ids.append(caller)


def _group(
    notable: dict[tuple[CallerKind, tuple[int, ...], str], _Group],
    caller: Caller,
    outcome: _Outcome,
) -> _Group:
    return notable.setdefault((caller.kind, outcome.statuses, outcome.reason), _Group())


def _attrs(*, path: str | None = None, method: str | None = None) -> Attributes:
    return Attributes(tcp=False, destination_port=0, path=path, method=method)


def _decider(
    simulator: Simulator,
    target: _Target,
    dest: Destination,
    caller: Caller,
    path_key: Mapping[str, Any],
    method_key: Mapping[str, Any],
    results: _Results,
) -> Decide:
    """`Decide` for one caller on one workload port: one untraced simulation per (path
    class, method class), remembered."""
    decided: dict[tuple[Any, Any], Decision] = {}
    ip = None if caller.ip is None else ipaddress.ip_address(caller.ip)

    def decide(path: str, method: str) -> Decision:
        key = (path_key.get(path), method_key.get(method))
        if key not in decided:
            http = dest.is_http
            call = Call(
                target.namespace,
                target.labels,
                target.labels_key,
                dest.port,
                tcp=not http,
                principal=caller.principal,
                source_ip=ip,
                remote_ip=ip,
                method=method if http else None,
                path=path if http else None,
                host=target.host if http else None,
                jwt=caller.token if http else None,
            )
            decided[key] = simulator.decide_call(call)
            results.simulated += 1
        return decided[key]

    return decide


def _exhaustive_decider(
    simulator: Simulator, w: Workload, dest: Destination, caller: Caller, results: _Results
) -> Decide:
    """`Decide` for the oracle: every probe a `Request` through the traced `evaluate`."""

    def decide(path: str, method: str) -> Decision:
        results.simulated += 1
        return simulator.evaluate(_request(w, dest, caller, path, method))

    return decide


@dataclass(frozen=True)
class _Target:
    """What a request to a workload says about it, worked out once per workload."""

    namespace: str
    labels: Mapping[str, str]
    labels_key: tuple[tuple[str, str], ...]
    host: str

    @classmethod
    def of(cls, w: Workload) -> _Target:
        labels = w.selector
        host = f"{w.name}.{w.namespace}.svc.cluster.local"
        return cls(w.namespace, labels, tuple(sorted(labels.items())), host)


def _probe_workloads(
    objects: Sequence[Mapping[str, Any]],
    intent: MeshIntent,
    callers: Sequence[Caller],
    settings: MeshSettings,
    *,
    exhaustive: bool,
    extra_patterns: Mapping[str, Iterable[str]],
) -> _Results:
    simulator = Simulator(objects, settings)
    index = _CallerIndex(callers, settings)
    patterns_in = _patterns_by_namespace(objects)
    for namespace, extra in extra_patterns.items():
        patterns_in.setdefault(namespace, set()).update(extra)
    root_patterns = patterns_in.get(settings.root_namespace, set())
    paths_in: dict[str, tuple[list[str], list[str], dict[str, str]]] = {}
    results = _Results()
    for w in sorted(intent.workloads, key=lambda w: w.ref):
        if w.namespace not in paths_in:
            patterns = sorted(patterns_in.get(w.namespace, set()) | root_patterns)
            paths = probe_paths(patterns)
            paths_in[w.namespace] = (patterns, paths, {p: path_label(p, patterns) for p in paths})
        _, paths, labels = paths_in[w.namespace]
        checks = [
            (check, policy.ref.namespace)
            for policy in simulator.selected_policies(w.namespace, w.selector)
            for rule in policy.rules
            for check in rule.checks()
        ]
        classes: list[tuple[int, Members]]
        if exhaustive:
            classes = [(i, [i]) for i in range(len(callers))]
            path_key: dict[str, Any] = {p: p for p in paths}
            method_key: dict[str, Any] = {m: m for m in METHODS}
        else:
            authentications = simulator.request_authentications(w.namespace, w.selector)
            token_checks = _of_kinds(checks, _TOKEN_KINDS)
            token_key = partial(
                _token_key, index=index, authentications=authentications, checks=token_checks
            )
            classes = _classes(index, _of_kinds(checks, _CALLER_KINDS), token_key)
            path_key = _value_classes(
                paths,
                _of_kinds(checks, frozenset({"path"})),
                lambda p: _attrs(path=normalize_path(p, settings.path_normalization)),
            )
            method_key = _value_classes(
                METHODS, _of_kinds(checks, frozenset({"method"})), lambda m: _attrs(method=m)
            )
        target = _Target.of(w)
        for port in sorted(w.ports, key=lambda p: p.port):
            dest = Destination(w.ref, port.port, port.protocol, target.labels_key)
            results.destinations.append(dest)
            outcomes: list[tuple[_Outcome, Members]] = []
            for representative, members in classes:
                caller = callers[representative]
                if exhaustive:
                    decide = _exhaustive_decider(simulator, w, dest, caller, results)
                else:
                    decide = _decider(
                        simulator, target, dest, caller, path_key, method_key, results
                    )
                outcome = _outcome(dest, paths, labels, path_key, method_key, decide)
                outcomes.append((outcome, members))
            _record(results, dest, index, outcomes)
    return results


def access_matrix(
    objects: Sequence[Mapping[str, Any]],
    intent: MeshIntent,
    issuers: Sequence[JwtIssuer],
    settings: MeshSettings,
    *,
    ingress_namespace: str,
    exhaustive: bool = False,
) -> AccessMatrix:
    """Who can call what among the intent's workload ports, decided by the simulator over
    `objects` (the rendered Istio security objects).

    Computed, not brute-forced: per workload, the callers, probe paths and methods are split
    into the classes its policies can tell apart (see `_classes`) and one request per class
    is decided (`Simulator.decide_call`, no trace). `exhaustive=True` sends every caller ×
    path × method as a `Request` through the traced `Simulator.evaluate` instead; it gives
    the same matrix (a property test holds the two together) and is kept as the oracle."""
    callers = callers_for(objects, intent, issuers, settings, ingress_namespace)
    return access_matrix_for(objects, intent, callers, settings, exhaustive=exhaustive)


# Deciding a large mesh builds hundreds of thousands of objects that all stay alive until the
# matrix is made; with the collector running, its passes rescanned them and whatever heap the
# caller holds (at 1,000 workloads beside one plan: 3.6-4.5 s with it, 2.6 s without), as
# for `compile_mesh`. `meshward plan` already decided it with the collector off.
@collector_paused()
def access_matrix_for(
    objects: Sequence[Mapping[str, Any]],
    intent: MeshIntent,
    callers: Sequence[Caller],
    settings: MeshSettings,
    *,
    extra_patterns: Mapping[str, Iterable[str]] | None = None,
    exhaustive: bool = False,
) -> AccessMatrix:
    """`access_matrix` with the questions given rather than derived from the intent: these
    `callers` on the intent's workload ports, and besides the path patterns of `objects`,
    `extra_patterns` (namespace → patterns) probed too. Two revisions asked the same
    questions (`meshward diff`) give matrices that compare atom by atom."""
    results = _probe_workloads(
        objects,
        intent,
        callers,
        settings,
        exhaustive=exhaustive,
        extra_patterns=extra_patterns or {},
    )
    notes = (
        "Every row is decided by the simulator over the rendered objects; conditions on "
        "headers, hosts and remote IPs are not probed (such rules show as refused).",
        "Every caller not listed in the edges of a workload port is refused there; `refused` "
        "counts them per workload port and names the notable ones.",
    )
    order = {c.id: i for i, c in enumerate(callers)}
    edges = sorted(results.edges, key=lambda e: (order[e.caller], e.to, e.port, e.paths, e.methods))
    return AccessMatrix(
        tuple(callers),
        tuple(results.destinations),
        tuple(edges),
        tuple(results.refused),
        results.probes,
        notes,
        results.simulated,
    )


# ---- rendering -----------------------------------------------------------------------------


def _ops(edge: Edge) -> str:
    if edge.protocol == "tcp":
        return "tcp"
    methods = "any method" if edge.methods == METHODS else " ".join(edge.methods)
    return f"{methods} {paths_text(edge)}"


def paths_text(edge: Edge) -> str:
    """The paths of an edge for humans (`any path`, `any path except …`, or the patterns)."""
    if edge.paths != (ANY,):
        return " ".join(edge.paths)
    if edge.except_paths:
        return "any path except " + " ".join(edge.except_paths)
    return "any path"


def _node(name: str) -> str:
    return "n_" + "".join(c if c.isalnum() else "_" for c in name)


def access_markdown(matrix: AccessMatrix, stack: str) -> str:
    """`access.md`: a table of the allowed edges, a mermaid graph and the refused-by-design
    callers."""
    lines = [
        f"# Access matrix — stack `{stack}`",
        "",
        f"Decided by the simulator over the rendered Istio objects ({matrix.probes} probes, "
        f"one per request class simulated: {matrix.simulated}; "
        f"methods probed: {', '.join(METHODS)}).",
        "",
        "| from | to | port | methods | paths |",
        "|---|---|---|---|---|",
    ]
    for e in matrix.edges:
        methods = " ".join(e.methods) if e.methods else "—"
        paths = f"`{paths_text(e)}`" if e.paths else "— (tcp)"
        lines.append(f"| `{e.caller}` | `{e.to}` | {e.port} | {methods} | {paths} |")
    lines += ["", "```mermaid", "flowchart LR"]
    names = sorted({e.caller for e in matrix.edges} | {e.to for e in matrix.edges})
    for name in names:
        lines.append(f'  {_node(name)}["{name}"]')
    for e in matrix.edges:
        lines.append(f'  {_node(e.caller)} -->|"{e.port}: {_ops(e)}"| {_node(e.to)}')
    lines += ["```", "", "## Refused by design", ""]
    kinds = {c.id: c.kind for c in matrix.callers}
    lines += ["| from | kind | workload ports refused | allowed anywhere |", "|---|---|---|---|"]
    for caller in matrix.callers:
        if caller.kind not in REFUSED_BY_DESIGN:
            continue
        edges = matrix.edges_from(caller.id)
        refused = len(matrix.destinations) - len({(e.to, e.port) for e in edges})
        allowed = sorted({f"{e.to}:{e.port}" for e in edges})
        lines.append(
            f"| `{caller.id}` | {kinds[caller.id]} | {refused}/{len(matrix.destinations)} | "
            f"{', '.join(allowed) or 'nowhere'} |"
        )
    lines += ["", *[f"> {note}" for note in matrix.notes], ""]
    return "\n".join(lines)


def access_json(matrix: AccessMatrix, stack: str) -> str:
    """`access.json` text (deterministic)."""
    return indented_json(matrix.to_dict(stack)) + "\n"  # = json.dumps(..., indent=2)


# ---- plans ---------------------------------------------------------------------------------

ISTIO_SECURITY_GROUP = "security.istio.io/"
ACCESS_JSON = "access.json"
ACCESS_MD = "access.md"


def mesh_settings(cfg: PlatformConfig) -> MeshSettings:
    """The simulator settings the platform config installs (root namespace, trust domain and
    aliases, path normalization, and the extension providers when `meshConfig` lists them;
    without that key they are unknown and every CUSTOM provider is assumed to exist)."""
    aliases = cfg.mesh.mesh_config.get("trustDomainAliases") or []
    normalization = cfg.mesh.path_normalization
    providers = cfg.mesh.mesh_config.get("extensionProviders")
    return MeshSettings(
        root_namespace=cfg.mesh.root_namespace,
        trust_domain=cfg.mesh.trust_domain,
        trust_domain_aliases=tuple(str(a) for a in aliases) if isinstance(aliases, list) else (),
        extension_providers=(
            frozenset(str(p.get("name")) for p in providers if isinstance(p, dict))
            if isinstance(providers, list)
            else None
        ),
        path_normalization=normalization if normalization in PATH_NORMALIZATIONS else "BASE",
    )


def security_objects(objects: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The `security.istio.io` objects among `objects`, in their order."""
    return [o for o in objects if str(o.get("apiVersion", "")).startswith(ISTIO_SECURITY_GROUP)]


def plan_access(objects: Iterable[Mapping[str, Any]], cfg: PlatformConfig) -> AccessMatrix:
    """The access matrix of a rendered plan: `objects` are every Kubernetes object the plan
    declares; only the `security.istio.io` ones are simulated, against `cfg.mesh`'s workloads."""
    return access_matrix(
        security_objects(objects),
        cfg.mesh,
        cfg.jwt_issuers,
        mesh_settings(cfg),
        ingress_namespace=cfg.mesh.ingress_namespace,
    )


def access_files(matrix: AccessMatrix, stack: str) -> dict[str, str]:
    """`access.json` and `access.md` by file name."""
    return {ACCESS_JSON: access_json(matrix, stack), ACCESS_MD: access_markdown(matrix, stack)}
