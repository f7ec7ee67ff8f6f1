"""From captured registrations to plan.json and manifests (pure)."""

from __future__ import annotations

from meshward.engine.harness import Capture, Registration
from meshward.engine.plan import kubernetes_objects, manifest_path, plan_document, plan_files


def reg(urn: str, type_: str, inputs: dict[str, object], custom: bool = True) -> Registration:
    return Registration(urn, type_, urn.rsplit("::", 1)[-1], None, custom, False, (), inputs)


CAPTURE = Capture(
    "p",
    "s",
    [
        reg(
            "urn:pulumi:s::p::kubernetes:security.istio.io/v1:PeerAuthentication::mesh",
            "kubernetes:security.istio.io/v1:PeerAuthentication",
            {
                "apiVersion": "security.istio.io/v1",
                "kind": "PeerAuthentication",
                "metadata": {"name": "default", "namespace": "istio-system"},
                "spec": {"mtls": {"mode": "STRICT"}},
            },
        ),
        reg(
            "urn:pulumi:s::p::kubernetes:core/v1:Namespace::apps",
            "kubernetes:core/v1:Namespace",
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}},
        ),
        reg(
            "urn:pulumi:s::p::kubernetes:helm.sh/v4:Chart::eso",
            "kubernetes:helm.sh/v4:Chart",
            {
                "chart": "external-secrets",
                "version": "2.9.0",
                "namespace": "external-secrets",
                "repositoryOpts": {"repo": "https://charts.external-secrets.io"},
                "values": {"installCRDs": True},
            },
            custom=False,
        ),
        reg("urn:pulumi:s::p::pulumi:providers:kubernetes::k8s", "pulumi:providers:kubernetes", {}),
    ],
)


def test_manifest_paths_use_namespace_or_cluster_dir() -> None:
    paths = sorted(manifest_path(o) for o in kubernetes_objects(plan_document(CAPTURE)))
    assert paths == [
        "manifests/_cluster/Namespace-apps.yaml",
        "manifests/external-secrets/HelmChart-eso.yaml",
        "manifests/istio-system/PeerAuthentication-default.yaml",
    ]


def test_helm_charts_are_listed_with_chart_version_and_values() -> None:
    files = plan_files(plan_document(CAPTURE))
    text = files["manifests/external-secrets/HelmChart-eso.yaml"]
    assert "chart: external-secrets" in text
    assert "version: 2.9.0" in text
    assert "installCRDs: true" in text


def test_manifests_start_with_api_version_and_kind() -> None:
    text = plan_files(plan_document(CAPTURE))[
        "manifests/istio-system/PeerAuthentication-default.yaml"
    ]
    assert text.splitlines()[:2] == ["apiVersion: security.istio.io/v1", "kind: PeerAuthentication"]


def test_providers_are_not_manifests() -> None:
    assert not any("provider" in p for p in plan_files(plan_document(CAPTURE)))
