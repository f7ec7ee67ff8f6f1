"""`meshward export`: writes the chosen format whole, refuses bad arguments with exit 2."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from meshward.cli.main import main
from tests.support import ROOT


def test_export_arm_writes_one_template(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "prod.arm.json"
    code = main(
        ["export", "--stack", "prod", "--format", "arm", "--out", str(out), "--project", str(ROOT)]
    )
    assert code == 0
    template = json.loads(out.read_text())
    assert template["$schema"].endswith("deploymentTemplate.json#")
    assert template["contentVersion"] == "1.0.0.0"
    assert "ARM resources" in capsys.readouterr().out
    assert [p.name for p in tmp_path.iterdir()] == ["prod.arm.json"]
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask


def test_export_k8s_writes_the_stream_and_helm_values(tmp_path: Path) -> None:
    out = tmp_path / "dev.k8s.yaml"
    code = main(
        ["export", "--stack", "dev", "--format", "k8s", "--out", str(out), "--project", str(ROOT)]
    )
    assert code == 0
    docs = [d for d in yaml.safe_load_all(out.read_text()) if d]
    assert {d["kind"] for d in docs} >= {"Namespace", "AuthorizationPolicy", "Service"}
    values = tmp_path / "dev.k8s.helm" / "external-secrets.external-secrets.values.yaml"
    assert yaml.safe_load(values.read_text())["installCRDs"] is True


def test_unknown_format_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["export", "--format", "bicep"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'bicep'" in capsys.readouterr().err


def test_out_naming_a_directory_exits_2_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["export", "--format", "arm", "--out", str(tmp_path), "--project", str(ROOT)])
    assert code == 2
    assert "--out: " in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_file_meshward_did_not_write_is_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "mine.json"
    out.write_text('{"mine": true}')
    code = main(["export", "--format", "arm", "--out", str(out), "--project", str(ROOT)])
    assert code == 2
    assert "was not written by `meshward export --format arm`" in capsys.readouterr().err
    assert out.read_text() == '{"mine": true}'
