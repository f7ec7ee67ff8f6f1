"""The compiler: intent → Istio objects, rule by rule, and what they decide."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from meshward.errors import ConfigError
from meshward.mesh.compiler import (
    BREAK_GLASS_ANNOTATION,
    INTENT_ANNOTATION,
    principal,
    sorted_json_encoder,
)
from meshward.mesh.simulation import MeshSettings, Request, simulate
from tests.mesh.intent_support import BASE_MESH, ISSUER, by_key, compiled, config
from tests.mesh.test_compiler_property import compiled as compiled_property
from tests.mesh.test_compiler_property import intents

AP = "AuthorizationPolicy"


def objects(mesh: dict[str, Any] | None = None, **extra: Any) -> dict[str, dict[str, Any]]:
    return by_key(compiled(config(mesh, **extra)))


def mesh_with(**changes: Any) -> dict[str, Any]:
    mesh = copy.deepcopy(BASE_MESH)
    mesh.update(changes)
    return mesh


def test_principal_is_trust_domain_namespace_service_account_without_spiffe() -> None:
    assert principal("cluster.local", "web", "frontend") == "cluster.local/ns/web/sa/frontend"
    rule = objects()[f"{AP}/orders/order-service-allow"]["spec"]["rules"][0]
    assert rule["from"] == [{"source": {"principals": ["cluster.local/ns/web/sa/frontend"]}}]


def test_principals_use_the_configured_trust_domain_and_service_account() -> None:
    mesh = mesh_with(trustDomain="corp.example", install="helm", revisions=[])
    mesh["access"].append(
        {
            "name": "orders-to-payments",
            "from": {"workloads": ["orders/order-service"]},
            "to": {"workloads": ["payments/payment-service"], "paths": ["/pay"]},
        }
    )
    out = objects(mesh)
    sources = [r["from"] for r in out[f"{AP}/payments/payment-service-allow"]["spec"]["rules"]]
    assert [{"source": {"principals": ["corp.example/ns/orders/sa/orders-sa"]}}] in sources


@pytest.mark.parametrize(
    ("install", "root"), [("addon", "aks-istio-system"), ("helm", "istio-system")]
)
def test_mesh_wide_mtls_lives_in_the_installation_root_namespace(install: str, root: str) -> None:
    out = objects(mesh_with(install=install))
    assert out[f"PeerAuthentication/{root}/mesh-mtls"]["spec"] == {"mtls": {"mode": "STRICT"}}


def test_mtls_overrides_per_namespace_workload_and_port() -> None:
    mtls = {
        "namespaces": {"web": "PERMISSIVE"},
        "workloads": [{"workload": "orders/order-service", "ports": {"9090": "PERMISSIVE"}}],
    }
    out = objects(mesh_with(mtls=mtls))
    assert out["PeerAuthentication/web/namespace-mtls"]["spec"] == {"mtls": {"mode": "PERMISSIVE"}}
    assert out["PeerAuthentication/orders/order-service-mtls"]["spec"] == {
        "selector": {"matchLabels": {"app": "order-service"}},
        "portLevelMtls": {"9090": {"mode": "PERMISSIVE"}},
    }


def test_allow_nothing_in_every_default_deny_namespace_only() -> None:
    mesh = mesh_with(namespaces={"web": {"defaultDeny": False}, "empty": {}})
    out = objects(mesh)
    nothing = sorted(k for k in out if k.endswith("/allow-nothing"))
    assert nothing == [
        f"{AP}/empty/allow-nothing",
        f"{AP}/orders/allow-nothing",
        f"{AP}/payments/allow-nothing",
    ]
    assert out[f"{AP}/orders/allow-nothing"]["spec"] == {}


def test_one_allow_policy_per_workload_with_all_its_rules_sorted() -> None:
    mesh = mesh_with()
    mesh["access"].append(
        {
            "name": "scrape",
            "from": {"ipBlocks": ["10.0.0.0/8"]},
            "to": {"workloads": ["orders/order-service"], "ports": [9090], "paths": ["/metrics"]},
        }
    )
    policy = objects(mesh)[f"{AP}/orders/order-service-allow"]
    assert policy["spec"]["action"] == "ALLOW"
    assert policy["spec"]["selector"] == {"matchLabels": {"app": "order-service"}}
    rules = policy["spec"]["rules"]
    assert len(rules) == 2
    assert rules == sorted(rules, key=lambda r: json.dumps(r, sort_keys=True))
    assert policy["metadata"]["annotations"][INTENT_ANNOTATION] == (
        "access:frontend-to-orders,access:scrape"
    )


def test_allow_rules_always_list_the_workload_ports() -> None:
    out = objects()
    ledger = out[f"{AP}/payments/ledger-db-allow"]["spec"]["rules"]
    assert ledger == [
        {
            "from": [{"source": {"principals": ["cluster.local/ns/payments/sa/payment-service"]}}],
            "to": [{"operation": {"ports": ["5432"]}}],
        }
    ]


def test_jwt_rule_requires_the_issuer_and_claims_and_adds_request_authentication() -> None:
    out = objects()
    rule = out[f"{AP}/payments/payment-service-allow"]["spec"]["rules"][0]
    assert rule["from"] == [
        {
            "source": {
                "principals": ["cluster.local/ns/aks-istio-ingress/sa/*"],
                "requestPrincipals": [f"{ISSUER}/*"],
            }
        }
    ]
    assert rule["when"] == [{"key": "request.auth.claims[groups]", "values": ["payments-admins"]}]
    ra = out["RequestAuthentication/payments/payment-service-jwt"]["spec"]
    assert ra["jwtRules"] == [
        {
            "issuer": ISSUER,
            "jwksUri": "https://login.example.com/keys",
            "audiences": ["api://app"],
            "outputClaimToHeaders": [{"header": "x-user-oid", "claim": "oid"}],
        }
    ]


def test_token_mandatory_policy_exists_for_every_workload_with_a_jwt_rule() -> None:
    out = objects()
    jwt_targets = {
        k.split("/")[1] + "/" + k.split("/")[2][: -len("-jwt")]
        for k in out
        if k.startswith("RequestAuthentication/")
    }
    assert jwt_targets == {"payments/payment-service"}
    for target in jwt_targets:
        ns, name = target.split("/")
        require = out[f"{AP}/{ns}/{name}-require-jwt"]["spec"]
        assert require["action"] == "DENY"
        assert require["rules"] == [
            {
                "from": [
                    {
                        "source": {
                            "principals": ["cluster.local/ns/aks-istio-ingress/sa/*"],
                            "notRequestPrincipals": ["*"],
                        }
                    }
                ],
                "to": [{"operation": {"ports": ["8443"]}}],
            }
        ]


def test_deny_rules_are_negative_for_exemptions_port_scoped_and_path_prefixes() -> None:
    mesh = mesh_with(
        deny=[
            {
                "name": "admin",
                "unless": {"workloads": ["web/frontend"], "namespaces": ["ops"]},
                "to": {
                    "workloads": ["orders/order-service"],
                    "paths": ["/admin"],
                    "methods": ["DELETE"],
                },
            },
            {
                "name": "no-web-to-ledger",
                "from": {"namespaces": ["web"]},
                "to": {"workloads": ["payments/ledger-db"]},
            },
        ]
    )
    mesh["workloads"][1]["ports"].append({"port": 6379, "protocol": "tcp"})
    out = objects(mesh)
    orders = out[f"{AP}/orders/order-service-deny"]["spec"]
    assert orders["action"] == "DENY"
    assert orders["rules"] == [
        {
            "from": [
                {
                    "source": {
                        "notPrincipals": [
                            "cluster.local/ns/ops/sa/*",
                            "cluster.local/ns/web/sa/frontend",
                        ]
                    }
                }
            ],
            "to": [
                {
                    "operation": {
                        "methods": ["DELETE"],
                        "paths": ["/admin*"],
                        "ports": ["8080", "9090"],  # the HTTP ports only, never 6379/tcp
                    }
                }
            ],
        }
    ]
    ledger = out[f"{AP}/payments/ledger-db-deny"]["spec"]["rules"]
    # Namespaces are principal prefixes bound to the mesh trust domain.
    assert ledger == [{"from": [{"source": {"principals": ["cluster.local/ns/web/sa/*"]}}]}]


def test_hosts_match_with_and_without_port_in_lower_case() -> None:
    mesh = mesh_with()
    mesh["access"][0]["to"]["hosts"] = ["Orders.Example.com"]
    rule = objects(mesh)[f"{AP}/orders/order-service-allow"]["spec"]["rules"][0]
    assert rule["to"][0]["operation"]["hosts"] == ["orders.example.com", "orders.example.com:*"]


def test_break_glass_is_a_separate_annotated_allow_on_protected_workloads() -> None:
    grant = {
        "name": "inc-1",
        "from": {"workloads": ["web/frontend"]},
        "to": {"workloads": ["payments/ledger-db", "web/frontend"]},
        "reason": "repair corrupted ledger rows",
        "ticket": "INC-1",
        "expires": "2999-12-31",
    }
    out = objects(mesh_with(breakGlass=[grant], namespaces={"web": {"defaultDeny": False}}))
    policy = out[f"{AP}/payments/ledger-db-break-glass"]
    assert policy["metadata"]["annotations"][BREAK_GLASS_ANNOTATION] == (
        "inc-1: expires 2999-12-31, ticket INC-1, repair corrupted ledger rows"
    )
    assert policy["metadata"]["annotations"][INTENT_ANNOTATION] == "breakGlass:inc-1"
    # web/frontend accepts everything already (no default deny, no rules): nothing to add.
    assert f"{AP}/web/frontend-break-glass" not in out


def test_every_object_is_labelled_and_annotated_with_its_sources() -> None:
    for obj in compiled(config()):
        meta = obj["metadata"]
        assert meta["labels"] == {"app.kubernetes.io/managed-by": "meshward"}
        assert meta["annotations"][INTENT_ANNOTATION]
        assert obj["apiVersion"] == "security.istio.io/v1"


def test_stable_names() -> None:
    assert sorted(objects()) == [
        f"{AP}/orders/allow-nothing",
        f"{AP}/orders/order-service-allow",
        f"{AP}/payments/allow-nothing",
        f"{AP}/payments/ledger-db-allow",
        f"{AP}/payments/payment-service-allow",
        f"{AP}/payments/payment-service-require-jwt",
        f"{AP}/web/allow-nothing",
        "PeerAuthentication/aks-istio-system/mesh-mtls",
        "RequestAuthentication/payments/payment-service-jwt",
    ]


def test_same_intent_gives_byte_identical_objects_whatever_the_rule_order() -> None:
    first = compiled(config())
    shuffled = mesh_with(access=list(reversed(BASE_MESH["access"])))
    second = compiled(config(shuffled))
    assert yaml.safe_dump_all(first) == yaml.safe_dump_all(compiled(config()))
    assert yaml.safe_dump_all(first) == yaml.safe_dump_all(second)


def test_an_inadmissible_compiled_object_is_refused_as_a_compiler_bug(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The self-check runs on every compiled object: simulate a compiler that emits a policy
    # istiod would reject (A19: a port that is not a number) among valid ones.
    from meshward.mesh import compiler

    compile_objects = compiler._Compiler.compile

    def broken(self: Any) -> list[dict[str, Any]]:
        out = compile_objects(self)
        policy = next(o for o in out if o["metadata"]["name"] == "order-service-allow")
        policy["spec"]["rules"][0]["to"][0]["operation"]["ports"] = ["http"]
        return out

    monkeypatch.setattr(compiler._Compiler, "compile", broken)
    with pytest.raises(RuntimeError) as caught:
        compiled(config())
    message = str(caught.value)
    assert message.startswith(
        "compiler bug: AuthorizationPolicy/orders/order-service-allow is not admissible: "
    )
    assert "spec.rules[0].to[0].operation.ports[0]" in message and "[A19]" in message


def test_extra_objects_are_added_labelled_and_collisions_refused() -> None:
    raw = {
        "apiVersion": "security.istio.io/v1",
        "kind": "AuthorizationPolicy",
        "metadata": {"name": "audit-all", "namespace": "web"},
        "spec": {"action": "AUDIT", "rules": [{}]},
    }
    out = objects(mesh_with(extraObjects=[raw]))
    extra = out[f"{AP}/web/audit-all"]
    assert extra["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "meshward"
    assert extra["metadata"]["annotations"][INTENT_ANNOTATION] == "extraObjects[0]"
    clash = {**raw, "metadata": {"name": "allow-nothing", "namespace": "web"}}
    with pytest.raises(ConfigError, match=r"platform.mesh.extraObjects\[0\].metadata.name"):
        config(mesh_with(extraObjects=[clash]))


# ---- what the compiled objects decide (offline simulator) ----------------------------------

SETTINGS = MeshSettings(root_namespace="aks-istio-system", path_normalization="MERGE_SLASHES")
INGRESS = "cluster.local/ns/aks-istio-ingress/sa/aks-istio-ingressgateway-internal"
PAYMENTS = {"namespace": "payments", "labels": {"app": "payment-service"}, "port": 8443}


def http(
    destination: dict[str, Any],
    principal_: str | None,
    path: str,
    method: str = "GET",
    token: dict[str, Any] | None = None,
) -> Request:
    data: dict[str, Any] = {
        "destination": destination,
        "source": {"principal": principal_},
        "method": method,
        "path": path,
    }
    if token is not None:
        data["jwt"] = {"header": "Authorization", "prefix": "Bearer ", "claims": token}
    return Request.model_validate(data)


def decide(request: Request) -> int:
    return simulate(compiled(config()), request, SETTINGS).status


def good_token(**claims: Any) -> dict[str, Any]:
    return {"iss": ISSUER, "sub": "u1", "aud": "api://app", "groups": ["payments-admins"], **claims}


def test_token_rule_allows_only_callers_with_valid_token_and_claims() -> None:
    assert decide(http(PAYMENTS, INGRESS, "/api/refund", "POST", good_token())) == 200
    assert decide(http(PAYMENTS, INGRESS, "/api/refund", "POST")) == 403  # no token
    assert decide(http(PAYMENTS, INGRESS, "/api/refund", "POST", good_token(groups=["x"]))) == 403
    assert decide(http(PAYMENTS, INGRESS, "/api/refund", "POST", good_token(aud="other"))) == 403
    assert decide(http(PAYMENTS, INGRESS, "/api/x", "POST", good_token(iss="https://evil"))) == 401
    other_ns = "cluster.local/ns/web/sa/frontend"
    assert decide(http(PAYMENTS, other_ns, "/api/refund", "POST", good_token())) == 403
    foreign = "evil.example/ns/aks-istio-ingress/sa/aks-istio-ingressgateway-internal"
    assert decide(http(PAYMENTS, foreign, "/api/refund", "POST", good_token())) == 403


def test_workload_rule_allows_only_that_principal_method_and_path() -> None:
    orders = {"namespace": "orders", "labels": {"app": "order-service"}, "port": 8080}
    frontend = "cluster.local/ns/web/sa/frontend"
    assert decide(http(orders, frontend, "/orders/1")) == 200
    assert decide(http(orders, frontend, "/orders/1", "POST")) == 403
    assert decide(http(orders, frontend, "/admin")) == 403
    assert decide(http(orders, None, "/orders/1")) == 403  # plaintext
    assert decide(http(orders, "other.domain/ns/web/sa/frontend", "/orders/1")) == 403
    assert decide(http({**orders, "port": 9090}, frontend, "/orders/1")) == 403


def test_untargeted_workload_in_default_deny_namespace_refuses_everything() -> None:
    web = {"namespace": "web", "labels": {"app": "frontend"}, "port": 8080}
    assert decide(http(web, INGRESS, "/")) == 403


def test_nested_rule_lists_are_deduplicated_in_canonical_order_as_they_are() -> None:
    from meshward.mesh.compiler import _distinct

    items = [{"b": 2, "a": [1]}, {"a": [0]}, {"a": [1], "b": 2}]
    distinct = _distinct(items)
    # Ordered by canonical (key-sorted) text, duplicates dropped, each item kept as built.
    assert distinct == [{"a": [0]}, {"a": [1], "b": 2}]
    assert any(d is items[2] for d in distinct)
    assert _distinct(items[:1])[0] is items[0]


def _lists(value: Any) -> list[list[Any]]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in _lists(v)]
    if isinstance(value, list):
        return [value, *(x for v in value for x in _lists(v))]
    return []


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(spec=intents())
def test_compiled_rules_are_their_canonical_json_round_trip(
    spec: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    # The compiler builds rules with sorted keys instead of rebuilding them from their
    # canonical JSON text: the objects must stay what that round trip gave (key order
    # included, no list shared between two places), on every shape of rule.
    result = compiled_property(*spec)
    assume(result is not None)
    assert result is not None
    objects = result[2]
    for obj in objects:
        rules = obj["spec"].get("rules")
        if rules is None:
            continue
        canonical = json.loads(json.dumps(rules, sort_keys=True, separators=(",", ":")))
        assert json.dumps(rules) == json.dumps(canonical)
    lists = [x for obj in objects for x in _lists(obj["spec"].get("rules", []))]
    assert len({id(x) for x in lists}) == len(lists)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(st.characters(codec="utf-8"), max_size=6),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=500, deadline=None, derandomize=True, database=None)
@given(value=JSON_VALUES)
def test_sorted_json_encoder_gives_json_dumps_text(value: Any) -> None:
    # The compilers order rules by this text: it must be json.dumps' (non-ASCII, escapes,
    # floats such as NaN and -0.0, nesting, key order) with either pair of separators.
    for items, keys in ((",", ":"), (", ", ": ")):
        encode = sorted_json_encoder(items, keys)
        assert encode(value) == json.dumps(value, sort_keys=True, separators=(items, keys))
    with pytest.raises(TypeError):
        sorted_json_encoder(",", ":")({"a": {1, 2}})
