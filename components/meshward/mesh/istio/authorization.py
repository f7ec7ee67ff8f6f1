"""AuthorizationPolicy (security.istio.io/v1): the typed model and rules A1–A27.

Field meanings follow the Istio API; what matters for admission is SEMANTICS.md §2.3. The
checks deliberately accept everything istiod accepts (e.g. lower-case methods, paths without a
leading `/`, `spiffe://` principals): flagging risky-but-valid values is the guardrails' job.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from typing import Literal

from pydantic import Field, StrictStr

from meshward.mesh.istio import formats
from meshward.mesh.istio._base import IstioModel
from meshward.mesh.istio.envelope import IstioObjectBase
from meshward.mesh.istio.metadata import check_metadata
from meshward.mesh.istio.problems import Findings
from meshward.mesh.istio.selector import (
    PolicyTargetReference,
    WorkloadSelector,
    check_attachment,
)

StrList = tuple[StrictStr, ...]
MAX_RULES = 512
MAX_FROM = 512


class Action(StrEnum):
    """What a matching request gets; absent means ALLOW."""

    ALLOW = "ALLOW"
    DENY = "DENY"
    AUDIT = "AUDIT"
    CUSTOM = "CUSTOM"


class ExtensionProvider(IstioModel):
    """The MeshConfig extension provider a CUSTOM policy delegates to."""

    name: StrictStr | None = None
    """Provider name from MeshConfig `extensionProviders` (not checked by istiod)."""


class Source(IstioModel):
    """Request origin; set fields are ANDed, values of one field ORed."""

    principals: StrList | None = None
    """Peer identities `<td>/ns/<ns>/sa/<sa>` (mTLS)."""
    not_principals: StrList | None = None
    """Negative match of principals."""
    request_principals: StrList | None = None
    """JWT `<iss>/<sub>` (HTTP only)."""
    not_request_principals: StrList | None = None
    """Negative match of request principals."""
    namespaces: StrList | None = None
    """Peer namespaces (mTLS)."""
    not_namespaces: StrList | None = None
    """Negative match of namespaces."""
    service_accounts: StrList | None = None
    """Peer service accounts, `sa` (policy namespace) or `ns/sa` (mTLS)."""
    not_service_accounts: StrList | None = None
    """Negative match of service accounts."""
    trust_domains: StrList | None = None
    """Peer trust domains (mTLS)."""
    not_trust_domains: StrList | None = None
    """Negative match of trust domains."""
    ip_blocks: StrList | None = None
    """Direct peer IPs or CIDRs."""
    not_ip_blocks: StrList | None = None
    """Negative match of IP blocks."""
    remote_ip_blocks: StrList | None = None
    """Original client IPs or CIDRs (X-Forwarded-For / PROXY protocol)."""
    not_remote_ip_blocks: StrList | None = None
    """Negative match of remote IP blocks."""


class Operation(IstioModel):
    """Request target; set fields are ANDed, values of one field ORed."""

    hosts: StrList | None = None
    """`:authority` values (HTTP only, case-insensitive)."""
    not_hosts: StrList | None = None
    """Negative match of hosts."""
    ports: StrList | None = None
    """Workload ports, as decimal strings."""
    not_ports: StrList | None = None
    """Negative match of ports."""
    methods: StrList | None = None
    """HTTP methods (HTTP only, case-sensitive)."""
    not_methods: StrList | None = None
    """Negative match of methods."""
    paths: StrList | None = None
    """Normalized paths without query (HTTP only), optionally `{*}`/`{**}` templates."""
    not_paths: StrList | None = None
    """Negative match of paths."""


class RuleFrom(IstioModel):
    """One alternative request origin."""

    source: Source | None = None
    """Required by istiod (A9)."""


class RuleTo(IstioModel):
    """One alternative request target."""

    operation: Operation | None = None
    """Required by istiod (A17)."""


class Condition(IstioModel):
    """An extra attribute match (`when`), ANDed with the rule's from/to."""

    key: StrictStr
    """Attribute name, e.g. `request.auth.claims[groups]` (list in SEMANTICS.md §2.6)."""
    values: StrList | None = None
    """Accepted values (any may match)."""
    not_values: StrList | None = None
    """Rejected values."""


class Rule(IstioModel):
    """Matches when one `from`, one `to` and every `when` matches; `{}` matches everything."""

    from_: tuple[RuleFrom, ...] | None = Field(default=None, alias="from")
    """Alternative sources; absent means any."""
    to: tuple[RuleTo, ...] | None = None
    """Alternative operations; absent means any."""
    when: tuple[Condition, ...] | None = None
    """Conditions that must all hold."""


class AuthorizationPolicySpec(IstioModel):
    """What an AuthorizationPolicy selects and does."""

    selector: WorkloadSelector | None = None
    """Workloads by label; absent means every workload in the namespace (or mesh)."""
    target_ref: PolicyTargetReference | None = None
    """Single attachment target (prefer `targetRefs`)."""
    target_refs: tuple[PolicyTargetReference, ...] | None = None
    """Gateway/waypoint attachment targets."""
    action: Action | None = None
    """ALLOW (default), DENY, AUDIT or CUSTOM."""
    provider: ExtensionProvider | None = None
    """CUSTOM only: the external authorizer."""
    rules: tuple[Rule, ...] | None = None
    """Any rule matching makes the policy match; none means match nothing (ALLOW: deny all)."""


class AuthorizationPolicy(IstioObjectBase):
    """A `security.istio.io` AuthorizationPolicy."""

    KIND = "AuthorizationPolicy"
    kind: Literal["AuthorizationPolicy"] = "AuthorizationPolicy"
    """Always `AuthorizationPolicy`."""
    spec: AuthorizationPolicySpec | None = None
    """The policy; absent behaves like `{}` (allow nothing)."""

    def _check(self, out: Findings, *, decoded: bool) -> None:
        spec = self.spec or AuthorizationPolicySpec()
        check_metadata(self.metadata, self.KIND, spec.action, "metadata", out)
        check_authorization_spec(spec, "spec", out, decoded=decoded)


# Source fields istiod rejects in CUSTOM rules (A3): CUSTOM runs before authentication, and
# identity-based matching is not wired into the ext_authz filter.
_CUSTOM_UNSUPPORTED_SOURCE = (
    "namespaces",
    "not_namespaces",
    "service_accounts",
    "not_service_accounts",
    "trust_domains",
    "not_trust_domains",
    "principals",
    "not_principals",
    "request_principals",
    "not_request_principals",
)
_CUSTOM_UNSUPPORTED_KEYS = (
    "source.namespace",
    "source.serviceAccount",
    "source.trustDomain",
    "source.principal",
)
# Fields that make a DENY rule evaluable on TCP (A27); trust domains are not counted by istiod.
_TCP_SOURCE_FIELDS = (
    "principals",
    "not_principals",
    "namespaces",
    "not_namespaces",
    "service_accounts",
    "not_service_accounts",
    "ip_blocks",
    "not_ip_blocks",
    "remote_ip_blocks",
    "not_remote_ip_blocks",
)


@cache
def _alias(model: type[IstioModel], attribute: str) -> str:
    # Cached: pydantic's model_fields lookup is slow, and every source/operation asks.
    return model.model_fields[attribute].alias or attribute


def check_authorization_spec(
    spec: AuthorizationPolicySpec, path: str, out: Findings, *, decoded: bool
) -> None:
    """S1–S4, T1–T3, A1–A27 and the CRD rules C1–C7 for one spec."""
    check_attachment(spec.selector, spec.target_ref, spec.target_refs, path, out)
    action = spec.action or Action.ALLOW
    rules = spec.rules or ()
    if action is Action.CUSTOM:
        if not rules:
            out.error(
                f"{path}.rules",
                "CUSTOM action without rules is never triggered; add an empty rule {} "
                "to send every request to the provider",
                "A1",
            )
        elif spec.provider is None or not spec.provider.name:
            out.error(f"{path}.provider.name", "CUSTOM action requires a provider name", "A2")
    elif spec.provider is not None:
        out.error(f"{path}.provider", f"provider is only allowed with CUSTOM, not {action}", "A5")
    if action is Action.DENY and not rules:
        out.error(f"{path}.rules", "DENY action requires at least one rule", "A6")
    if len(rules) > MAX_RULES:
        out.error(f"{path}.rules", f"more than {MAX_RULES} rules", "C5")
    for index, rule in enumerate(rules):
        _check_rule(rule, action, f"{path}.rules[{index}]", out, decoded=decoded)


def _check_rule(rule: Rule, action: Action, path: str, out: Findings, *, decoded: bool) -> None:
    # A YAML `from: []` reaches istiod as an absent list (its decoder only appends), so only
    # objects built in code can trip A8/A16; there it almost always means "forgot to fill in".
    if rule.from_ is not None and not rule.from_ and not decoded:
        out.error(f"{path}.from", "from must not be an empty list (omit it to match any)", "A8")
    if rule.to is not None and not rule.to and not decoded:
        out.error(f"{path}.to", "to must not be an empty list (omit it to match any)", "A16")
    froms = rule.from_ or ()
    if len(froms) > MAX_FROM:
        out.error(f"{path}.from", f"more than {MAX_FROM} sources", "C5")
    # Items' paths are built only for a problem: at 5,000 workloads about 27,000 items pass.
    for index, item in enumerate(froms):
        if item.source is None:
            out.error(f"{path}.from[{index}]", "source is required", "A9")
        else:
            _check_source(item.source, action, path, index, out)
    for index, target in enumerate(rule.to or ()):
        if target.operation is None:
            out.error(f"{path}.to[{index}]", "operation is required", "A17")
        else:
            _check_operation(target.operation, path, index, out)
    for index, condition in enumerate(rule.when or ()):
        _check_condition(condition, action, f"{path}.when[{index}]", out)
    if action is Action.DENY:
        _warn_tcp_deny(rule, path, out)


# (attribute, camelCase key) per field, in declaration order (the order problems are
# reported in); looked up once, not per source/operation (compiled meshes check ~10,000).
_SOURCE_FIELDS = tuple((name, _alias(Source, name)) for name in Source.model_fields)
_OPERATION_FIELDS = tuple((name, _alias(Operation, name)) for name in Operation.model_fields)
_ACCOUNT_FIELDS = frozenset({"service_accounts", "not_service_accounts"})
_IDENTITY_FIELDS = frozenset({"principals", "not_principals", "namespaces", "not_namespaces"})
_TRUST_DOMAIN_FIELDS = frozenset({"trust_domains", "not_trust_domains"})


def _check_source(source: Source, action: Action, rule: str, index: int, out: Findings) -> None:
    """A9–A15/C6 for `{rule}.from[{index}].source`."""

    def at(alias: str = "") -> str:
        # Paths are built only for a problem: about 13,000 sources pass at 5,000 workloads.
        return f"{rule}.from[{index}].source{'.' if alias else ''}{alias}"

    fields = source.__dict__  # a pydantic model's field values (getattr costs more)
    present = [
        (name, alias, value)
        for name, alias in _SOURCE_FIELDS
        if (value := fields[name]) is not None
    ]
    if not any(value for _, _, value in present):
        out.error(at(), "source must set at least one field", "A10")
    # The CEL rule uses has(), so even an empty serviceAccounts list conflicts.
    has = {name for name, _, _ in present}
    if has & _ACCOUNT_FIELDS and has & _IDENTITY_FIELDS:
        out.error(at(), "cannot set serviceAccounts with namespaces or principals", "A11/C6")
    if action is Action.CUSTOM:
        for name in _CUSTOM_UNSUPPORTED_SOURCE:
            if getattr(source, name):
                out.error(at(_alias(Source, name)), "not supported with CUSTOM action", "A3")
    for name, alias, values in present:
        if not values:
            continue
        if name in _ACCOUNT_FIELDS:
            if len(values) > formats.MAX_SERVICE_ACCOUNTS:
                out.error(
                    at(alias), f"at most {formats.MAX_SERVICE_ACCOUNTS} service accounts", "A14/C6"
                )
            for i, value in enumerate(values):
                if problem := formats.service_account_problem(value):
                    too_long = len(value) > formats.MAX_SERVICE_ACCOUNT_LENGTH
                    out.error(f"{at(alias)}[{i}]", problem, "A14/C6" if too_long else "A14")
            continue
        if name in _TRUST_DOMAIN_FIELDS:
            for i, value in enumerate(values):
                if problem := formats.trust_domain_problem(value):
                    out.error(f"{at(alias)}[{i}]", problem, "A15")
            continue
        is_ip = name.endswith("ip_blocks")
        if not is_ip and all(values):
            continue  # the usual case: these values need only be non-empty
        for i, value in enumerate(values):
            if not value:
                out.error(f"{at(alias)}[{i}]", "must not be empty", "A13")
            elif is_ip and (problem := formats.ip_or_cidr_problem(value)):
                out.error(f"{at(alias)}[{i}]", problem, "A12")


def _check_operation(operation: Operation, rule: str, index: int, out: Findings) -> None:
    """A18–A21 for `{rule}.to[{index}].operation` (its paths built only for a problem)."""
    fields = operation.__dict__  # a pydantic model's field values (getattr costs more)
    present = [
        (name, alias, values) for name, alias in _OPERATION_FIELDS if (values := fields[name])
    ]
    if not present:
        out.error(f"{rule}.to[{index}].operation", "operation must set at least one field", "A18")
    for name, alias, values in present:
        is_port, is_path = name.endswith("ports"), name.endswith("paths")
        if not (is_port or is_path) and all(values):
            continue  # the usual case: these values need only be non-empty
        for i, value in enumerate(values):
            if not value:
                out.error(_operation_at(rule, index, alias, i), "must not be empty", "A20")
            elif is_port and (problem := formats.port_problem(value)):
                out.error(_operation_at(rule, index, alias, i), problem, "A19")
            elif is_path and (problem := formats.path_template_problem(value)):
                out.error(_operation_at(rule, index, alias, i), problem, "A21")


def _operation_at(rule: str, index: int, alias: str, i: int) -> str:
    return f"{rule}.to[{index}].operation.{alias}[{i}]"


def _check_condition(condition: Condition, action: Action, path: str, out: Findings) -> None:
    key = condition.key
    if not key:
        out.error(f"{path}.key", "key must not be empty", "A22")
        return
    if not condition.values and not condition.not_values:
        out.error(path, f"at least one of values or notValues must be set for {key}", "A23")
    if key_problem := when_key_problem(key):
        # A malformed map-style key is a value-format rule (A26); anything else is A24.
        out.error(f"{path}.key", key_problem, "A26" if key.startswith(MAP_KEY_PREFIXES) else "A24")
    elif action is Action.CUSTOM and (
        key in _CUSTOM_UNSUPPORTED_KEYS or key.startswith("request.auth.")
    ):
        out.error(f"{path}.key", f"{key} is not supported with CUSTOM action", "A4")
    for attribute, alias in (("values", "values"), ("not_values", "notValues")):
        values: tuple[str, ...] = getattr(condition, attribute) or ()
        for i, value in enumerate(values):
            at = f"{path}.{alias}[{i}]"
            if not value:
                out.error(at, "must not be empty", "A25")
            elif (problem := when_value_problem(key, value)) is not None:
                out.error(at, problem, "A26")
    if key == "source.serviceAccount":
        for alias, listed in (("values", condition.values), ("notValues", condition.not_values)):
            if listed and len(listed) > formats.MAX_SERVICE_ACCOUNTS:
                out.error(
                    f"{path}.{alias}",
                    f"at most {formats.MAX_SERVICE_ACCOUNTS} service accounts",
                    "A26",
                )


#: `when` keys accepted as-is (SEMANTICS.md §2.6), besides the map-style prefixes below.
PLAIN_KEYS = frozenset(
    {
        "source.ip",
        "remote.ip",
        "source.namespace",
        "source.serviceAccount",
        "source.principal",
        "source.trustDomain",
        "request.auth.principal",
        "request.auth.audiences",
        "request.auth.presenter",
        "destination.ip",
        "destination.port",
        "connection.sni",
    }
)
#: Map-style key prefixes; istiod matches them as plain string prefixes (so `request.headersX[y]`
#: passes validation, and fails only at translation time).
MAP_KEY_PREFIXES = ("request.headers", "request.auth.claims", "experimental.envoy.filters.")


def when_key_problem(key: str) -> str | None:
    """Why istiod rejects a `when` key (A24/A26 key form), or None."""
    if key.startswith(MAP_KEY_PREFIXES):
        opening = key.find("[")
        if key.endswith("]") and 0 < opening < len(key) - 2:
            return None
        return f"bad key {key!r}: should have format a[b]"
    if key in PLAIN_KEYS:
        return None
    if key == "destination.namespace":
        return "destination.namespace is replaced by metadata.namespace"
    if key.startswith("destination.labels"):
        return "destination.labels is replaced by the workload selector"
    if key in {"destination.name", "destination.user"}:
        return f"{key} is only supported in v1alpha1"
    return f"unknown attribute {key!r}"


def when_value_problem(key: str, value: str) -> str | None:
    """Why istiod rejects a non-empty `when` value for this key (A26), or None."""
    if key in {"source.ip", "remote.ip", "destination.ip"}:
        return formats.ip_or_cidr_problem(value)
    if key == "destination.port":
        return formats.port_problem(value)
    if key == "source.serviceAccount":
        return formats.service_account_problem(value)
    if key == "source.trustDomain":
        # Only the wildcard rule: istiod does not apply the no-`/` rule to this key.
        return formats.wildcard_problem(value)
    return None


def _warn_tcp_deny(rule: Rule, path: str, out: Findings) -> None:
    message = (
        "this DENY rule uses only HTTP attributes, so it will deny all traffic to TCP ports "
        "under its scope; explicitly specify the port"
    )
    if rule.from_ and not rule.to:
        tcp = any(
            item.source is not None
            and any(getattr(item.source, name) for name in _TCP_SOURCE_FIELDS)
            for item in rule.from_
        )
        if not tcp:
            out.warn(path, message, "A27")
    elif rule.to:
        ported = any(
            item.operation is not None and (item.operation.ports or item.operation.not_ports)
            for item in rule.to
        )
        if not ported:
            out.warn(path, message, "A27")
