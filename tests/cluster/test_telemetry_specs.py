"""Telemetry objects: security events only by default, everything or nothing when asked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from meshward.cluster.telemetry_specs import (
    GATEWAY_EVENTS,
    SECURITY_EVENTS,
    telemetry_objects,
)
from meshward.config.mesh import MeshInstallConfig
from tests.cluster.istio_crds import AVAILABLE, REASON, validate_with_crds


def mesh(**kwargs: Any) -> MeshInstallConfig:
    return MeshInstallConfig.model_validate(kwargs)


def by_ns(objects: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(o["metadata"]["namespace"], o["metadata"]["name"]): o["spec"] for o in objects}


def test_security_events_log_server_side_denials_errors_and_plaintext_only() -> None:
    specs = by_ns(telemetry_objects(mesh()))
    (entry,) = specs[("aks-istio-system", "meshward-access-logs")]["accessLogging"]
    assert entry == {
        "providers": [{"name": "envoy"}],
        "match": {"mode": "SERVER"},
        "filter": {"expression": SECURITY_EVENTS},
    }
    assert "response.code >= 400" in SECURITY_EVENTS
    assert "connection.mtls == false" in SECURITY_EVENTS


def test_ingress_gateway_logs_errors_only_because_apim_speaks_one_way_tls() -> None:
    specs = by_ns(telemetry_objects(mesh()))
    gateway = specs[("aks-istio-ingress", "meshward-gateway-access-logs")]
    assert gateway["selector"] == {"matchLabels": {"istio": "aks-istio-ingressgateway-internal"}}
    assert gateway["accessLogging"] == [
        {"providers": [{"name": "envoy"}], "filter": {"expression": GATEWAY_EVENTS}}
    ]


def test_all_and_off_and_namespace_overrides() -> None:
    cfg = mesh(
        install="helm",
        telemetry={
            "accessLogs": "all",
            "namespaces": {"payments": "off", "orders": "securityEvents"},
        },
    )
    specs = by_ns(telemetry_objects(cfg))
    assert specs[("istio-system", "meshward-access-logs")]["accessLogging"] == [
        {"providers": [{"name": "envoy"}]}
    ]
    assert specs[("payments", "meshward-access-logs")]["accessLogging"][0]["disabled"] is True
    assert specs[("orders", "meshward-access-logs")]["accessLogging"][0]["filter"] == {
        "expression": SECURITY_EVENTS
    }
    # Everything is logged at the gateway already: no gateway object.
    assert not any(name == "meshward-gateway-access-logs" for _, name in specs)


def test_rendering_is_deterministic() -> None:
    cfg = mesh(telemetry={"namespaces": {"b": "all", "a": "off"}})
    assert telemetry_objects(cfg) == telemetry_objects(cfg)
    namespaces = [o["metadata"]["namespace"] for o in telemetry_objects(cfg)]
    assert namespaces == ["aks-istio-system", "a", "b", "aks-istio-ingress"]


@pytest.mark.skipif(not AVAILABLE, reason=REASON)
def test_every_variant_validates_against_istios_telemetry_crd(tmp_path: Path) -> None:
    objects = telemetry_objects(
        mesh(telemetry={"namespaces": {"a": "off", "b": "all", "c": "securityEvents"}})
    )
    result = validate_with_crds(objects, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(objects)} Istio document(s) checked" in result.stderr
    assert " 0 with problems" in result.stderr
