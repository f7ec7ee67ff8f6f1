"""Acceptance: the built wheel, installed into a fresh virtual environment outside the
repository, runs both example programs under Pulumi's mock engine.

The environment gets its dependencies from the project's environment (a `.pth` line naming
its site-packages, which Python appends after the new environment's own site-packages and
whose own `.pth` files, such as the editable install's, it does not process), so nothing is
downloaded. Every check runs with a clean environment (no PYTHONPATH) from a directory
outside the repository, and asserts that `meshward` is the installed wheel.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import meshward
from tests.support import ROOT

EXAMPLES = ROOT / "examples"
DRIVER = Path(__file__).parent / "examples" / "mock_driver.py"
SOURCES = ("pyproject.toml", "README.md", "components")


def _run(cmd: list[str | Path], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"{cmd} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Build the wheel from a copy of the sources, install it into a new venv; return paths."""
    work = tmp_path_factory.mktemp("wheel")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    # Build from a copy: setuptools writes build/ and *.egg-info next to the sources.
    source = work / "source"
    source.mkdir()
    for name in SOURCES:
        src = ROOT / name
        if src.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
            shutil.copytree(src, source / name, ignore=ignore)
        else:
            shutil.copy2(src, source / name)
    dist = work / "dist"
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            dist,
            source,
        ],
        work,
        clean,
    )
    (wheel,) = dist.glob("meshward-*.whl")

    env_dir = work / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    _run(
        [sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", wheel],
        work,
        clean,
    )
    site = Path(
        _run(
            [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], work, clean
        ).strip()
    )
    (site / "project-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return {"work": work, "wheel": wheel, "python": python, "site": site, "env": clean}


def test_wheel_holds_the_package_its_types_and_nothing_else(installed: dict[str, Any]) -> None:
    import zipfile

    names = zipfile.ZipFile(installed["wheel"]).namelist()
    assert installed["wheel"].name == f"meshward-{meshward.__version__}-py3-none-any.whl"
    assert "meshward/py.typed" in names
    assert "meshward/mesh/istio/crds/security-crds.yaml" in names
    assert "meshward/cluster/mesh_security.py" in names
    assert {n.split("/")[0] for n in names} == {
        "meshward",
        f"meshward-{meshward.__version__}.dist-info",
    }


def test_installed_meshward_is_the_wheel_and_imports_nothing_heavy(
    installed: dict[str, Any],
) -> None:
    probe = (
        "import sys, meshward;"
        "heavy = sorted(m for m in sys.modules if m.startswith(('pulumi', 'pydantic')));"
        "print(meshward.__file__); print(meshward.__version__); print(heavy)"
    )
    out = _run([installed["python"], "-c", probe], installed["work"], installed["env"])
    file, version, heavy = out.splitlines()
    assert Path(file).is_relative_to(installed["site"]), file
    assert version == meshward.__version__
    assert heavy == "[]"
    script = installed["python"].parent / "meshward"
    out = _run([script, "--version"], installed["work"], installed["env"])
    assert meshward.__version__ in out


def test_installed_validate_applies_istios_crd_schema(installed: dict[str, Any]) -> None:
    # `action: allow` passes nothing but the CRD's enum; the vendored CRD must be in the wheel.
    manifest = installed["work"] / "lower-case-action.yaml"
    manifest.write_text(
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
        "metadata: {name: lower-case-action, namespace: shop}\nspec:\n  action: allow\n"
    )
    script = installed["python"].parent / "meshward"
    done = subprocess.run(
        [str(script), "validate", str(manifest)],
        cwd=installed["work"],
        env=installed["env"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "spec.action" in done.stdout and "[CRD schema: enum]" in done.stdout


def _run_example(installed: dict[str, Any], example: str) -> dict[str, Any]:
    # A copy outside the repository: nothing can be imported from the checkout by accident.
    project = installed["work"] / example
    if not project.exists():
        shutil.copytree(EXAMPLES / example, project, ignore=shutil.ignore_patterns("__pycache__"))
    out = _run([installed["python"], DRIVER, project, "example"], project, installed["env"])
    result = dict(json.loads(out))
    origin = Path(result["origins"]["meshward"])
    assert origin.is_relative_to(installed["site"]), f"meshward came from {origin}"
    return result


def test_mesh_security_example_runs_on_an_existing_cluster(installed: dict[str, Any]) -> None:
    result = _run_example(installed, "mesh_on_existing_aks")
    assert result["origins"]["pulumi_azure_native"]  # Aks reads the cluster with it
    counts = Counter(r["type"] for r in result["created"])
    assert counts == {
        "meshward:index:Aks": 1,
        "pulumi:providers:kubernetes": 1,
        "meshward:index:MeshSecurity": 1,
        "kubernetes:security.istio.io/v1:PeerAuthentication": 1,
        "kubernetes:security.istio.io/v1:RequestAuthentication": 1,
        "kubernetes:security.istio.io/v1:AuthorizationPolicy": 5,
        "kubernetes:networking.k8s.io/v1:NetworkPolicy": 3,
    }
    # The cluster is read by its ID, never created; every object goes through its provider.
    assert [(r["type"], r["id"].rsplit("/", 1)[-1]) for r in result["read"]] == [
        ("azure-native:containerservice:ManagedCluster", "team-aks")
    ]
    objects = [r for r in result["created"] if r["type"].startswith("kubernetes:")]
    assert all("::cluster-k8s::" in r["provider"] for r in objects)
    names = {r["name"] for r in objects}
    assert "mesh-security-shop-authorizationpolicy-allow-nothing" in names
    assert "mesh-security-shop-authorizationpolicy-storefront-deny" in names


def test_edge_example_creates_only_the_edge_in_the_existing_network(
    installed: dict[str, Any],
) -> None:
    result = _run_example(installed, "edge_in_existing_vnet")
    counts = Counter(r["type"] for r in result["created"])
    for typ, count in {
        "azure-native:network:ApplicationGateway": 1,
        "azure-native:network:WebApplicationFirewallPolicy": 1,
        "azure-native:network:PublicIPAddress": 1,
        "azure-native:apimanagement:ApiManagementService": 1,
        "azure-native:apimanagement:ApiPolicy": 1,
        "azure-native:managedidentity:UserAssignedIdentity": 2,
        "azure-native:authorization:RoleAssignment": 2,
        # The internal zone plus one per APIM default host name (gateway, portal, developer,
        # management, scm).
        "azure-native:privatedns:PrivateZone": 6,
        "azure-native:privatedns:VirtualNetworkLink": 6,
    }.items():
        assert counts[typ] == count, typ
    # Existing: the VNet, its subnets, the resource group and the vault are not created.
    for typ in (
        "azure-native:network:VirtualNetwork",
        "azure-native:network:Subnet",
        "azure-native:network:NetworkSecurityGroup",
        "azure-native:resources:ResourceGroup",
        "azure-native:keyvault:Vault",
        "kubernetes:",
    ):
        assert not [t for t in counts if t.startswith(typ)], typ
    assert [r["type"] for r in result["read"]] == ["azure-native:keyvault:Vault"]
