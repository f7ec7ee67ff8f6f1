"""The mesh security intent: what a platform engineer writes under `platform.mesh`.

Semantics (exactly what the compiler in `meshward.mesh.compiler` makes Istio enforce; the
words "caller", "workload" and "port" below always mean Istio's view of them):

* **Identity.** A workload `ns/name` runs as service account `serviceAccount` and its mTLS
  principal is `<trustDomain>/ns/<ns>/sa/<serviceAccount>`. A *peer* is identified only over
  Istio mTLS; a plaintext caller (possible on PERMISSIVE/DISABLE ports) has no identity and
  never matches `workloads`, `namespaces` or `ingressGateway`, only `ipBlocks`. Namespaces are
  bound to the mesh trust domain (principal prefix `<td>/ns/<ns>/sa/`), so a peer from a
  foreign trust domain never matches them.
* **Access rules** (`access`, and `breakGlass` grants, which behave the same) allow a request
  when *all* of these hold: the caller matches `from` (one of `from.workloads`, one of
  `from.namespaces`, the ingress gateway namespace if `from.ingressGateway`, or a source IP in
  `from.ipBlocks`; when `from.jwt` is set the request must *also* carry a valid token from that
  issuer, with one of `jwt.subjects` if given and, for every claim in `jwt.claims`, one of
  the listed values; `from` with only `jwt` admits any caller holding such a token); the
  target is one of `to.workloads` on one of `to.ports` (default: every declared port of the
  workload; undeclared ports are never allowed); the method is one of `to.methods`, the path
  one of `to.paths`, the `:authority` one of `to.hosts` (each when given); and every `when`
  condition holds. Paths are exact, or prefixes when they end in `*`; they are compared with
  the normalized path without the query string. Hosts compare case-insensitively, with or
  without a `:port`. Methods are case-sensitive (upper case).
* **Deny rules** (`deny`) refuse a request when the caller matches `from` (omitted: every
  caller, plaintext included) and does *not* match `unless`, the target is one of
  `to.workloads` on `to.ports` (omitted: every port; with methods/paths: every HTTP port),
  and the method/path match. Deny paths are **prefixes**: `/admin` refuses `/admin`,
  `/admin/x`, `/admin%2Fx` and also `/administrator`. Denies win over allows.
* **Default deny** (`defaultDeny`, per namespace in `namespaces`; on by default): a workload
  in a default-deny namespace that no access rule or grant targets refuses every request.
  In a namespace without default deny, an untargeted workload accepts every request (Istio's
  default) and a targeted one accepts only what its rules allow.
* **Tokens.** A workload targeted by a rule with `jwt` validates tokens of every issuer its
  rules name: a request carrying an invalid, expired or wrong-audience token at a configured
  location is refused (401/403) whatever rule would allow it. A request without a valid token
  from the callers of a `jwt` rule on that rule's ports is refused (the `-require-jwt` DENY),
  so no other policy can let it through by accident; therefore a rule without `jwt` may not
  admit the same callers on those ports (a config error).
* **mTLS** (`mtls`): the mesh-wide mode (STRICT by default), overridden per namespace, per
  workload and per workload port (narrowest wins). Anything but STRICT is reported as weaker.
* **Break-glass** grants add an allow until `expires` (a UTC date, inclusive). Once expired
  the config no longer validates, so the grant must be removed (and is never silently kept).
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from meshward.config._base import ConfigModel

DnsLabel = Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", max_length=63)]
Port = Annotated[int, Field(ge=1, le=65535)]
MtlsMode = Literal["STRICT", "PERMISSIVE", "DISABLE"]
HttpMethod = Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"]
Protocol = Literal["http", "http2", "grpc", "tcp"]
WorkloadRef = Annotated[
    str,
    Field(pattern=r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?/)?[a-z0-9]([-a-z0-9]*[a-z0-9])?$"),
]
"""`namespace/name`, or a bare `name` when only one namespace holds a workload of that name."""

_PATH_SEGMENT = re.compile(r"^[A-Za-z0-9\-._~%!$&'()+,;:@=]*$")
_PATH_BODY = re.compile(r"[A-Za-z0-9\-._~%!$&'()+,;:@=/]*")
#: Paths every check below accepts, in one match (the usual form, 15,000 at 5,000 workloads):
#: path characters without '.', no empty segment but the last, '*' only at the very end.
_PLAIN_PATH = re.compile(r"(?:/[A-Za-z0-9\-_~%!$&'()+,;:@=]+)*/[A-Za-z0-9\-_~%!$&'()+,;:@=]*\*?")


def check_path(value: str) -> str:
    """An HTTP path as rules compare it: absolute, normalized, no query; `*` only at the end."""
    if _PLAIN_PATH.fullmatch(value):
        return value
    if not value.startswith("/"):
        raise ValueError(f"{value!r} must start with '/'")
    body = value[:-1] if value.endswith("*") else value
    if "*" in body:
        raise ValueError(f"{value!r}: '*' is only allowed as the last character (a prefix)")
    if "//" in body:
        raise ValueError(f"{value!r}: '//' never reaches a rule (slashes are merged)")
    segments = body.split("/")[1:]
    dotted = "." in body and (
        any(s in (".", "..") for s in segments[:-1]) or (segments and segments[-1] in ("..",))
    )
    if dotted:
        raise ValueError(f"{value!r}: '.' and '..' segments are resolved before matching")
    # Fast path: a body of path characters only passes every segment's check below.
    if not _PATH_BODY.fullmatch(body) and any(not _PATH_SEGMENT.match(s) for s in segments):
        raise ValueError(f"{value!r}: only RFC 3986 path characters are allowed (no ?, #, {{}})")
    return value


def _check_cidr(value: str) -> str:
    try:
        ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not an IP address or CIDR ({exc})") from None
    return value


Path = Annotated[str, Field(min_length=1)]
Cidr = Annotated[str, Field(min_length=1)]
Host = Annotated[str, Field(pattern=r"^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$")]
Plain = Annotated[str, Field(min_length=1, pattern=r"^[^*]+$")]
"""A literal value: no `*` (Istio would read a leading or trailing one as a wildcard)."""


class WorkloadPort(ConfigModel):
    """A port the workload's containers listen on."""

    port: Port
    """Container (target) port: Istio matches workload ports, never Service ports."""
    protocol: Protocol = "http"
    """`http`, `http2`, `grpc` (HTTP rules apply) or `tcp` (only identities, IPs and ports)."""

    @property
    def is_http(self) -> bool:
        """Whether HTTP attributes (methods, paths, hosts, tokens) exist on this port."""
        return self.protocol != "tcp"


# Models repeated per workload or rule take their empty defaults from `default_factory`:
# pydantic deep-copies an unhashable default (`= []`) in Python for every instance, about a
# dozen per workload (a tenth of config validation at 5,000 workloads).


class Workload(ConfigModel):
    """A meshed workload (its pods carry `labels` and run as `serviceAccount`)."""

    name: DnsLabel
    """Name, unique within its namespace; rules refer to `namespace/name`."""
    namespace: DnsLabel
    """Kubernetes namespace."""
    service_account: DnsLabel | None = None
    """Service account of its pods (default: the workload name)."""
    labels: dict[str, str] = Field(default_factory=dict)
    """Pod labels that select exactly this workload (default: `app: <name>`)."""
    ports: Annotated[list[WorkloadPort], Field(min_length=1)]
    """Ports the workload serves."""

    @field_validator("labels")
    @classmethod
    def _labels(cls, value: dict[str, str]) -> dict[str, str]:
        for key, val in value.items():
            if not key or "*" in key or "*" in val or len(val) > 63:
                raise ValueError(f"{key}: label keys must be non-empty; no '*'; values ≤ 63 chars")
        return value

    @field_validator("ports")
    @classmethod
    def _unique_ports(cls, value: list[WorkloadPort]) -> list[WorkloadPort]:
        numbers = [p.port for p in value]
        if len(set(numbers)) != len(numbers):
            raise ValueError("ports must be unique")
        return value

    @cached_property
    def ref(self) -> str:
        """`namespace/name`."""
        return f"{self.namespace}/{self.name}"

    @property
    def sa(self) -> str:
        """The effective service account."""
        return self.service_account or self.name

    @property
    def selector(self) -> dict[str, str]:
        """The effective pod labels."""
        if not self.labels:
            return {"app": self.name}  # the usual case, asked for per compiled object
        return dict(sorted(self.labels.items()))

    def port(self, number: int) -> WorkloadPort | None:
        """The declared port `number`, if any."""
        return next((p for p in self.ports if p.port == number), None)


class JwtRequirement(ConfigModel):
    """A token the caller must present."""

    issuer: DnsLabel
    """Name of an entry in `platform.jwtIssuers`."""
    subjects: list[Plain] = Field(default_factory=list)
    """Accepted `sub` values (exact); empty accepts any subject."""
    claims: dict[Annotated[str, Field(pattern=r"^[^\[\]*]+$")], list[Plain]] = Field(
        default_factory=dict
    )
    """Claim → accepted values: every listed claim must hold (be, or contain) one of its
    values. `scope`/`permission` claims are split on spaces first."""

    @field_validator("claims")
    @classmethod
    def _values(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for claim, values in value.items():
            if not values:
                raise ValueError(f"{claim}: needs at least one accepted value")
        return value


class Condition(ConfigModel):
    """An extra condition on the request (all conditions must hold)."""

    key: Annotated[str, Field(pattern=r"^(source\.ip|remote\.ip|request\.headers\[[^\[\]]+\])$")]
    """`source.ip`, `remote.ip` (the original client, from X-Forwarded-For) or
    `request.headers[<name>]` (HTTP only)."""
    values: Annotated[list[Plain], Field(min_length=1)]
    """Accepted values (exact; IPs or CIDRs for the IP keys)."""

    @model_validator(mode="after")
    def _ips(self) -> Condition:
        if self.key in ("source.ip", "remote.ip"):
            for value in self.values:
                _check_cidr(value)
        return self

    @property
    def is_http(self) -> bool:
        """Whether the condition needs HTTP."""
        return self.key.startswith("request.")


class Source(ConfigModel):
    """Who may call. Peers (`workloads`, `namespaces`, `ingressGateway`, `ipBlocks`) are
    alternatives; `jwt` is required on top of them (or alone: any caller with the token)."""

    workloads: list[WorkloadRef] = Field(default_factory=list)
    """Calling workloads (mTLS principal `<td>/ns/<ns>/sa/<sa>`)."""
    namespaces: list[DnsLabel] = Field(default_factory=list)
    """Any mTLS workload of the mesh's trust domain in these namespaces."""
    ingress_gateway: bool = False
    """Any mTLS workload of the mesh's trust domain in the ingress gateway namespace (traffic
    from APIM)."""
    ip_blocks: list[Cidr] = Field(default_factory=list)
    """Source IPs or CIDRs (the direct peer; plaintext callers included)."""
    jwt: JwtRequirement | None = None
    """A valid token the request must carry (HTTP only)."""

    @field_validator("ip_blocks")
    @classmethod
    def _cidrs(cls, value: list[str]) -> list[str]:
        return [_check_cidr(c) for c in value]

    @property
    def has_peers(self) -> bool:
        """Whether the source names callers (not only a token)."""
        return bool(self.workloads or self.namespaces or self.ingress_gateway or self.ip_blocks)

    @model_validator(mode="after")
    def _something(self) -> Source:
        if not self.has_peers and self.jwt is None:
            raise ValueError(
                "needs at least one of workloads, namespaces, ingressGateway, ipBlocks, jwt"
            )
        return self


class Target(ConfigModel):
    """What may be called."""

    workloads: Annotated[list[WorkloadRef], Field(min_length=1)]
    """Called workloads."""
    ports: list[Port] = Field(default_factory=list)
    """Declared ports of every listed workload (default: all its declared ports)."""
    methods: list[HttpMethod] = Field(default_factory=list)
    """HTTP methods (default: any). HTTP ports only."""
    paths: list[Path] = Field(default_factory=list)
    """Exact paths, or prefixes ending in `*` (default: any). HTTP ports only."""
    hosts: list[Host] = Field(default_factory=list)
    """`:authority` values, compared case-insensitively, with or without a port (default: any).
    HTTP ports only; on sidecars this is a routing hint, not a security boundary."""

    @field_validator("paths")
    @classmethod
    def _paths(cls, value: list[str]) -> list[str]:
        return [check_path(p) for p in value]

    @property
    def http_only(self) -> list[str]:
        """The HTTP-only fields set (camelCase)."""
        return [n for n in ("methods", "paths", "hosts") if getattr(self, n)]


class AccessRule(ConfigModel):
    """Who may call what."""

    name: DnsLabel
    """Unique name; compiled objects list it in their `meshward.io/intent` annotation."""
    from_: Annotated[Source, Field(alias="from")]
    """Callers."""
    to: Target
    """Targets."""
    when: list[Condition] = Field(default_factory=list)
    """Extra conditions; all must hold."""


class BreakGlassGrant(AccessRule):
    """A temporary, documented allow; listed as weaker in every plan report."""

    reason: Annotated[str, Field(min_length=10)]
    """Why the grant exists."""
    ticket: Annotated[str, Field(min_length=1)]
    """Incident or change ticket."""
    expires: date
    """Last day (UTC) the grant is valid; an expired grant is a config error."""


class DenySource(ConfigModel):
    """Callers of a deny rule (alternatives)."""

    workloads: list[WorkloadRef] = Field(default_factory=list)
    """Calling workloads (by mTLS principal)."""
    namespaces: list[DnsLabel] = Field(default_factory=list)
    """Any mTLS workload of the mesh's trust domain in these namespaces."""
    ip_blocks: list[Cidr] = Field(default_factory=list)
    """Source IPs or CIDRs."""

    @field_validator("ip_blocks")
    @classmethod
    def _cidrs(cls, value: list[str]) -> list[str]:
        return [_check_cidr(c) for c in value]

    @model_validator(mode="after")
    def _something(self) -> DenySource:
        if not (self.workloads or self.namespaces or self.ip_blocks):
            raise ValueError("needs at least one of workloads, namespaces, ipBlocks")
        return self


class DenyTarget(ConfigModel):
    """What a deny rule protects."""

    workloads: Annotated[list[WorkloadRef], Field(min_length=1)]
    """Protected workloads."""
    ports: list[Port] = Field(default_factory=list)
    """Declared ports (default: every port; with methods/paths: every HTTP port)."""
    methods: list[HttpMethod] = Field(default_factory=list)
    """HTTP methods (default: any)."""
    paths: list[Path] = Field(default_factory=list)
    """Path **prefixes** (a trailing `*` is implied: `/admin` also refuses `/administrator`)."""

    @field_validator("paths")
    @classmethod
    def _paths(cls, value: list[str]) -> list[str]:
        return [check_path(p) for p in value]


class DenyRule(ConfigModel):
    """Refuse matching requests, whatever any allow says."""

    name: DnsLabel
    """Unique name."""
    from_: Annotated[DenySource | None, Field(alias="from")] = None
    """Refused callers (default: every caller, plaintext included)."""
    unless: DenySource | None = None
    """Exempt callers: only those identified as one of them (or from their IPs) pass."""
    to: DenyTarget
    """Protected targets."""


class WorkloadMtls(ConfigModel):
    """An mTLS override for one workload."""

    workload: WorkloadRef
    """The workload."""
    mode: MtlsMode | None = None
    """Mode for all its ports (default: inherit namespace/mesh)."""
    ports: dict[Port, MtlsMode] = Field(default_factory=dict)
    """Per declared port modes (narrowest wins)."""


class MtlsIntent(ConfigModel):
    """Mutual TLS between sidecars."""

    mode: MtlsMode = "STRICT"
    """Mesh-wide mode."""
    namespaces: dict[DnsLabel, MtlsMode] = {}
    """Per-namespace modes."""
    workloads: list[WorkloadMtls] = []
    """Per-workload (and per-port) modes."""


class NamespaceSettings(ConfigModel):
    """Per-namespace switches."""

    default_deny: bool | None = None
    """Refuse everything not allowed (default: the mesh-wide `defaultDeny`)."""
    network_policies: bool | None = None
    """Render Kubernetes NetworkPolicies (default: the mesh-wide `networkPolicies`)."""


class MeshIntent(ConfigModel):
    """Mesh security intent: compiled into Istio security objects and NetworkPolicies."""

    mtls: MtlsIntent = MtlsIntent()
    """Mutual TLS modes."""
    workloads: list[Workload] = []
    """The meshed workloads rules refer to."""
    default_deny: bool = True
    """Refuse every request no rule allows, in every namespace (see `namespaces`)."""
    network_policies: bool = True
    """Also render L3/L4 NetworkPolicies (ingress only) from the same rules."""
    namespaces: dict[DnsLabel, NamespaceSettings] = {}
    """Per-namespace overrides; listing a namespace without workloads still locks it down."""
    access: list[AccessRule] = []
    """Allow rules."""
    deny: list[DenyRule] = []
    """Deny rules (win over allows)."""
    break_glass: list[BreakGlassGrant] = []
    """Temporary grants, reported in every plan."""
    extra_objects: list[dict[str, Any]] = []
    """Raw Istio security objects added as they are (validated like compiled ones)."""

    # ---- lookups ---------------------------------------------------------------------------

    # The model is frozen, so indexes built once stay valid; they keep every lookup inside the
    # loops over workloads and rules O(1) (5,000 workloads, 11,000 rules).

    @cached_property
    def workloads_by_ref(self) -> dict[str, Workload]:
        """`namespace/name` → workload (the first one when a ref is declared twice)."""
        out: dict[str, Workload] = {}
        for w in self.workloads:
            out.setdefault(w.ref, w)
        return out

    @cached_property
    def workloads_by_name(self) -> dict[str, list[Workload]]:
        """Bare name → the workloads of that name, in declaration order."""
        out: dict[str, list[Workload]] = {}
        for w in self.workloads:
            out.setdefault(w.name, []).append(w)
        return out

    def workload(self, ref: str) -> Workload | None:
        """Resolve `ns/name`, or a bare `name` that is unique across namespaces."""
        if "/" in ref:
            return self.workloads_by_ref.get(ref)
        found = self.workloads_by_name.get(ref, [])
        return found[0] if len(found) == 1 else None

    @cached_property
    def _targeting(self) -> dict[str, dict[str, list[Any]]]:
        """Per rule list (`access`, `breakGlass`, `deny`): workload ref → the rules whose `to`
        names it, in rule order, each rule once."""
        out: dict[str, dict[str, list[Any]]] = {}
        lists: dict[str, list[Any]] = {
            "access": list(self.access),
            "breakGlass": list(self.break_glass),
            "deny": list(self.deny),
        }
        for key, rules in lists.items():
            index: dict[str, list[Any]] = {}
            for rule in rules:
                for ref in rule.to.workloads:
                    target = self.workload(ref)
                    if target is None:
                        continue
                    found = index.setdefault(target.ref, [])
                    if not found or found[-1] is not rule:
                        found.append(rule)
            out[key] = index
        return out

    def access_to(self, workload: Workload) -> list[AccessRule]:
        """The access rules whose `to.workloads` name `workload`, in config order."""
        return list(self._targeting["access"].get(workload.ref, ()))

    def grants_to(self, workload: Workload) -> list[BreakGlassGrant]:
        """The break-glass grants whose `to.workloads` name `workload`, in config order."""
        return list(self._targeting["breakGlass"].get(workload.ref, ()))

    def denies_to(self, workload: Workload) -> list[DenyRule]:
        """The deny rules whose `to.workloads` name `workload`, in config order."""
        return list(self._targeting["deny"].get(workload.ref, ()))

    @property
    def namespace_names(self) -> list[str]:
        """Every namespace the intent covers, sorted."""
        return sorted({w.namespace for w in self.workloads} | set(self.namespaces))

    def default_deny_in(self, namespace: str) -> bool:
        """Whether `namespace` refuses what no rule allows."""
        setting = self.namespaces.get(namespace)
        if setting is not None and setting.default_deny is not None:
            return setting.default_deny
        return self.default_deny

    def network_policies_in(self, namespace: str) -> bool:
        """Whether NetworkPolicies are rendered for `namespace`."""
        setting = self.namespaces.get(namespace)
        if setting is not None and setting.network_policies is not None:
            return setting.network_policies
        return self.network_policies

    def target_ports(self, target: Target | DenyTarget, workload: Workload) -> list[WorkloadPort]:
        """The declared ports of `workload` a target covers."""
        if target.ports:
            return [p for p in workload.ports if p.port in target.ports]
        return list(workload.ports)

    @property
    def allow_rules(self) -> list[tuple[str, AccessRule]]:
        """Access rules and grants with their config paths (`access[0]`, `breakGlass[1]`)."""
        return [(f"access[{i}]", r) for i, r in enumerate(self.access)] + [
            (f"breakGlass[{i}]", g) for i, g in enumerate(self.break_glass)
        ]

    # ---- validation ------------------------------------------------------------------------

    @model_validator(mode="after")
    def _check_intent(self, info: ValidationInfo) -> MeshIntent:
        context = info.context if isinstance(info.context, dict) else {}
        today = context.get("today") or datetime.now(UTC).date()
        problem = intent_problem(self, today)
        if problem:
            raise ValueError(problem)
        return self


def _known(intent: MeshIntent) -> str:
    refs = sorted(w.ref for w in intent.workloads)
    shown = ", ".join(refs[:5]) + (", …" if len(refs) > 5 else "")
    return shown or "none"


def _ref_problem(intent: MeshIntent, path: str, ref: str) -> str | None:
    if intent.workload(ref) is not None:
        return None
    if "/" not in ref and sum(w.name == ref for w in intent.workloads) > 1:
        return f"{path}: workload name {ref!r} is ambiguous; write namespace/{ref}"
    return f"{path}: unknown workload {ref!r} (known: {_known(intent)})"


def _unique(names: list[str], what: str) -> str | None:
    dupes = sorted(n for n, count in Counter(names).items() if count > 1)
    return f"{what}: names must be unique; repeated: {', '.join(dupes)}" if dupes else None


def _structure_problems(intent: MeshIntent) -> list[str]:
    out: list[str] = []
    counts = Counter(w.ref for w in intent.workloads)
    for dup in sorted(r for r, n in counts.items() if n > 1):
        out.append(f"workloads: {dup} is declared twice")
    # Only workloads of one namespace can overlap. Per namespace and label, the workloads
    # carrying it: those whose labels include all of a's are the intersection of its labels'
    # holders (no scan of the namespace), reported in the order a pairwise scan would.
    holders: dict[tuple[str, tuple[str, str]], set[int]] = {}
    labels: list[frozenset[tuple[str, str]]] = []
    for i, w in enumerate(intent.workloads):
        labels.append(frozenset((w.labels or {"app": w.name}).items()))
        for item in labels[i]:
            holders.setdefault((w.namespace, item), set()).add(i)
    for i, a in enumerate(intent.workloads):
        covering = set.intersection(*(holders[(a.namespace, item)] for item in labels[i]))
        for j in sorted(covering):
            b = intent.workloads[j]
            if i != j and a.ref != b.ref:
                out.append(
                    f"workloads[{i}].labels: {a.selector} also select {b.ref}; "
                    "labels must select exactly one workload"
                )
    for problem in (
        _unique([r.name for r in intent.access], "access"),
        _unique([r.name for r in intent.deny], "deny"),
        _unique([g.name for g in intent.break_glass], "breakGlass"),
    ):
        if problem:
            out.append(problem)
    return out


def _source_problems(intent: MeshIntent, path: str, refs: list[str]) -> list[str]:
    resolve = intent.workload
    if all(resolve(ref) is not None for ref in refs):
        return []  # the usual case: no path strings to build
    return [
        p
        for k, ref in enumerate(refs)
        if (p := _ref_problem(intent, f"{path}.workloads[{k}]", ref)) is not None
    ]


def _target_problems(
    intent: MeshIntent,
    path: str,
    target: Target | DenyTarget,
    needs_http: Callable[[], list[str]] | None,
) -> list[str]:
    """Problems of `target`; `needs_http` gives the fields needing HTTP (None: none), called
    only to word a problem."""
    resolved = [intent.workload(ref) for ref in target.workloads]
    if any(w is None for w in resolved):
        return _source_problems(intent, path, target.workloads)
    out: list[str] = []
    for workload in resolved:
        assert workload is not None
        if target.ports:
            numbers = {p.port for p in workload.ports}
            for k, number in enumerate(target.ports):
                if number not in numbers:
                    declared = ", ".join(str(p.port) for p in workload.ports)
                    out.append(
                        f"{path}.ports[{k}]: {workload.ref} has no port {number} "
                        f"(declared: {declared})"
                    )
        if out or needs_http is None:
            continue
        ports = intent.target_ports(target, workload)
        if not any(p.is_http for p in ports):
            out.append(f"{path}: {needs_http()[0]} need HTTP, but {workload.ref} has no HTTP port")
            continue
        tcp = [p.port for p in ports if not p.is_http]
        if tcp and (target.ports or isinstance(target, Target)):
            out.append(
                f"{path}.ports: {needs_http()[0]} need HTTP, but port {tcp[0]} of {workload.ref} "
                "is tcp; list only HTTP ports"
            )
    return out


def _allow_needs_http(rule: AccessRule) -> Callable[[], list[str]] | None:
    """The fields of an allow rule that need HTTP, as `_target_problems` takes them."""
    fields = rule.to.http_only
    jwt = rule.from_.jwt is not None
    when = [(k, c.key) for k, c in enumerate(rule.when) if c.is_http]
    if not (fields or jwt or when):
        return None
    return lambda: [
        *(f"to.{f}" for f in fields),
        *(["from.jwt"] if jwt else []),
        *(f"when[{k}] ({key})" for k, key in when),
    ]


def _deny_needs_http(deny: DenyRule) -> Callable[[], list[str]] | None:
    fields = [f"to.{f}" for f in ("methods", "paths") if getattr(deny.to, f)]
    return (lambda: fields) if fields else None


def intent_problem(intent: MeshIntent, today: date) -> str | None:
    """The first problem in `intent` as `relative.path: message`, or None."""
    problems = _structure_problems(intent)
    for path, rule in intent.allow_rules:
        src = rule.from_
        problems += _source_problems(intent, f"{path}.from", src.workloads)
        problems += _target_problems(intent, f"{path}.to", rule.to, _allow_needs_http(rule))
        if isinstance(rule, BreakGlassGrant) and rule.expires < today:
            problems.append(
                f"{path}.expires: grant {rule.name!r} expired on {rule.expires} "
                f"(today is {today}); remove it"
            )
    for i, deny in enumerate(intent.deny):
        path = f"deny[{i}]"
        for part, deny_src in (("from", deny.from_), ("unless", deny.unless)):
            if deny_src is not None:
                problems += _source_problems(intent, f"{path}.{part}", deny_src.workloads)
        problems += _target_problems(intent, f"{path}.to", deny.to, _deny_needs_http(deny))
    seen: set[str] = set()
    for i, override in enumerate(intent.mtls.workloads):
        path = f"mtls.workloads[{i}]"
        resolved = intent.workload(override.workload)
        if resolved is not None and resolved.ref in seen:
            problems.append(f"{path}.workload: {resolved.ref} already has an override")
        if resolved is not None:
            seen.add(resolved.ref)
        ref_problem = _ref_problem(intent, f"{path}.workload", override.workload)
        if ref_problem:
            problems.append(ref_problem)
            continue
        workload = intent.workload(override.workload)
        assert workload is not None
        for number in override.ports:
            if workload.port(number) is None:
                problems.append(f"{path}.ports: {workload.ref} has no port {number}")
        if override.mode is None and not override.ports:
            problems.append(f"{path}: set mode or ports")
    for i, obj in enumerate(intent.extra_objects):
        problems += [
            f"extraObjects[{i}]{'.' + where if where else ''}: {message}"
            for where, message in envelope_problems(obj)
        ]
    return problems[0] if problems else None


def envelope_problems(obj: dict[str, Any]) -> list[tuple[str, str]]:
    """Why istiod or the API server would refuse a raw object: (field path, message) pairs."""
    from meshward.mesh.istio import validate_document

    if not isinstance(obj.get("metadata"), dict) or not obj["metadata"].get("namespace"):
        return [("metadata.namespace", "required (meshward applies objects to a namespace)")]
    return [(p.path, p.message) for p in validate_document(obj).errors]
