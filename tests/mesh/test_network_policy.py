"""NetworkPolicies derived from the same access rules (ingress only)."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import assume, given, settings

from tests.mesh.intent_oracle import INGRESS_NAMESPACE
from tests.mesh.intent_support import BASE_MESH, by_key, config, network_policies
from tests.mesh.test_compiler_property import compiled as compiled_property
from tests.mesh.test_compiler_property import intents

NP = "NetworkPolicy"


def policies(**changes: Any) -> dict[str, dict[str, Any]]:
    mesh = copy.deepcopy(BASE_MESH)
    mesh.update(changes)
    return by_key(network_policies(config(mesh)))


def test_default_deny_ingress_per_default_deny_namespace() -> None:
    out = policies(namespaces={"web": {"defaultDeny": False}})
    deny = sorted(k for k in out if k.endswith("default-deny-ingress"))
    assert deny == [f"{NP}/orders/default-deny-ingress", f"{NP}/payments/default-deny-ingress"]
    assert out[f"{NP}/orders/default-deny-ingress"]["spec"] == {
        "podSelector": {},
        "policyTypes": ["Ingress"],
    }


def test_workload_ingress_from_caller_pods_on_the_rule_ports() -> None:
    spec = policies()[f"{NP}/orders/order-service-ingress"]["spec"]
    assert spec["podSelector"] == {"matchLabels": {"app": "order-service"}}
    assert spec["policyTypes"] == ["Ingress"]
    assert spec["ingress"] == [
        {
            "from": [
                {
                    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "web"}},
                    "podSelector": {"matchLabels": {"app": "frontend"}},
                }
            ],
            "ports": [{"port": 8080, "protocol": "TCP"}],
        }
    ]


def test_token_rules_via_the_gateway_admit_the_ingress_namespace() -> None:
    spec = policies()[f"{NP}/payments/payment-service-ingress"]["spec"]
    assert spec["ingress"] == [
        {
            "from": [
                {
                    "namespaceSelector": {
                        "matchLabels": {"kubernetes.io/metadata.name": "aks-istio-ingress"}
                    }
                }
            ],
            "ports": [{"port": 8443, "protocol": "TCP"}],
        }
    ]


def test_token_only_rule_opens_its_ports_to_every_source() -> None:
    mesh = copy.deepcopy(BASE_MESH)
    mesh["access"][1]["from"] = {"jwt": {"issuer": "idp"}}
    spec = by_key(network_policies(config(mesh)))[f"{NP}/payments/payment-service-ingress"]
    assert spec["spec"]["ingress"] == [{"ports": [{"port": 8443, "protocol": "TCP"}]}]


def test_ip_blocks_become_ip_block_peers() -> None:
    mesh = copy.deepcopy(BASE_MESH)
    mesh["access"].append(
        {
            "name": "scrape",
            "from": {"ipBlocks": ["10.1.0.0/16"]},
            "to": {"workloads": ["orders/order-service"], "ports": [9090]},
        }
    )
    ingress = by_key(network_policies(config(mesh)))[f"{NP}/orders/order-service-ingress"]
    assert {
        "from": [{"ipBlock": {"cidr": "10.1.0.0/16"}}],
        "ports": [{"port": 9090, "protocol": "TCP"}],
    } in ingress["spec"]["ingress"]


def test_namespaces_with_network_policies_off_get_none() -> None:
    out = policies(namespaces={"payments": {"networkPolicies": False}})
    assert not [k for k in out if "/payments/" in k]
    assert policies(networkPolicies=False) == {}


def test_labels_and_annotations() -> None:
    for obj in policies().values():
        assert obj["apiVersion"] == "networking.k8s.io/v1"
        assert obj["metadata"]["labels"] == {"app.kubernetes.io/managed-by": "meshward"}
        assert obj["metadata"]["annotations"]["meshward.io/intent"]


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(spec=intents())
def test_ingress_rules_are_ordered_by_their_key_sorted_json_text(
    spec: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    # The text each ingress rule is ordered and deduplicated by is put together from its
    # peers' and ports' texts: it must be json.dumps(rule, sort_keys=True) of the rule itself.
    from meshward.mesh.network_policy import _IngressRules

    result = compiled_property(*spec)
    assume(result is not None)
    assert result is not None
    intent = result[0]
    ingress_rules = _IngressRules(intent, INGRESS_NAMESPACE)
    for workload in intent.workloads:
        for rule in [*intent.access_to(workload), *intent.grants_to(workload)]:
            built, text = ingress_rules.rule(rule, workload)
            assert text == json.dumps(built, sort_keys=True)


def test_ingress_rule_text_escapes_labels_as_json_does() -> None:
    from meshward.mesh.network_policy import _IngressRules

    mesh = copy.deepcopy(BASE_MESH)
    mesh["workloads"][0]["labels"] = {"app": "fröntend", "tier": 'we"b\\'}
    cfg = config(mesh)
    intent = cfg.mesh
    ingress_rules = _IngressRules(intent, cfg.mesh.ingress_namespace)
    for workload in intent.workloads:
        for rule in intent.access_to(workload):
            built, text = ingress_rules.rule(rule, workload)
            assert text == json.dumps(built, sort_keys=True)
