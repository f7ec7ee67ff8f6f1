"""PeerAuthentication (mTLS mode) and RequestAuthentication (JWT) steps (SEMANTICS §5)."""

from __future__ import annotations

from tests.mesh.simulator_support import (
    ISSUER,
    JWT_RULE,
    NS,
    ORDERS,
    decide,
    pa,
    ra,
    request,
    tcp,
    token,
)

PLAINTEXT = request(source={"principal": None, "ip": "10.0.1.5"})
WORKLOAD = {"matchLabels": {"app": "payment-service"}}

# --- PeerAuthentication --------------------------------------------------------------------


def test_no_peer_authentication_means_permissive() -> None:
    assert decide([], PLAINTEXT).decision == "ALLOW"


def test_mesh_strict_refuses_plaintext_with_403_and_names_the_policy() -> None:
    result = decide([pa("default", "istio-system", "STRICT")], PLAINTEXT)
    assert (result.decision, result.status, result.policy) == ("DENY", 403, "istio-system/default")
    assert decide([pa("default", "istio-system", "STRICT")]).decision == "ALLOW"


def test_strict_refuses_plaintext_tcp_too() -> None:
    assert decide([pa("ns", NS, "STRICT")], tcp(source={"principal": None})).status == 403


def test_namespace_level_overrides_mesh_level() -> None:
    objects = [pa("mesh", "istio-system", "STRICT"), pa("ns", NS, "PERMISSIVE")]
    assert decide(objects, PLAINTEXT).decision == "ALLOW"
    objects = [pa("mesh", "istio-system", "PERMISSIVE"), pa("ns", NS, "STRICT")]
    assert decide(objects, PLAINTEXT).policy == "payments/ns"


def test_workload_level_overrides_namespace_level() -> None:
    objects = [pa("ns", NS, "STRICT"), pa("wl", NS, "PERMISSIVE", selector=WORKLOAD)]
    assert decide(objects, PLAINTEXT).decision == "ALLOW"
    other = {"matchLabels": {"app": "other"}}
    objects = [pa("ns", NS, "STRICT"), pa("wl", NS, "PERMISSIVE", selector=other)]
    assert decide(objects, PLAINTEXT).decision == "DENY"


def test_peer_authentication_in_another_namespace_does_not_apply() -> None:
    assert decide([pa("ns", "web", "STRICT")], PLAINTEXT).decision == "ALLOW"


def test_root_namespace_peer_authentication_with_selector_is_ignored() -> None:
    result = decide([pa("wl", "istio-system", "STRICT", selector=WORKLOAD)], PLAINTEXT)
    assert result.decision == "ALLOW"
    assert any(e.policy == "istio-system/wl" and e.result == "ignored" for e in result.trace)


def test_root_namespace_follows_the_setting() -> None:
    objects = [pa("mesh", "mesh-root", "STRICT")]
    assert decide(objects, PLAINTEXT, root_namespace="mesh-root").decision == "DENY"
    assert decide(objects, PLAINTEXT).decision == "ALLOW"


def test_unset_workload_mode_inherits_from_namespace() -> None:
    objects = [pa("ns", NS, "STRICT"), pa("wl", NS, "UNSET", selector=WORKLOAD)]
    assert decide(objects, PLAINTEXT).policy == "payments/ns"
    objects = [pa("ns", NS, "PERMISSIVE"), pa("wl", NS, "UNSET", selector=WORKLOAD)]
    assert decide(objects, PLAINTEXT).decision == "ALLOW"


def test_unset_mesh_mode_means_permissive() -> None:
    assert decide([pa("mesh", "istio-system", "UNSET")], PLAINTEXT).decision == "ALLOW"


def test_oldest_namespace_policy_wins_by_creation_timestamp() -> None:
    newer = pa("newer", NS, "PERMISSIVE")
    newer["metadata"]["creationTimestamp"] = "2025-01-02T00:00:00Z"
    older = pa("older", NS, "STRICT")
    older["metadata"]["creationTimestamp"] = "2024-01-01T00:00:00Z"
    assert decide([newer, older], PLAINTEXT).policy == "payments/older"
    older["spec"]["mtls"]["mode"] = "PERMISSIVE"
    newer["spec"]["mtls"]["mode"] = "STRICT"
    assert decide([newer, older], PLAINTEXT).decision == "ALLOW"


def test_without_timestamps_the_first_given_wins() -> None:
    objects = [pa("first", NS, "STRICT"), pa("second", NS, "PERMISSIVE")]
    assert decide(objects, PLAINTEXT).policy == "payments/first"
    assert decide(objects[::-1], PLAINTEXT).decision == "ALLOW"


def test_port_level_mtls_overrides_the_workload_port_only() -> None:
    wl = pa("wl", NS, "STRICT", selector=WORKLOAD, portLevelMtls={"8080": {"mode": "PERMISSIVE"}})
    assert decide([wl], PLAINTEXT).decision == "ALLOW"
    on_9090 = request(
        source={"principal": None},
        destination={"namespace": NS, "labels": {"app": "payment-service"}, "port": 9090},
    )
    assert decide([wl], on_9090).decision == "DENY"


def test_port_level_unset_takes_the_workload_mode() -> None:
    wl = pa("wl", NS, "STRICT", selector=WORKLOAD, portLevelMtls={"8080": {"mode": "UNSET"}})
    assert decide([wl], PLAINTEXT).decision == "DENY"


def test_port_level_strict_over_permissive_workload() -> None:
    wl = pa("wl", NS, "PERMISSIVE", selector=WORKLOAD, portLevelMtls={8080: {"mode": "STRICT"}})
    assert decide([wl], PLAINTEXT).decision == "DENY"
    assert decide([wl]).decision == "ALLOW"


def test_disable_strips_the_peer_identity_from_mtls_requests() -> None:
    allow_orders = {
        "apiVersion": "security.istio.io/v1",
        "kind": "AuthorizationPolicy",
        "metadata": {"name": "a", "namespace": NS},
        "spec": {"rules": [{"from": [{"source": {"principals": [ORDERS]}}]}]},
    }
    assert decide([allow_orders]).decision == "ALLOW"
    assert decide([allow_orders, pa("ns", NS, "DISABLE")]).decision == "DENY"


# --- RequestAuthentication -----------------------------------------------------------------

RA = ra("jwt", NS, JWT_RULE)


def test_valid_token_is_accepted() -> None:
    result = decide([RA], request(jwt=token()))
    assert result.decision == "ALLOW"
    assert any(e.result == "accepted" for e in result.trace)


def test_expired_token_is_rejected_with_401() -> None:
    result = decide([RA], request(jwt={**token(), "expired": True}))
    assert (result.decision, result.status, result.policy) == ("DENY", 401, "payments/jwt")


def test_bad_signature_is_rejected_with_401() -> None:
    assert decide([RA], request(jwt={**token(), "signature_valid": False})).status == 401


def test_unknown_issuer_is_rejected_with_401() -> None:
    stranger = request(jwt={**token(), "claims": {"iss": "https://evil.example", "sub": "x"}})
    assert decide([RA], stranger).status == 401


def test_audience_mismatch_is_rejected_with_403() -> None:
    rules = ra("jwt", NS, {**JWT_RULE, "audiences": ["api://payments"]})
    assert decide([rules], request(jwt=token(aud="api://orders"))).status == 403
    assert decide([rules], request(jwt=token(aud=["api://x", "api://payments"]))).status == 200


def test_expiry_is_checked_before_audience() -> None:
    rules = ra("jwt", NS, {**JWT_RULE, "audiences": ["api://payments"]})
    expired = request(jwt={**token(aud="api://orders"), "expired": True})
    assert decide([rules], expired).status == 401


def test_no_token_passes_authentication_without_principal() -> None:
    assert decide([RA], request()).status == 200


def test_token_is_ignored_when_no_request_authentication_applies() -> None:
    broken = request(jwt={**token(), "signature_valid": False})
    assert decide([], broken).status == 200
    assert decide([ra("jwt", "web", JWT_RULE)], broken).status == 200
    assert decide([ra("jwt", "istio-system", JWT_RULE)], broken).status == 401


def test_request_authentication_selector_must_match_the_workload() -> None:
    broken = request(jwt={**token(), "signature_valid": False})
    assert (
        decide([ra("jwt", NS, JWT_RULE, selector={"matchLabels": {"app": "other"}})], broken).status
        == 200
    )
    assert decide([ra("jwt", NS, JWT_RULE, selector=WORKLOAD)], broken).status == 401


def test_request_authentication_with_target_ref_is_ignored_by_sidecars() -> None:
    target = {"kind": "Gateway", "group": "gateway.networking.k8s.io", "name": "gw"}
    broken = request(jwt={**token(), "signature_valid": False})
    assert decide([ra("jwt", NS, JWT_RULE, targetRef=target)], broken).status == 200


def test_default_location_reads_access_token_param() -> None:
    param = request(
        jwt={"param": "access_token", "claims": {"iss": ISSUER, "sub": "u"}, "expired": True}
    )
    assert decide([RA], param).status == 401
    other = request(jwt={"param": "token", "claims": {"iss": ISSUER, "sub": "u"}, "expired": True})
    assert decide([RA], other).status == 200


def test_default_location_ignores_other_authorization_schemes() -> None:
    basic = request(jwt={**token(), "prefix": "Basic ", "expired": True})
    assert decide([RA], basic).status == 200


def test_explicit_locations_replace_the_defaults() -> None:
    rules = ra("jwt", NS, {**JWT_RULE, "fromHeaders": [{"name": "x-jwt"}]})
    in_authorization = request(jwt={**token(), "expired": True})
    assert decide([rules], in_authorization).status == 200
    in_header = request(
        jwt={"header": "X-JWT", "claims": {"iss": ISSUER, "sub": "u"}, "expired": True}
    )
    assert decide([rules], in_header).status == 401


def test_header_prefix_mismatch_makes_the_token_invalid() -> None:
    rules = ra("jwt", NS, {**JWT_RULE, "fromHeaders": [{"name": "x-jwt", "prefix": "Token "}]})
    wrong = request(
        jwt={"header": "x-jwt", "prefix": "Bearer ", "claims": {"iss": ISSUER, "sub": "u"}}
    )
    assert decide([rules], wrong).status == 401
    right = request(
        jwt={"header": "x-jwt", "prefix": "Token ", "claims": {"iss": ISSUER, "sub": "u"}}
    )
    assert decide([rules], right).status == 200


def test_params_and_cookies_locations() -> None:
    rules = ra("jwt", NS, {**JWT_RULE, "fromParams": ["jwt"], "fromCookies": ["session"]})
    claims = {"iss": ISSUER, "sub": "u"}
    assert (
        decide([rules], request(jwt={"param": "jwt", "claims": claims, "expired": True})).status
        == 401
    )
    assert (
        decide(
            [rules], request(jwt={"cookie": "session", "claims": claims, "expired": True})
        ).status
        == 401
    )
    assert (
        decide([rules], request(jwt={"cookie": "other", "claims": claims, "expired": True})).status
        == 200
    )


def test_rules_of_two_policies_for_one_issuer_combine() -> None:
    strict_aud = ra("a", NS, {**JWT_RULE, "audiences": ["api://a"]})
    other_aud = ra("b", "istio-system", {**JWT_RULE, "audiences": ["api://b"]})
    assert decide([strict_aud, other_aud], request(jwt=token(aud="api://b"))).status == 200
    assert decide([strict_aud, other_aud], request(jwt=token(aud="api://c"))).status == 403


def test_cors_preflight_bypasses_jwt() -> None:
    preflight = request(
        method="OPTIONS",
        headers={"Origin": "https://app", "Access-Control-Request-Method": "POST"},
        jwt={**token(), "expired": True},
    )
    assert decide([RA], preflight).status == 200
    assert decide([RA], request(method="OPTIONS", jwt={**token(), "expired": True})).status == 401


def test_tcp_has_no_jwt_step() -> None:
    assert decide([RA], tcp()).status == 200
