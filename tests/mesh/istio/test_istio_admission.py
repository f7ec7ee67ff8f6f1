"""Every istiod admission rule of SEMANTICS.md §2 rejects its violations and accepts its
near misses; warnings are reported without rejecting."""

from __future__ import annotations

from typing import Any

import pytest
from istio_cases import ACCEPTED, NOT_WARNED, REJECTED, WARNED, case_ids, rule_ids
from pydantic import ValidationError

from meshward.mesh.istio import documents, validate_document
from meshward.mesh.istio._base import DECODED
from meshward.mesh.istio.documents import validate_documents
from meshward.mesh.istio.envelope import ADMIT_LATER


@pytest.mark.parametrize(("rule", "doc"), REJECTED, ids=case_ids(REJECTED))
def test_violation_is_rejected_with_its_rule(rule: str, doc: dict[str, Any]) -> None:
    result = validate_document(doc)
    assert result.object is None
    assert rule in rule_ids(result.errors), result.errors


@pytest.mark.parametrize(("rule", "doc"), ACCEPTED, ids=case_ids(ACCEPTED))
def test_near_miss_is_accepted(rule: str, doc: dict[str, Any]) -> None:
    result = validate_document(doc)
    assert result.errors == []
    assert result.object is not None


@pytest.mark.parametrize(("rule", "doc"), WARNED, ids=case_ids(WARNED))
def test_warning_rule_warns_without_rejecting(rule: str, doc: dict[str, Any]) -> None:
    result = validate_document(doc)
    assert result.errors == []
    assert rule in rule_ids(result.warnings)
    assert rule_ids(result.warnings) <= {rule, "P4"}
    assert result.object is not None
    assert result.object.warnings() == result.warnings


@pytest.mark.parametrize(("rule", "doc"), NOT_WARNED, ids=case_ids(NOT_WARNED))
def test_near_miss_of_warning_rule_is_silent(rule: str, doc: dict[str, Any]) -> None:
    result = validate_document(doc)
    assert result.errors == []
    assert rule not in rule_ids(result.warnings)


def test_every_webhook_rule_has_a_rejected_and_an_accepted_case() -> None:
    rules = {f"M{i}" for i in range(1, 8)} | {"S1", "S2", "S3", "T1", "T2", "T3"}
    rules |= {f"A{i}" for i in range(1, 27)} | {f"R{i}" for i in range(1, 10)}
    rules |= {f"P{i}" for i in range(1, 5)}
    # A8/A16 can only be violated by objects built in code; see test_istio_models.py.
    rejected = {rule for rule, _ in REJECTED} | {"A8", "A16"}
    assert rules - rejected == set()
    assert rules - {rule for rule, _ in ACCEPTED} == set()
    assert {rule for rule, _ in WARNED} == {"S4", "A27", "R10"}


def test_problem_paths_locate_the_offending_value() -> None:
    doc = source(principals=["p"], serviceAccounts=["ns/sa", "a/b/c"])
    doc["spec"]["rules"][0]["from"].insert(0, {"source": {"ipBlocks": ["1.1.1.1"]}})
    result = validate_document(doc)
    paths = {p.path for p in result.errors}
    assert "spec.rules[0].from[1].source.serviceAccounts[1]" in paths
    assert "spec.rules[0].from[1].source" in paths  # A11 names the source


def test_all_problems_of_a_document_are_reported_together() -> None:
    doc = manifest(
        AP,
        {"action": "DENY", "rules": [{"to": [{"operation": {"ports": ["x"], "paths": ["{a}"]}}]}]},
        {"istio.io/dry-run": "maybe"},
    )
    assert {"M3", "A19", "A21"} <= rule_ids(validate_document(doc).errors)


def test_documents_checked_layer_by_layer_get_each_documents_own_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `validate_documents` (the compiler's self-check) works layer by layer over batches of
    # documents; every case must get exactly what `validate_document` gives it, whether its
    # batch builds the typed objects together or (a kind pydantic refuses) one by one.
    cases = (REJECTED, ACCEPTED, WARNED, NOT_WARNED)
    docs: list[Any] = [doc for listed in cases for _, doc in listed]
    docs += [
        {"apiVersion": "networking.istio.io/v1", "kind": "Sidecar", "metadata": {"name": "s"}},
        {"apiVersion": "networking.istio.io/v1", "kind": "Sidecar", "spec": {"egress": 1}},
        {"apiVersion": "security.istio.io/v1", "kind": "Nope", "metadata": {"name": "n"}},
        {"apiVersion": "security.istio.io/v2", "kind": "PeerAuthentication", "metadata": {}},
        ["not", "a", "mapping"],
    ]
    expected = [validate_document(doc) for doc in docs]
    assert list(validate_documents(docs)) == expected
    assert [r for doc in docs for r in validate_documents([doc])] == expected
    monkeypatch.setattr(documents, "_BATCH", 3)
    assert list(validate_documents(docs)) == expected
    assert any(r.ok for r in expected) and any(not r.ok for r in expected)
    assert any(r.ok and r.warnings for r in expected)


def test_well_formed_documents_are_built_together_then_admitted_one_by_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Documents pydantic accepts (whatever istiod's rules then say) never take the
    # one-by-one path: the batch builds them and admits each, with the same results.
    def builds(doc: dict[str, Any]) -> bool:
        context = {DECODED: True, ADMIT_LATER: True}
        try:
            documents.KINDS[doc["kind"]].model_validate(
                doc, by_alias=True, by_name=False, context=context
            )
        except ValidationError:
            return False
        return True

    cases = (REJECTED, ACCEPTED, WARNED, NOT_WARNED)
    docs = [doc for listed in cases for _, doc in listed if builds(doc)]
    expected = [validate_document(doc) for doc in docs]
    assert any(not r.ok for r in expected) and any(r.warnings for r in expected)

    def one_by_one(doc: Any) -> Any:
        raise AssertionError(f"built one by one: {doc}")

    monkeypatch.setattr(documents, "parse_istio_object", one_by_one)
    assert list(validate_documents(docs)) == expected


def source(**fields: Any) -> dict[str, Any]:
    from istio_cases import source as make

    return make(**fields)


def manifest(kind: str, spec: Any, annotations: dict[str, Any] | None = None) -> dict[str, Any]:
    from istio_cases import manifest as make

    return make(kind, spec, annotations)


AP = "AuthorizationPolicy"
