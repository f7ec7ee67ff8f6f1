"""ObjectMeta checks: the quick answer for plainly valid metadata agrees with the full checks."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from meshward.kube import objectmeta
from meshward.kube.objectmeta import metadata_problems

NAMES: list[Any] = ["a", "svc-1.x", "", "A", "a" * 254, "-a", 1, None]
GENERATE_NAMES: list[Any] = [None, "gen-", 5]
NAMESPACES: list[Any] = [None, "", "team-1", "Team", "a" * 64, 3]
LABELS: list[Any] = [
    None,
    {},
    {"app.kubernetes.io/managed-by": "meshward"},
    {"k": "v" * 64},
    {"bad key!": "v"},
    {"k": 1},
    {1: "v"},
    ["x"],
    {"k": ""},
]
ANNOTATIONS: list[Any] = [
    None,
    {},
    {"meshward.io/intent": "access:x"},
    {"Bad/Key/x": "v"},
    {"A.B/c": "v"},
    {"k": 2},
    {"k": "x" * (256 * 1024)},
    "text",
]


def _metadata() -> list[dict[str, Any]]:
    out = []
    for name, generate, namespace, labels, notes in itertools.product(
        NAMES, GENERATE_NAMES, NAMESPACES, LABELS, ANNOTATIONS
    ):
        meta = {"name": name, "generateName": generate, "namespace": namespace}
        meta |= {"labels": labels, "annotations": notes}
        out.append({k: v for k, v in meta.items() if v is not None})
    return out


def test_plainly_valid_metadata_is_what_the_full_checks_accept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    metas = _metadata()
    quick = {
        (i, namespaced): metadata_problems({"metadata": m}, namespaced=namespaced)
        for i, m in enumerate(metas)
        for namespaced in (True, False)
    }
    answered = {
        (i, namespaced): objectmeta._plainly_valid(m, namespaced)
        for i, m in enumerate(metas)
        for namespaced in (True, False)
    }
    monkeypatch.setattr(objectmeta, "_plainly_valid", lambda meta, namespaced: False)
    for (i, namespaced), problems in quick.items():
        full = metadata_problems({"metadata": metas[i]}, namespaced=namespaced)
        assert problems == full, metas[i]
        # The quick answer never passes what the full checks refuse, and passes all valid
        # metadata that has a name and string keys without them.
        if answered[(i, namespaced)]:
            assert full == []
        elif full == []:
            labels = metas[i].get("labels") or {}
            assert not metas[i].get("name") or any(type(k) is not str for k in labels), metas[i]
    assert sum(answered.values()) > 100


@pytest.mark.parametrize("value", [[1, 2], {"x": 1}, None, 3])
def test_a_label_value_that_is_not_a_string_is_a_located_problem(value: Any) -> None:
    # A list or map value used to reach a set lookup as part of an unhashable entry.
    obj = {"metadata": {"name": "a", "namespace": "b", "labels": {"app": value}}}
    problems = metadata_problems(obj)
    assert problems
    assert all(p.path.startswith("metadata.labels") for p in problems)
