"""Small platform configs with a mesh intent, for the intent/compiler/NetworkPolicy tests."""

from __future__ import annotations

import copy
from typing import Any

from meshward.config import PlatformConfig, parse_platform_config
from meshward.mesh.compiler import compile_mesh
from meshward.mesh.network_policy import compile_network_policies

ISSUER = "https://login.example.com/tenant/v2.0"

BASE_MESH: dict[str, Any] = {
    "workloads": [
        {"name": "frontend", "namespace": "web", "ports": [{"port": 8080}]},
        {
            "name": "order-service",
            "namespace": "orders",
            "serviceAccount": "orders-sa",
            "ports": [{"port": 8080}, {"port": 9090}],
        },
        {"name": "payment-service", "namespace": "payments", "ports": [{"port": 8443}]},
        {
            "name": "ledger-db",
            "namespace": "payments",
            "labels": {"app": "ledger-db", "tier": "data"},
            "ports": [{"port": 5432, "protocol": "tcp"}],
        },
    ],
    "access": [
        {
            "name": "frontend-to-orders",
            "from": {"workloads": ["web/frontend"]},
            "to": {
                "workloads": ["orders/order-service"],
                "ports": [8080],
                "methods": ["GET"],
                "paths": ["/orders/*"],
            },
        },
        {
            "name": "public-payments",
            "from": {
                "ingressGateway": True,
                "jwt": {"issuer": "idp", "claims": {"groups": ["payments-admins"]}},
            },
            "to": {"workloads": ["payments/payment-service"], "paths": ["/api/*"]},
        },
        {
            "name": "payments-to-ledger",
            "from": {"workloads": ["payment-service"]},
            "to": {"workloads": ["payments/ledger-db"]},
        },
    ],
}


def platform(mesh: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """A minimal valid dev platform config with `mesh` (default: `BASE_MESH`)."""
    data: dict[str, Any] = {
        "environment": "dev",
        "location": "westeurope",
        "jwtIssuers": [
            {
                "name": "idp",
                "issuer": ISSUER,
                "jwksUri": "https://login.example.com/keys",
                "audiences": ["api://app"],
                "claimsToHeaders": [{"claim": "oid", "header": "x-user-oid"}],
            }
        ],
        "mesh": copy.deepcopy(BASE_MESH if mesh is None else mesh),
    }
    data.update(extra)
    return data


def config(mesh: dict[str, Any] | None = None, **extra: Any) -> PlatformConfig:
    """`platform(...)` validated."""
    return parse_platform_config(platform(mesh, **extra))


def compiled(cfg: PlatformConfig) -> list[dict[str, Any]]:
    """The Istio objects of `cfg` as `MeshSecurity` compiles them."""
    return compile_mesh(
        cfg.mesh,
        cfg.jwt_issuers,
        root_namespace=cfg.mesh.root_namespace,
        trust_domain=cfg.mesh.trust_domain,
        ingress_namespace=cfg.mesh.ingress_namespace,
    )


def network_policies(cfg: PlatformConfig) -> list[dict[str, Any]]:
    """The NetworkPolicies of `cfg`."""
    return compile_network_policies(cfg.mesh, ingress_namespace=cfg.mesh.ingress_namespace)


def by_key(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Objects by `Kind/namespace/name`."""
    return {f"{o['kind']}/{o['metadata']['namespace']}/{o['metadata']['name']}": o for o in objects}
