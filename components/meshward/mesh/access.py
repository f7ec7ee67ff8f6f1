"""The access matrix: who can call what, decided by the simulator over rendered objects.

Pure (no pulumi, no I/O). The intent only supplies the *questions* — which callers exist, which
workload ports exist, which tokens a caller could hold — and every answer comes from
`Simulator.evaluate` over the Istio security objects that would be deployed. So the matrix shows
what the rendered policies enforce, not what the intent meant them to.

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

import ipaddress
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from meshward.config.jwt import JwtIssuer
from meshward.mesh.compiler import principal
from meshward.mesh.intent.models import JwtRequirement, MeshIntent, Workload
from meshward.mesh.simulation import Jwt, MeshSettings, Request, Simulator
from meshward.mesh.simulation.matching import UntranslatableError, path_form
from meshward.mesh.simulation.request import DEFAULT_TOKEN_HEADER, DEFAULT_TOKEN_PREFIX
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
class Refusal:
    """A caller that no probe let through to a workload port."""

    caller: str
    to: str
    port: int
    statuses: tuple[int, ...]
    """Every status the probes got (401 bad token, 403 denied / connection refused)."""
    reason: str
    """The simulator's reason for the first probe."""

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "from": self.caller,
            "to": self.to,
            "port": self.port,
            "statuses": list(self.statuses),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class AccessMatrix:
    """Every caller × workload port, decided by the simulator."""

    callers: tuple[Caller, ...]
    destinations: tuple[Destination, ...]
    edges: tuple[Edge, ...]
    refused: tuple[Refusal, ...]
    probes: int = 0
    """How many requests were simulated."""
    notes: tuple[str, ...] = field(default=())

    def to_dict(self, stack: str) -> dict[str, Any]:
        """The `access.json` document."""
        return {
            "stack": stack,
            "methodsProbed": list(METHODS),
            "probes": self.probes,
            "callers": [c.to_dict() for c in self.callers],
            "destinations": [
                {"workload": d.workload, "port": d.port, "protocol": d.protocol}
                for d in self.destinations
            ],
            "edges": [e.to_dict() for e in self.edges],
            "refused": [r.to_dict() for r in self.refused],
            "notes": list(self.notes),
        }

    def edges_from(self, caller: str) -> list[Edge]:
        """The edges of one caller."""
        return [e for e in self.edges if e.caller == caller]


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
    unique: list[Caller] = []
    for caller in out:
        shape = json.dumps(
            [caller.principal, caller.ip, caller.token.model_dump() if caller.token else None],
            sort_keys=True,
        )
        if caller.id in {c.id for c in unique} or shape in seen:
            continue
        seen.add(shape)
        unique.append(caller)
    return unique


# ---- probes --------------------------------------------------------------------------------


def _patterns(objects: Iterable[Mapping[str, Any]], namespaces: set[str]) -> list[str]:
    found: set[str] = set()
    for obj in objects:
        if obj.get("kind") != "AuthorizationPolicy":
            continue
        if (obj.get("metadata") or {}).get("namespace") not in namespaces:
            continue
        for rule in (obj.get("spec") or {}).get("rules") or []:
            for entry in rule.get("to") or []:
                operation = entry.get("operation") or {}
                for key in ("paths", "notPaths"):
                    found.update(str(p) for p in operation.get(key) or [])
    return sorted(found)


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


def _matcher(pattern: str) -> Any:
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


def _summarise(
    allowed: Mapping[str, frozenset[str]], patterns: Sequence[str]
) -> list[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]]:
    """(methods, path labels, excepted labels) rows from the allowed methods per probe path."""
    by_label: dict[str, list[str]] = {}
    for path in allowed:
        by_label.setdefault(path_label(path, patterns), []).append(path)
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
    rows: list[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = []
    for methods, labels in groups.items():
        ordered = tuple(m for m in METHODS if m in methods)
        # `*` stands for paths no pattern names; listed beside others it means "any path but
        # the patterns that do not allow these methods".
        excepted: tuple[str, ...] = ()
        if ANY in labels:
            excepted = tuple(
                sorted(lb for lb, ms in methods_of.items() if lb not in labels and methods - ms)
            )
        shown = (ANY,) if ANY in labels else tuple(sorted(labels))
        rows.append((ordered, shown, excepted))
    return sorted(rows, key=lambda r: (r[1], [METHODS.index(m) for m in r[0]]))


def access_matrix(
    objects: Sequence[Mapping[str, Any]],
    intent: MeshIntent,
    issuers: Sequence[JwtIssuer],
    settings: MeshSettings,
    *,
    ingress_namespace: str,
) -> AccessMatrix:
    """Probe every caller against every intent workload port with `Simulator.evaluate` over
    `objects` (the rendered Istio security objects) and summarise what is allowed."""
    simulator = Simulator(objects, settings)
    callers = callers_for(objects, intent, issuers, settings, ingress_namespace)
    workloads: list[Workload] = sorted(intent.workloads, key=lambda w: w.ref)
    destinations: list[Destination] = []
    edges: list[Edge] = []
    refused: list[Refusal] = []
    probes = 0
    for w in workloads:
        patterns = _patterns(objects, {w.namespace, settings.root_namespace})
        paths = probe_paths(patterns)
        for port in sorted(w.ports, key=lambda p: p.port):
            dest = Destination(w.ref, port.port, port.protocol)
            destinations.append(dest)
            base: dict[str, Any] = {
                "destination": {"namespace": w.namespace, "labels": w.selector, "port": port.port}
            }
            for caller in callers:
                source = {"principal": caller.principal, "ip": caller.ip}
                if not dest.is_http:
                    decision = simulator.evaluate(
                        Request.model_validate({**base, "protocol": "TCP", "source": source})
                    )
                    probes += 1
                    if decision.decision == "ALLOW":
                        edges.append(Edge(caller.id, w.ref, port.port, port.protocol))
                    else:
                        refused.append(
                            Refusal(
                                caller.id, w.ref, port.port, (decision.status,), decision.reason
                            )
                        )
                    continue
                allowed: dict[str, set[str]] = {p: set() for p in paths}
                statuses: set[int] = set()
                first_reason = ""
                for path in paths:
                    for method in METHODS:
                        request = Request(
                            destination=base["destination"],
                            protocol="HTTP",
                            source=source,
                            method=method,
                            path=path,
                            host=f"{w.name}.{w.namespace}.svc.cluster.local",
                            jwt=caller.token,
                        )
                        decision = simulator.evaluate(request)
                        probes += 1
                        if decision.decision == "ALLOW":
                            allowed[path].add(method)
                        else:
                            statuses.add(decision.status)
                            first_reason = first_reason or decision.reason
                if any(allowed.values()):
                    frozen = {p: frozenset(m) for p, m in allowed.items()}
                    for methods, labels, excepted in _summarise(frozen, patterns):
                        edges.append(
                            Edge(
                                caller.id,
                                w.ref,
                                port.port,
                                port.protocol,
                                methods,
                                labels,
                                excepted,
                            )
                        )
                else:
                    refused.append(
                        Refusal(caller.id, w.ref, port.port, tuple(sorted(statuses)), first_reason)
                    )
    notes = (
        "Every row is decided by the simulator over the rendered objects; conditions on "
        "headers, hosts and remote IPs are not probed (such rules show as refused).",
    )
    order = {c.id: i for i, c in enumerate(callers)}
    edges.sort(key=lambda e: (order[e.caller], e.to, e.port, e.paths, e.methods))
    refused.sort(key=lambda r: (order[r.caller], r.to, r.port))
    return AccessMatrix(
        tuple(callers), tuple(destinations), tuple(edges), tuple(refused), probes, notes
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
        f"Decided by the simulator over the rendered Istio objects ({matrix.probes} probes; "
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
        refused = sum(r.caller == caller.id for r in matrix.refused)
        allowed = sorted({f"{e.to}:{e.port}" for e in matrix.edges_from(caller.id)})
        lines.append(
            f"| `{caller.id}` | {kinds[caller.id]} | {refused}/{len(matrix.destinations)} | "
            f"{', '.join(allowed) or 'nowhere'} |"
        )
    lines += ["", *[f"> {note}" for note in matrix.notes], ""]
    return "\n".join(lines)


def access_json(matrix: AccessMatrix, stack: str) -> str:
    """`access.json` text (deterministic)."""
    return json.dumps(matrix.to_dict(stack), indent=2) + "\n"


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


def plan_access(objects: Iterable[Mapping[str, Any]], cfg: PlatformConfig) -> AccessMatrix:
    """The access matrix of a rendered plan: `objects` are every Kubernetes object the plan
    declares; only the `security.istio.io` ones are simulated, against `cfg.mesh`'s workloads."""
    security = [o for o in objects if str(o.get("apiVersion", "")).startswith(ISTIO_SECURITY_GROUP)]
    return access_matrix(
        security,
        cfg.mesh,
        cfg.jwt_issuers,
        mesh_settings(cfg),
        ingress_namespace=cfg.mesh.ingress_namespace,
    )


def access_files(matrix: AccessMatrix, stack: str) -> dict[str, str]:
    """`access.json` and `access.md` by file name."""
    return {ACCESS_JSON: access_json(matrix, stack), ACCESS_MD: access_markdown(matrix, stack)}
