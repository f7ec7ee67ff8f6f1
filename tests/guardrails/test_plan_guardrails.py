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
    assert report["waivers"], "every waiver is listed in the report"
    assert all(w["reason"] and w["expires"] for w in report["waivers"])


def test_findings_point_at_written_files(dev_files: dict[str, str]) -> None:
    report = json.loads(dev_files["findings.json"])
    for finding in report["findings"]:
        assert finding["file"] in dev_files, finding


def test_mandatory_violation_fails_plan_after_writing_outputs(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    stack = project / "Pulumi.prod.yaml"
    text = stack.read_text(encoding="utf-8")
    # Drop the host-encryption waiver: its findings become unwaived mandatory errors in prod.
    start = text.index("        - rule: MW203")
    end = text.index("        - rule: MW215")
    stack.write_text(text[:start] + text[end:], encoding="utf-8")
    result = run_meshward("plan", "--stack", "prod", "-q", cwd=project)
    assert result.returncode == 1, result.stderr
    report = json.loads((project / "out" / "prod" / "findings.json").read_text())
    assert report["blocking"] == 2
    assert {f["rule"] for f in report["findings"] if not f["waiver"]} >= {"MW203"}
    assert (project / "out" / "prod" / "plan.json").is_file()


def test_dev_is_advisory_unless_a_rule_is_made_mandatory(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    stack = project / "Pulumi.dev.yaml"
    text = stack.read_text(encoding="utf-8")
    start = text.index("        - rule: MW203")
    end = text.index("        - rule: MW215")
    stack.write_text(text[:start] + text[end:], encoding="utf-8")
    assert run_meshward("plan", "-q", cwd=project).returncode == 0
    mandatory = text[:start] + text[end:]
    mandatory = mandatory.replace(
        "    guardrails:\n", "    guardrails:\n      rules: {MW203: mandatory}\n", 1
    )
    stack.write_text(mandatory, encoding="utf-8")
    assert run_meshward("plan", "-q", cwd=project).returncode == 1
