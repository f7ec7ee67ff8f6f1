"""The mesh intent: what validates, and errors that name the field path."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from meshward.config import weakened_settings
from meshward.errors import ConfigError
from tests.mesh.intent_support import BASE_MESH, config
from tests.support import stack_platform


def errors(mesh: dict[str, Any], **extra: Any) -> list[str]:
    with pytest.raises(ConfigError) as info:
        config(mesh, **extra)
    return [str(p) for p in info.value.problems]


def mesh_with(**changes: Any) -> dict[str, Any]:
    mesh = copy.deepcopy(BASE_MESH)
    mesh.update(changes)
    return mesh


def rule(**fields: Any) -> dict[str, Any]:
    return {"name": "r", "from": {"workloads": ["web/frontend"]}, **fields}


def test_base_intent_is_valid() -> None:
    cfg = config()
    assert cfg.mesh.workloads[0].ref == "web/frontend"
    assert cfg.mesh.workload("ledger-db") is not None
    assert cfg.mesh.install == "addon"  # install settings and intent share `platform.mesh`


def test_unknown_workload_names_the_path_and_the_known_workloads() -> None:
    mesh = mesh_with(access=[rule(to={"workloads": ["payment-svc"]})])
    assert errors(mesh) == [
        "platform.mesh.access[0].to.workloads[0]: unknown workload 'payment-svc' (known: "
        "orders/order-service, payments/ledger-db, payments/payment-service, web/frontend)"
    ]


def test_ambiguous_bare_workload_name_asks_for_the_namespace() -> None:
    mesh = mesh_with(
        workloads=[
            *BASE_MESH["workloads"],
            {"name": "frontend", "namespace": "orders", "ports": [{"port": 80}]},
        ],
        access=[rule(to={"workloads": ["orders/order-service"]})],
    )
    mesh["access"][0]["from"] = {"workloads": ["frontend"]}
    assert errors(mesh) == [
        "platform.mesh.access[0].from.workloads[0]: workload name 'frontend' is ambiguous; "
        "write namespace/frontend"
    ]


def test_unknown_issuer_names_the_known_ones() -> None:
    mesh = mesh_with(
        access=[
            {
                "name": "r",
                "from": {"jwt": {"issuer": "other"}},
                "to": {"workloads": ["payments/payment-service"]},
            }
        ]
    )
    assert errors(mesh) == [
        "platform.mesh.access[0].from.jwt.issuer: unknown issuer 'other' (known: idp)"
    ]


def test_http_fields_on_a_tcp_port_are_refused() -> None:
    mesh = mesh_with(access=[rule(to={"workloads": ["payments/ledger-db"], "methods": ["GET"]})])
    (problem,) = errors(mesh)
    assert problem.startswith("platform.mesh.access[0].to")
    assert "to.methods need HTTP" in problem and "ledger-db" in problem


def test_jwt_on_a_tcp_workload_is_refused() -> None:
    mesh = mesh_with(
        access=[
            {
                "name": "r",
                "from": {"jwt": {"issuer": "idp"}},
                "to": {"workloads": ["payments/ledger-db"]},
            }
        ]
    )
    (problem,) = errors(mesh)
    assert problem.startswith("platform.mesh.access[0].to")
    assert "from.jwt need HTTP" in problem


def test_undeclared_port_is_refused() -> None:
    mesh = mesh_with(access=[rule(to={"workloads": ["orders/order-service"], "ports": [81]})])
    assert errors(mesh) == [
        "platform.mesh.access[0].to.ports[0]: orders/order-service has no port 81 "
        "(declared: 8080, 9090)"
    ]


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("admin", "must start with '/'"),
        ("/a//b", "'//' never reaches a rule"),
        ("/a/*/b", "only allowed as the last character"),
        ("/a/../b", "segments are resolved"),
        ("/a?x=1", "RFC 3986"),
    ],
)
def test_paths_must_be_what_a_rule_can_match(path: str, why: str) -> None:
    mesh = mesh_with(access=[rule(to={"workloads": ["web/frontend"], "paths": [path]})])
    (problem,) = errors(mesh)
    assert problem.startswith("platform.mesh.access[0].to.paths")
    assert why in problem


def test_expired_break_glass_grant_is_a_config_error() -> None:
    grant = {
        **rule(to={"workloads": ["payments/ledger-db"]}),
        "name": "old",
        "reason": "incident long ago, forgot to remove",
        "ticket": "INC-1",
        "expires": "2020-01-31",
    }
    (problem,) = errors(mesh_with(breakGlass=[grant]))
    assert problem.startswith("platform.mesh.breakGlass[0].expires: grant 'old' expired on")


def test_deny_paths_need_slash_merging_normalization() -> None:
    deny = {"name": "d", "to": {"workloads": ["payments/payment-service"], "paths": ["/admin"]}}
    mesh = mesh_with(deny=[deny], meshConfig={})
    (problem,) = errors(mesh)
    assert problem.startswith("platform.mesh.deny[0].to.paths: deny paths need")
    assert "BASE" in problem


def test_tokenless_rule_for_the_callers_of_a_token_rule_is_refused() -> None:
    mesh = mesh_with(
        access=[
            *BASE_MESH["access"],
            {
                "name": "gateway-no-token",
                "from": {"ingressGateway": True},
                "to": {"workloads": ["payments/payment-service"], "paths": ["/health"]},
            },
        ]
    )
    (problem,) = errors(mesh)
    assert problem.startswith("platform.mesh.access[3].from: admits callers without a token")
    assert "access[1] (public-payments)" in problem


def test_tokenless_rule_for_other_callers_is_fine() -> None:
    mesh = mesh_with(
        access=[
            *BASE_MESH["access"],
            {
                "name": "orders-to-payments",
                "from": {"workloads": ["orders/order-service"]},
                "to": {"workloads": ["payments/payment-service"]},
            },
        ]
    )
    assert config(mesh).mesh.access[3].name == "orders-to-payments"


def test_workloads_in_the_root_namespace_are_refused() -> None:
    mesh = mesh_with(
        workloads=[
            *BASE_MESH["workloads"],
            {"name": "x", "namespace": "aks-istio-system", "ports": [{"port": 80}]},
        ]
    )
    (problem,) = errors(mesh)
    assert problem.startswith("platform.mesh.workloads[4].namespace: 'aks-istio-system' is")


def test_source_needs_someone() -> None:
    mesh = mesh_with(access=[{"name": "r", "from": {}, "to": {"workloads": ["web/frontend"]}}])
    (problem,) = errors(mesh)
    assert problem.startswith("platform.mesh.access[0].from: needs at least one of")


def test_overlapping_labels_in_one_namespace_are_refused() -> None:
    mesh = mesh_with(
        workloads=[
            *BASE_MESH["workloads"],
            {
                "name": "ledger-db-replica",
                "namespace": "payments",
                "labels": {"app": "ledger-db"},
                "ports": [{"port": 5432, "protocol": "tcp"}],
            },
        ]
    )
    (problem,) = errors(mesh)
    assert problem.startswith("platform.mesh.workloads[4].labels:")
    assert "also select payments/ledger-db" in problem


def test_raw_extra_objects_are_validated_with_their_field_path() -> None:
    raw = {
        "apiVersion": "security.istio.io/v1",
        "kind": "AuthorizationPolicy",
        "metadata": {"name": "x", "namespace": "web"},
        "spec": {"action": "DENY"},
    }
    (problem,) = errors(mesh_with(extraObjects=[raw]))
    assert problem.startswith("platform.mesh.extraObjects[0].spec.rules: ")
    assert "[A6]" in problem


def test_unknown_intent_key_is_reported_with_suggestion() -> None:
    mesh = mesh_with(acces=[])
    (problem,) = errors(mesh)
    assert problem.startswith("platform.mesh.acces: unknown key (did you mean 'access'?")


def test_weaker_mesh_settings_and_grants_are_reported() -> None:
    grant = {
        **rule(to={"workloads": ["payments/ledger-db"]}),
        "name": "inc-1",
        "reason": "repair corrupted ledger rows",
        "ticket": "INC-1",
        "expires": "2999-12-31",
    }
    mesh = mesh_with(
        breakGlass=[grant],
        mtls={
            "namespaces": {"web": "PERMISSIVE"},
            "workloads": [{"workload": "orders/order-service", "ports": {"9090": "DISABLE"}}],
        },
        namespaces={"web": {"defaultDeny": False}},
    )
    weak = {w.path: w for w in weakened_settings(config(mesh))}
    assert weak["platform.mesh.mtls.namespaces.web"].value == "PERMISSIVE"
    assert weak["platform.mesh.mtls.workloads[0].ports.9090"].value == "DISABLE"
    assert weak["platform.mesh.namespaces.web.defaultDeny"].value == "False"
    grant_line = weak["platform.mesh.breakGlass[0]"]
    assert "inc-1" in grant_line.value and "2999-12-31" in grant_line.value
    assert "INC-1" in grant_line.why and "repair corrupted ledger rows" in grant_line.why


def test_dev_stack_intent_exercises_every_feature() -> None:
    dev = stack_platform("dev")
    mesh = config(dev["mesh"], jwtIssuers=dev["jwtIssuers"]).mesh
    assert {w.namespace for w in mesh.workloads} >= {"web", "orders", "payments"}
    assert any(a.from_.jwt and a.from_.jwt.claims for a in mesh.access)
    assert mesh.deny and mesh.break_glass
    assert any(o.ports for o in mesh.mtls.workloads)
    assert any(p.protocol == "tcp" for w in mesh.workloads for p in w.ports)


def test_labels_that_are_a_subset_of_another_workloads_labels_are_refused_at_the_narrower() -> None:
    mesh = mesh_with(
        workloads=[
            *BASE_MESH["workloads"],
            {
                "name": "ledger-db-replica",
                "namespace": "payments",
                "labels": {"app": "ledger-db", "tier": "data", "role": "replica"},
                "ports": [{"port": 5432, "protocol": "tcp"}],
            },
        ]
    )
    (problem,) = errors(mesh)
    # ledger-db's labels {app, tier} also select the replica (not the reverse).
    assert problem.startswith("platform.mesh.workloads[")
    assert "also select payments/ledger-db-replica" in problem


@pytest.mark.parametrize(
    "path",
    [
        *("/a/b", "/a/b/", "/a.b/c..d", "/a/.hidden", "/x/%2F/y*", "/a\n/b", "/a b", "/é", "/a/."),
        *("/", "/*", "/a/b*", "/api/x-1/*", "/a/..*", "/a\n", "/a/b\n*", "/a*/b", "/a/**"),
    ],
)
def test_path_check_decides_as_the_per_segment_rule(path: str) -> None:
    from meshward.mesh.intent.models import _PATH_SEGMENT, check_path

    body = path[:-1] if path.endswith("*") else path
    segments = body.split("/")[1:]
    dotted = any(s in (".", "..") for s in segments[:-1]) or segments[-1] == ".."
    allowed = not dotted and all(_PATH_SEGMENT.match(s) for s in segments)
    try:
        check_path(path)
        accepted = True
    except ValueError:
        accepted = False
    assert accepted is allowed
