"""The access matrix: callers × workload ports, decided by the simulator over given objects."""

from __future__ import annotations

import gc
import json
from typing import Any

import pytest

from meshward.config.jwt import JwtIssuer
from meshward.mesh import access
from meshward.mesh.access import (
    METHODS,
    AccessMatrix,
    access_json,
    access_markdown,
    access_matrix,
    path_label,
    probe_paths,
)
from meshward.mesh.intent import MeshIntent
from meshward.mesh.simulation import MeshSettings
from tests.mesh.simulator_support import ap, obj, pa

SETTINGS = MeshSettings(root_namespace="istio-system", path_normalization="MERGE_SLASHES")
INGRESS = "istio-ingress"
ISSUER = JwtIssuer.model_validate(
    {
        "name": "corp",
        "issuer": "https://corp.example",
        "jwksUri": "https://corp.example/keys",
        "audiences": ["api://shop"],
    }
)
INTENT = MeshIntent.model_validate(
    {
        "workloads": [
            {"name": "web", "namespace": "shop", "ports": [{"port": 8080}]},
            {"name": "api", "namespace": "shop", "ports": [{"port": 8080}]},
            {"name": "db", "namespace": "data", "ports": [{"port": 5432, "protocol": "tcp"}]},
        ],
        "access": [
            {
                "name": "orders",
                "from": {
                    "ingressGateway": True,
                    "jwt": {"issuer": "corp", "claims": {"role": ["buyer"]}},
                },
                "to": {"workloads": ["shop/api"], "methods": ["GET"], "paths": ["/orders/*"]},
            }
        ],
    }
)
STRICT = pa("mesh", "istio-system", "STRICT")
WEB = "cluster.local/ns/shop/sa/web"
API = "cluster.local/ns/shop/sa/api"


def web_to_api(**operation: Any) -> dict[str, Any]:
    """ALLOW web → api on 8080 with `operation` fields."""
    return ap(
        "api-allow",
        "shop",
        selector={"matchLabels": {"app": "api"}},
        rules=[
            {
                "from": [{"source": {"principals": [WEB]}}],
                "to": [{"operation": {"ports": ["8080"], **operation}}],
            }
        ],
    )


def locked(*namespaces: str) -> list[dict[str, Any]]:
    return [ap("allow-nothing", ns) for ns in namespaces]


def matrix(objects: list[dict[str, Any]]) -> AccessMatrix:
    return access_matrix(objects, INTENT, [ISSUER], SETTINGS, ingress_namespace=INGRESS)


def rows(m: AccessMatrix) -> list[tuple[str, str, int, tuple[str, ...], tuple[str, ...]]]:
    return [(e.caller, e.to, e.port, e.methods, e.paths) for e in m.edges]


def test_an_allowed_edge_appears_with_its_methods_and_path_patterns() -> None:
    m = matrix(
        [STRICT, *locked("shop", "data"), web_to_api(methods=["GET", "POST"], paths=["/v1/*"])]
    )
    assert rows(m) == [("shop/web", "shop/api", 8080, ("GET", "POST"), ("/v1/*",))]


def test_nothing_is_allowed_where_every_namespace_is_locked() -> None:
    m = matrix([STRICT, *locked("shop", "data")])
    assert m.edges == ()
    assert "shop/web" in m.refused_callers("shop/api", 8080)
    summary = m.refusals("shop/api", 8080)
    assert summary is not None
    assert summary.count == len(m.callers)


def test_refused_workloads_are_counted_per_workload_port_not_listed() -> None:
    m = matrix([STRICT, *locked("shop", "data")])
    assert len(m.refused) == len(m.destinations)
    for summary in m.refused:
        assert all(n.kind != "workload" for n in summary.notable)
        foreign = [n for n in summary.notable if n.kind == "foreign-trust-domain"]
        assert foreign and all(n.callers == () for n in foreign)
        assert sum(n.count for n in foreign) == len(INTENT.workloads) + 1


def test_an_unrestricted_allow_is_any_method_on_any_path() -> None:
    m = matrix([STRICT, *locked("shop", "data"), web_to_api()])
    assert rows(m) == [("shop/web", "shop/api", 8080, METHODS, ("*",))]


def test_workloads_without_policies_accept_every_identified_caller_but_not_plaintext() -> None:
    m = matrix([STRICT])
    callers = {e.caller for e in m.edges if e.to == "data/db"}
    assert {"shop/web", "shop/api", "ingress-gateway"} <= callers
    assert "plaintext" not in callers
    summary = next(r for r in m.refused if r.to == "data/db")
    refusal = summary.notable_caller("plaintext")
    assert refusal is not None
    assert "STRICT" in refusal.reason


def test_plaintext_and_foreign_trust_domain_callers_are_refused_by_identity_rules() -> None:
    m = matrix([pa("mesh", "istio-system", "PERMISSIVE"), *locked("shop", "data"), web_to_api()])
    assert [e.caller for e in m.edges] == ["shop/web"]
    refused = set(m.refused_callers("shop/api", 8080))
    assert {"plaintext", "foreign:shop/web", f"foreign:{INGRESS}"} <= refused


def test_tcp_ports_get_rows_without_methods_or_paths() -> None:
    allow_db = ap(
        "db-allow",
        "data",
        selector={"matchLabels": {"app": "db"}},
        rules=[
            {
                "from": [{"source": {"principals": [API]}}],
                "to": [{"operation": {"ports": ["5432"]}}],
            }
        ],
    )
    m = matrix([STRICT, *locked("shop", "data"), allow_db])
    assert rows(m) == [("shop/api", "data/db", 5432, (), ())]
    assert m.edges[0].protocol == "tcp"


def jwt_objects() -> list[dict[str, Any]]:
    selector = {"matchLabels": {"app": "api"}}
    return [
        STRICT,
        *locked("shop", "data"),
        obj(
            "RequestAuthentication",
            "api-jwt",
            "shop",
            {
                "selector": selector,
                "jwtRules": [
                    {
                        "issuer": ISSUER.issuer,
                        "jwksUri": ISSUER.jwks_uri,
                        "audiences": ISSUER.audiences,
                    }
                ],
            },
        ),
        ap(
            "api-allow",
            "shop",
            selector=selector,
            rules=[
                {
                    "from": [
                        {
                            "source": {
                                "principals": [f"cluster.local/ns/{INGRESS}/sa/*"],
                                "requestPrincipals": [f"{ISSUER.issuer}/*"],
                            }
                        }
                    ],
                    "to": [
                        {
                            "operation": {
                                "ports": ["8080"],
                                "methods": ["GET"],
                                "paths": ["/orders/*"],
                            }
                        }
                    ],
                    "when": [{"key": "request.auth.claims[role]", "values": ["buyer"]}],
                }
            ],
        ),
    ]


def test_a_jwt_principal_class_gets_the_rows_its_token_opens() -> None:
    m = matrix(jwt_objects())
    assert rows(m) == [("jwt:corp{role=buyer}", "shop/api", 8080, ("GET",), ("/orders/*",))]
    caller = next(c for c in m.callers if c.id == "jwt:corp{role=buyer}")
    assert caller.token is not None
    assert caller.token.claims["role"] == "buyer"
    assert caller.token.claims["aud"] == "api://shop"


def test_tokens_without_the_claims_expired_badly_signed_or_for_another_audience_are_refused() -> (
    None
):
    m = matrix(jwt_objects())
    summary = m.refusals("shop/api", 8080)
    assert summary is not None
    refused = {c: n.statuses for n in summary.notable for c in n.callers}
    assert refused["jwt:corp{missing claims}"] == (403,)
    assert refused["jwt:corp expired"] == (401,)
    assert refused["jwt:corp invalid-signature"] == (401,)
    assert refused["jwt:corp wrong-audience"] == (403,)
    assert refused["ingress-gateway"] == (403,)


def test_ip_block_callers_come_from_the_blocks_allow_policies_name() -> None:
    allow = ap(
        "api-allow",
        "shop",
        selector={"matchLabels": {"app": "api"}},
        rules=[
            {
                "from": [{"source": {"ipBlocks": ["192.168.0.0/16"]}}],
                "to": [{"operation": {"ports": ["8080"]}}],
            }
        ],
    )
    m = matrix([pa("mesh", "istio-system", "PERMISSIVE"), *locked("shop", "data"), allow])
    caller = next(c for c in m.callers if c.kind == "ip-block")
    assert (caller.id, caller.ip, caller.principal) == ("ip:192.168.0.0/16", "192.168.0.1", None)
    assert rows(m) == [("ip:192.168.0.0/16", "shop/api", 8080, METHODS, ("*",))]


def test_probe_paths_tell_exact_and_prefix_patterns_apart() -> None:
    assert probe_paths(["/a", "/b/*", "*.css"]) == sorted(
        ["/meshward-probe", "/a", "/a/x", "/b/", "/b/x", "/x.css"]
    )
    assert path_label("/b/x", ["/b/*", "/b/x"]) == "/b/x"
    assert path_label("/b/y", ["/b/*", "/a"]) == "/b/*"
    assert path_label("/c", ["/b/*"]) == "*"


def test_a_denied_path_prefix_is_excepted_from_any_path() -> None:
    deny = ap(
        "api-deny",
        "shop",
        action="DENY",
        selector={"matchLabels": {"app": "api"}},
        rules=[{"to": [{"operation": {"ports": ["8080"], "paths": ["/admin*"]}}]}],
    )
    m = matrix([STRICT, *locked("shop", "data"), web_to_api(methods=["GET"]), deny])
    assert rows(m) == [("shop/web", "shop/api", 8080, ("GET",), ("*",))]
    assert m.edges[0].except_paths == ("/admin*",)
    assert m.edges[0].to_dict()["exceptPaths"] == ["/admin*"]
    assert "GET any path except /admin*" in access_markdown(m, "test")


def test_json_and_markdown_are_deterministic_and_list_every_edge() -> None:
    m = matrix(jwt_objects())
    doc = json.loads(access_json(m, "test"))
    assert doc["stack"] == "test"
    assert doc["edges"] == [
        {
            "from": "jwt:corp{role=buyer}",
            "to": "shop/api",
            "port": 8080,
            "protocol": "http",
            "methods": ["GET"],
            "paths": ["/orders/*"],
        }
    ]
    assert access_json(matrix(jwt_objects()), "test") == access_json(m, "test")
    md = access_markdown(m, "test")
    assert "| `jwt:corp{role=buyer}` | `shop/api` | 8080 | GET | `/orders/*` |" in md
    assert "flowchart LR" in md
    assert '-->|"8080: GET /orders/*"|' in md


def test_deciding_pauses_the_collector_and_restores_it(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    probe = access._probe_workloads

    def recording(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return probe(*args, **kwargs)

    monkeypatch.setattr(access, "_probe_workloads", recording)
    assert gc.isenabled()
    assert rows(matrix([STRICT, web_to_api(methods=["GET"])]))  # decided as before
    assert seen == [False]
    assert gc.isenabled()
