"""Lenient traversal of AuthorizationPolicy specs with field paths (manifests are not trusted:
a malformed part is skipped here and reported by `meshward validate`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from meshward.guardrails.model import Subject
from meshward.mesh.simulation.scope import as_mapping

IDENTITY_FIELDS = ("principals", "namespaces", "serviceAccounts", "trustDomains")
"""Source fields matched against the mTLS peer identity (SEMANTICS §4.4)."""
IDENTITY_KEYS = (
    "source.principal",
    "source.namespace",
    "source.serviceAccount",
    "source.trustDomain",
)
HTTP_OPERATION_FIELDS = ("hosts", "methods", "paths")
HTTP_SOURCE_FIELDS = ("requestPrincipals",)
HTTP_KEY_PREFIXES = ("request.headers", "request.auth.")
PATH_FIELDS = ("paths",)


def spec(subject: Subject) -> Mapping[str, Any]:
    """The object's spec (empty when absent or malformed)."""
    return as_mapping(subject.doc.get("spec"))


def action(subject: Subject) -> str:
    """The AuthorizationPolicy action; unset is ALLOW."""
    value = spec(subject).get("action")
    return str(value) if value else "ALLOW"


def rules(subject: Subject) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(`spec.rules[i]`, rule) for every mapping rule."""
    raw = spec(subject).get("rules")
    for i, item in enumerate(raw if isinstance(raw, list) else []):
        if isinstance(item, Mapping):
            yield f"spec.rules[{i}]", item


def blocks(rule: Mapping[str, Any], side: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(`from[j].source` | `to[j].operation`, block) of a rule; `side` is `from` or `to`."""
    inner = "source" if side == "from" else "operation"
    raw = rule.get(side)
    for j, item in enumerate(raw if isinstance(raw, list) else []):
        block = as_mapping(as_mapping(item).get(inner))
        yield f"{side}[{j}].{inner}", block


def strings(block: Mapping[str, Any], name: str) -> list[str]:
    """A string-list field (non-strings dropped)."""
    raw = block.get(name)
    return [v for v in raw if isinstance(v, str)] if isinstance(raw, list) else []


def indexed(block: Mapping[str, Any], name: str) -> list[tuple[int, str]]:
    """(position, value) of a string-list field."""
    # A list, not a generator: rules ask for many fields a block does not set, and an early
    # empty answer costs a fraction of a generator's setup.
    raw = block.get(name)
    if not isinstance(raw, list):
        return []
    return [(k, v) for k, v in enumerate(raw) if isinstance(v, str)]


def conditions(rule: Mapping[str, Any]) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """(`when[k]`, key, condition) of a rule."""
    raw = rule.get("when")
    for k, item in enumerate(raw if isinstance(raw, list) else []):
        cond = as_mapping(item)
        yield f"when[{k}]", str(cond.get("key") or ""), cond


@dataclass(frozen=True, slots=True)
class WalkedRule:
    """One AuthorizationPolicy rule with its blocks and conditions, walked once per run: a
    dozen guardrails read the same parts of every policy (`Index.rules`)."""

    at: str
    """`spec.rules[i]`."""
    rule: Mapping[str, Any]
    sources: tuple[tuple[str, Mapping[str, Any]], ...]
    """(`from[j].source`, block), as `blocks(rule, "from")`."""
    operations: tuple[tuple[str, Mapping[str, Any]], ...]
    """(`to[j].operation`, block), as `blocks(rule, "to")`."""
    conditions: tuple[tuple[str, str, Mapping[str, Any]], ...]
    """(`when[k]`, key, condition), as `conditions(rule)`."""


def walk_rules(subject: Subject) -> tuple[WalkedRule, ...]:
    """Every mapping rule of an AuthorizationPolicy with its parts (`rules`, `blocks`,
    `conditions` at once)."""
    return tuple(
        WalkedRule(at, r, tuple(blocks(r, "from")), tuple(blocks(r, "to")), tuple(conditions(r)))
        for at, r in rules(subject)
    )


Located = tuple[tuple[str, str], ...]
"""(field path, value) pairs, e.g. (`spec.rules[0].from[0].source.principals[1]`, `a/b`)."""


@dataclass(frozen=True, slots=True)
class WalkedPolicy:
    """An AuthorizationPolicy walked once per run (`Index.policy`)."""

    action: str
    rules: tuple[WalkedRule, ...]
    values: Mapping[tuple[str, str], Located]
    """Every string of the rules' list fields, each in document order, by (`from`, field) for
    sources, (`to`, field) for operations and (`when`, key) for the `values` and `notValues`
    of conditions on `key`: rules look up the few fields they check instead of walking every
    block for each."""


def walk_policy(subject: Subject) -> WalkedPolicy:
    """An AuthorizationPolicy's action, rules and located string values."""
    walked = walk_rules(subject)
    values: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for r in walked:
        for side, parts in (("from", r.sources), ("to", r.operations)):
            for at, block in parts:
                for name, raw in block.items():
                    if isinstance(name, str) and isinstance(raw, list):
                        located = values.setdefault((side, name), [])
                        located += [
                            (f"{r.at}.{at}.{name}[{k}]", value)
                            for k, value in enumerate(raw)
                            if isinstance(value, str)
                        ]
        for at, key, cond in r.conditions:
            for name in ("values", "notValues"):
                for k, value in indexed(cond, name):
                    located = values.setdefault(("when", key), [])
                    located.append((f"{r.at}.{at}.{name}[{k}]", value))
    return WalkedPolicy(
        action(subject), walked, {where: tuple(found) for where, found in values.items() if found}
    )


def not_name(name: str) -> str:
    """`paths` → `notPaths`."""
    return "not" + name[0].upper() + name[1:]


_HTTP_OPERATION_NAMES = tuple(f for name in HTTP_OPERATION_FIELDS for f in (name, not_name(name)))
_HTTP_SOURCE_NAMES = tuple(f for name in HTTP_SOURCE_FIELDS for f in (name, not_name(name)))


def uses_http_fields(rule: WalkedRule) -> list[str]:
    """Paths (relative to the rule) of the HTTP-only fields it sets (SEMANTICS §4.6)."""
    found = []
    for at, block in rule.operations:
        for field in _HTTP_OPERATION_NAMES:
            if strings(block, field):
                found.append(f"{at}.{field}")
    for at, block in rule.sources:
        for field in _HTTP_SOURCE_NAMES:
            if strings(block, field):
                found.append(f"{at}.{field}")
    for at, key, _ in rule.conditions:
        if key.startswith(HTTP_KEY_PREFIXES):
            found.append(f"{at}.key")
    return found


def rule_ports(rule: WalkedRule) -> set[int] | None:
    """Ports a rule is limited to (every `to` entry names `ports`), `None` when unlimited."""
    limited: set[int] = set()
    if not rule.operations:
        return None
    for _, block in rule.operations:
        ports = strings(block, "ports")
        if not ports:
            return None
        limited.update(int(p) for p in ports if p.isdecimal())
    return limited


def selector_labels(subject: Subject) -> dict[str, str] | None:
    """`spec.selector.matchLabels`, `None` when absent or empty."""
    labels = as_mapping(as_mapping(spec(subject).get("selector")).get("matchLabels"))
    return {str(k): str(v) for k, v in labels.items()} or None


def annotation(subject: Subject, key: str) -> Any:
    """A metadata annotation value, `None` when absent."""
    return as_mapping(as_mapping(subject.doc.get("metadata")).get("annotations")).get(key)


def is_gateway_selector(labels: Mapping[str, str] | None, subject: Subject) -> bool:
    """Whether a policy is enforced at a gateway (ingress/egress or Gateway API), not a sidecar."""
    if spec(subject).get("targetRef") or spec(subject).get("targetRefs"):
        return True
    if not labels:
        return False
    if "gateway.networking.k8s.io/gateway-name" in labels:
        return True
    istio = labels.get("istio", "") + labels.get("app", "")
    return "gateway" in istio
