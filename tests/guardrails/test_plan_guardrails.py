"""`meshward plan` runs the catalogue: findings.json beside the plan, no unwaived error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.process import copy_project, run_meshward


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_stacks_plan_with_no_unwaived_error(
    stack: str, dev_files: dict[str, str], prod_files: dict[str, str]
) -> None:
    files = dev_files if stack == "dev" else prod_files
    report = json.loads(files["findings.json"])
    assert report["blocking"] == 0
    unwaived = [f for f in report["findings"] if f["severity"] == "error" and not f["waiver"]]
    assert unwaived == []
    if stack == "dev":
        assert report["waivers"], "every waiver is listed in the report"
    assert all(w["reason"] and w["expires"] for w in report["waivers"])


def test_findings_point_at_written_files(dev_files: dict[str, str]) -> None:
    report = json.loads(dev_files["findings.json"])
    for finding in report["findings"]:
        assert finding["file"] in dev_files, finding


def without_host_encryption(text: str) -> str:
    """The stack file with host encryption switched off on the user pool (weakened)."""
    assert "    aks:\n" in text
    return text.replace(
        "    aks:\n",
        "    aks:\n      userPools:\n        - {name: apps, hostEncryption: false}\n",
        1,
    )


def test_mandatory_violation_fails_plan_after_writing_outputs(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    stack = project / "Pulumi.prod.yaml"
    # Host encryption off on a pool: an unwaived mandatory error in prod.
    stack.write_text(without_host_encryption(stack.read_text(encoding="utf-8")), encoding="utf-8")
    result = run_meshward("plan", "--stack", "prod", "-q", cwd=project)
    assert result.returncode == 1, result.stderr
    report = json.loads((project / "out" / "prod" / "findings.json").read_text())
    assert report["blocking"] == 1
    assert {f["rule"] for f in report["findings"] if not f["waiver"]} >= {"MW203"}
    assert (project / "out" / "prod" / "plan.json").is_file()


def test_dev_is_advisory_unless_a_rule_is_made_mandatory(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    stack = project / "Pulumi.dev.yaml"
    weakened = without_host_encryption(stack.read_text(encoding="utf-8"))
    stack.write_text(weakened, encoding="utf-8")
    assert run_meshward("plan", "-q", cwd=project).returncode == 0
    mandatory = weakened.replace(
        "    guardrails:\n", "    guardrails:\n      rules: {MW203: mandatory}\n", 1
    )
    stack.write_text(mandatory, encoding="utf-8")
    assert run_meshward("plan", "-q", cwd=project).returncode == 1
