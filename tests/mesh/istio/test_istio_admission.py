"""Every istiod admission rule of SEMANTICS.md §2 rejects its violations and accepts its
near misses; warnings are reported without rejecting."""

from __future__ import annotations

from typing import Any

import pytest
from istio_cases import ACCEPTED, NOT_WARNED, REJECTED, WARNED, case_ids, rule_ids

from meshward.mesh.istio import validate_document
from meshward.mesh.istio.documents import validate_documents


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


def test_documents_checked_layer_by_layer_get_each_documents_own_result() -> None:
    # `validate_documents` (the compiler's self-check) runs the API server's layer over every
    # document before istiod's; every case must get exactly what `validate_document` gives it.
    cases = (REJECTED, ACCEPTED, WARNED, NOT_WARNED)
    docs: list[Any] = [doc for listed in cases for _, doc in listed]
    docs += [
        {"apiVersion": "networking.istio.io/v1", "kind": "Sidecar", "metadata": {"name": "s"}},
        {"apiVersion": "networking.istio.io/v1", "kind": "Sidecar", "spec": {"egress": 1}},
        {"apiVersion": "security.istio.io/v1", "kind": "Nope", "metadata": {"name": "n"}},
        {"apiVersion": "security.istio.io/v2", "kind": "PeerAuthentication", "metadata": {}},
        ["not", "a", "mapping"],
    ]
    batched = list(validate_documents(docs))
    assert batched == [validate_document(doc) for doc in docs]
    assert any(r.ok for r in batched) and any(not r.ok for r in batched)
    assert any(r.ok and r.warnings for r in batched)


def source(**fields: Any) -> dict[str, Any]:
    from istio_cases import source as make

    return make(**fields)


def manifest(kind: str, spec: Any, annotations: dict[str, Any] | None = None) -> dict[str, Any]:
    from istio_cases import manifest as make

    return make(kind, spec, annotations)


AP = "AuthorizationPolicy"
