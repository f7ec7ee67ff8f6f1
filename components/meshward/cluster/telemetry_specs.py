"""Istio `Telemetry` objects for security access logging (pure).

Telemetry only configures what Envoy logs; it never changes an authorization decision, so the
simulator and the access matrix ignore it.

`securityEvents` logs, on the server side of every sidecar, the requests answered 4xx/5xx
(every AuthorizationPolicy denial is a 403, every failed token a 401) and the connections that
arrive without mutual TLS (`connection.mtls` is false on a PERMISSIVE or DISABLE port). The
ingress gateway is a client in Istio's Telemetry model and terminates APIM's one-way TLS, so
`connection.mtls` would be false for every request there: its own object logs 4xx/5xx only.
"""

from __future__ import annotations

from typing import Any

from meshward.cluster.admission import require_admissible
from meshward.cluster.istio_values import ingress_selector
from meshward.config.mesh import MeshInstallConfig
from meshward.config.telemetry import AccessLogMode

API_VERSION = "telemetry.istio.io/v1"
NAME = "meshward-access-logs"
"""Name of the mesh-wide and per-namespace objects."""
GATEWAY_NAME = "meshward-gateway-access-logs"
"""Name of the ingress gateway's object."""
SECURITY_EVENTS = "response.code >= 400 || connection.mtls == false"
"""CEL filter of `securityEvents` on sidecars (Envoy attributes `response.code`,
`connection.mtls`)."""
GATEWAY_EVENTS = "response.code >= 400"
"""CEL filter of `securityEvents` on the ingress gateway."""
_LABELS = {"app.kubernetes.io/managed-by": "meshward"}


def access_logging(mode: AccessLogMode, provider: str, *, gateway: bool = False) -> dict[str, Any]:
    """One `accessLogging` entry for `mode`."""
    entry: dict[str, Any] = {"providers": [{"name": provider}]}
    if mode == "off":
        entry["disabled"] = True
    elif mode == "securityEvents":
        if gateway:
            entry["filter"] = {"expression": GATEWAY_EVENTS}
        else:
            entry["match"] = {"mode": "SERVER"}
            entry["filter"] = {"expression": SECURITY_EVENTS}
    return entry


def _telemetry(name: str, namespace: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": "Telemetry",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(_LABELS)},
        "spec": spec,
    }


def telemetry_objects(mesh: MeshInstallConfig) -> list[dict[str, Any]]:
    """Mesh-wide object in the root namespace, one per namespace override, and the ingress
    gateway's (when the mesh-wide mode is `securityEvents`), in a stable order; each checked
    against Istio's Telemetry CRD (vendored in `meshward/mesh/istio/crds/`)."""
    cfg = mesh.telemetry
    out = [
        _telemetry(
            NAME,
            mesh.root_namespace,
            {"accessLogging": [access_logging(cfg.access_logs, cfg.provider)]},
        )
    ]
    for ns, mode in sorted(cfg.namespaces.items()):
        out.append(_telemetry(NAME, ns, {"accessLogging": [access_logging(mode, cfg.provider)]}))
    gateway_mode = cfg.namespaces.get(mesh.ingress_namespace, cfg.access_logs)
    if gateway_mode == "securityEvents":
        out.append(
            _telemetry(
                GATEWAY_NAME,
                mesh.ingress_namespace,
                {
                    "selector": {"matchLabels": ingress_selector(mesh)},
                    "accessLogging": [access_logging(gateway_mode, cfg.provider, gateway=True)],
                },
            )
        )
    require_admissible(out, "telemetry_specs")
    return out
