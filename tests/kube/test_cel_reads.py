"""A CEL rule that reads only the presence of fields or the keys of a map `self` says so
(`Program.reads`), and its result is then the same for every map showing the same of them:
what lets the schema checker reuse its verdicts across a compiled mesh's many maps."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from meshward.kube.cel import CelError, compile_rule
from meshward.kube.schema import Checker, compile_schema

PRESENCE_OR_KEYS = [
    (
        "(has(self.selector) ? 1 : 0) + (has(self.targetRef) ? 1 : 0) <= 1",
        ("selector", "targetRef"),
        False,
    ),
    ("has(self.a) || has(self.b)", ("a", "b"), False),
    ('self.all(key, !key.contains("*"))', (), True),
    ("self.all(key, 0 < int(key) && int(key) <= 65535)", (), True),
    ("has(self.a) && self.exists(k, k.size() == 0)", ("a",), True),
    ("self.all(l1, self.exists_one(l2, l1 == l2))", (), True),
]
READS_MORE = [
    "self.size() == 0",
    '!self.contains("*")',
    "has(self.a) && self.a == 1",
    "has(self.a.b)",
    "self.map(k, k).size() == self.size()",
    "self.all(self, self.size() > 0)",  # the macro variable shadows `self`
    "[self].size() == 1",
    "{'k': self}.size() == 1",
    "self == {}",
]


@pytest.mark.parametrize(("rule", "fields", "keys"), PRESENCE_OR_KEYS)
def test_a_rule_reading_presence_or_keys_says_so(
    rule: str, fields: tuple[str, ...], keys: bool
) -> None:
    reads = compile_rule(rule).reads
    assert reads is not None
    assert (reads.fields, reads.keys) == (fields, keys)


@pytest.mark.parametrize("rule", READS_MORE)
def test_a_rule_reading_more_of_self_is_not_summarised(rule: str) -> None:
    assert compile_rule(rule).reads is None


def _maps() -> list[dict[Any, Any]]:
    keys: list[Any] = ["a", "b", "", "*", "8080", "x*", 1, True, 1.0]
    values: list[Any] = [1, "v", None, {"b": 2}]
    maps: list[dict[Any, Any]] = [{}]
    for size in (1, 2):
        for chosen in itertools.permutations(keys, size):
            for value in values:
                maps.append(dict.fromkeys(chosen, value))
    return maps


def _outcome(rule: str, value: Any) -> Any:
    try:
        return ("value", compile_rule(rule).evaluate(value))
    except CelError as exc:
        return ("error", str(exc))


@pytest.mark.parametrize("rule", [rule for rule, _, _ in PRESENCE_OR_KEYS])
def test_maps_showing_the_same_reads_get_the_same_result(rule: str) -> None:
    reads = compile_rule(rule).reads
    assert reads is not None
    seen: dict[Any, Any] = {}
    for value in _maps():
        outcome = _outcome(rule, value)
        assert seen.setdefault(reads.of(value), outcome) == outcome, value


def test_reused_verdicts_give_each_map_its_own_problems() -> None:
    raw = {
        "type": "object",
        "properties": {
            "labels": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "x-kubernetes-validations": [
                    {"rule": 'self.all(key, !key.contains("*"))', "message": "no wildcard"}
                ],
            },
            "a": {"type": "string"},
            "b": {"type": "string"},
        },
        "x-kubernetes-validations": [{"rule": "has(self.a) || has(self.b)"}],
    }
    values = [
        {"labels": {"app": "x"}, "a": "1"},
        {"labels": {"app": "y"}, "b": "2"},
        {"labels": {"*": "x"}},
        {"labels": {"app": "z", "*": "y"}, "a": "3"},
        {"labels": {"*": "z"}, "b": "4"},
        {"labels": {"app": "w"}},
    ]
    shared = Checker(compile_schema(raw))
    for value in values:
        fresh = Checker(compile_schema(raw))
        assert shared.problems(value) == fresh.problems(value)
    assert [p.path for p in shared.problems(values[2])] == ["labels", ""]


@pytest.mark.parametrize(
    "rules",
    [
        # The same summary for both (a selector's two rules): remembered together.
        ['self.all(key, !key.contains("*"))', "self.all(key, key.size() != 0)"],
        # Different summaries, and a rule with none: each rule on its own.
        ["has(self.a) || has(self.b)", 'self.all(key, !key.contains("*"))'],
        ["has(self.a)", "self.size() < 2"],
    ],
)
def test_a_nodes_rules_remembered_together_decide_as_each_rule_does(rules: list[str]) -> None:
    raw = {
        "type": "object",
        "x-kubernetes-preserve-unknown-fields": True,
        "x-kubernetes-validations": [{"rule": rule} for rule in rules],
    }
    shared = Checker(compile_schema(raw))  # its remembered answers grow over the maps
    for value in _maps():
        found = Checker(compile_schema(raw)).walked_problems(value)
        assert shared.is_clean(value) == (not found), (value, found)
