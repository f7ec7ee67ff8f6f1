"""AuthorizationPolicy shapes that are admitted by Istio and still unsafe (SEMANTICS §4)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from meshward.guardrails.index import SYSTEM_NAMESPACES, Index, namespace_subject
from meshward.guardrails.model import Hit, Severity, Subject, rule
from meshward.guardrails.walk import (
    IDENTITY_FIELDS,
    IDENTITY_KEYS,
    WalkedRule,
    indexed,
    is_gateway_selector,
    not_name,
    rule_ports,
    spec,
    strings,
    uses_http_fields,
)
from meshward.mesh.simulation.matching import string_form

BEST = "Istio security best practices (istio.io/latest/docs/ops/best-practices/security)"
HTTP_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}
    | {"PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK"}  # WebDAV
)
SAFE_NORMALIZATION = ("MERGE_SLASHES", "DECODE_AND_MERGE_SLASHES")


def _policies(index: Index) -> list[Subject]:
    return index.of_kind("AuthorizationPolicy")


def _enforced(index: Index, s: Subject) -> bool:
    ref = index.ref(s)
    return ref is not None and not ref.dry_run


@rule(
    "MW110",
    Severity.ERROR,
    title="Namespace with workloads and no default deny",
    rationale="A workload with no ALLOW policy allows every request (evaluation step 3, "
    f"SEMANTICS §4.1); {BEST}, 'default-deny'.",
    fix="Add `AuthorizationPolicy allow-nothing` with `spec: {}` in the namespace (or a "
    "mesh-wide one in the root namespace) and allow explicitly.",
    peers=("Kiali KIA1301", "Kyverno require-authorizationpolicy", "ASM AsmAuthzPolicyDefaultDeny"),
    beyond="Counts only enforced ALLOW policies that select each workload (dry-run and targetRefs "
    "policies do not protect sidecars); reported at the Namespace.",
    context=True,
)
def no_default_deny(index: Index) -> Iterator[Hit]:
    inv = index.inventory
    skip = SYSTEM_NAMESPACES | {index.root} | inv.gateway_namespaces
    names = set(inv.namespaces or ()) | set(index.workloads_by_ns)
    allowed = _allowed_workloads(index)
    for ns in sorted(names - skip):
        if inv.meshed_namespaces is not None and ns not in inv.meshed_namespaces:
            continue
        workloads = index.workloads_by_ns.get(ns, [])
        if workloads:
            open_ = [w.name for w in workloads if id(w) not in allowed]
            if open_:
                yield Hit(
                    namespace_subject(index, ns),
                    "-",
                    f"no ALLOW policy applies to {', '.join(open_)}: every request is allowed",
                )
        elif not _namespace_wide_allow(index, ns):
            yield Hit(
                namespace_subject(index, ns),
                "-",
                "no namespace-wide ALLOW policy (allow-nothing): workloads here allow everything",
            )


def _allowed_workloads(index: Index) -> set[int]:
    """Ids of the known workloads an enforced ALLOW policy applies to. Asked per policy (whose
    selected workloads the index keeps for other rules too) rather than per workload, which
    would test every policy of the workload's namespace and the root for each."""
    return {
        id(w)
        for s in _policies(index)
        if index.action(s) == "ALLOW" and _enforced(index, s)
        for w in index.selected_workloads(s)
    }


def _namespace_wide_allow(index: Index, ns: str) -> bool:
    for space in (index.root, ns):
        for s in index.in_namespace("AuthorizationPolicy", space):
            ref = index.ref(s)
            usable = ref is not None and not ref.dry_run and not ref.targeted
            if usable and index.action(s) == "ALLOW" and ref is not None and ref.selector is None:
                return True
    return False


@rule(
    "MW111",
    Severity.ERROR,
    title="ALLOW rule `{}` allows everything",
    rationale="An empty rule matches every request, so the ALLOW policy admits anyone in scope; "
    "in the root namespace that is the whole mesh (SEMANTICS §4.5).",
    fix="Replace the empty rule with `from` sources and `to` operations naming who may call what.",
    peers=("Lunar no-permissive-authz", "ASM SourceNotAllAuthz (partial)"),
    beyond="Also flags the root-namespace case as mesh-wide; service-mesh-cli flags the opposite "
    "(spec: {}) by mistake.",
)
def allow_all(index: Index) -> Iterator[Hit]:
    for s in _policies(index):
        if index.action(s) != "ALLOW":
            continue
        for r in index.rules(s):
            if not r.rule.get("from") and not r.rule.get("to") and not r.rule.get("when"):
                where = "mesh-wide (root namespace)" if s.namespace == index.root else "in scope"
                yield Hit(s, r.at, f"empty rule allows every request {where}")


NEGATIVE_SOURCE = (
    "notPrincipals",
    "notNamespaces",
    "notServiceAccounts",
    "notTrustDomains",
    "notRequestPrincipals",
    "notIpBlocks",
    "notRemoteIpBlocks",
)
NEGATIVE_OPERATION = ("notHosts", "notPorts", "notMethods", "notPaths")


@rule(
    "MW112",
    Severity.WARNING,
    title="ALLOW with negative matches",
    rationale="An ALLOW built from `not...` fields or `notValues` allows whatever the list forgot "
    f"(a typo or an unnormalized path is allowed, not refused); {BEST}, 'safer authorization "
    "policy patterns'.",
    fix="Write ALLOW rules with positive fields only; express exceptions as a DENY with "
    "negative matches.",
    peers=("ASM AsmAuthzPolicySafePattern", "istio-security-analyzer"),
)
def allow_negative(index: Index) -> Iterator[Hit]:
    for s in _policies(index):
        if index.action(s) != "ALLOW":
            continue
        # Only the fields the policy sets anywhere are looked for in its blocks.
        sources = [n for n in NEGATIVE_SOURCE if index.values(s, "from", n)]
        operations = [n for n in NEGATIVE_OPERATION if index.values(s, "to", n)]
        for r in index.rules(s):
            for side, names in ((r.sources, sources), (r.operations, operations)):
                for bat, block in side:
                    for name in names:
                        if strings(block, name):
                            yield Hit(
                                s, f"{r.at}.{bat}.{name}", f"ALLOW matches by exclusion ({name})"
                            )
            for cat, key, cond in r.conditions:
                if cond.get("notValues"):
                    yield Hit(s, f"{r.at}.{cat}.notValues", f"ALLOW matches by exclusion ({key})")


@rule(
    "MW113",
    Severity.ERROR,
    title="DENY on paths without slash-merging path normalization",
    rationale="With the default BASE normalization `//admin` and `%2F` variants are not merged, so "
    "a DENY on `/admin` is bypassed (CVE-2021-31920, ISTIO-SECURITY-2021-005; SEMANTICS §4.3).",
    fix="Set MeshConfig `pathNormalization.normalization: MERGE_SLASHES` (or "
    "DECODE_AND_MERGE_SLASHES), or write the rule as a DENY with `notPaths`.",
    peers=("ASM AsmAuthzPolicyNormalization",),
    beyond="Reads the normalization from the mesh config given with the input (BASE when none).",
    context=True,
)
def deny_paths_unnormalized(index: Index) -> Iterator[Hit]:
    mode = index.mesh.path_normalization
    if mode in SAFE_NORMALIZATION:
        return
    for s in _policies(index):
        if index.action(s) == "DENY":
            for path, value in index.values(s, "to", "paths"):
                yield Hit(
                    s,
                    path,
                    f"DENY on {value!r} with path normalization {mode}: "
                    f"'/{value}' (double slash) is not denied",
                )


@rule(
    "MW114",
    Severity.WARNING,
    title="DENY on positive paths can be bypassed by case",
    rationale="Paths are matched case-sensitively, so a DENY on `/admin` does not deny `/Admin` "
    f"for an application that routes case-insensitively ({BEST}, 'case normalization'; "
    "SEMANTICS §4.3).",
    fix="Prefer an ALLOW listing the permitted paths; or normalize case at the edge (a Lua/Wasm "
    "filter) and keep the DENY as a second line.",
    peers=("ASM AsmAuthzPolicySafePattern", "istio-security-analyzer"),
)
def deny_paths_case(index: Index) -> Iterator[Hit]:
    for s in _policies(index):
        if index.action(s) == "DENY":
            for path, value in index.values(s, "to", "paths"):
                if value.lower() != value.upper():
                    yield Hit(s, path, f"DENY on {value!r} does not deny {_case_variant(value)!r}")


def _case_variant(value: str) -> str:
    for i, ch in enumerate(value):
        if ch.isalpha():
            return value[:i] + ch.swapcase() + value[i + 1 :]
    return value


_NEGATED_IDENTITY_FIELDS = tuple(not_name(name) for name in IDENTITY_FIELDS)
"""What an ALLOW on identity risks: `notPrincipals`, `notNamespaces`, ..."""


def _weak_ports(index: Index, s: Subject, r: WalkedRule) -> list[str]:
    """Where the policy's rule reaches a port that accepts plaintext (`ns/workload:port`)."""
    limited = rule_ports(r)
    out: list[str] = []
    workloads = index.selected_workloads(s)
    if workloads:
        for w in workloads:
            ports = [p.port for p in w.ports] or [-1]
            for port in ports:
                if limited is not None and port not in limited:
                    continue
                if index.mtls(w.namespace, w.labels, port).mode != "STRICT":
                    out.append(f"{w.namespace}/{w.name}:{port}" if port >= 0 else w.name)
        return out
    if s.namespace == index.root and not index.selector(s):
        return []
    for port in sorted(limited) if limited else [-1]:
        labels = index.selector(s) or {}
        if index.mtls(s.namespace or index.root, labels, port).mode != "STRICT":
            out.append(f"port {port}" if port >= 0 else "its workloads")
    return out


@rule(
    "MW115",
    Severity.ERROR,
    title="Identity rules on a port that accepts plaintext",
    rationale="principals, namespaces, serviceAccounts and trustDomains need mTLS: plaintext has "
    "no identity, so an ALLOW with `notNamespaces`/`notPrincipals` admits plaintext and a DENY "
    "on an identity is skipped by plaintext (ISTIO-SECURITY-2021-004; SEMANTICS §4.4).",
    fix="Make the ports the policy covers STRICT, or write the rule without identity fields.",
    peers=("Kiali KIA0105", "ASM AsmAuthzPolicyEnforceSourcePrincipals (partial)"),
    beyond="Computes the effective mode per workload port (workload > namespace > mesh, "
    "portLevelMtls) and reports only the direction that is a bypass.",
    context=True,
)
def identity_without_strict(index: Index) -> Iterator[Hit]:
    for s in _policies(index):
        act = index.action(s)
        if act not in ("ALLOW", "DENY"):
            continue
        # The identity fields the policy sets anywhere: most blocks set none of them.
        fields = _NEGATED_IDENTITY_FIELDS if act == "ALLOW" else IDENTITY_FIELDS
        names = [field for field in fields if index.values(s, "from", field)]
        for r in index.rules(s):
            risky = _risky_identity_fields(r, act, names)
            if not risky:
                continue
            weak = _weak_ports(index, s, r)
            if weak:
                what = "admits plaintext" if act == "ALLOW" else "is skipped by plaintext"
                for field in risky:
                    yield Hit(
                        s,
                        f"{r.at}.{field}",
                        f"{act} on peer identity {what}: {', '.join(weak[:5])} not STRICT",
                    )


def _risky_identity_fields(r: WalkedRule, act: str, fields: list[str]) -> list[str]:
    out = []
    for bat, block in r.sources:
        for field in fields:
            if strings(block, field):
                out.append(f"{bat}.{field}")
    for cat, key, cond in r.conditions:
        if key in IDENTITY_KEYS:
            field = "notValues" if act == "ALLOW" else "values"
            if cond.get(field):
                out.append(f"{cat}.{field}")
    return out


@rule(
    "MW116",
    Severity.WARNING,
    title="HTTP-only fields in a DENY reach TCP ports",
    rationale="On a TCP port the HTTP-only fields are dropped from a DENY rule, which then denies "
    "all TCP traffic it otherwise matches (SEMANTICS §4.6; istio.io authz-tcp task).",
    fix="Limit the DENY with `ports` to the HTTP ports it is meant for.",
    peers=("istioctl analyze schema warning (A27)",),
    beyond="Uses the workloads' known port protocols, so it names the TCP ports that are hit "
    "(the webhook warns only when no port is given).",
    context=True,
)
def deny_http_on_tcp(index: Index) -> Iterator[Hit]:
    for s, at, _rule, tcp in _http_rules_on_tcp(index, "DENY"):
        yield Hit(s, at, f"denies every TCP connection to {', '.join(tcp[:5])}")


@rule(
    "MW117",
    Severity.WARNING,
    title="HTTP-only fields in an ALLOW for a TCP workload",
    rationale="On a TCP port an ALLOW rule with HTTP-only fields is dropped entirely, so it allows "
    "nothing there (SEMANTICS §4.6; CVE-2019-12243 shows the protocol decides which rules apply).",
    fix="Remove the HTTP fields from rules for TCP ports (or declare the port's protocol).",
    context=True,
)
def allow_http_on_tcp(index: Index) -> Iterator[Hit]:
    for s, at, r, tcp in _http_rules_on_tcp(index, "ALLOW"):
        limited = rule_ports(r)
        # Only when the rule can only ever see TCP: else it is a normal HTTP rule.
        if (limited is not None and len(tcp) == len(limited)) or _only_tcp(index, s, limited):
            yield Hit(s, at, f"never matches on TCP {', '.join(tcp[:5])}: allows nothing there")


def _only_tcp(index: Index, s: Subject, limited: set[int] | None) -> bool:
    ports = [
        p
        for w in index.selected_workloads(s)
        for p in w.ports
        if limited is None or p.port in limited
    ]
    return bool(ports) and all(p.protocol == "tcp" for p in ports)


def _http_rules_on_tcp(
    index: Index, wanted: str
) -> Iterator[tuple[Subject, str, WalkedRule, list[str]]]:
    if not index.known_workloads:
        return
    for s in _policies(index):
        if index.action(s) != wanted:
            continue
        workloads = index.selected_workloads(s)
        # Most policies select only HTTP ports: then no rule can reach TCP, whatever it sets.
        if not any(p.protocol == "tcp" for w in workloads for p in w.ports):
            continue
        for r in index.rules(s):
            http = uses_http_fields(r)
            if not http:
                continue
            limited = rule_ports(r)
            tcp = [
                f"{w.namespace}/{w.name}:{p.port}"
                for w in workloads
                for p in w.ports
                if p.protocol == "tcp" and (limited is None or p.port in limited)
            ]
            if tcp:
                yield s, f"{r.at}.{http[0]}", r, tcp


@rule(
    "MW118",
    Severity.WARNING,
    title="`hosts` without the port variant",
    rationale="`hosts` is compared with the whole `:authority`, port included, so `example.com` "
    f"does not match `example.com:8080`; a DENY is bypassed and an ALLOW is incomplete ({BEST}, "
    "'writing host match policies').",
    fix="List both forms: `[example.com, example.com:*]`.",
    beyond="No peer tool checks host forms.",
)
def hosts_without_port(index: Index) -> Iterator[Hit]:
    for s in _policies(index):
        if not (index.values(s, "to", "hosts") or index.values(s, "to", "notHosts")):
            continue
        for r in index.rules(s):
            for bat, block in r.operations:
                for name in ("hosts", "notHosts"):
                    values = set(strings(block, name))
                    for k, value in indexed(block, name):
                        if ":" in value or value.endswith("*") or f"{value}:*" in values:
                            continue
                        yield Hit(
                            s,
                            f"{r.at}.{bat}.{name}[{k}]",
                            f"{value!r} does not match {value}:<port>; add {value + ':*'!r}",
                        )


@rule(
    "MW119",
    Severity.WARNING,
    title="`hosts` enforced at a sidecar",
    rationale="At a sidecar the client chooses the Host header (and may call by IP), so `hosts` "
    f"is only meaningful at a gateway ({BEST}, 'writing host match policies').",
    fix="Move host matching to the gateway's policy; at sidecars match on source identity.",
    beyond="No peer tool checks where `hosts` is enforced.",
)
def hosts_at_sidecar(index: Index) -> Iterator[Hit]:
    for s in _policies(index):
        if not (index.values(s, "to", "hosts") or index.values(s, "to", "notHosts")):
            continue
        if is_gateway_selector(index.selector(s), s):
            continue
        for r in index.rules(s):
            for bat, block in r.operations:
                for name in ("hosts", "notHosts"):
                    if strings(block, name):
                        yield Hit(
                            s,
                            f"{r.at}.{bat}.{name}",
                            "host match at a sidecar: the client sets Host",
                        )


@rule(
    "MW120",
    Severity.ERROR,
    title="Method that never matches (lower-case or not an HTTP method)",
    rationale="`methods` is an exact, case-sensitive match on `:method`, so `get` never matches "
    "GET: an ALLOW grants nothing and a DENY denies nothing (SEMANTICS §4.3).",
    fix="Write methods in upper case (GET, POST, ...).",
    peers=("Kiali KIA0102",),
    beyond="Also covers notMethods; Kiali does not flag lower-case names.",
)
def bad_methods(index: Index) -> Iterator[Hit]:
    # Policies repeat a handful of method values thousands of times: decide each once.
    never: dict[str, bool] = {}
    for s in _policies(index):
        for name in ("methods", "notMethods"):
            for path, value in index.values(s, "to", name):
                if value not in never:
                    form = string_form(value)
                    never[value] = not any(form(m) for m in HTTP_METHODS)
                if never[value]:
                    yield Hit(s, path, f"{value!r} never matches a request method")


@rule(
    "MW121",
    Severity.ERROR,
    title="Policy left in dry-run",
    rationale="`istio.io/dry-run: true` evaluates the policy in shadow mode only: it enforces "
    "nothing (SEMANTICS §4.5).",
    fix="Remove the annotation once the shadow results are checked (or waive with an expiry).",
    beyond="No static checker flags dry-run policies (MESH-TOOLING §6).",
)
def dry_run(index: Index) -> Iterator[Hit]:
    for s in _policies(index):
        if not _enforced(index, s):
            yield Hit(
                s,
                "metadata.annotations.istio.io/dry-run",
                f"{index.action(s)} policy enforces nothing",
            )


@rule(
    "MW122",
    Severity.ERROR,
    title="CUSTOM names an extension provider the mesh config does not define",
    rationale="istiod turns a CUSTOM policy with an unknown provider into a DENY for the requests "
    "it matches (builder.go getBadCustomDenyRules; SEMANTICS §4.7), and no validator checks it.",
    fix="Define the provider under MeshConfig `extensionProviders`, or fix the name.",
    beyond="No peer tool checks provider existence; needs the mesh config in the input.",
    context=True,
)
def unknown_provider(index: Index) -> Iterator[Hit]:
    known = index.mesh.extension_providers
    if known is None or not index.settings.mesh_config_known:
        return
    for s in _policies(index):
        if index.action(s) != "CUSTOM":
            continue
        provider = spec(s).get("provider")
        name = provider.get("name") if isinstance(provider, Mapping) else None
        if isinstance(name, str) and name and name not in known:
            shown = ", ".join(sorted(known)) or "none"
            yield Hit(
                s, "spec.provider.name", f"provider {name!r} is not defined (defined: {shown})"
            )
