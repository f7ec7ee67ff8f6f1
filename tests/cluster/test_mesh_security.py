"""`MeshSecurity` under the mock engine: registrations, dependencies, written manifests."""

from __future__ import annotations

from typing import Any

import yaml

from tests.conftest import Render
from tests.mesh.intent_support import BASE_MESH
from tests.support import one, resources_of, stack_platform

AP_TYPE = "kubernetes:security.istio.io/v1:AuthorizationPolicy"


def test_objects_are_custom_resources_under_the_component(dev_plan: dict[str, Any]) -> None:
    component = one(dev_plan, "meshward:index:MeshSecurity")
    # The mesh gateway's own source policy belongs to IstioMesh; every compiled one is here.
    policies = [
        p for p in resources_of(dev_plan, AP_TYPE) if p["name"].startswith(component["name"])
    ]
    assert policies and all(p["parent"] == component["urn"] for p in policies)
    assert resources_of(dev_plan, "kubernetes:security.istio.io/v1:PeerAuthentication")
    assert resources_of(dev_plan, "kubernetes:security.istio.io/v1:RequestAuthentication")
    assert resources_of(dev_plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy")
    names = {p["inputs"]["metadata"]["name"] for p in policies}
    assert {"allow-nothing", "payment-service-deny", "ledger-db-break-glass"} <= names


def test_istio_objects_depend_on_the_installation(dev_plan: dict[str, Any]) -> None:
    cluster = one(dev_plan, "azure-native:containerservice:ManagedCluster")
    for policy in resources_of(dev_plan, AP_TYPE):
        assert cluster["urn"] in policy["dependencies"]


def test_objects_wait_for_their_own_namespace_and_no_other(dev_plan: dict[str, Any]) -> None:
    # objects × namespaces edges would be 8.5 million at 5,000 workloads (all in the state).
    namespaces = {
        r["inputs"]["metadata"]["name"]: r["urn"]
        for r in resources_of(dev_plan, "kubernetes:core/v1:Namespace")
    }
    component = one(dev_plan, "meshward:index:MeshSecurity")
    objects = [r for r in dev_plan["resources"] if r["parent"] == component["urn"]]
    policies = resources_of(dev_plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy")
    assert policies and all(p in objects for p in policies)
    for obj in objects:
        namespace = obj["inputs"]["metadata"]["namespace"]
        waits = {ns for ns, urn in namespaces.items() if urn in obj["dependencies"]}
        assert waits == ({namespace} & namespaces.keys()), obj["name"]
    assert any(o["inputs"]["metadata"]["namespace"] not in namespaces for o in objects)


def test_manifests_are_written_per_namespace(dev_files: dict[str, str]) -> None:
    doc = yaml.safe_load(
        dev_files["manifests/payments/AuthorizationPolicy-payment-service-deny.yaml"]
    )
    assert doc["apiVersion"] == "security.istio.io/v1"
    assert doc["spec"]["action"] == "DENY"
    assert "manifests/aks-istio-system/PeerAuthentication-mesh-mtls.yaml" in dev_files


def test_helm_install_puts_mesh_policy_in_istio_system(render: Render) -> None:
    platform = stack_platform("dev")
    platform["mesh"] = {**BASE_MESH, "install": "helm"}
    platform["jwtIssuers"] = [
        {
            "name": "idp",
            "issuer": "https://login.example.com/t/v2.0",
            "jwksUri": "https://login.example.com/keys",
            "audiences": ["api://app"],
        }
    ]
    plan = render(platform)
    pas = resources_of(plan, "kubernetes:security.istio.io/v1:PeerAuthentication")
    assert [p["inputs"]["metadata"]["namespace"] for p in pas] == ["istio-system"]
