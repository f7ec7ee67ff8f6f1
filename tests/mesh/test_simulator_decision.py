"""Policy scope, evaluation order and the final decision (SEMANTICS §4.1, §4.2, §4.5, §4.7)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from meshward.mesh.simulation import MeshSettings, Request, Simulator
from tests.mesh.simulator_support import JWT_RULE, NS, ap, decide, pa, ra, request, tcp, token

ALLOW_ALL = {"rules": [{}]}
DENY_ALL = {"action": "DENY", "rules": [{}]}
WORKLOAD = {"matchLabels": {"app": "payment-service"}}

# --- scope ---------------------------------------------------------------------------------


def test_no_policies_allow_with_no_deciding_policy() -> None:
    result = decide([])
    assert (result.decision, result.status, result.policy) == ("ALLOW", 200, None)


def test_root_namespace_policy_without_selector_applies_mesh_wide() -> None:
    assert decide([ap("deny", "istio-system", **DENY_ALL)]).policy == "istio-system/deny"
    assert decide([ap("deny", "other-root", **DENY_ALL)]).decision == "ALLOW"


def test_root_namespace_policy_with_selector_applies_to_matching_workloads_everywhere() -> None:
    assert decide([ap("deny", "istio-system", selector=WORKLOAD, **DENY_ALL)]).decision == "DENY"
    other = {"matchLabels": {"app": "other"}}
    assert decide([ap("deny", "istio-system", selector=other, **DENY_ALL)]).decision == "ALLOW"


def test_policy_in_another_namespace_does_not_apply() -> None:
    assert decide([ap("deny", "web", **DENY_ALL)]).decision == "ALLOW"


def test_selector_labels_must_be_a_subset_of_the_workload_labels() -> None:
    two = {"matchLabels": {"app": "payment-service", "version": "v2"}}
    assert decide([ap("deny", NS, selector=two, **DENY_ALL)]).decision == "ALLOW"
    req = request(
        destination={
            "namespace": NS,
            "labels": {"app": "payment-service", "version": "v2"},
            "port": 8080,
        }
    )
    assert decide([ap("deny", NS, selector=two, **DENY_ALL)], req).decision == "DENY"


def test_empty_selector_selects_every_workload() -> None:
    assert decide([ap("deny", NS, selector={}, **DENY_ALL)]).decision == "DENY"


def test_policies_with_target_refs_are_ignored_by_sidecars() -> None:
    refs = [{"kind": "Service", "group": "", "name": "payments"}]
    result = decide([ap("deny", NS, targetRefs=refs, **DENY_ALL)])
    assert result.decision == "ALLOW"
    assert [e.result for e in result.trace if e.policy == "payments/deny"] == ["not-selected"]


def test_non_security_kinds_and_odd_documents_are_ignored() -> None:
    objects = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}},
        {"apiVersion": "networking.istio.io/v1", "kind": "AuthorizationPolicy", "spec": DENY_ALL},
        {"kind": "AuthorizationPolicy"},
        {"apiVersion": "security.istio.io/v1", "kind": "Unknown", "spec": DENY_ALL},
    ]
    assert decide(objects).decision == "ALLOW"  # type: ignore[arg-type]


def test_object_without_namespace_is_in_default() -> None:
    policy = ap("deny", NS, **DENY_ALL)
    del policy["metadata"]["namespace"]
    in_default = request(destination={"namespace": "default", "port": 80})
    assert decide([policy], in_default).policy == "default/deny"
    assert decide([policy]).decision == "ALLOW"


# --- actions -------------------------------------------------------------------------------


def test_allow_nothing_policy_denies_everything_in_scope() -> None:
    result = decide([ap("allow-nothing", NS)])
    assert (result.decision, result.status, result.policy) == ("DENY", 403, None)
    assert decide([ap("allow-nothing", "web")]).decision == "ALLOW"


def test_allow_all_rule_allows_and_names_the_policy() -> None:
    result = decide([ap("allow-nothing", NS), ap("allow-all", NS, **ALLOW_ALL)])
    assert (result.decision, result.policy) == ("ALLOW", "payments/allow-all")


def test_deny_wins_over_a_matching_allow() -> None:
    result = decide([ap("allow", NS, **ALLOW_ALL), ap("deny", NS, **DENY_ALL)])
    assert (result.decision, result.status, result.policy) == ("DENY", 403, "payments/deny")


def test_deny_without_rules_never_matches() -> None:
    assert decide([ap("deny", NS, action="DENY")]).decision == "ALLOW"


def test_empty_rules_list_is_like_no_rules() -> None:
    assert decide([ap("allow", NS, rules=[])]).decision == "DENY"


def test_audit_never_changes_the_decision() -> None:
    result = decide([ap("audit", NS, action="AUDIT", rules=[{}])])
    assert result.decision == "ALLOW"
    assert [e.result for e in result.trace if e.step == "AUDIT"] == ["matched"]
    assert decide([ap("audit", NS, action="AUDIT", rules=[{}]), ap("none", NS)]).decision == "DENY"


@pytest.mark.parametrize("value", ["true", "True", "TRUE", "t", "T", "1"])
def test_dry_run_deny_is_not_enforced(value: str) -> None:
    policy = ap("deny", NS, **DENY_ALL)
    policy["metadata"]["annotations"] = {"istio.io/dry-run": value}
    assert decide([policy]).decision == "ALLOW"


def test_dry_run_false_or_non_go_literal_is_enforced() -> None:
    for value in ("false", "yes"):
        policy = ap("deny", NS, **DENY_ALL)
        policy["metadata"]["annotations"] = {"istio.io/dry-run": value}
        assert decide([policy]).decision == "DENY"


def test_dry_run_allow_does_not_count_as_an_allow_policy() -> None:
    policy = ap("allow-nothing", NS)
    policy["metadata"]["annotations"] = {"istio.io/dry-run": "true"}
    assert decide([policy]).decision == "ALLOW"
    assert decide([ap("allow-nothing", NS)]).decision == "DENY"


def test_no_allow_match_reports_no_policy() -> None:
    only_post = ap("post", NS, rules=[{"to": [{"operation": {"methods": ["POST"]}}]}])
    result = decide([only_post])
    assert (result.decision, result.policy) == ("DENY", None)
    assert decide([only_post], request(method="POST")).policy == "payments/post"


# --- CUSTOM --------------------------------------------------------------------------------


def custom(name: str = "ext", provider: str = "opa", **rule: object) -> dict[str, object]:
    return ap(name, NS, action="CUSTOM", provider={"name": provider}, rules=[rule])


def test_custom_provider_deny_is_final() -> None:
    result = decide([custom(), ap("allow", NS, **ALLOW_ALL)])
    assert (result.decision, result.status, result.policy) == ("DENY", 403, "payments/ext")


def test_custom_provider_allow_still_has_to_pass_deny_and_allow() -> None:
    allowed = request(custom_provider_decision="ALLOW")
    assert decide([custom()], allowed).decision == "ALLOW"
    assert decide([custom(), ap("deny", NS, **DENY_ALL)], allowed).policy == "payments/deny"
    assert decide([custom(), ap("allow-nothing", NS)], allowed).decision == "DENY"


def test_requests_not_matching_a_custom_rule_skip_the_provider() -> None:
    only_admin = custom(to=[{"operation": {"paths": ["/admin*"]}}])
    assert decide([only_admin]).decision == "ALLOW"
    assert decide([only_admin], request(path="/admin/x")).decision == "DENY"


def test_custom_provider_not_in_extension_providers_denies() -> None:
    allowed = request(custom_provider_decision="ALLOW")
    result = decide([custom(provider="missing")], allowed, extension_providers=frozenset({"opa"}))
    assert (result.decision, result.policy) == ("DENY", "payments/ext")
    assert decide([custom()], allowed, extension_providers=frozenset({"opa"})).decision == "ALLOW"


def test_unknown_extension_providers_assume_the_provider_exists() -> None:
    result = decide([custom(provider="anything")], request(custom_provider_decision="ALLOW"))
    assert result.decision == "ALLOW"
    assert any(e.step == "CUSTOM" and e.result == "note" for e in result.trace)


def test_several_custom_providers_deny_custom_matched_requests() -> None:
    allowed = request(custom_provider_decision="ALLOW")
    objects = [custom("a", "opa"), custom("b", "other", to=[{"operation": {"paths": ["/x"]}}])]
    assert decide(objects, allowed).decision == "DENY"
    assert decide(objects, allowed, multiple_custom_providers=True).decision == "ALLOW"


def test_custom_runs_before_jwt_validation() -> None:
    expired = request(jwt={**token(), "expired": True})
    assert decide([custom(), ra("jwt", NS, JWT_RULE)], expired).status == 403
    allowed = expired.model_copy(update={"custom_provider_decision": "ALLOW"})
    assert decide([custom(), ra("jwt", NS, JWT_RULE)], allowed).status == 401


def test_custom_http_only_field_is_dropped_on_tcp() -> None:
    assert decide([custom(to=[{"operation": {"paths": ["/admin"]}}])], tcp()).decision == "DENY"


# --- order of steps ------------------------------------------------------------------------


def test_mtls_refusal_comes_before_authorization() -> None:
    objects = [pa("strict", NS, "STRICT"), ap("allow", NS, **ALLOW_ALL)]
    assert decide(objects, request(source={"principal": None})).policy == "payments/strict"


def test_invalid_token_is_rejected_before_deny_policies() -> None:
    objects = [ra("jwt", NS, JWT_RULE), ap("deny", NS, **DENY_ALL)]
    assert decide(objects, request(jwt={**token(), "expired": True})).status == 401
    assert decide(objects, request(jwt=token())).status == 403


def test_trace_lists_every_candidate_policy_in_order() -> None:
    objects = [
        ap("a", NS, **ALLOW_ALL),
        ap("b", "istio-system", **DENY_ALL),
        ap("c", "web", **DENY_ALL),
    ]
    policies = [e.policy for e in decide(objects).trace if e.step in ("ALLOW", "DENY")]
    assert policies == ["istio-system/b"]  # DENY stops before ALLOW; web is not a candidate
    objects = [ap("a", NS, **ALLOW_ALL), ap("b", "istio-system", action="AUDIT", rules=[{}])]
    assert [e.policy for e in decide(objects).trace if e.step in ("ALLOW", "AUDIT")] == [
        "istio-system/b",
        "payments/a",
    ]


def test_simulator_is_reusable_and_deterministic() -> None:
    sim = Simulator(
        [ap("post", NS, rules=[{"to": [{"operation": {"methods": ["POST"]}}]}])], MeshSettings()
    )
    first = [sim.evaluate(request(method=m)).decision for m in ("POST", "GET", "POST")]
    assert first == ["ALLOW", "DENY", "ALLOW"]
    assert sim.evaluate(request()) == sim.evaluate(request())


# --- request validation --------------------------------------------------------------------


def test_request_rejects_unknown_keys_with_a_field_path() -> None:
    with pytest.raises(ValidationError) as info:
        Request.model_validate({"destination": {"namespace": NS, "port": 1, "pod": "x"}})
    assert info.value.errors()[0]["loc"] == ("destination", "pod")


def test_request_port_must_be_an_integer() -> None:
    with pytest.raises(ValidationError):
        Request.model_validate_json(
            '{"destination": {"namespace": "a", "port": "80"}, "protocol": "TCP"}'
        )
    assert Request.model_validate_json(
        '{"destination": {"namespace": "a", "port": 80}, "protocol": "TCP"}'
    )


def test_tcp_request_cannot_carry_http_fields() -> None:
    with pytest.raises(ValidationError, match="TCP request has no method"):
        tcp(method="GET")


def test_http_request_needs_method_and_path() -> None:
    with pytest.raises(ValidationError, match="needs method"):
        Request.model_validate({"destination": {"namespace": "a", "port": 80}, "path": "/"})


def test_jwt_needs_exactly_one_location() -> None:
    with pytest.raises(ValidationError, match="exactly one"):
        request(jwt={"header": "a", "param": "b"})


def test_source_ip_must_be_an_address() -> None:
    with pytest.raises(ValidationError, match="not an IP address"):
        request(source={"ip": "10.0.0.300"})
