"""`meshward diff BASE HEAD` with git revisions: each side planned from a temporary worktree
with its own code, and the worktrees removed afterwards."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


def test_revision_diff_plans_both_sides_and_cleans_up(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml", "__main__.py"):
        shutil.copy(ROOT / name, repo / name)
    shutil.copytree(
        ROOT / "components", repo / "components", ignore=shutil.ignore_patterns("__pycache__")
    )
    _git(repo, "init", "-q")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example", "add", ".")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example", "commit", "-qm", "base")
    stack = repo / "Pulumi.dev.yaml"
    text = stack.read_text()
    assert "mode: Detection" in text
    stack.write_text(text.replace("mode: Detection", "mode: Prevention", 1))
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example", "commit", "-qam", "waf")

    env = {**os.environ, "PYTHONPATH": str(ROOT / "components")}
    cache = tmp_path / "plans"

    def diff() -> subprocess.CompletedProcess[str]:
        argv = ["diff", "HEAD~1", "HEAD", "--format", "json", "--plan-cache", str(cache)]
        return subprocess.run(
            [sys.executable, "-m", "meshward.cli.main", *argv],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )

    done = diff()
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["stack"] == "dev"
    changed = {c["urn"].rsplit("::", 1)[1]: c for c in doc["resources"]["changed"]}
    assert changed == {
        "mw-dev-appgw-waf": {
            "urn": changed["mw-dev-appgw-waf"]["urn"],
            "paths": ["policySettings.mode"],
            "replace": False,
        }
    }
    assert doc["access"] == {"gained": [], "lost": []}
    # The temporary worktrees are gone, from disk and from git's list.
    assert _git(repo, "worktree", "list").count("\n") == 1

    # Both plans were kept; a second diff reuses them instead of planning: a resource taken out
    # of the kept base plan shows as added, which only the reused plan can report.
    base_commit = _git(repo, "rev-parse", "HEAD~1").strip()
    kept = {p.name.split("-", 1)[0]: p for p in cache.iterdir()}
    assert set(kept) == {base_commit, _git(repo, "rev-parse", "HEAD").strip()}
    plan_file = kept[base_commit] / "plan.json"
    plan = json.loads(plan_file.read_text())
    taken = plan["resources"].pop(0)
    plan_file.write_text(json.dumps(plan))
    done = diff()
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["resources"]["added"] == [taken["urn"]]
