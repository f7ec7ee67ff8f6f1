"""`BlockYaml` writes exactly what PyYAML's safe dumpers write, or declines (None)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from meshward.engine.plan import _ordered, _sort_nested, kubernetes_objects
from meshward.yaml_text import BlockYaml
from tests.support import TRICKY_YAML_STRINGS as TRICKY

DUMPERS = [yaml.SafeDumper] + ([yaml.CSafeDumper] if hasattr(yaml, "CSafeDumper") else [])
"""PyYAML's Python emitter, and libyaml's where PyYAML has it (the one `meshward plan` uses)."""


def _pyyaml(value: dict[str, Any], dumper: Any) -> str:
    text: str = yaml.dump(
        _sort_nested(value), Dumper=dumper, default_flow_style=False, width=100, sort_keys=False
    )
    return text


def _same_or_declined(value: dict[str, Any], dumper: Any) -> bool:
    """True if `BlockYaml` wrote the text (and it is PyYAML's), False if it declined."""
    try:
        expected = _pyyaml(value, dumper)
    except Exception:  # PyYAML refuses it: so must the direct path, by declining
        assert BlockYaml(dumper).dump(value, sort_keys=True) is None
        return False
    written = BlockYaml(dumper).dump(value, sort_keys=True)
    if written is None:
        return False
    assert written == expected
    return True


@pytest.mark.parametrize("dumper", DUMPERS, ids=lambda d: d.__name__)
def test_the_dev_and_prod_manifests_are_written_directly_as_pyyaml_writes_them(
    dumper: Any, dev_plan: dict[str, Any], prod_plan: dict[str, Any]
) -> None:
    block = BlockYaml(dumper)
    written = declined = 0
    for obj in kubernetes_objects(dev_plan) + kubernetes_objects(prod_plan):
        text = block.dump(_ordered(obj), sort_keys=False)
        expected = yaml.dump(
            _ordered(_sort_nested(obj)),
            Dumper=dumper,
            default_flow_style=False,
            width=100,
            sort_keys=False,
        )
        if text is None:
            declined += 1
        else:
            written += 1
            assert text == expected
    # Only the documents holding multi-line text (Istio's mesh config) are left to PyYAML.
    assert written > 60
    assert declined <= 4


_ascii = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=12)
_words = st.lists(st.sampled_from(["a", "bb", "word", "x-y", "'", "#", ":", " "]), max_size=40).map(
    "".join
)
_strings = st.sampled_from(TRICKY) | _ascii | _words | st.text(max_size=8)
_scalars = (
    _strings
    | st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
)
_keys = _strings | st.integers(min_value=118, max_value=132).map(lambda n: "k" * n)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=4),
    max_leaves=30,
)
_mappings = st.dictionaries(_keys, _values, min_size=1, max_size=5)


@settings(max_examples=600, deadline=None)
@given(value=_mappings)
def test_generated_data_is_written_as_pyyaml_writes_it_or_declined(value: dict[str, Any]) -> None:
    for dumper in DUMPERS:
        _same_or_declined(value, dumper)


def _words_of(length: int) -> str:
    return ("ab " * length)[:length].rstrip() + "z"


@pytest.mark.parametrize("dumper", DUMPERS, ids=lambda d: d.__name__)
def test_text_near_the_line_width_is_written_unfolded_or_declined(dumper: Any) -> None:
    written = 0
    for length in range(60, 110):
        for depth in range(6):
            value: Any = _words_of(length)
            for level in range(depth):
                value = {"key": value} if level % 2 else [value]
            written += _same_or_declined({"k": value, "quoted": f"'{value}'"}, dumper)
            written += _same_or_declined({"k": value}, dumper)
    assert written > 200  # the short ones are written directly


@pytest.mark.parametrize("dumper", DUMPERS, ids=lambda d: d.__name__)
def test_every_tricky_scalar_and_empty_container_is_written_as_pyyaml_writes_it(
    dumper: Any,
) -> None:
    plain = [s for s in TRICKY if s and s.isascii() and s.isprintable() and len(s) < 90]
    value = {
        "data": {s: s for s in plain},
        "list": [*plain, [], {}, [[]], [{}], None, True, False, 0, -7, 2**80, 1.0, 1e17, -0.0],
        "floats": [0.1, 1e16, 1e-7, 5e-324, float("inf"), float("-inf"), float("nan")],
        "nested": [{"z": 1, "a": [{"y": None, "b": {}}]}, [[1, [2, {"c": []}]]]],
        "empty": {},
    }
    assert _same_or_declined(value, dumper)
    for text in TRICKY:
        _same_or_declined({"value": text}, dumper)
        _same_or_declined({text or "k": [text]}, dumper)
        _same_or_declined({text: 1} if text else {"": 1}, dumper)


@pytest.mark.parametrize("dumper", DUMPERS, ids=lambda d: d.__name__)
def test_keys_are_written_directly_only_where_both_emitters_agree(dumper: Any) -> None:
    block = BlockYaml(dumper)
    assert block.dump({"k" * 122: 1}, sort_keys=True) == "k" * 122 + ": 1\n"
    assert block.dump({"k" * 123: 1}, sort_keys=True) is None
    assert block.dump({"": 1}, sort_keys=True) is None
    assert block.dump({1: "a"}, sort_keys=True) is None  # type: ignore[dict-item]
    # The top level in the order given, nested mappings sorted (as `manifest_yaml` needs).
    assert (
        block.dump({"b": 1, "a": {"d": 1, "c": 2}}, sort_keys=False) == "b: 1\na:\n  c: 2\n  d: 1\n"
    )


class _Labels(dict):  # type: ignore[type-arg]
    pass


class _Name(str):
    pass


@pytest.mark.parametrize(
    "odd",
    [(1, 2), _Labels(a=1), _Name("x"), b"bytes", {1, 2}, {"a": 1, 2: "b"}, 10**5000],
    ids=["tuple", "dict-subclass", "str-subclass", "bytes", "set", "mixed-keys", "huge-int"],
)
def test_values_beyond_plain_data_are_declined(odd: Any) -> None:
    for dumper in DUMPERS:
        assert BlockYaml(dumper).dump({"spec": {"odd": odd}}, sort_keys=True) is None


def test_a_dumper_whose_resolvers_or_representers_change_is_declined() -> None:
    class Dumper(yaml.SafeDumper):
        pass

    block = BlockYaml(Dumper)
    assert block.dump({"a": "maybe"}, sort_keys=True) == "a: maybe\n"
    Dumper.add_implicit_resolver("!maybe", re.compile("^maybe$"), ["m"])
    assert block.dump({"a": "maybe"}, sort_keys=True) is None  # what it kept may be stale
    # One made with the new table reads strings as that table does.
    assert BlockYaml(Dumper).dump({"a": "maybe"}, sort_keys=True) == _pyyaml({"a": "maybe"}, Dumper)
    assert _pyyaml({"a": "maybe"}, Dumper) == "a: 'maybe'\n"

    class Other(yaml.SafeDumper):
        pass

    Other.add_representer(str, lambda dumper, data: dumper.represent_scalar("!s", data))
    assert BlockYaml(Other).dump({"a": "b"}, sort_keys=True) is None
