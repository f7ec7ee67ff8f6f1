"""AuthorizationPolicy rules compiled once into predicates over `Attributes` (SEMANTICS §4.3-§4.8).

A rule matches when some `from` entry, some `to` entry and every `when` condition match. Fields
that cannot be evaluated (HTTP-only fields on TCP, values istiod cannot translate) drop the whole
rule for ALLOW and only themselves for DENY/AUDIT/CUSTOM; an unsupported `when` key drops the
rule for every action.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from meshward.mesh.simulation.attributes import Attributes, Token
from meshward.mesh.simulation.matching import (
    SPIFFE,
    IpAddress,
    StrPredicate,
    UntranslatableError,
    alias_principals,
    alias_trust_domains,
    any_of,
    header_form,
    ip_block,
    namespace_form,
    path_forms,
    port_number,
    service_account_form,
    string_form,
    string_forms,
    trust_domain_form,
)
from meshward.mesh.simulation.scope import ObjectRef, as_mapping
from meshward.mesh.simulation.settings import MeshSettings

Probe = Callable[[Attributes], bool]
"""Whether the request attribute matches one of a field's values."""

_SOURCE_FIELDS = {
    "principals": "principal",
    "requestPrincipals": "requestPrincipal",
    "namespaces": "namespace",
    "serviceAccounts": "serviceAccount",
    "trustDomains": "trustDomain",
    "ipBlocks": "sourceIp",
    "remoteIpBlocks": "remoteIp",
}
_OPERATION_FIELDS = {"hosts": "host", "ports": "port", "methods": "method", "paths": "path"}
_WHEN_KEYS = {
    "source.ip": "sourceIp",
    "remote.ip": "remoteIp",
    "source.namespace": "namespace",
    "source.serviceAccount": "serviceAccount",
    "source.principal": "principal",
    "source.trustDomain": "trustDomain",
    "request.auth.principal": "requestPrincipal",
    "request.auth.audiences": "audience",
    "request.auth.presenter": "presenter",
    "destination.ip": "destinationIp",
    "destination.port": "port",
    "connection.sni": "sni",
}
_HTTP_ONLY = frozenset(
    {"requestPrincipal", "host", "method", "path", "header", "claim", "audience", "presenter"}
)
_HEADER_KEY = re.compile(r"request\.headers\[(.+)\]")
_CLAIM_KEY = re.compile(r"request\.auth\.claims((?:\[[^\[\]]+\])+)")
_EXPERIMENTAL_KEY = re.compile(r"experimental\.envoy\.filters\.[^\[]+\[.+\]")


def _strings(value: object) -> list[str]:
    # YAML may give ints for ports; anything that is not a list is treated as absent.
    if not isinstance(value, list):
        return []
    return [str(item) for item in value if item is not None]


def _not(name: str) -> str:
    return "not" + name[0].upper() + name[1:]


# --- probes --------------------------------------------------------------------------------


def _in_any(networks: Sequence[Any], address: IpAddress | None) -> bool:
    return address is not None and any(
        address.version == net.version and address in net for net in networks
    )


def request_principal_form(pattern: str) -> Callable[[Token], bool]:
    """A `requestPrincipals` value (generator.go `requestPrincipalGenerator`).

    `*` any token; `iss/*` that issuer, any subject; `*/sub` any issuer, that subject; anything
    else is a string form on `<iss>/<sub>`, so `foo*` is an issuer prefix and `*foo` a subject
    suffix (issuers may contain `/`, so the principal is split at the last one).
    """
    if pattern == "*":
        return lambda token: token.principal is not None
    if pattern.endswith("/*"):
        issuer = pattern[:-2]
        return lambda token: token.principal is not None and token.issuer == issuer
    if pattern.startswith("*/"):
        subject = pattern[2:]
        return lambda token: token.principal is not None and token.subject == subject
    whole = string_form(pattern)
    return lambda token: token.principal is not None and whole(token.principal)


def claim_strings(token: Token, path: Sequence[str]) -> list[str]:
    """String values of a (nested) claim: a string, or the strings of a list; `scope`,
    `permission` and `spaceDelimitedClaims` split on spaces. Numbers and booleans never match."""
    value: Any = token.claims
    for name in path:
        if not isinstance(value, Mapping):
            return []
        value = value.get(name)
    if isinstance(value, str):
        if len(path) == 1 and path[0] in token.space_delimited:
            return value.split()
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def _token_strings(getter: Callable[[Token], list[str]], values: list[str]) -> Probe:
    match = string_forms(values)

    def probe(attrs: Attributes) -> bool:
        return attrs.token is not None and any(match(s) for s in getter(attrs.token))

    return probe


def _peer(predicate: StrPredicate) -> Probe:
    return lambda attrs: attrs.peer is not None and predicate(attrs.peer)


def _probe(kind: str, arg: Any, values: list[str], namespace: str, settings: MeshSettings) -> Probe:
    """The probe for one field; raises `UntranslatableError` for values istiod would reject."""
    if kind == "principal":
        # `principal_form` of each value, as one set/prefix/suffix test.
        aliased = alias_principals(values, settings)
        return _peer(string_forms(v if v.startswith("*") else SPIFFE + v for v in aliased))
    if kind == "namespace":
        return _peer(any_of(namespace_form(v) for v in values))
    if kind == "serviceAccount":
        return _peer(any_of(service_account_form(v, namespace) for v in values))
    if kind == "trustDomain":
        return _peer(any_of(trust_domain_form(v) for v in alias_trust_domains(values, settings)))
    if kind in ("sourceIp", "remoteIp"):
        networks = [ip_block(v) for v in values]
        if kind == "sourceIp":
            return lambda attrs: _in_any(networks, attrs.source_ip)
        return lambda attrs: _in_any(networks, attrs.remote_ip)
    if kind == "port":
        ports = frozenset(port_number(v) for v in values)
        return lambda attrs: attrs.destination_port in ports
    if kind == "requestPrincipal":
        forms = [request_principal_form(v) for v in values]
        return lambda attrs: attrs.token is not None and any(f(attrs.token) for f in forms)
    if kind == "host":
        hosts = string_forms(values, ignore_case=True)
        return lambda attrs: attrs.host is not None and hosts(attrs.host)
    if kind == "method":
        methods = string_forms(values)
        return lambda attrs: attrs.method is not None and methods(attrs.method)
    if kind == "path":
        paths = path_forms(values)
        return lambda attrs: attrs.path is not None and paths(attrs.path)
    if kind == "header":
        header, name = any_of(header_form(v) for v in values), str(arg).lower()
        return lambda attrs: name in attrs.headers and header(attrs.headers[name])
    if kind == "claim":
        return _token_strings(lambda token: claim_strings(token, arg), values)
    if kind == "audience":
        return _token_strings(lambda token: claim_strings(token, ["aud"]), values)
    if kind == "presenter":
        return _token_strings(lambda token: claim_strings(token, ["azp"]), values)
    if kind == "destinationIp":
        for value in values:
            ip_block(value)
    # destination.ip, connection.sni and experimental.envoy.filters.* metadata are not part of
    # a simulated request: the attribute is absent, so values never match and notValues do.
    return lambda attrs: False


def probe_for(kind: str, values: list[str], namespace: str, settings: MeshSettings) -> Probe:
    """The probe the simulator uses for a source field of `kind` (`principal`, `namespace`,
    `serviceAccount`, `trustDomain`, …) with `values`, in a policy of `namespace`."""
    return _probe(kind, None, values, namespace, settings)


# --- checks and rules ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Check:
    """One field (or `when` condition) of a rule."""

    label: str
    """Where it is in the policy and what it lists, e.g. `from[0].source.principals=[...]`."""
    negated: bool
    """A `not...` field or `notValues`: matches when no value matches (also when absent)."""
    http_only: bool
    """Cannot be evaluated on a TCP connection."""
    probe: Probe | None
    """`None` when istiod could not translate the values."""
    problem: str = ""
    """Why `probe` is missing."""
    kind: str = ""
    """The request attribute the probe reads (`principal`, `path`, `method`, …)."""
    values: tuple[str, ...] = ()
    """The field's values as written."""

    def passes(self, attrs: Attributes) -> bool:
        """Whether the request satisfies this field."""
        assert self.probe is not None
        return self.probe(attrs) != self.negated


def _check(
    label: str,
    kind: str,
    arg: Any,
    values: list[str],
    negated: bool,
    namespace: str,
    settings: MeshSettings,
) -> Check:
    shown = label + "=" + str(values if len(values) <= 4 else [*values[:4], "..."])
    http_only, written = kind in _HTTP_ONLY, tuple(values)
    try:
        probe = _probe(kind, arg, values, namespace, settings)
    except UntranslatableError as exc:
        return Check(shown, negated, http_only, None, f"{label}: {exc}", kind, written)
    return Check(shown, negated, http_only, probe, "", kind, written)


def _field_checks(
    prefix: str, block: Mapping[str, Any], fields: Mapping[str, str], ns: str, s: MeshSettings
) -> tuple[Check, ...]:
    checks: list[Check] = []
    for name, kind in fields.items():
        for negated, key in ((False, name), (True, _not(name))):
            values = _strings(block.get(key))
            if values:
                checks.append(_check(f"{prefix}.{key}", kind, None, values, negated, ns, s))
    return tuple(checks)


def _when_kind(key: str) -> tuple[str, Any] | None:
    """(kind, argument) for a `when` key; raises `UntranslatableError` for a malformed map key;
    `None` for an unsupported key."""
    if key in _WHEN_KEYS:
        return _WHEN_KEYS[key], None
    if key.startswith("request.headers"):
        header = _HEADER_KEY.fullmatch(key)
        if header is None:
            raise UntranslatableError(f"malformed key {key!r}")
        return "header", header.group(1)
    if key.startswith("request.auth.claims"):
        claim = _CLAIM_KEY.fullmatch(key)
        if claim is None:
            raise UntranslatableError(f"malformed key {key!r}")
        return "claim", claim.group(1)[1:-1].split("][")
    if key.startswith("experimental.envoy.filters."):
        if _EXPERIMENTAL_KEY.fullmatch(key) is None:
            raise UntranslatableError(f"malformed key {key!r}")
        return "experimental", None
    return None


@dataclass(frozen=True, slots=True)
class UsableRule:
    """A rule as it is evaluated on one kind of connection (TCP or HTTP) for one kind of action
    (ALLOW or not): which of its checks can be used. Worked out once per rule and kind, so
    neither the traced nor the fast evaluation decides it per request."""

    skip: str | None
    """Why the whole rule is skipped (an unsupported `when` key; for ALLOW, the first field
    that cannot be evaluated), or `None`."""
    sources: tuple[Entry, ...] | None
    """The `from` entries without the dropped checks; `None` when `from` is absent."""
    operations: tuple[Entry, ...] | None
    """The `to` entries without the dropped checks; `None` when `to` is absent."""
    conditions: Entry
    """The `when` conditions without the dropped ones."""
    dropped: tuple[str, ...]
    """Labels of the checks dropped (DENY/AUDIT/CUSTOM ignore only the unusable field)."""


Entry = tuple[tuple[Probe, bool, "Check"], ...]
"""The usable checks of one `from`/`to` entry (or the `when` list) as (probe, negated, check)."""


def _failing(entry: Entry, attrs: Attributes) -> Check | None:
    """The first check of an entry the request does not satisfy, or `None` if it satisfies
    them all (`Check.passes` of each): the one matching step both evaluations share."""
    for probe, negated, check in entry:
        if probe(attrs) == negated:
            return check
    return None


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """One `rules[i]` entry."""

    index: int
    """Position in `rules`."""
    sources: tuple[tuple[Check, ...], ...] | None
    """One tuple per `from` entry; `None` when `from` is absent (any source)."""
    operations: tuple[tuple[Check, ...], ...] | None
    """One tuple per `to` entry; `None` when `to` is absent (any operation)."""
    conditions: tuple[Check, ...]
    """`when` entries."""
    unsupported_key: str | None = None
    """An unsupported `when` key: the rule is skipped for every action."""
    _usable: dict[tuple[bool, bool], UsableRule] = dataclasses.field(
        default_factory=dict, compare=False, repr=False
    )

    def checks(self) -> list[Check]:
        """Every field and condition of the rule."""
        return self._all_checks()

    def _all_checks(self) -> list[Check]:
        out = [c for group in (self.sources or ()) for c in group]
        out += [c for group in (self.operations or ()) for c in group]
        return out + list(self.conditions)

    def usable(self, tcp: bool, allow: bool) -> UsableRule:
        """The rule as evaluated on a TCP (or HTTP) request by an ALLOW (or other) policy."""
        key = (tcp, allow)
        found = self._usable.get(key)
        if found is None:
            found = self._usable[key] = self._new_usable(tcp, allow)
        return found

    def _new_usable(self, tcp: bool, allow: bool) -> UsableRule:
        if self.unsupported_key is not None:
            skip = f"skipped: unsupported when key {self.unsupported_key!r}"
            return UsableRule(skip, None, None, (), ())
        dropped: set[int] = set()
        labels: list[str] = []
        for check in self._all_checks():
            reason = _unusable(check, tcp)
            if reason is None:
                continue
            if allow:
                skip = f"skipped (ALLOW drops the whole rule): {reason}"
                return UsableRule(skip, None, None, (), ())
            dropped.add(id(check))
            labels.append(check.label)

        def kept(checks: tuple[Check, ...]) -> Entry:
            return tuple(
                (c.probe, c.negated, c) for c in checks if c.probe and id(c) not in dropped
            )

        return UsableRule(
            None,
            None if self.sources is None else tuple(kept(g) for g in self.sources),
            None if self.operations is None else tuple(kept(g) for g in self.operations),
            kept(self.conditions),
            tuple(labels),
        )

    def evaluate(self, attrs: Attributes, action: str) -> tuple[bool, str]:
        """Whether the rule matches, and why (or why not): `matches` with the explanation."""
        name = f"rules[{self.index}]"
        rule = self.usable(attrs.tcp, action == "ALLOW")
        if rule.skip is not None:
            return False, f"{name} {rule.skip}"
        for part, groups in (("from", rule.sources), ("to", rule.operations)):
            if groups is None:
                continue
            failures = [_failing(group, attrs) for group in groups]
            if all(f is not None for f in failures):
                shown = "; ".join(f.label for f in failures if f is not None)
                return False, f"{name}: no {part} entry matched ({shown})"
        failed = _failing(rule.conditions, attrs)
        if failed is not None:
            return False, f"{name}: condition {failed.label} not met"
        suffix = f" (ignored: {', '.join(rule.dropped)})" if rule.dropped else ""
        return True, f"{name} matched{suffix}"

    def matches(self, attrs: Attributes, action: str) -> bool:
        """Whether the rule matches, without explaining: the same steps as `evaluate`."""
        rule = self.usable(attrs.tcp, action == "ALLOW")
        return rule.skip is None and rule_matches(rule, attrs)


def rule_matches(rule: UsableRule, attrs: Attributes) -> bool:
    """Whether a rule that is not skipped matches: some `from` entry, some `to` entry and
    every condition without a failing check (`CompiledRule.matches` once the rule's usable
    checks are known)."""
    if rule.sources is not None:
        for entry in rule.sources:
            if _failing(entry, attrs) is None:
                break
        else:
            return False
    if rule.operations is not None:
        for entry in rule.operations:
            if _failing(entry, attrs) is None:
                break
        else:
            return False
    return _failing(rule.conditions, attrs) is None


def _port_entry(entry: Entry, on_port: Attributes) -> Entry | None:
    """`entry` with its port checks answered for `on_port`: `None` when one fails."""
    kept = []
    for probe, negated, check in entry:
        if check.kind != "port":
            kept.append((probe, negated, check))
        elif probe(on_port) == negated:
            return None
    return tuple(kept)


def _port_entries(entries: tuple[Entry, ...] | None, on_port: Attributes) -> Any:
    """`from`/`to` entries on one port: `None` (any) when one entry is left with no check,
    `()` when none can pass; else the entries that can."""
    if entries is None:
        return None
    out: list[Entry] = []
    for entry in entries:
        kept = _port_entry(entry, on_port)
        if kept == ():
            return None
        if kept is not None:
            out.append(kept)
    return tuple(out)


def port_rules(policy: CompiledPolicy, tcp: bool, port: int) -> tuple[UsableRule, ...]:
    """The rules of `policy` that can match a TCP (or HTTP) request on workload `port`, with
    their port checks (`ports`, `notPorts`, `destination.port`: the only ones reading the
    port, which is fixed per workload port) already answered, so that a request there
    evaluates only the rest. `rule_matches` on these gives what `policy.matches` gives."""
    on_port = Attributes(tcp=tcp, destination_port=port)
    allow = policy.action == "ALLOW"
    out: list[UsableRule] = []
    for rule in policy.rules:
        usable = rule.usable(tcp, allow)
        if usable.skip is not None:
            continue
        sources = _port_entries(usable.sources, on_port)
        operations = _port_entries(usable.operations, on_port)
        conditions = _port_entry(usable.conditions, on_port)
        if sources == () or operations == () or conditions is None:
            continue  # no entry (or not every condition) can pass on this port
        out.append(UsableRule(None, sources, operations, conditions, usable.dropped))
    return tuple(out)


def _unusable(check: Check, tcp: bool) -> str | None:
    if check.probe is None:
        return f"cannot be translated: {check.problem}"
    if tcp and check.http_only:
        return f"{check.label} is HTTP-only and the request is TCP"
    return None


def _clauses(
    entries: Any,
    key: str,
    inner: str,
    fields: Mapping[str, str],
    namespace: str,
    s: MeshSettings,
) -> tuple[tuple[Check, ...], ...] | None:
    """Compile the `from[].source` or `to[].operation` list of a rule; None when absent."""
    # `from: []` / `to: []` decode to "absent" in istiod (SEMANTICS §6.5).
    if not (isinstance(entries, list) and entries):
        return None
    return tuple(
        _field_checks(
            f"{key}[{i}].{inner}", as_mapping(as_mapping(e).get(inner)), fields, namespace, s
        )
        for i, e in enumerate(entries)
    )


def compile_rule(
    index: int, rule: Mapping[str, Any], namespace: str, s: MeshSettings
) -> CompiledRule:
    """Compile `rules[index]` of a policy in `namespace`."""
    sources = _clauses(rule.get("from"), "from", "source", _SOURCE_FIELDS, namespace, s)
    operations = _clauses(rule.get("to"), "to", "operation", _OPERATION_FIELDS, namespace, s)
    conditions: list[Check] = []
    when = rule.get("when")
    for j, condition in enumerate(when if isinstance(when, list) else []):
        condition = as_mapping(condition)
        key = str(condition.get("key", ""))
        label = f"when[{j}]({key})"
        try:
            found = _when_kind(key)
        except UntranslatableError as exc:
            # Malformed map keys fail translation: the condition counts as untranslatable.
            for negated, field in ((False, "values"), (True, "notValues")):
                if _strings(condition.get(field)):
                    http = key.startswith("request.")
                    conditions.append(Check(f"{label}.{field}", negated, http, None, str(exc)))
            continue
        if found is None:
            return CompiledRule(index, sources, operations, (), unsupported_key=key)
        kind, arg = found
        for negated, field in ((False, "values"), (True, "notValues")):
            values = _strings(condition.get(field))
            if values:
                conditions.append(
                    _check(f"{label}.{field}", kind, arg, values, negated, namespace, s)
                )
    return CompiledRule(index, sources, operations, tuple(conditions))


@dataclass(frozen=True, slots=True)
class CompiledPolicy:
    """An AuthorizationPolicy ready to evaluate."""

    ref: ObjectRef
    """The object."""
    action: str
    """`ALLOW` (default), `DENY`, `AUDIT` or `CUSTOM`; anything else is ignored."""
    provider: str | None
    """CUSTOM provider name."""
    rules: tuple[CompiledRule, ...]
    """Compiled rules; none means the policy never matches."""
    dry_run: bool = False
    """`istio.io/dry-run`: evaluated and reported, never enforced."""
    _usable: dict[bool, tuple[UsableRule, ...]] = dataclasses.field(
        default_factory=dict, compare=False, repr=False
    )

    def match(self, attrs: Attributes) -> tuple[bool, str]:
        """Whether any rule matches, and the explanation."""
        if not self.rules:
            return False, "no rules: never matches"
        reasons: list[str] = []
        for rule in self.rules:
            matched, why = rule.evaluate(attrs, self.action)
            if matched:
                return True, why
            reasons.append(why)
        return False, "; ".join(reasons)

    def matches(self, attrs: Attributes) -> bool:
        """Whether any rule matches (`match` without the explanation)."""
        rules = self._usable.get(attrs.tcp)
        if rules is None:
            allow = self.action == "ALLOW"
            usable = (rule.usable(attrs.tcp, allow) for rule in self.rules)
            rules = self._usable[attrs.tcp] = tuple(u for u in usable if u.skip is None)
        for rule in rules:  # noqa: SIM110 - a loop: no generator per decision
            if rule_matches(rule, attrs):
                return True
        return False


def compile_policy(ref: ObjectRef, settings: MeshSettings) -> CompiledPolicy:
    """Compile an AuthorizationPolicy."""
    spec = ref.spec
    action = spec.get("action") or "ALLOW"
    provider = as_mapping(spec.get("provider")).get("name")
    rules = spec.get("rules")
    compiled = tuple(
        compile_rule(i, rule, ref.namespace, settings)
        for i, rule in enumerate(rules if isinstance(rules, list) else [])
        # A null rule is rejected by the API server; skip it rather than fail.
        if isinstance(rule, Mapping)
    )
    return CompiledPolicy(
        ref, str(action), str(provider) if provider else None, compiled, ref.dry_run
    )
