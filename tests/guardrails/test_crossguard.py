"""The CrossGuard pack in `policies/`: its policies call the catalogue, built from the args
Pulumi passes (constructed here as the engine would)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pulumi_policy", reason="pulumi-policy is not installed")

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
    StackValidationPolicy,
)

from meshward.guardrails import RULES
from meshward.guardrails.crossguard import policies, stack_pack_config
from tests.guardrails.cases import REQUIRE, jwt, pa

ROOT = Path(__file__).resolve().parents[2]
ISTIO = "kubernetes:security.istio.io/v1:"
OPTS = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])
POLICIES = {p.name: p for p in policies()}


def _resource_args(type_: str, props: dict[str, Any], name: str, **config: Any) -> Any:
    urn = f"urn:pulumi:dev::meshward::{type_}::{name}"
    return ResourceValidationArgs(type_, props, urn, name, OPTS, None, config)


def _resource(type_: str, props: dict[str, Any], name: str) -> PolicyResource:
    urn = f"urn:pulumi:dev::meshward::{type_}::{name}"
    return PolicyResource(type_, props, urn, name, OPTS, None, None, [], {})


def _violations(policy: Any, args: Any) -> list[str]:
    found: list[str] = []
    policy.validate(args, lambda message, urn=None: found.append(message))
    return found


def test_every_rule_is_a_policy_of_the_pack() -> None:
    assert set(POLICIES) == set(RULES) - {"MW001"}
    for rule_id, policy in POLICIES.items():
        assert isinstance(policy, StackValidationPolicy) == RULES[rule_id].context


def test_resource_policy_reports_a_permissive_peer_authentication() -> None:
    weak = pa("ns", "shop", {"mtls": {"mode": "PERMISSIVE"}})
    strict = pa("ns", "shop", {"mtls": {"mode": "STRICT"}})
    bad = _violations(POLICIES["MW101"], _resource_args(f"{ISTIO}PeerAuthentication", weak, "x"))
    assert bad == [
        "PeerAuthentication/shop/ns: spec.mtls.mode: namespace-level mTLS is "
        "PERMISSIVE: plaintext is accepted"
    ]
    assert (
        _violations(POLICIES["MW101"], _resource_args(f"{ISTIO}PeerAuthentication", strict, "x"))
        == []
    )


def test_props_without_kind_take_it_from_the_type_token() -> None:
    props = {"metadata": {"namespace": "shop"}, "spec": {"mtls": {"mode": "DISABLE"}}}
    found = _violations(
        POLICIES["MW101"], _resource_args(f"{ISTIO}PeerAuthentication", props, "from-name")
    )
    assert found and found[0].startswith("PeerAuthentication/shop/from-name:")


def test_resource_policy_on_azure_inputs() -> None:
    vault = {"properties": {"enableRbacAuthorization": True}}
    args = _resource_args("azure-native:keyvault:Vault", vault, "kv")
    assert _violations(POLICIES["MW210"], args) == [
        "Vault/kv: inputs.properties.enablePurgeProtection: purge protection is off"
    ]


def test_waiver_in_policy_config_silences_the_finding() -> None:
    vault = {"properties": {"enableRbacAuthorization": True}}
    waiver = {"object": "Vault/kv", "reason": "lab vault, purged nightly", "expires": "2999-01-01"}
    args = _resource_args("azure-native:keyvault:Vault", vault, "kv", waivers=[waiver])
    assert _violations(POLICIES["MW210"], args) == []


def test_stack_policy_sees_every_resource() -> None:
    ra = _resource(f"{ISTIO}RequestAuthentication", jwt(), "jwt")
    deny = _resource(f"{ISTIO}AuthorizationPolicy", REQUIRE, "require")
    optional = _violations(POLICIES["MW130"], StackValidationArgs([ra], {}))
    assert optional == [
        "RequestAuthentication/shop/jwt: spec.jwtRules: requests without a token are let through"
    ]
    assert _violations(POLICIES["MW130"], StackValidationArgs([ra, deny], {})) == []


def test_prod_only_rule_runs_as_prod_and_is_disabled_in_dev_config() -> None:
    waf = {"policySettings": {"mode": "Detection"}, "managedRules": {"managedRuleSets": []}}
    args = _resource_args("azure-native:network:WebApplicationFirewallPolicy", waf, "waf")
    assert _violations(POLICIES["MW201"], args)
    dev = json.loads((ROOT / "policies" / "dev.json").read_text())
    assert dev["MW201"] == {"enforcementLevel": "disabled"}
    assert dev["all"] == "advisory"
    assert json.loads((ROOT / "policies" / "prod.json").read_text())["all"] == "mandatory"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_policy_pack_config_matches_the_stack_file(stack: str) -> None:
    expected = stack_pack_config(ROOT, stack)
    actual = (ROOT / "policies" / f"{stack}.json").read_text(encoding="utf-8")
    assert actual == expected, (
        f"regenerate: python -m meshward.guardrails.crossguard policies {stack}"
    )


def test_pack_files_name_the_runtime_and_install_meshward_from_the_repository() -> None:
    assert "runtime: python" in (ROOT / "policies" / "PulumiPolicy.yaml").read_text()
    requirements = (ROOT / "policies" / "requirements.txt").read_text().splitlines()
    assert any(line.startswith("pulumi-policy") for line in requirements)
    assert ".." in requirements
    main = (ROOT / "policies" / "__main__.py").read_text()
    assert "policies=policies()" in main
