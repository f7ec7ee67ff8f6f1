"""The schema checker's quick clean walk never passes what its full walk reports: every
admission case and the mutations of the accepted ones (nulls, wrong types, wildcards, empty
strings, unknown fields, missing fields) either walk clean with no problem and nothing pruned
by the full walk, or go to the full walk; `problems` is the full walk's answer either way."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from istio_cases import ACCEPTED, CRD_REJECTED, NOT_WARNED, REJECTED, WARNED

from meshward.kube.schema import Checker
from meshward.mesh.istio.crd_rules import istio_crds

CASES = [doc for _, doc in [*REJECTED, *WARNED, *NOT_WARNED, *CRD_REJECTED]]
BASES = [doc for _, doc in ACCEPTED]
ODD_VALUES: list[Any] = [None, "", "*", "x*y", 0, 70000, True, 1.5, [], {}, ["a", "a"], {"*": 1}]


def _mutations(doc: Any) -> Iterator[Any]:
    """`doc` with one place changed: each value replaced, each key dropped, a key added."""
    yield doc
    if isinstance(doc, dict):
        for key in doc:
            for odd in ODD_VALUES:
                yield {**doc, key: odd}
            yield {k: v for k, v in doc.items() if k != key}
            for changed in _mutations(doc[key]):
                if changed is not doc[key]:
                    yield {**doc, key: changed}
        yield {**doc, "unknownField": "x"}
    elif isinstance(doc, list):
        for index, item in enumerate(doc):
            for changed in [*ODD_VALUES, *list(_mutations(item))[1:]]:
                yield [*doc[:index], changed, *doc[index + 1 :]]


def _checkers(doc: Any) -> list[Checker]:
    version = istio_crds().version(str(doc.get("apiVersion", "")), str(doc.get("kind", "")))
    return [] if version is None else [version.checker, version.schema_only]


def _check(doc: Any) -> bool:
    """Whether `doc` walked clean (asserting the clean walk agreed with the full walk)."""
    clean = False
    for checker in _checkers(doc):
        walked = checker.walked_problems(doc)
        if checker.is_clean(doc):
            clean = True
            assert walked == [], doc
            assert checker.walk(doc, checker.root, "", [], root=True) is doc
        assert checker.problems(doc) == walked
    return clean


def test_no_case_walks_clean_wrongly() -> None:
    for doc in CASES:
        _check(doc)


@pytest.mark.parametrize("index", range(len(BASES)))
def test_no_mutation_walks_clean_wrongly(index: int) -> None:
    base = BASES[index]
    # An accepted document walks clean, unless it has a null to prune (then the full walk).
    assert _check(base) or "None" in repr(base)
    kept = copy.deepcopy(base)
    for doc in _mutations(base):
        _check(doc)
    assert base == kept  # neither walk changes what it checks
