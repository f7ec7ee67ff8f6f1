"""Egress objects: ServiceEntries from config, JWKS hosts when Envoy fetches keys, and the
egress gateway that only named service accounts may use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from meshward.cluster.egress_specs import egress_objects, jwks_hosts
from meshward.cluster.istio_values import istiod_values, mesh_config
from meshward.config.egress import EgressConfig
from meshward.config.jwt import JwtIssuer
from meshward.config.mesh import MeshInstallConfig
from tests.cluster.istio_crds import AVAILABLE, REASON, validate_with_crds

ISSUERS = [
    JwtIssuer(name="a", issuer="https://a.example/", jwks_uri="https://keys.example/a"),
    JwtIssuer(name="b", issuer="https://b.example/", jwks_uri="https://keys.example/b"),
    JwtIssuer(name="c", issuer="https://c.example/", jwks_uri="https://c.example:8443/jwks"),
]
PSP = {
    "name": "psp",
    "namespace": "payments",
    "hosts": ["api.psp.example"],
    "ports": [{"number": 443, "protocol": "TLS"}, {"number": 80, "protocol": "HTTP"}],
}


def render(egress: dict[str, Any]) -> list[dict[str, Any]]:
    return egress_objects(
        EgressConfig.model_validate(egress),
        ISSUERS,
        root_namespace="istio-system",
        trust_domain="cluster.local",
        token_namespaces=["orders", "istio-ingress"],
    )


def kinds(objects: list[dict[str, Any]]) -> list[str]:
    return [f"{o['kind']}/{o['metadata']['namespace']}/{o['metadata']['name']}" for o in objects]


def test_registry_only_is_the_mesh_config_for_addon_and_helm() -> None:
    for install in ("addon", "helm"):
        cfg = MeshInstallConfig.model_validate({"install": install})
        assert mesh_config(cfg)["outboundTrafficPolicy"] == {"mode": "REGISTRY_ONLY"}


def test_one_service_entry_per_external_service_with_its_ports_and_export() -> None:
    (entry,) = render({"externalServices": [PSP]})
    assert entry["kind"] == "ServiceEntry"
    assert entry["metadata"]["namespace"] == "payments"
    assert entry["spec"] == {
        "hosts": ["api.psp.example"],
        "location": "MESH_EXTERNAL",
        "resolution": "DNS",
        "ports": [
            {"number": 443, "name": "tls-443", "protocol": "TLS"},
            {"number": 80, "name": "http-80", "protocol": "HTTP"},
        ],
        "exportTo": ["."],
    }


def test_wildcard_hosts_are_not_dns_resolved() -> None:
    (entry,) = render({"externalServices": [{**PSP, "hosts": ["*.blob.core.windows.net"]}]})
    assert entry["spec"]["resolution"] == "NONE"


def test_istiod_fetches_jwks_by_default_so_no_jwks_hosts_are_opened() -> None:
    assert render({}) == []
    helm = MeshInstallConfig.model_validate({"install": "helm"})
    assert "env" not in istiod_values(helm)["pilot"]


def test_envoy_fetching_jwks_registers_each_distinct_jwks_host() -> None:
    assert jwks_hosts(ISSUERS) == [("c.example", 8443), ("keys.example", 443)]
    objects = render({"jwksFetchedBy": "envoy"})
    assert [o["kind"] for o in objects] == ["ServiceEntry", "DestinationRule"] * 2
    entry = objects[2]
    assert entry["spec"]["hosts"] == ["keys.example"]
    assert entry["spec"]["exportTo"] == ["istio-ingress", "orders"]
    values = istiod_values(
        MeshInstallConfig.model_validate({"install": "helm", "egress": {"jwksFetchedBy": "envoy"}})
    )
    assert values["pilot"]["env"] == {"PILOT_JWT_ENABLE_REMOTE_JWKS": "envoy"}


def test_egress_gateway_lets_only_the_named_service_accounts_out() -> None:
    objects = render(
        {
            "externalServices": [{**PSP, "viaEgressGateway": True}],
            "gateway": {"enabled": True, "allowedServiceAccounts": ["payments/payment-service"]},
        }
    )
    assert kinds(objects) == [
        "ServiceEntry/payments/psp",
        "AuthorizationPolicy/istio-egress/egress-allowed-service-accounts",
        "Gateway/istio-egress/egress-payments-psp",
        "VirtualService/istio-egress/egress-payments-psp",
    ]
    entry, policy, _, route = objects
    assert entry["spec"]["exportTo"] == [".", "istio-egress"]
    assert policy["spec"] == {
        "selector": {"matchLabels": {"istio": "egressgateway"}},
        "action": "ALLOW",
        "rules": [
            {"from": [{"source": {"principals": ["cluster.local/ns/payments/sa/payment-service"]}}]}
        ],
    }
    # The VirtualService is read by the payments sidecars, not only by the gateway.
    assert route["spec"]["exportTo"] == ["payments", "istio-egress"]
    # Only the TLS port goes through the gateway; plain HTTP stays direct.
    mesh_routes = [r for r in route["spec"]["tls"] if r["match"][0]["gateways"] == ["mesh"]]
    assert [r["match"][0]["port"] for r in mesh_routes] == [443]


@pytest.mark.skipif(not AVAILABLE, reason=REASON)
def test_every_egress_object_validates_against_istios_crds(tmp_path: Path) -> None:
    objects = render(
        {
            "externalServices": [
                {**PSP, "viaEgressGateway": True, "exportTo": [".", "orders"]},
                {**PSP, "name": "blobs", "hosts": ["*.blob.core.windows.net"]},
            ],
            "gateway": {"enabled": True, "allowedServiceAccounts": ["payments/payment-service"]},
            "jwksFetchedBy": "envoy",
        }
    )
    result = validate_with_crds(objects, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(objects)} Istio document(s) checked" in result.stderr
