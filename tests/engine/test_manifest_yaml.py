"""`manifest_yaml` writes exactly `to_yaml(_sort_nested(obj))`, the manifests' former text."""

from __future__ import annotations

import collections
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meshward.engine.plan import _sort_nested, kubernetes_objects, manifest_yaml, to_yaml
from tests.support import TRICKY_YAML_STRINGS as TRICKY


def _former(obj: dict[str, Any]) -> str:
    return to_yaml(_sort_nested(obj))


def _same(obj: dict[str, Any]) -> None:
    try:
        expected = _former(obj)
    except Exception as exc:  # the same failure, if any
        with pytest.raises(type(exc)):
            manifest_yaml(obj)
        return
    assert manifest_yaml(obj) == expected


def test_the_dev_and_prod_manifests_are_written_as_before(
    dev_plan: dict[str, Any], prod_plan: dict[str, Any]
) -> None:
    objects = kubernetes_objects(dev_plan) + kubernetes_objects(prod_plan)
    assert len(objects) > 50
    for obj in objects:
        assert manifest_yaml(obj) == _former(obj)


# Strings PyYAML quotes, folds or escapes, and keys in every order.
_scalars = (
    st.sampled_from(TRICKY)
    | st.text(max_size=20)
    | st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
)
_keys = st.sampled_from(TRICKY) | st.text(max_size=8)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=4),
    max_leaves=25,
)
_objects = st.fixed_dictionaries(
    {"kind": _scalars, "metadata": st.dictionaries(_keys, _values, max_size=4)},
    optional={"apiVersion": _scalars},
).flatmap(lambda top: st.dictionaries(_keys, _values, max_size=4).map(lambda rest: {**rest, **top}))


@settings(max_examples=300, deadline=None)
@given(obj=_objects)
def test_generated_manifests_are_written_as_before(obj: dict[str, Any]) -> None:
    _same(obj)


def test_every_plain_scalar_and_empty_container_is_written_as_before() -> None:
    _same(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "m", "labels": {}},
            "data": {s: s for s in TRICKY},
            "list": [*TRICKY, [], {}, [[]], None, True, False, 0, -7, 2**80, 1.0, 1e17, -0.0],
            "nested": [{"z": 1, "a": [{"y": None, "b": {}}]}],
            3: "int key",
        }
    )


class Labels(dict):  # type: ignore[type-arg]
    pass


class Name(str):
    pass


@pytest.mark.parametrize(
    "odd",
    [
        (1, 2, {"b": 1, "a": 2}),  # tuples are written as lists
        collections.OrderedDict([("b", 1), ("a", 2)]),
        Labels(b=1, a=2),
        Name("subclass"),
        b"bytes",
        {1, 2},
        {"a": 1, 2: "mixed keys"},  # sorting fails: the same TypeError
    ],
    ids=["tuple", "ordereddict", "dict-subclass", "str-subclass", "bytes", "set", "mixed-keys"],
)
def test_values_beyond_plain_data_are_written_or_refused_as_before(odd: Any) -> None:
    _same({"apiVersion": "v1", "kind": "X", "metadata": {"name": "x"}, "spec": {"odd": odd}})


def test_a_shared_container_is_written_twice_not_as_an_alias() -> None:
    shared = {"b": [1], "a": "x"}
    obj = {"apiVersion": "v1", "kind": "X", "metadata": {"name": "x"}, "one": shared, "two": shared}
    _same(obj)
    assert "&" not in manifest_yaml(obj)
