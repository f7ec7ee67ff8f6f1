"""`meshward plan` as a user runs it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from meshward.cli.main import main
from tests.support import ROOT


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project files a user has after cloning."""
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml", "__main__.py"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def test_plan_writes_plan_json_and_manifests(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", "--project", str(project)]) == 0
    plan = json.loads((project / "out" / "dev" / "plan.json").read_text())
    assert plan["stack"] == "dev"
    out = capsys.readouterr().out
    assert "Resources by type" in out
    assert "meshward:index:Platform" in out


def test_plan_twice_is_byte_identical(project: Path) -> None:
    main(["plan", "--project", str(project), "--out", str(project / "a")])
    main(["plan", "--project", str(project), "--out", str(project / "b")])
    files_a = {
        p.relative_to(project / "a"): p.read_bytes()
        for p in (project / "a").rglob("*")
        if p.is_file()
    }
    files_b = {
        p.relative_to(project / "b"): p.read_bytes()
        for p in (project / "b").rglob("*")
        if p.is_file()
    }
    assert files_a == files_b


def test_plan_prod(project: Path) -> None:
    assert main(["plan", "--project", str(project), "--stack", "prod"]) == 0
    assert (project / "out" / "prod" / "plan.json").is_file()


def test_plan_reports_weaker_dev_settings(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["plan", "--project", str(project)])
    assert "platform.appGateway.waf.mode = Detection" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("replace", "expected"),
    [
        ("mode: Detection", "mode: Detecton"),
        ("environment: dev", "environmnet: dev"),
    ],
)
def test_config_error_exits_2_with_the_path_and_writes_nothing(
    project: Path, capsys: pytest.CaptureFixture[str], replace: str, expected: str
) -> None:
    stack = project / "Pulumi.dev.yaml"
    stack.write_text(stack.read_text().replace(replace, expected))
    assert main(["plan", "--project", str(project)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err, "an error line is printed"
    assert all(line.startswith("platform.") for line in err)
    assert "Traceback" not in "\n".join(err)
    assert not (project / "out").exists()


def test_wrong_enum_is_one_readable_line(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stack = project / "Pulumi.dev.yaml"
    stack.write_text(stack.read_text().replace("mode: Detection", "mode: Detect"))
    assert main(["plan", "--project", str(project)]) == 2
    assert capsys.readouterr().err == (
        "platform.appGateway.waf.mode: 'Detect' is not allowed (allowed: Prevention, Detection)\n"
    )


def test_unknown_stack_exits_2_and_lists_stacks(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", "--project", str(project), "--stack", "qa"]) == 2
    assert "known stacks: dev, prod" in capsys.readouterr().err


def test_existing_output_survives_a_failed_plan(project: Path) -> None:
    assert main(["plan", "--project", str(project)]) == 0
    stack = project / "Pulumi.dev.yaml"
    stack.write_text(stack.read_text().replace("environment: dev", "environment: qa"))
    assert main(["plan", "--project", str(project)]) == 2
    assert (project / "out" / "dev" / "plan.json").is_file()


def test_unparsable_stack_file_is_one_line_with_position(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "Pulumi.dev.yaml").write_text("config:\n  meshward:platform: [1\n")
    assert main(["plan", "--project", str(project)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Pulumi.dev.yaml:3:1: not valid YAML:")
    assert err.count("\n") == 1


def test_stack_without_platform_key_names_the_key(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "Pulumi.dev.yaml").write_text("config:\n  azure-native:location: westeurope\n")
    assert main(["plan", "--project", str(project)]) == 2
    assert capsys.readouterr().err.startswith("meshward:platform: missing")


def test_plan_summary_as_json_or_quiet(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--project", str(project), "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["stack"], summary["out"]) == ("dev", str(project / "out" / "dev"))
    assert summary["resources"]["meshward:index:Platform"] == 1
    assert {"path": "platform.appGateway.waf.mode", "value": "Detection"}.items() <= next(
        w for w in summary["weakened"] if w["path"] == "platform.appGateway.waf.mode"
    ).items()
    assert main(["plan", "--project", str(project), "-q"]) == 0
    assert capsys.readouterr() == ("", "")
