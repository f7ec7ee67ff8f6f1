"""Istio install: pure values, and both install modes under the mock engine."""

from __future__ import annotations

from typing import Any

import yaml

from meshward.cluster import istio_values as v
from meshward.config.mesh import MeshInstallConfig
from meshward.versions import ISTIO_HELM_VERSION
from tests.conftest import Render
from tests.support import one, resources_of, stack_platform

CHART = "kubernetes:helm.sh/v4:Chart"
CLUSTER = "azure-native:containerservice:ManagedCluster"
GATEWAY = "kubernetes:networking.istio.io/v1:Gateway"


def test_addon_namespaces_use_the_revision_label() -> None:
    mesh = MeshInstallConfig(revisions=["asm-1-29", "asm-1-30"])
    assert v.injection_labels(mesh) == {"istio.io/rev": "asm-1-30"}
    assert v.ingress_selector(mesh) == {"istio": "aks-istio-ingressgateway-internal"}


def test_addon_mesh_config_is_yaml_without_blocked_keys() -> None:
    data = v.shared_configmap_data(MeshInstallConfig())
    mesh = yaml.safe_load(data["mesh"])
    assert mesh["pathNormalization"] == {"normalization": "MERGE_SLASHES"}
    assert "trustDomain" not in mesh


def test_helm_gateway_is_an_internal_load_balancer_on_the_static_ip() -> None:
    values = v.gateway_values(MeshInstallConfig(install="helm"), internal=True)
    annotations = values["service"]["annotations"]
    assert annotations[v.ILB_INTERNAL_ANNOTATION] == "true"
    assert annotations[v.ILB_IP_ANNOTATION] == "10.40.15.250"


def test_addon_gateway_patch_sets_only_allow_listed_annotations(dev_plan: dict[str, Any]) -> None:
    # The add-on lets users add `azure-load-balancer-ipv4` (static IP) to its gateway Service but
    # `azure-load-balancer-internal` is not on the allow-list (the Service is already internal):
    # MicrosoftDocs/azure-aks-docs articles/aks/istio-deploy-ingress.md, "Annotations".
    assert v.addon_gateway_service_annotations(MeshInstallConfig()) == {
        v.ILB_IP_ANNOTATION: "10.40.15.250"
    }
    (patch,) = resources_of(dev_plan, "kubernetes:core/v1:ServicePatch")
    assert patch["inputs"]["metadata"]["name"] == "aks-istio-ingressgateway-internal"
    assert patch["inputs"]["metadata"]["annotations"] == {v.ILB_IP_ANNOTATION: "10.40.15.250"}


def test_both_charts_render_fail_closed_validation_webhooks() -> None:
    # Pulumi renders charts and applies them server-side; base and istiod each render a
    # validating webhook, so both need `base.validationFailurePolicy: Fail` (istio/istio PR
    # #59367/#59488; "supported by the base and istiod charts", istio/istio PR #61633).
    mesh = MeshInstallConfig(install="helm")
    assert v.base_values(mesh)["base"] == {"validationFailurePolicy": "Fail"}
    assert v.istiod_values(mesh)["base"] == {"validationFailurePolicy": "Fail"}


def test_dev_installs_the_addon_with_shared_meshconfig(dev_plan: dict[str, Any]) -> None:
    cluster = one(dev_plan, CLUSTER)
    assert cluster["inputs"]["serviceMeshProfile"]["mode"] == "Istio"
    (configmap,) = [
        r
        for r in resources_of(dev_plan, "kubernetes:core/v1:ConfigMap")
        if r["inputs"]["metadata"]["name"].startswith("istio-shared-configmap-")
    ]
    assert configmap["inputs"]["metadata"]["namespace"] == "aks-istio-system"
    assert cluster["urn"] in configmap["dependencies"]


def test_istio_custom_resources_wait_for_the_addon(dev_plan: dict[str, Any]) -> None:
    cluster = one(dev_plan, CLUSTER)
    gateway = one(dev_plan, GATEWAY)
    assert cluster["urn"] in gateway["dependencies"]
    assert gateway["inputs"]["metadata"]["namespace"] == "aks-istio-ingress"


def test_helm_mode_installs_three_pinned_charts_in_istio_system(render: Render) -> None:
    platform = stack_platform("dev")
    platform["mesh"] = {**platform.get("mesh", {}), "install": "helm"}
    platform["mesh"].pop("revisions", None)
    plan = render(platform, stack="dev")
    charts = {r["inputs"]["chart"]: r for r in resources_of(plan, CHART) if "IstioMesh" in r["urn"]}
    assert set(charts) == {"base", "istiod", "gateway"}
    assert {c["inputs"]["version"] for c in charts.values()} == {ISTIO_HELM_VERSION}
    assert charts["istiod"]["inputs"]["namespace"] == "istio-system"
    assert charts["base"]["urn"] in charts["istiod"]["dependencies"]
    assert one(plan, CLUSTER)["inputs"]["serviceMeshProfile"] == {"mode": "Disabled"}
    gateway = one(plan, GATEWAY)
    assert {charts["base"]["urn"], charts["istiod"]["urn"]} <= set(gateway["dependencies"])


def test_internal_gateway_is_mutual_tls_for_apims_subject_only() -> None:
    from meshward.cluster import istio_values

    spec = istio_values.internal_gateway_spec(MeshInstallConfig(), "mesh.x", "mesh-tls", "apim.x")
    tls = spec["servers"][0]["tls"]
    assert (tls["mode"], tls["subjectAltNames"], tls["credentialName"]) == (
        "MUTUAL",
        ["apim.x"],
        "mesh-tls",
    )
    assert (
        istio_values.internal_gateway_spec(MeshInstallConfig(), "m", "c")["servers"][0]["tls"][
            "mode"
        ]
        == "SIMPLE"
    )


def test_gateway_source_policy_is_valid_istio() -> None:
    from meshward.cluster import istio_values
    from meshward.mesh.istio import validate_document

    spec = istio_values.gateway_source_policy_spec(MeshInstallConfig(), ["10.40.17.0/24"])
    doc = {
        "apiVersion": "security.istio.io/v1",
        "kind": "AuthorizationPolicy",
        "metadata": {"name": "internal-gateway-sources", "namespace": "aks-istio-ingress"},
        "spec": spec,
    }
    assert validate_document(doc).errors == []
    assert istio_values.addon_gateway_service_spec() == {"externalTrafficPolicy": "Local"}
