"""Junctor branches made only of `required` (Istio's "at most one of" idiom) are decided by a
prebuilt predicate; it gives the general value-only walk's verdict on every value."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from meshward.kube import schema as schema_module
from meshward.kube.schema import Schema, compile_schema

FIELDS = ("a", "b", "c")


def _branches() -> Iterator[dict[str, Any]]:
    requireds = [{"required": [f]} for f in FIELDS] + [{"required": ["a", "b"]}, {}]
    yield from requireds
    for left, right in itertools.combinations(requireds, 2):
        yield {"oneOf": [left, right]}
        yield {"anyOf": [left, right]}
        yield {"allOf": [left, right]}
        yield {"not": {"anyOf": [left, right]}}
        yield {"oneOf": [{"not": {"anyOf": [left]}}, right]}
        yield {"required": ["c"], "oneOf": [left, right]}
    yield {"x-kubernetes-validations": [{"rule": "false"}], "required": ["a"]}


VALUES: list[Any] = [
    {},
    {"a": 1},
    {"b": 1},
    {"a": 1, "b": 2},
    {"a": 1, "b": 2, "c": 3},
    {"c": None},
    [],
    ["a"],
    "a",
    1,
    None,
]


def _general(value: Any, node: Schema) -> bool:
    """`_satisfies` without the predicates anywhere below `node`."""
    stack, saved = [node], []
    while stack:
        n = stack.pop()
        saved.append((n, n.presence))
        n.presence = None
        stack += [*n.one_of, *n.any_of, *n.all_of, *([n.not_] if n.not_ else [])]
    try:
        return schema_module._satisfies(value, node)
    finally:
        for n, presence in saved:
            n.presence = presence


@pytest.mark.parametrize("raw", list(_branches()))
def test_prebuilt_predicate_gives_the_general_verdict(raw: dict[str, Any]) -> None:
    node = compile_schema(raw)
    assert node.presence is not None
    for value in VALUES:
        assert schema_module._satisfies(value, node) == _general(value, node), value


def test_branches_with_other_keywords_use_the_general_walk() -> None:
    assert compile_schema({"type": "object", "required": ["a"]}).presence is None
    assert compile_schema({"oneOf": [{"required": ["a"]}, {"minProperties": 2}]}).presence is None


@pytest.mark.parametrize("raw", list(_branches()))
def test_clean_walk_decides_junctors_as_the_value_checks_do(raw: dict[str, Any]) -> None:
    # The clean walk tests junctors with the prebuilt predicates instead of asking
    # `_value_checks`: it may never pass a value the value checks find fault with, and on
    # maps (what documents hold) it must decide exactly as they do.
    for extra in ({}, {"type": "object"}, {"type": "object", "maxProperties": 1}):
        node = compile_schema({**raw, **extra})
        clean = schema_module._values_clean(node)
        for value in VALUES:
            found: list[Any] = []
            schema_module._value_checks(value, node, "", found)
            if clean(value):
                assert not found, (value, found)
            elif type(value) is dict:
                assert found, value
