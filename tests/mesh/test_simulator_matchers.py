"""Every AuthorizationPolicy matcher, with a matching and a non-matching request (§4.3-§4.6)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meshward.mesh.simulation.matching import (
    UntranslatableError,
    any_of,
    normalize_path,
    path_form,
    path_forms,
    string_form,
    string_forms,
)
from tests.mesh.simulator_support import (
    JWT_RULE,
    ORDERS,
    allowed_by,
    denied_by,
    op,
    ra,
    request,
    src,
    tcp,
    token,
    when,
)

# --- string forms --------------------------------------------------------------------------

_TEXT = st.text(alphabet="ab*/Aé", max_size=4)


@settings(max_examples=500, derandomize=True, database=None)
@given(patterns=st.lists(_TEXT, min_size=1, max_size=4), value=_TEXT, ignore_case=st.booleans())
def test_string_forms_is_any_of_the_single_forms(
    patterns: list[str], value: str, ignore_case: bool
) -> None:
    single = any_of(string_form(p, ignore_case=ignore_case) for p in patterns)
    assert string_forms(patterns, ignore_case=ignore_case)(value) == single(value)


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("abc", "abc", True),
        ("abc", "abcd", False),
        ("abc*", "abcdef", True),
        ("abc*", "xabc", False),
        ("*abc", "xyzabc", True),
        ("*abc", "abcx", False),
        ("*", "anything", True),
        ("*", "", False),
        ("/a/*/c", "/a/*/c", True),
        ("/a/*/c", "/a/b/c", False),
        ("*a*", "xa*", True),
        ("*a*", "xab", False),
    ],
)
def test_string_forms_are_exact_prefix_suffix_presence_and_literal_mid_star(
    pattern: str, value: str, expected: bool
) -> None:
    assert string_form(pattern)(value) is expected


# --- source identity (mTLS) ----------------------------------------------------------------


def test_principals_match_the_peer_identity() -> None:
    assert allowed_by(src(principals=[ORDERS]))
    assert not allowed_by(src(principals=["cluster.local/ns/web/sa/frontend"]))


def test_principal_written_with_spiffe_prefix_never_matches() -> None:
    assert not allowed_by(src(principals=["spiffe://" + ORDERS]))


def test_principal_star_means_any_authenticated_peer() -> None:
    assert allowed_by(src(principals=["*"]))
    assert not allowed_by(src(principals=["*"]), request(source={"principal": None}))


def test_principal_prefix_and_suffix_forms() -> None:
    assert allowed_by(src(principals=["cluster.local/ns/orders/*"]))
    assert allowed_by(src(principals=["*/sa/order-service"]))
    assert not allowed_by(src(principals=["cluster.local/ns/web/*"]))


def test_local_trust_domain_principal_matches_peers_of_the_mesh_trust_domain_and_aliases() -> None:
    peer = request(source={"principal": "corp.example/ns/orders/sa/order-service"})
    rule = src(principals=[ORDERS])
    assert allowed_by(rule, peer, trust_domain="corp.example")
    aliased = request(source={"principal": "old.example/ns/orders/sa/order-service"})
    assert allowed_by(
        rule, aliased, trust_domain="corp.example", trust_domain_aliases=("old.example",)
    )
    assert not allowed_by(rule, aliased, trust_domain="corp.example")


def test_foreign_trust_domain_principal_is_not_rewritten() -> None:
    rule = src(principals=["other.example/ns/orders/sa/order-service"])
    assert not allowed_by(rule, trust_domain="corp.example")
    peer = request(source={"principal": "other.example/ns/orders/sa/order-service"})
    assert allowed_by(rule, peer, trust_domain="corp.example")


def test_not_principals_match_when_the_peer_differs() -> None:
    assert allowed_by(src(notPrincipals=["cluster.local/ns/web/sa/frontend"]))
    assert not allowed_by(src(notPrincipals=[ORDERS]))


def test_namespaces_match_the_peer_namespace_with_wildcards_anywhere() -> None:
    assert allowed_by(src(namespaces=["orders"]))
    assert allowed_by(src(namespaces=["ord*rs"]))
    assert not allowed_by(src(namespaces=["web"]))
    assert not allowed_by(src(namespaces=["order"]))


def test_not_namespaces() -> None:
    assert allowed_by(src(notNamespaces=["web"]))
    assert not allowed_by(src(notNamespaces=["orders"]))


def test_bare_service_account_means_the_policy_namespace() -> None:
    same_ns = request(source={"principal": "cluster.local/ns/payments/sa/order-service"})
    assert allowed_by(src(serviceAccounts=["order-service"]), same_ns)
    assert not allowed_by(src(serviceAccounts=["order-service"]))


def test_namespaced_service_account_matches_any_trust_domain() -> None:
    foreign = request(source={"principal": "elsewhere.example/ns/orders/sa/order-service"})
    assert allowed_by(src(serviceAccounts=["orders/order-service"]), foreign)
    assert not allowed_by(src(serviceAccounts=["orders/other"]), foreign)


def test_service_account_dot_is_not_a_regex_wildcard() -> None:
    peer = request(source={"principal": "cluster.local/ns/cert-manager/sa/certXmanager"})
    assert not allowed_by(src(serviceAccounts=["cert-manager/cert.manager"]), peer)


def test_not_service_accounts() -> None:
    assert allowed_by(src(notServiceAccounts=["orders/other"]))
    assert not allowed_by(src(notServiceAccounts=["orders/order-service"]))


def test_trust_domains_match_exact_and_wildcard_ends() -> None:
    assert allowed_by(src(trustDomains=["cluster.local"]))
    assert allowed_by(src(trustDomains=["*.local"]))
    assert allowed_by(src(trustDomains=["cluster*"]))
    assert not allowed_by(src(trustDomains=["corp.example"]))


def test_not_trust_domains() -> None:
    assert allowed_by(src(notTrustDomains=["corp.example"]))
    assert not allowed_by(src(notTrustDomains=["cluster.local"]))


PLAINTEXT = request(source={"principal": None, "ip": "10.0.1.5"})


@pytest.mark.parametrize(
    "field",
    ["principals", "namespaces", "serviceAccounts", "trustDomains"],
)
def test_identity_fields_never_match_plaintext_and_their_not_forms_do(field: str) -> None:
    value = {
        "principals": "*",
        "namespaces": "*",
        "serviceAccounts": "orders/x",
        "trustDomains": "*",
    }[field]
    assert not allowed_by(src(**{field: [value]}), PLAINTEXT)
    not_field = "not" + field[0].upper() + field[1:]
    assert allowed_by(src(**{not_field: [value]}), PLAINTEXT)


def test_not_principals_star_denies_plaintext_only() -> None:
    assert denied_by(src(notPrincipals=["*"]), PLAINTEXT)
    assert not denied_by(src(notPrincipals=["*"]))


# --- addresses -----------------------------------------------------------------------------


def test_ip_blocks_match_address_or_cidr() -> None:
    assert allowed_by(src(ipBlocks=["10.0.0.0/16"]))
    assert allowed_by(src(ipBlocks=["10.0.1.5"]))
    assert not allowed_by(src(ipBlocks=["192.168.0.0/16"]))


def test_ipv6_block_does_not_match_an_ipv4_peer() -> None:
    assert not allowed_by(src(ipBlocks=["::/0"]))


def test_not_ip_blocks() -> None:
    assert allowed_by(src(notIpBlocks=["192.168.0.0/16"]))
    assert not allowed_by(src(notIpBlocks=["10.0.0.0/8"]))


def test_remote_ip_blocks_use_remote_ip_and_default_to_the_peer_address() -> None:
    forwarded = request(source={"principal": ORDERS, "ip": "10.0.1.5", "remote_ip": "203.0.113.9"})
    assert allowed_by(src(remoteIpBlocks=["203.0.113.0/24"]), forwarded)
    assert not allowed_by(src(remoteIpBlocks=["10.0.0.0/8"]), forwarded)
    assert allowed_by(src(remoteIpBlocks=["10.0.0.0/8"]))


def test_not_remote_ip_blocks() -> None:
    assert allowed_by(src(notRemoteIpBlocks=["203.0.113.0/24"]))
    assert not allowed_by(src(notRemoteIpBlocks=["10.0.1.0/24"]))


def test_ip_fields_need_no_mtls() -> None:
    assert allowed_by(src(ipBlocks=["10.0.1.0/24"]), PLAINTEXT)


# --- request principals --------------------------------------------------------------------

WITH_TOKEN = request(jwt=token())
RA = ra("jwt", "payments", JWT_RULE)
PRINCIPAL = "https://login.example.com/user-1"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("*", True),
        (PRINCIPAL, True),
        ("https://login.example.com/user-2", False),
        ("https://login.example.com/*", True),
        ("https://other.example.com/*", False),
        ("*/user-1", True),
        ("*/user-2", False),
        ("https://login*", True),
        ("https://other*", False),
        ("*er-1", True),
        ("*er-2", False),
    ],
)
def test_request_principal_forms(value: str, expected: bool) -> None:
    assert allowed_by(src(requestPrincipals=[value]), WITH_TOKEN, RA) is expected


def test_request_principal_star_requires_a_token() -> None:
    assert not allowed_by(src(requestPrincipals=["*"]), request(), RA)


def test_not_request_principals_star_denies_requests_without_token() -> None:
    assert denied_by(src(notRequestPrincipals=["*"]), request(), RA)
    assert not denied_by(src(notRequestPrincipals=["*"]), WITH_TOKEN, RA)


def test_request_principal_issuer_with_trailing_slash_splits_at_last_slash() -> None:
    req = request(jwt={**token(), "claims": {"iss": "https://a.example/", "sub": "u"}})
    rules = ra("jwt", "payments", {"issuer": "https://a.example/"})
    assert allowed_by(src(requestPrincipals=["https://a.example//u"]), req, rules)
    assert not allowed_by(src(requestPrincipals=["https://a.example/u"]), req, rules)


# --- operation -----------------------------------------------------------------------------


def test_hosts_match_case_insensitively() -> None:
    assert allowed_by(op(hosts=["Payments.payments.svc.cluster.local"]))
    assert not allowed_by(op(hosts=["orders.orders.svc.cluster.local"]))


def test_hosts_are_port_sensitive() -> None:
    with_port = request(host="example.com:8080")
    assert not allowed_by(op(hosts=["example.com"]), with_port)
    assert allowed_by(op(hosts=["example.com", "example.com:*"]), with_port)


def test_not_hosts() -> None:
    assert allowed_by(op(notHosts=["example.com"]))
    assert not allowed_by(op(notHosts=["*.cluster.local"]))


def test_methods_are_case_sensitive() -> None:
    assert allowed_by(op(methods=["GET"]))
    assert not allowed_by(op(methods=["get"]))


def test_not_methods() -> None:
    assert allowed_by(op(notMethods=["POST"]))
    assert not allowed_by(op(notMethods=["GET"]))


def test_paths_ignore_the_query_string() -> None:
    assert allowed_by(op(paths=["/allow"]), request(path="/allow?x=1"))
    assert not allowed_by(op(paths=["/allow"]), request(path="/allowed?x=1"))


def test_paths_are_case_sensitive_with_prefix_form() -> None:
    assert allowed_by(op(paths=["/api/*"]), request(path="/api/v1"))
    assert not allowed_by(op(paths=["/api/*"]), request(path="/API/v1"))


def test_not_paths() -> None:
    assert allowed_by(op(notPaths=["/admin*"]), request(path="/public"))
    assert not allowed_by(op(notPaths=["/admin*"]), request(path="/admin/x"))


@pytest.mark.parametrize(
    ("template", "path", "expected"),
    [
        ("/allow/admin/{**}", "/allow/admin/", True),
        ("/allow/admin/{**}", "/allow/admin/x/y", True),
        ("/allow/admin/{**}", "/allow/admin", False),
        ("/store/{**}/cart", "/store//cart", True),
        ("/store/{**}/cart", "/store/cart", False),
        ("/item/{*}/buy", "/item/42/buy", True),
        ("/item/{*}/buy", "/item/42/43/buy", False),
        ("/item/{*}/buy", "/item//buy", False),
    ],
)
def test_path_templates(template: str, path: str, expected: bool) -> None:
    assert allowed_by(op(paths=[template]), request(path=path)) is expected


_PATH_TEXT = st.text(alphabet="ab*/{}", max_size=6)


@settings(max_examples=500, derandomize=True, database=None)
@given(patterns=st.lists(_PATH_TEXT, min_size=1, max_size=4), value=_PATH_TEXT)
def test_path_forms_is_any_of_the_single_path_forms(patterns: list[str], value: str) -> None:
    try:
        single = any_of(path_form(p) for p in patterns)
    except UntranslatableError as exc:
        with pytest.raises(UntranslatableError, match=re.escape(str(exc))):
            path_forms(patterns)
        return
    assert path_forms(patterns)(value) == single(value)


def test_path_forms_mixes_string_forms_and_templates() -> None:
    match = path_forms(["/api/*", "/item/{*}/buy", "/health"])
    assert match("/api/x") and match("/item/42/buy") and match("/health")
    assert not match("/item/42/sell") and not match("/healthz")


def test_base_normalization_resolves_encoded_dot_segments() -> None:
    assert denied_by(op(paths=["/private"]), request(path="/public/%2E%2E/private"))
    assert not denied_by(op(paths=["/private"]), request(path="/public/private"))


def test_default_normalization_does_not_merge_slashes_so_deny_is_bypassed() -> None:
    assert not denied_by(op(paths=["/admin"]), request(path="//admin"))
    assert denied_by(
        op(paths=["/admin"]), request(path="//admin"), path_normalization="MERGE_SLASHES"
    )


@pytest.mark.parametrize(
    ("mode", "raw", "expected"),
    [
        ("NONE", "/a/../b?q", "/a/../b"),
        ("BASE", "/a/../b", "/b"),
        ("BASE", "\\da", "/da"),
        ("BASE", "/%61dmin", "/admin"),
        ("BASE", "/a%2fb", "/a%2Fb"),
        ("BASE", "/a/./b/", "/a/b/"),
        ("BASE", "/a/b/..", "/a/"),
        ("BASE", "/x#frag", "/x"),
        ("MERGE_SLASHES", "/a//b", "/a/b"),
        ("DECODE_AND_MERGE_SLASHES", "/a%2fb", "/a/b"),
        ("DECODE_AND_MERGE_SLASHES", "/a%5C..%5Cb", "/b"),
    ],
)
def test_path_normalization_modes(mode: str, raw: str, expected: str) -> None:
    assert normalize_path(raw, mode) == expected  # type: ignore[arg-type]


def test_ports_are_the_workload_port() -> None:
    assert allowed_by(op(ports=["8080"]))
    assert not allowed_by(op(ports=["80"]))


def test_not_ports() -> None:
    assert allowed_by(op(notPorts=["80"]))
    assert not allowed_by(op(notPorts=["8080"]))


# --- rule structure --------------------------------------------------------------------------


def test_fields_of_one_source_are_anded() -> None:
    assert allowed_by(src(namespaces=["orders"], ipBlocks=["10.0.0.0/8"]))
    assert not allowed_by(src(namespaces=["orders"], ipBlocks=["192.168.0.0/16"]))


def test_from_entries_are_ored() -> None:
    rule = {"from": [{"source": {"namespaces": ["web"]}}, {"source": {"namespaces": ["orders"]}}]}
    assert allowed_by(rule)
    assert not allowed_by({"from": [{"source": {"namespaces": ["web"]}}]})


def test_from_to_and_when_are_anded() -> None:
    rule = {
        **src(namespaces=["orders"]),
        **op(methods=["GET"]),
        **when("destination.port", ["8080"]),
    }
    assert allowed_by(rule)
    assert not allowed_by({**rule, **op(methods=["POST"])})


def test_value_and_not_value_combine() -> None:
    rule = op(paths=["/api/*"], notPaths=["/api/admin"])
    assert allowed_by(rule, request(path="/api/users"))
    assert not allowed_by(rule, request(path="/api/admin"))


def test_empty_rule_matches_everything() -> None:
    assert allowed_by({})
    assert denied_by({}, tcp())


def test_empty_from_list_means_any_source() -> None:
    assert allowed_by({"from": [], "to": [{"operation": {"methods": ["GET"]}}]})
    assert not allowed_by({"from": [], "to": [{"operation": {"methods": ["PUT"]}}]})


# --- when conditions -----------------------------------------------------------------------


def test_when_request_headers_match_case_insensitive_names_and_string_forms() -> None:
    req = request(headers={"X-Api-Version": "v1.2"})
    assert allowed_by(when("request.headers[x-api-version]", ["v1*"]), req)
    assert not allowed_by(when("request.headers[x-api-version]", ["v2*"]), req)


def test_when_header_not_values_match_an_absent_header() -> None:
    assert allowed_by(when("request.headers[x-debug]", not_values=["1"]))
    assert not allowed_by(when("request.headers[x-debug]", ["*"]))


def test_when_source_ip_and_remote_ip() -> None:
    assert allowed_by(when("source.ip", ["10.0.1.0/24"]))
    assert not allowed_by(when("source.ip", ["10.0.2.0/24"]))
    assert allowed_by(when("remote.ip", ["10.0.1.5"]))
    assert not allowed_by(when("remote.ip", ["10.0.1.6"]))


def test_when_source_namespace_and_principal() -> None:
    assert allowed_by(when("source.namespace", ["orders"]))
    assert not allowed_by(when("source.namespace", ["web"]))
    assert allowed_by(when("source.principal", [ORDERS]))
    assert not allowed_by(when("source.principal", [ORDERS]), PLAINTEXT)


def test_when_source_principal_uses_trust_domain_aliasing() -> None:
    peer = request(source={"principal": "corp.example/ns/orders/sa/order-service"})
    assert allowed_by(when("source.principal", [ORDERS]), peer, trust_domain="corp.example")
    assert not allowed_by(when("source.principal", [ORDERS]), peer)


def test_when_source_service_account_and_trust_domain() -> None:
    assert allowed_by(when("source.serviceAccount", ["orders/order-service"]))
    assert not allowed_by(when("source.serviceAccount", ["order-service"]))
    assert allowed_by(when("source.trustDomain", ["cluster.local"]))
    assert not allowed_by(when("source.trustDomain", ["corp.example"]))


def test_when_destination_port() -> None:
    assert allowed_by(when("destination.port", ["8080"]))
    assert not allowed_by(when("destination.port", ["9090"]))


def test_when_attributes_a_request_does_not_carry_are_absent() -> None:
    for key, value in (
        ("destination.ip", "10.0.0.1"),
        ("connection.sni", "payments.example"),
        ("experimental.envoy.filters.network.mysql_proxy[db.table]", "[update]"),
    ):
        assert not allowed_by(when(key, [value])), key
        assert allowed_by(when(key, not_values=[value])), key


def test_when_request_auth_principal() -> None:
    assert allowed_by(when("request.auth.principal", [PRINCIPAL]), WITH_TOKEN, RA)
    assert not allowed_by(when("request.auth.principal", ["*/user-2"]), WITH_TOKEN, RA)


def test_when_request_auth_audiences_match_string_or_list_aud() -> None:
    listed = request(jwt=token(aud=["api://a", "api://b"]))
    assert allowed_by(when("request.auth.audiences", ["api://b"]), listed, RA)
    assert not allowed_by(when("request.auth.audiences", ["api://c"]), listed, RA)
    single = request(jwt=token(aud="api://a"))
    assert allowed_by(when("request.auth.audiences", ["api://a"]), single, RA)


def test_when_request_auth_presenter_matches_azp() -> None:
    req = request(jwt=token(azp="client-1"))
    assert allowed_by(when("request.auth.presenter", ["client-1"]), req, RA)
    assert not allowed_by(when("request.auth.presenter", ["client-2"]), req, RA)


def test_when_claims_match_strings_and_list_members() -> None:
    req = request(jwt=token(groups=["admins", "ops"], tier="gold"))
    assert allowed_by(when("request.auth.claims[groups]", ["ops"]), req, RA)
    assert allowed_by(when("request.auth.claims[tier]", ["gold"]), req, RA)
    assert not allowed_by(when("request.auth.claims[groups]", ["dev"]), req, RA)


def test_when_nested_claims() -> None:
    req = request(jwt=token(realm={"roles": ["reader"]}))
    assert allowed_by(when("request.auth.claims[realm][roles]", ["reader"]), req, RA)
    assert not allowed_by(when("request.auth.claims[realm][roles]", ["writer"]), req, RA)


def test_when_scope_claim_is_space_delimited() -> None:
    req = request(jwt=token(scope="read write"))
    assert allowed_by(when("request.auth.claims[scope]", ["write"]), req, RA)
    assert not allowed_by(when("request.auth.claims[scope]", ["admin"]), req, RA)


def test_space_delimited_claims_of_the_rule_are_split() -> None:
    req = request(jwt=token(roles="a b"))
    custom = ra("jwt", "payments", {**JWT_RULE, "spaceDelimitedClaims": ["roles"]})
    assert allowed_by(when("request.auth.claims[roles]", ["b"]), req, custom)
    assert not allowed_by(when("request.auth.claims[roles]", ["b"]), req, RA)


def test_non_string_claims_never_match_string_values() -> None:
    req = request(jwt=token(admin=True, level=3))
    assert not allowed_by(when("request.auth.claims[admin]", ["true"]), req, RA)
    assert not allowed_by(when("request.auth.claims[level]", ["3"]), req, RA)


def test_unknown_when_key_skips_the_rule_for_allow_and_deny() -> None:
    assert not allowed_by(when("destination.labels[app]", ["payment-service"]))
    assert not denied_by(when("source.user", ["x"]))


def test_malformed_header_key_skips_allow_rule_but_only_the_condition_in_deny() -> None:
    assert not allowed_by(when("request.headersX[y]", ["z"]))
    assert denied_by(when("request.headersX[y]", ["z"]))


def test_untranslatable_ip_block_drops_allow_rule_and_widens_deny() -> None:
    rule = src(ipBlocks=["not-an-ip"], namespaces=["orders"])
    assert not allowed_by(rule)
    assert denied_by(rule)
    assert not denied_by(src(ipBlocks=["not-an-ip"], namespaces=["web"]))


# --- TCP -----------------------------------------------------------------------------------


def test_deny_with_only_methods_denies_all_tcp_traffic() -> None:
    assert denied_by(op(methods=["POST"]), tcp())
    assert not denied_by(op(methods=["POST"]), request(method="GET"))


def test_deny_with_methods_and_ports_denies_tcp_on_that_port_only() -> None:
    rule = op(methods=["POST"], ports=["8080"])
    assert denied_by(rule, tcp())
    assert not denied_by(rule, tcp(destination={"namespace": "payments", "port": 9090}))


def test_allow_rule_with_http_only_field_allows_nothing_on_tcp() -> None:
    assert not allowed_by({**src(namespaces=["orders"]), **op(methods=["GET"])}, tcp())
    assert allowed_by(src(namespaces=["orders"]), tcp())


def test_allow_rule_with_http_only_when_key_is_dropped_on_tcp() -> None:
    assert not allowed_by(when("request.headers[x]", not_values=["y"]), tcp())
    assert allowed_by(when("request.headers[x]", not_values=["y"]))


def test_deny_request_principals_only_denies_all_tcp() -> None:
    assert denied_by(src(notRequestPrincipals=["*"]), tcp(), RA)


# --- SEMANTICS §4.3 corrections --------------------------------------------------------------


def test_header_star_means_present_even_with_an_empty_value() -> None:
    rule = when("request.headers[x-debug]", ["*"])
    assert allowed_by(rule, request(headers={"x-debug": ""}))
    assert not allowed_by(rule, request(headers={"x-other": "1"}))


def test_trust_domains_expand_to_the_mesh_trust_domain_and_aliases() -> None:
    aliased = request(source={"principal": "old.example/ns/orders/sa/order-service"})
    settings = {"trust_domain": "corp.example", "trust_domain_aliases": ("old.example",)}
    assert allowed_by(src(trustDomains=["corp.example"]), aliased, **settings)
    assert allowed_by(when("source.trustDomain", ["corp.example"]), aliased, **settings)
    assert not allowed_by(src(trustDomains=["corp.example"]), aliased, trust_domain="corp.example")


def test_trust_domains_have_no_cluster_local_special_case() -> None:
    local = request(source={"principal": "corp.example/ns/orders/sa/order-service"})
    assert not allowed_by(src(trustDomains=["cluster.local"]), local, trust_domain="corp.example")
    assert not allowed_by(
        when("source.trustDomain", ["cluster.local"]), local, trust_domain="corp.example"
    )
    # while a principal naming cluster.local still means "this mesh"
    assert allowed_by(src(principals=[ORDERS]), local, trust_domain="corp.example")
