"""The GitHub Actions workflows pass actionlint and ShellCheck (`tools/lint_workflows.py`;
`.ci/run` installs both and runs it with `--require`, so CI fails when they are missing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import ROOT
from tools.lint_workflows import (
    actionlint,
    actionlint_available,
    custom_labels,
    run_scripts,
    shellcheck,
    shellcheck_available,
)

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
needs_actionlint = pytest.mark.skipif(
    actionlint_available() is not None, reason=str(actionlint_available())
)
needs_shellcheck = pytest.mark.skipif(
    shellcheck_available() is not None, reason=str(shellcheck_available())
)
BAD = """\
name: bad
on: push
jobs:
  build:
    runs-on: [self-hosted, meshward-dev]
    steps:
      - uses: actions/checkout@v4
        with: { no-such-input: true }
      - run: echo "${{ github.no_such_property }}"
      - run: |
          echo ok
          cp $SOURCE ${{ runner.temp }}/x
  other:
    runs-on: [self-hosted, no-such-label]
    steps:
      - shell: pwsh
        run: echo $env:X
"""


@needs_actionlint
def test_workflows_pass_actionlint() -> None:
    assert WORKFLOWS
    assert [str(f) for f in actionlint(WORKFLOWS)] == []


@needs_shellcheck
def test_workflow_scripts_pass_shellcheck() -> None:
    assert [str(f) for f in shellcheck(WORKFLOWS)] == []


@needs_actionlint
def test_actionlint_reports_what_is_wrong_and_knows_only_the_declared_runner_labels(
    tmp_path: Path,
) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(BAD)
    kinds = {(f.line, f.kind) for f in actionlint([bad])}
    assert kinds == {(8, "action"), (9, "expression"), (14, "runner-label")}
    assert custom_labels() == {"meshward-dev", "meshward-prod"}


@needs_shellcheck
def test_shellcheck_sees_bash_run_scripts_with_expressions_masked(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(BAD)
    assert [(line, shell) for line, shell, _ in run_scripts(bad)] == [(9, "bash"), (10, "bash")]
    found = shellcheck([bad])
    # The unquoted `$SOURCE` only: the masked `${{ }}` is a constant word, pwsh is not checked.
    assert [(f.line, f.message.split(":", 1)[0]) for f in found] == [(10, "SC2086")]


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
