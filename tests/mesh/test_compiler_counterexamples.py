"""Counterexamples found by the compiler proof (`test_compiler_property.py`) or the access
matrix, shrunk and kept as regular tests.

1. Peers from a foreign trust domain matched `from.namespaces` / `from.ingressGateway` (and
   were exempt through `unless.namespaces`), because the compiler emitted Istio `namespaces`,
   which matches `.*/ns/<ns>/.*` in any trust domain (SEMANTICS §4.3). The intent says a
   namespace means mTLS workloads *of this mesh*. Fixed in `meshward.mesh.compiler`
   (`_Compiler.peers`): namespaces are compiled to principal prefixes `<td>/ns/<ns>/sa/*`.
"""

from __future__ import annotations

from typing import Any

from meshward.mesh.simulation import Request, Simulator
from tests.mesh.intent_oracle import INGRESS_NAMESPACE, Oracle
from tests.mesh.test_compiler_property import SIMULATOR_SETTINGS, compiled

API = {"name": "api", "namespace": "alpha", "ports": [{"port": 8080, "protocol": "http"}]}


def decide(intent_dict: dict[str, Any], principal: str | None, path: str = "/") -> tuple[str, bool]:
    """(simulator decision over the compiled objects, oracle's verdict) for a GET to alpha/api."""
    result = compiled(intent_dict, [])
    assert result is not None, "the intent is valid"
    intent, issuers, objects = result
    request = Request.model_validate(
        {
            "destination": {"namespace": "alpha", "labels": {"app": "api"}, "port": 8080},
            "source": {"principal": principal, "ip": "10.9.9.9"},
            "method": "GET",
            "path": path,
        }
    )
    decision = Simulator(objects, SIMULATOR_SETTINGS).evaluate(request)
    return decision.decision, Oracle(intent, issuers).allows(request)


def test_foreign_trust_domain_peer_does_not_match_an_allowed_namespace() -> None:
    intent = {
        "workloads": [API],
        "access": [
            {
                "name": "allow-0",
                "from": {"namespaces": ["alpha"]},
                "to": {"workloads": ["alpha/api"]},
            }
        ],
    }
    assert decide(intent, "evil.example/ns/alpha/sa/api") == ("DENY", False)
    assert decide(intent, "cluster.local/ns/alpha/sa/api") == ("ALLOW", True)


def test_foreign_trust_domain_peer_does_not_pass_for_the_ingress_gateway() -> None:
    intent = {
        "workloads": [API],
        "access": [
            {"name": "public", "from": {"ingressGateway": True}, "to": {"workloads": ["alpha/api"]}}
        ],
    }
    assert decide(intent, f"evil.example/ns/{INGRESS_NAMESPACE}/sa/gateway") == ("DENY", False)
    assert decide(intent, f"cluster.local/ns/{INGRESS_NAMESPACE}/sa/gateway") == ("ALLOW", True)


def test_foreign_trust_domain_peer_is_not_exempt_from_a_deny_through_unless_namespaces() -> None:
    intent = {
        "defaultDeny": False,
        "workloads": [API],
        "deny": [
            {
                "name": "admin-lockdown",
                "unless": {"namespaces": ["ops"]},
                "to": {"workloads": ["alpha/api"], "paths": ["/admin"]},
            }
        ],
    }
    assert decide(intent, "evil.example/ns/ops/sa/debug", "/admin") == ("DENY", False)
    assert decide(intent, "cluster.local/ns/ops/sa/debug", "/admin") == ("ALLOW", True)
