"""`indented_json` gives exactly `json.dumps(value, indent=2, sort_keys=...)`, or its error."""

from __future__ import annotations

import enum
import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meshward.json_text import indented_json


def _same(value: Any, sort_keys: bool) -> None:
    try:
        expected = json.dumps(value, indent=2, sort_keys=sort_keys)
    except (TypeError, ValueError) as exc:
        with pytest.raises(type(exc)) as raised:
            indented_json(value, sort_keys=sort_keys)
        assert str(raised.value) == str(exc)
        return
    assert indented_json(value, sort_keys=sort_keys) == expected


@pytest.mark.parametrize("name", ["plan.json", "access.json", "mesh-settings.json"])
def test_the_dev_and_prod_plan_files_are_encoded_exactly(
    name: str, dev_files: dict[str, str], prod_files: dict[str, str]
) -> None:
    for files in (dev_files, prod_files):
        document = json.loads(files[name])
        for sort_keys in (True, False):
            assert indented_json(document, sort_keys=sort_keys) == json.dumps(
                document, indent=2, sort_keys=sort_keys
            )
    assert (
        indented_json(json.loads(dev_files["plan.json"]), sort_keys=True) + "\n"
        == (dev_files["plan.json"])
    )


class Colour(enum.IntEnum):
    RED = 1


class Name(str):
    pass


EDGE_CASES: list[Any] = [
    "",
    "plain",
    'é ü 中文 😀 \u2028 \x7f \x00 \x1f \t\n\r\b\f \\ " / </script>',
    "\ud800 lone surrogate",
    0,
    -1,
    2**70,
    -(2**64),
    True,
    False,
    None,
    0.0,
    -0.0,
    1.5,
    1e16,
    1e-7,
    123456789.123456789,
    5e-324,
    1.7976931348623157e308,
    math.inf,
    -math.inf,
    math.nan,
    [],
    {},
    (),
    [[], {}, [[]], [{}], {"a": {}}, {"b": []}],
    {"z": 1, "a": {"y": [1, {"c": None, "b": ()}], "x": {}}},
    {"é": 1, "e": 2, "E": 3, "": 4, "\x7f": 5, "😀": 6, "\ufffd": 7},
    (1, (2, (3,)), [4]),
    # Leaves and keys json.dumps converts or refuses: they must come out the same way.
    {1: "int key", 2: "x"},
    {"a": 1, 2: "mixed keys"},
    {True: 1, None: 2, 1.5: 3},
    {"colour": Colour.RED, "name": Name("n"), Name("k"): 1},
    {"bytes": b"x"},
    {"set": {1}},
    {"object": object()},
]


@pytest.mark.parametrize("value", EDGE_CASES, ids=range(len(EDGE_CASES)))
@pytest.mark.parametrize("sort_keys", [True, False])
def test_edge_cases_are_encoded_as_json_dumps_does(value: Any, sort_keys: bool) -> None:
    _same(value, sort_keys)


def test_a_cycle_fails_as_json_dumps_does() -> None:
    cycle: list[Any] = []
    cycle.append({"self": cycle})
    _same(cycle, True)


def test_nesting_deeper_than_the_recursion_limit_is_left_to_json_dumps() -> None:
    deep: Any = []
    for _ in range(5000):
        deep = [deep, {"k": "v"}]
    try:
        expected: Any = json.dumps(deep, indent=2)
    except RecursionError:
        expected = RecursionError
    if expected is RecursionError:
        with pytest.raises(RecursionError):
            indented_json(deep)
    else:
        assert indented_json(deep) == expected


_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
    | st.text(st.characters(codec=None, exclude_categories=()))
)
_keys = st.text(max_size=4) | st.sampled_from(["", "a", "A", "é", "\x00", "😀"])
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(_keys, inner, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(value=_values, sort_keys=st.booleans())
def test_generated_documents_are_encoded_as_json_dumps_does(value: Any, sort_keys: bool) -> None:
    _same(value, sort_keys)
