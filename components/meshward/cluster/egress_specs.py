"""Egress control objects (pure): ServiceEntries for the allowed external hosts, the JWKS hosts
when Envoy fetches keys itself, and the optional egress gateway with the AuthorizationPolicy
that lets only named service accounts out.

`REGISTRY_ONLY` itself is MeshConfig (`istio_values.mesh_config`): the add-on reads it from
`istio-shared-configmap-<revision>`, Helm installs from the istiod chart's `meshConfig`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

from meshward.cluster.admission import require_admissible
from meshward.config.egress import EgressConfig, ExternalService
from meshward.config.jwt import JwtIssuer

NETWORKING = "networking.istio.io/v1"
EGRESS_GATEWAY_RELEASE = "istio-egressgateway"
"""Helm release (and Service) name of the egress gateway."""
EGRESS_GATEWAY_LABELS = {"istio": "egressgateway"}
"""Pod labels of the egress gateway (its Gateway and AuthorizationPolicy select them)."""
EGRESS_POLICY_NAME = "egress-allowed-service-accounts"
_LABELS = {"app.kubernetes.io/managed-by": "meshward"}
_TLS_PROTOCOLS = ("TLS", "HTTPS")


def _object(kind: str, name: str, namespace: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": NETWORKING if kind != "AuthorizationPolicy" else "security.istio.io/v1",
        "kind": kind,
        "metadata": {"name": name, "namespace": namespace, "labels": dict(_LABELS)},
        "spec": spec,
    }


def _export_to(service: ExternalService, gateway_namespace: str) -> list[str]:
    """`exportTo` as configured; a service routed through the egress gateway must also be
    visible to the gateway, or the gateway has no cluster for it."""
    export = list(service.export_to)
    if service.via_egress_gateway and "*" not in export and gateway_namespace not in export:
        export.append(gateway_namespace)
    return export


def service_entry(service: ExternalService, gateway_namespace: str) -> dict[str, Any]:
    """The ServiceEntry of one external service (`MESH_EXTERNAL`)."""
    return _object(
        "ServiceEntry",
        service.name,
        service.namespace,
        {
            "hosts": list(service.hosts),
            "location": "MESH_EXTERNAL",
            "resolution": service.resolution,
            "ports": [
                {
                    "number": p.number,
                    "name": f"{p.protocol.lower()}-{p.number}",
                    "protocol": p.protocol,
                }
                for p in service.ports
            ],
            "exportTo": _export_to(service, gateway_namespace),
        },
    )


def jwks_hosts(issuers: Iterable[JwtIssuer]) -> list[tuple[str, int]]:
    """Distinct `(host, port)` of the issuers' JWKS URIs, sorted."""
    found = set()
    for issuer in issuers:
        parts = urlsplit(issuer.jwks_uri)
        if parts.hostname:
            found.add((parts.hostname, parts.port or 443))
    return sorted(found)


def jwks_objects(
    issuers: Sequence[JwtIssuer], root_namespace: str, namespaces: Sequence[str]
) -> list[dict[str, Any]]:
    """With `jwksFetchedBy: envoy` each proxy that validates tokens fetches the JWKS itself, so
    under REGISTRY_ONLY the JWKS hosts need a ServiceEntry, and a DestinationRule originating
    TLS on the cluster Envoy's `jwt_authn` filter uses (the URI is https). Exported only to the
    namespaces whose proxies validate tokens."""
    out: list[dict[str, Any]] = []
    export = sorted(set(namespaces))
    for index, (host, port) in enumerate(jwks_hosts(issuers)):
        name = f"jwks-{index}-{host.replace('.', '-')}"[:63].rstrip("-")
        out.append(
            _object(
                "ServiceEntry",
                name,
                root_namespace,
                {
                    "hosts": [host],
                    "location": "MESH_EXTERNAL",
                    "resolution": "DNS",
                    "ports": [{"number": port, "name": f"https-{port}", "protocol": "HTTPS"}],
                    "exportTo": export,
                },
            )
        )
        out.append(
            _object(
                "DestinationRule",
                name,
                root_namespace,
                {
                    "host": host,
                    "exportTo": export,
                    "trafficPolicy": {
                        "portLevelSettings": [
                            {"port": {"number": port}, "tls": {"mode": "SIMPLE", "sni": host}}
                        ]
                    },
                },
            )
        )
    return out


def egress_gateway_values(revision: str) -> dict[str, Any]:
    """Values of the `gateway` chart for the egress gateway: cluster-internal only."""
    values: dict[str, Any] = {
        "labels": dict(EGRESS_GATEWAY_LABELS),
        "service": {
            "type": "ClusterIP",
            "ports": [{"name": "tls", "port": 443, "protocol": "TCP"}],
        },
        "autoscaling": {"minReplicas": 2},
        "podDisruptionBudget": {"minAvailable": 1},
    }
    if revision:
        values["revision"] = revision
    return values


def egress_policy(egress: EgressConfig, trust_domain: str) -> dict[str, Any]:
    """ALLOW on the egress gateway for the named service accounts only: with an ALLOW policy
    present, every other caller is refused (and with STRICT mTLS the principal cannot be
    forged)."""
    principals = [
        f"{trust_domain}/ns/{ref.split('/')[0]}/sa/{ref.split('/')[1]}"
        for ref in sorted(set(egress.gateway.allowed_service_accounts))
    ]
    return _object(
        "AuthorizationPolicy",
        EGRESS_POLICY_NAME,
        egress.gateway.namespace,
        {
            "selector": {"matchLabels": dict(EGRESS_GATEWAY_LABELS)},
            "action": "ALLOW",
            "rules": [{"from": [{"source": {"principals": principals}}]}],
        },
    )


def _tls_ports(service: ExternalService) -> list[int]:
    return [p.number for p in service.ports if p.protocol in _TLS_PROTOCOLS]


def egress_routing(egress: EgressConfig) -> list[dict[str, Any]]:
    """For every service routed through the gateway: a Gateway passing its TLS ports through
    by SNI, and a VirtualService sending the mesh's traffic to the gateway and the gateway's
    traffic out (Istio's egress TLS-passthrough pattern). Plaintext ports stay direct."""
    gw_ns = egress.gateway.namespace
    out: list[dict[str, Any]] = []
    for service in egress.external_services:
        ports = _tls_ports(service)
        if not service.via_egress_gateway or not ports:
            continue
        name = f"egress-{service.namespace}-{service.name}"[:63].rstrip("-")
        out.append(
            _object(
                "Gateway",
                name,
                gw_ns,
                {
                    "selector": dict(EGRESS_GATEWAY_LABELS),
                    "servers": [
                        {
                            "port": {"number": 443, "name": "tls", "protocol": "TLS"},
                            "hosts": list(service.hosts),
                            "tls": {"mode": "PASSTHROUGH"},
                        }
                    ],
                },
            )
        )
        gateway_host = f"{EGRESS_GATEWAY_RELEASE}.{gw_ns}.svc.cluster.local"
        sni = list(service.hosts)

        def route(host: str, port: int) -> list[dict[str, Any]]:
            return [{"destination": {"host": host, "port": {"number": port}}}]

        tls_routes: list[dict[str, Any]] = [
            {
                "match": [{"gateways": ["mesh"], "port": port, "sniHosts": sni}],
                "route": route(gateway_host, 443),
            }
            for port in ports
        ]
        tls_routes.append(
            {
                "match": [{"gateways": [f"{gw_ns}/{name}"], "port": 443, "sniHosts": sni}],
                "route": route(service.hosts[0], ports[0]),
            }
        )
        out.append(
            _object(
                "VirtualService",
                name,
                gw_ns,
                {
                    "hosts": list(service.hosts),
                    "gateways": ["mesh", f"{gw_ns}/{name}"],
                    # "." would mean the gateway's namespace here, not the service's.
                    "exportTo": [
                        service.namespace if e == "." else e for e in _export_to(service, gw_ns)
                    ],
                    "tls": tls_routes,
                },
            )
        )
    return out


def egress_objects(
    egress: EgressConfig,
    issuers: Sequence[JwtIssuer],
    *,
    root_namespace: str,
    trust_domain: str,
    token_namespaces: Sequence[str],
) -> list[dict[str, Any]]:
    """Every egress object, in a stable order; ServiceEntries against Istio's CRD and the
    AuthorizationPolicy against the CRD and istiod's admission rules."""
    out = [service_entry(s, egress.gateway.namespace) for s in egress.external_services]
    if egress.jwks_fetched_by == "envoy":
        out.extend(jwks_objects(issuers, root_namespace, token_namespaces))
    if egress.gateway.enabled:
        out.append(egress_policy(egress, trust_domain))
        out.extend(egress_routing(egress))
    require_admissible(out, "egress_specs")
    return out
