"""The Kubernetes export: real kinds only, patches as server-side-apply documents of the real
kind, Helm releases as values files; plain objects valid by the Kubernetes OpenAPI schemas and
Istio objects by Istio's CRDs, External Secrets objects by External Secrets' CRDs (vendored in
meshward/kube/crds)."""

from __future__ import annotations

import functools
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

import meshward.kube
from meshward.engine.plan import kubernetes_objects
from meshward.export.kube_schemas import FALLBACK_VERSION, validate_objects
from meshward.export.kubernetes import (
    kubernetes_export,
    objects_yaml,
    values_file_name,
    values_yaml,
)
from meshward.kube.crd import CrdRegistry
from tests.support import VALIDATE_PY

ISTIO_CRDS = VALIDATE_PY.parent / "crd-all.gen.yaml"
INVENTED = {"ServicePatch", "HelmChart"}


def _stream(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(objects_yaml(kubernetes_export(plan), "t")) if d]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_object_is_exported_once_with_a_real_kind(
    stack: str, request: pytest.FixtureRequest
) -> None:
    plan: dict[str, Any] = request.getfixturevalue(f"{stack}_plan")
    docs = _stream(plan)
    assert not [d for d in docs if d["kind"] in INVENTED or "meshward.io" in d["apiVersion"]]
    # The same objects `meshward plan` writes to manifests/, minus the Helm releases.
    planned = [o for o in kubernetes_objects(plan) if o["kind"] != "HelmChart"]
    key = lambda o: (o["metadata"].get("namespace") or "", o["metadata"]["name"])  # noqa: E731
    assert sorted(map(key, docs)) == sorted(map(key, planned))
    kinds = [d["kind"] for d in docs]
    assert kinds.index("Namespace") == 0


def test_a_patch_is_a_server_side_apply_document_of_the_patched_kind(
    prod_plan: dict[str, Any],
) -> None:
    export = kubernetes_export(prod_plan)
    (index,) = export.patches
    patch = export.objects[index]
    assert (patch["apiVersion"], patch["kind"]) == ("v1", "Service")
    assert set(patch) == {"apiVersion", "kind", "metadata", "spec"}
    assert patch["spec"] == {"externalTrafficPolicy": "Local"}  # only the patched fields
    text = objects_yaml(export, "prod")
    assert "kubectl apply --server-side --field-manager=meshward" in text


def test_helm_releases_are_values_files_with_their_chart(prod_plan: dict[str, Any]) -> None:
    (release,) = kubernetes_export(prod_plan).releases
    chart = next(r for r in prod_plan["resources"] if r["type"].startswith("kubernetes:helm"))
    text = values_yaml(release)
    assert yaml.safe_load(text) == chart["inputs"]["values"]
    assert f"--version {chart['inputs']['version']}" in text
    assert values_file_name(release) == "external-secrets.external-secrets.values.yaml"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_plain_objects_validate_against_the_kubernetes_openapi_schemas(
    stack: str, request: pytest.FixtureRequest
) -> None:
    report = validate_objects(_stream(request.getfixturevalue(f"{stack}_plan")), FALLBACK_VERSION)
    assert report.invalid == {}
    assert len(report.valid) >= 10
    # Everything the schemas do not know is a custom resource with its own CRD check.
    assert all(
        c.split()[0].split("/")[0].endswith(("istio.io", "external-secrets.io"))
        for c in report.custom
    )


def test_the_openapi_check_rejects_an_unknown_field(prod_plan: dict[str, Any]) -> None:
    policy = next(d for d in _stream(prod_plan) if d["kind"] == "NetworkPolicy")
    policy["spec"]["ingres"] = []
    assert validate_objects([policy], FALLBACK_VERSION).invalid


@pytest.mark.skipif(not ISTIO_CRDS.is_file(), reason=f"{ISTIO_CRDS} is absent (needs ../shared)")
@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_istio_objects_validate_against_istios_crds(
    stack: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    target = tmp_path / "k8s.yaml"
    target.write_text(
        objects_yaml(kubernetes_export(request.getfixturevalue(f"{stack}_plan")), stack)
    )
    result = subprocess.run(
        [sys.executable, str(VALIDATE_PY), "--crds", str(ISTIO_CRDS), str(target)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 with problems" in result.stderr


ESO_CRDS = Path(meshward.kube.__file__).parent / "crds" / "external-secrets-crds.yaml"


@functools.cache
def _eso_crds() -> CrdRegistry:
    return CrdRegistry.from_files(ESO_CRDS)


def test_vendored_external_secrets_crds_name_their_source_and_licence() -> None:
    first = ESO_CRDS.read_text(encoding="utf-8").split("\n", 1)[0]
    assert "github.com/external-secrets/external-secrets" in first
    assert "License: Apache-2.0" in first
    assert re.search(r"at commit [0-9a-f]{40}\b", first)
    assert set(_eso_crds().kinds) == {
        ("external-secrets.io", "ExternalSecret"),
        ("external-secrets.io", "ClusterSecretStore"),
    }


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_external_secrets_objects_validate_against_their_crds(
    stack: str, request: pytest.FixtureRequest
) -> None:
    crds = _eso_crds()
    objects = [d for d in _stream(request.getfixturevalue(f"{stack}_plan")) if crds.owns(d)]
    kinds = sorted({d["kind"] for d in objects})
    assert kinds == ["ClusterSecretStore", "ExternalSecret"]
    problems = {
        f"{d['kind']}/{d['metadata']['name']}": crds.problems(d)
        for d in objects
        if crds.problems(d)
    }
    assert problems == {}


def test_the_external_secrets_crd_check_rejects_what_the_api_server_would(
    prod_plan: dict[str, Any],
) -> None:
    crds = _eso_crds()
    secret = next(d for d in _stream(prod_plan) if d["kind"] == "ExternalSecret")
    secret["spec"]["target"]["deletionPolicy"] = "Keep"  # Delete, Merge or Retain
    del secret["spec"]["data"][0]["remoteRef"]["key"]
    paths = {p.path for p in crds.problems(secret)}
    assert paths == {"spec.target.deletionPolicy", "spec.data[0].remoteRef.key"}
    store = next(d for d in _stream(prod_plan) if d["kind"] == "ClusterSecretStore")
    store["spec"]["provider"]["azurekv"]["authType"] = "Password"
    assert [p.path for p in crds.problems(store)] == ["spec.provider.azurekv.authType"]
