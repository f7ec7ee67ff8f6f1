"""Objects built in Python run the same rules, and everything round-trips as manifests."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from meshward.mesh.istio import (
    Action,
    AuthorizationPolicy,
    AuthorizationPolicySpec,
    IstioValidationError,
    JWTRule,
    ObjectMeta,
    Operation,
    PeerAuthentication,
    Rule,
    RuleTo,
    load_documents,
    parse_istio_object,
    validate_object,
)

DATA = Path(__file__).parent / "data"
META = ObjectMeta(name="p", namespace="ns")


@pytest.mark.parametrize("fixture", sorted((DATA / "valid").glob("*.yaml")), ids=lambda p: p.name)
def test_valid_fixture_round_trips_exactly(fixture: Path) -> None:
    documents = load_documents(fixture.read_text(encoding="utf-8"), str(fixture))
    assert documents
    for doc in documents:
        assert doc.result is not None
        assert doc.result.errors == []
        assert doc.result.object is not None
        assert doc.result.object.to_manifest() == doc.raw


def test_api_version_given_is_kept() -> None:
    doc = {
        "apiVersion": "security.istio.io/v1beta1",
        "kind": "PeerAuthentication",
        "metadata": {"name": "default"},
    }
    obj = parse_istio_object(doc)
    assert isinstance(obj, PeerAuthentication)
    assert obj.to_manifest() == doc


def test_unsupported_api_version_is_rejected() -> None:
    doc = {"apiVersion": "security.istio.io/v1alpha1", "kind": "AuthorizationPolicy"}
    with pytest.raises(IstioValidationError) as caught:
        parse_istio_object(doc | {"metadata": {"name": "x"}})
    assert caught.value.problems[0].path == "apiVersion"


def test_built_policy_dumps_only_what_was_set() -> None:
    policy = AuthorizationPolicy(
        metadata=META,
        spec=AuthorizationPolicySpec(
            action=Action.DENY,
            rules=[Rule(to=[RuleTo(operation=Operation(ports=["8080"], not_paths=["/ok"]))])],
        ),
    )
    assert policy.to_manifest() == {
        "apiVersion": "security.istio.io/v1",
        "kind": "AuthorizationPolicy",
        "metadata": {"name": "p", "namespace": "ns"},
        "spec": {
            "action": "DENY",
            "rules": [{"to": [{"operation": {"ports": ["8080"], "notPaths": ["/ok"]}}]}],
        },
    }
    assert validate_object(policy).ok


def test_built_policy_with_violation_raises_located_problems() -> None:
    with pytest.raises(IstioValidationError) as caught:
        AuthorizationPolicy(metadata=META, spec=AuthorizationPolicySpec(action=Action.DENY))
    [problem] = caught.value.problems
    assert problem.path == "spec.rules"
    assert problem.message.endswith("[A6]")


@pytest.mark.parametrize(("field", "rule"), [("from_", "A8"), ("to", "A16")])
def test_empty_from_or_to_is_rejected_when_built_in_code(field: str, rule: str) -> None:
    with pytest.raises(IstioValidationError) as caught:
        AuthorizationPolicy(
            metadata=META, spec=AuthorizationPolicySpec(rules=[Rule(**{field: []})])
        )
    assert caught.value.problems[0].message.endswith(f"[{rule}]")


@pytest.mark.parametrize(("key", "rule"), [("from", "A8"), ("to", "A16")])
def test_empty_from_or_to_in_yaml_means_absent(key: str, rule: str) -> None:
    doc = {
        "apiVersion": "security.istio.io/v1",
        "kind": "AuthorizationPolicy",
        "metadata": {"name": "p"},
        "spec": {"rules": [{key: []}]},
    }
    assert parse_istio_object(doc).to_manifest() == doc


def test_built_jwt_rule_accepts_jwks_uri_by_attribute_name() -> None:
    rule = JWTRule(issuer="i", jwks_uri="https://example.com/jwks")
    assert rule.jwks_uri == "https://example.com/jwks"
    assert rule.legacy_jwks_uri is None


def test_snake_case_jwks_uri_key_round_trips_and_counts_for_r2() -> None:
    doc = {
        "apiVersion": "security.istio.io/v1",
        "kind": "RequestAuthentication",
        "metadata": {"name": "p"},
        "spec": {"jwtRules": [{"jwks_uri": "https://example.com/jwks"}]},
    }
    obj = parse_istio_object(doc)
    assert obj.to_manifest() == doc


def test_structural_mistake_in_a_part_raises_pydantic_error() -> None:
    with pytest.raises(ValidationError):
        Operation(ports=[8080])  # type: ignore[list-item]


def test_objects_are_frozen() -> None:
    policy = AuthorizationPolicy(metadata=META)
    with pytest.raises(ValidationError):
        policy.spec = AuthorizationPolicySpec()  # type: ignore[misc]


def test_snake_case_keys_in_manifests_are_unknown_fields() -> None:
    doc = {
        "apiVersion": "security.istio.io/v1",
        "kind": "AuthorizationPolicy",
        "metadata": {"name": "p"},
        "spec": {"rules": [{"to": [{"operation": {"not_paths": ["/x"]}}]}]},
    }
    with pytest.raises(IstioValidationError) as caught:
        parse_istio_object(doc)
    assert caught.value.problems[0].path == "spec.rules[0].to[0].operation.not_paths"


def test_port_level_mtls_int_and_string_keys_give_integer_ports() -> None:
    doc = {
        "apiVersion": "security.istio.io/v1",
        "kind": "PeerAuthentication",
        "metadata": {"name": "p"},
        "spec": {
            "selector": {"matchLabels": {"app": "a"}},
            "portLevelMtls": {8080: {"mode": "DISABLE"}, "9090": {}},
        },
    }
    obj = parse_istio_object(doc)
    assert isinstance(obj, PeerAuthentication) and obj.spec is not None
    assert set(obj.spec.port_modes()) == {8080, 9090}
    assert obj.to_manifest() == doc


def test_missing_name_is_rejected() -> None:
    doc = {"apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy", "metadata": {}}
    with pytest.raises(IstioValidationError) as caught:
        parse_istio_object(doc)
    assert caught.value.problems[0].path == "metadata.name"
