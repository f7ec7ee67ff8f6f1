"""`meshward plan` runs the catalogue: findings.json beside the plan, no unwaived error."""

from __future__ import annotations

import json

import pytest


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
