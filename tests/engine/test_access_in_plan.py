"""`meshward plan` writes the access matrix; for the dev stack it holds exactly the intended
edges. The expected edges below were derived by hand from `Pulumi.dev.yaml`'s `mesh` section
(the rule each row comes from is named), not from the compiler or the simulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from meshward.cli.main import main
from tests.support import ROOT

ANY_TOKEN_THROUGH_GATEWAY = (
    "ingress-gateway",
    "jwt:entra",
    "jwt:entra{groups=payments-admins}",
    # Bad tokens are not validated by frontend (no rule of its asks for a token): public-web
    # admits the gateway whatever it carries.
    "jwt:entra expired",
    "jwt:entra invalid-signature",
    "jwt:entra wrong-audience",
)
ORDERS_API = (["GET", "POST"], ["/api/orders", "/api/orders/*"])
DEV_EDGES: list[tuple[str, str, int, str, list[str], list[str]]] = [
    # breakGlass inc-4711-ledger-repair
    ("ops/debug-shell", "payments/ledger-db", 5432, "tcp", [], []),
    # orders-to-payments
    (
        "orders/order-service",
        "payments/payment-service",
        8443,
        "http2",
        ["POST"],
        ["/payments", "/payments/*"],
    ),
    # payments-to-ledger
    ("payments/payment-service", "payments/ledger-db", 5432, "tcp", [], []),
    # frontend-to-orders
    ("web/frontend", "orders/order-service", 8080, "http", ["GET", "POST"], ["/internal/orders/*"]),
    # public-web
    *[(c, "web/frontend", 8080, "http", ["GET", "HEAD"], ["*"]) for c in ANY_TOKEN_THROUGH_GATEWAY],
    # public-orders-api (any entra token, so also the one with the payments-admins group)
    ("jwt:entra", "orders/order-service", 8080, "http", *ORDERS_API),
    ("jwt:entra{groups=payments-admins}", "orders/order-service", 8080, "http", *ORDERS_API),
    # public-refunds-api
    (
        "jwt:entra{groups=payments-admins}",
        "payments/payment-service",
        8443,
        "http2",
        ["POST"],
        ["/api/refunds", "/api/refunds/*"],
    ),
    # metrics-scrape (plaintext from the scraper's range on the PERMISSIVE port)
    ("ip:192.168.0.0/16", "orders/order-service", 9090, "http", ["GET"], ["/metrics"]),
]


@pytest.fixture(scope="module")
def dev_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plan") / "dev"
    assert main(["plan", "--project", str(ROOT), "--stack", "dev", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def access(dev_out: Path) -> dict[str, Any]:
    return dict(json.loads((dev_out / "access.json").read_text()))


def key(edge: tuple[str, str, int, str, list[str], list[str]]) -> tuple[Any, ...]:
    return (edge[0], edge[1], edge[2], edge[3], tuple(edge[4]), tuple(edge[5]))


def test_dev_access_json_holds_the_intended_edges_and_nothing_else(access: dict[str, Any]) -> None:
    found = [
        key((e["from"], e["to"], e["port"], e["protocol"], e["methods"], e["paths"]))
        for e in access["edges"]
    ]
    assert sorted(found) == sorted(key(e) for e in DEV_EDGES)
    assert not any("exceptPaths" in e for e in access["edges"])


def test_dev_plaintext_and_foreign_trust_domain_callers_reach_nothing(
    access: dict[str, Any],
) -> None:
    kinds = {c["id"]: c["kind"] for c in access["callers"]}
    refused_by_design = [i for i, k in kinds.items() if k in ("plaintext", "foreign-trust-domain")]
    assert "plaintext" in refused_by_design
    assert "foreign:aks-istio-ingress" in refused_by_design
    assert len(access["refused"]) == len(access["destinations"])
    for summary in access["refused"]:
        named = {c for n in summary["notable"] for c in n.get("from", [])}
        foreign = sum(n["count"] for n in summary["notable"] if n["kind"] == "foreign-trust-domain")
        assert "plaintext" in named, summary["to"]
        assert foreign == sum(k == "foreign-trust-domain" for k in kinds.values()), summary["to"]
    allowed = {e["from"] for e in access["edges"]}
    assert not allowed & set(refused_by_design)


def test_dev_refusals_are_one_summary_per_workload_port(access: dict[str, Any]) -> None:
    ports = [(d["workload"], d["port"]) for d in access["destinations"]]
    assert [(r["to"], r["port"]) for r in access["refused"]] == ports
    for summary in access["refused"]:
        allowed = {
            e["from"]
            for e in access["edges"]
            if (e["to"], e["port"]) == (summary["to"], summary["port"])
        }
        assert summary["refusedCallers"] == len(access["callers"]) - len(allowed)
        assert all(n["kind"] != "workload" for n in summary["notable"])


def test_dev_bad_tokens_are_refused_where_tokens_are_required(access: dict[str, Any]) -> None:
    statuses = {
        (caller, r["to"], r["port"]): n["statuses"]
        for r in access["refused"]
        if r["to"] == "orders/order-service" and r["port"] == 8080
        for n in r["notable"]
        for caller in n.get("from", [])
    }
    assert statuses[("jwt:entra expired", "orders/order-service", 8080)] == [401]
    assert statuses[("jwt:entra invalid-signature", "orders/order-service", 8080)] == [401]
    assert statuses[("jwt:entra wrong-audience", "orders/order-service", 8080)] == [403]
    assert statuses[("ingress-gateway", "orders/order-service", 8080)] == [403]


def test_plan_writes_access_md_with_a_table_and_a_mermaid_graph(dev_out: Path) -> None:
    text = (dev_out / "access.md").read_text()
    assert (
        "| `web/frontend` | `orders/order-service` | 8080 | GET POST | `/internal/orders/*` |"
        in text
    )
    assert "```mermaid\nflowchart LR" in text
