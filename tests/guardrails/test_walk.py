"""Walking an AuthorizationPolicy once gives the parts the lenient walkers give one by one."""

from __future__ import annotations

from typing import Any

from meshward.guardrails.index import Index, Inventory, Settings, subject_of
from meshward.guardrails.walk import (
    blocks,
    conditions,
    rule_ports,
    rules,
    selector_labels,
    walk_policy,
    walk_rules,
)

POLICY: dict[str, Any] = {
    "apiVersion": "security.istio.io/v1",
    "kind": "AuthorizationPolicy",
    "metadata": {"name": "p", "namespace": "team"},
    "spec": {
        "action": "DENY",
        "rules": [
            {
                "from": [{"source": {"principals": ["a"]}}, "not-a-mapping"],
                "to": [{"operation": {"ports": ["8080", "x"]}}],
                "when": [{"key": "source.namespace", "values": ["b"]}],
            },
            "skipped",
            {"to": [{"operation": {"methods": ["GET"]}}]},
        ],
    },
}


def test_walked_rules_hold_what_rules_blocks_and_conditions_yield() -> None:
    subject = subject_of(POLICY)
    walked = walk_rules(subject)
    assert [(r.at, r.rule) for r in walked] == list(rules(subject))
    for r in walked:
        assert list(r.sources) == list(blocks(r.rule, "from"))
        assert list(r.operations) == list(blocks(r.rule, "to"))
        assert list(r.conditions) == list(conditions(r.rule))
    assert [r.at for r in walked] == ["spec.rules[0]", "spec.rules[2]"]
    assert walked[0].sources[1] == ("from[1].source", {})


def test_rule_ports_limits_only_when_every_operation_names_ports() -> None:
    first, second = walk_rules(subject_of(POLICY))
    assert rule_ports(first) == {8080}
    assert rule_ports(second) is None


def test_index_answers_for_policies_outside_it_too() -> None:
    inside, outside = subject_of(POLICY), subject_of({**POLICY, "spec": {"action": "AUDIT"}})
    index = Index([inside], Inventory(), Settings())
    assert index.action(inside) == "DENY"
    assert index.rules(inside) == walk_rules(inside)
    assert index.action(outside) == "AUDIT"
    assert index.rules(outside) == ()


def test_policy_values_are_located_by_side_and_field_in_document_order() -> None:
    walked = walk_policy(subject_of(POLICY))
    assert walked.action == "DENY"
    assert walked.values == {
        ("from", "principals"): (("spec.rules[0].from[0].source.principals[0]", "a"),),
        ("to", "ports"): (
            ("spec.rules[0].to[0].operation.ports[0]", "8080"),
            ("spec.rules[0].to[0].operation.ports[1]", "x"),
        ),
        ("when", "source.namespace"): (("spec.rules[0].when[0].values[0]", "b"),),
        ("to", "methods"): (("spec.rules[2].to[0].operation.methods[0]", "GET"),),
    }


def test_non_string_entries_and_unset_fields_have_no_values() -> None:
    policy = {**POLICY, "spec": {"rules": [{"to": [{"operation": {"hosts": [1, None, "h"]}}]}]}}
    subject = subject_of(policy)
    index = Index([subject], Inventory(), Settings())
    assert index.values(subject, "to", "hosts") == (
        ("spec.rules[0].to[0].operation.hosts[2]", "h"),
    )
    assert index.values(subject, "to", "paths") == ()
    assert index.action(subject) == "ALLOW"


def test_index_selector_is_the_spec_selector_for_security_objects_and_others() -> None:
    selected = {**POLICY, "spec": {"selector": {"matchLabels": {"app": "a", "n": 1}}}}
    other = {"apiVersion": "v1", "kind": "Service", "spec": {"selector": {"matchLabels": {}}}}
    subjects = [subject_of(selected), subject_of(POLICY), subject_of(other)]
    index = Index(subjects, Inventory(), Settings())
    assert [index.selector(s) for s in subjects] == [{"app": "a", "n": "1"}, None, None]
    assert [index.selector(s) for s in subjects] == [selector_labels(s) for s in subjects]
