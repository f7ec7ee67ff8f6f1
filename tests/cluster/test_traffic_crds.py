"""The product ships Istio's networking and telemetry CRDs (Telemetry, ServiceEntry, Gateway,
VirtualService, DestinationRule, ...) and checks what it renders against them; a broken object
is a bug and stops the run."""

from __future__ import annotations

from typing import Any

import pytest

from meshward.cluster.admission import require_admissible
from meshward.mesh.istio import validate_document
from meshward.mesh.istio.crd_rules import istio_crds, vendored_crd_files
from tests.support import SHARED

SERVICE_ENTRY: dict[str, Any] = {
    "apiVersion": "networking.istio.io/v1",
    "kind": "ServiceEntry",
    "metadata": {"name": "psp", "namespace": "payments"},
    "spec": {
        "hosts": ["api.psp.example"],
        "ports": [{"number": 443, "name": "tls-443", "protocol": "TLS"}],
        "resolution": "DNS",
        "exportTo": ["."],
    },
}


def test_vendored_traffic_crds_are_istios_with_source_and_licence() -> None:
    [vendored] = [p for p in vendored_crd_files() if p.name == "traffic-crds.yaml"]
    first = vendored.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# Source: https://github.com/istio/istio ")
    assert "at commit 86c9f01fd735fb01d8192f5bcaf0d424afb7f14c" in first
    assert "(License: Apache-2.0)" in first
    registry = istio_crds()
    # Whole groups: a group the registry owns refuses kinds it does not know, so shipping part
    # of networking.istio.io would refuse every Gateway or Sidecar a user validates.
    for api, kind in (
        ("telemetry.istio.io/v1", "Telemetry"),
        (NETWORKING, "ServiceEntry"),
        (NETWORKING, "Gateway"),
        (NETWORKING, "VirtualService"),
        (NETWORKING, "DestinationRule"),
        (NETWORKING, "Sidecar"),
    ):
        assert registry.version(api, kind) is not None, kind


NETWORKING = "networking.istio.io/v1"


def test_vendored_crds_are_verbatim_documents_of_istios_crd_file() -> None:
    shared = SHARED / "istio" / "crd-all.gen.yaml"
    if not shared.exists():
        pytest.skip(f"{shared} is absent (needs the ../shared checkout)")
    [vendored] = [p for p in vendored_crd_files() if p.name == "traffic-crds.yaml"]
    documents = vendored.read_text(encoding="utf-8").split("\n", 1)[1].split("\n---\n")
    source = shared.read_text(encoding="utf-8")
    assert len(documents) == 10  # networking.istio.io (9 kinds) and telemetry.istio.io (1)
    for document in documents:
        assert document.strip("\n") in source


def test_a_valid_service_entry_passes_and_a_broken_one_names_the_field() -> None:
    assert validate_document(SERVICE_ENTRY).errors == []
    broken = {**SERVICE_ENTRY, "spec": {**SERVICE_ENTRY["spec"], "resolution": "SOMETIMES"}}
    (problem,) = validate_document(broken).errors
    assert problem.path == "spec.resolution"


def test_an_inadmissible_rendered_object_is_a_bug() -> None:
    broken = {
        "apiVersion": "telemetry.istio.io/v1",
        "kind": "Telemetry",
        "metadata": {"name": "t", "namespace": "a"},
        "spec": {"accessLogging": [{"match": {"mode": "SIDEWAYS"}}]},
    }
    require_admissible([SERVICE_ENTRY], "test")
    with pytest.raises(RuntimeError, match=r"test bug: Telemetry/a/t is not admissible"):
        require_admissible([broken], "test")
