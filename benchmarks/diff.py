"""Measure `meshward diff` of a generated stack against one `meshward plan` of it (issue 15:
a diff of the dev stack at 1,000 workloads takes at most twice one plan).

    python benchmarks/diff.py 1000          # prints the figures as JSON
    (benchmarks/run.py calls `measure_diff` per size, in the size's own interpreter)

A temporary git repository holds this checkout's program and code and the generated stack of
`size` workloads (`benchmarks/generate.py`), committed twice: the head commit changes one access
rule (one more method on the first rule through the ingress gateway). Every command runs as a user
runs it, `python -m meshward.cli.main` in its own process from the repository:

* `diff_plan`: one `meshward plan` of the base commit (the reference);
* `diff_folders`: `meshward diff BASE_PLAN HEAD_PLAN` of the two plan folders;
* `diff_revisions`: `meshward diff HEAD~1 HEAD --stack NAME`, which plans both revisions from
  temporary worktrees (concurrently) and then diffs the folders.

Ratios are each diff over the plan; nothing here asserts.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from generate import stack_document, stack_name  # noqa: E402

PROJECT_FILES = ("Pulumi.yaml", "__main__.py")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=bench", "-c", "user.email=bench@example", *args],
        check=True,
        capture_output=True,
    )


def widen_one_rule(document: dict[str, Any]) -> str:
    """Allow one more method on the first access rule through the ingress gateway; returns
    `rule: METHOD`."""
    platform = document["config"]["meshward:platform"]
    for rule in platform["mesh"]["access"]:
        methods = list(rule["to"].get("methods") or [])
        if rule["from"].get("ingressGateway") and methods:
            added = next(m for m in ("POST", "PUT", "PATCH", "DELETE") if m not in methods)
            rule["to"]["methods"] = [*methods, added]
            return f"{rule['name']}: +{added}"
    raise ValueError("the generated stack has no method-limited rule through the gateway")


def _write_stack(repo: Path, name: str, document: dict[str, Any]) -> None:
    import yaml

    text = yaml.safe_dump(document, sort_keys=False, width=100)
    (repo / f"Pulumi.{name}.yaml").write_text(text, encoding="utf-8")


def make_repository(repo: Path, size: int, seed: int) -> tuple[str, str]:
    """The two-commit repository; returns (stack name, widened rule)."""
    repo.mkdir(parents=True)
    for name in PROJECT_FILES:
        shutil.copy(ROOT / name, repo / name)
    shutil.copytree(
        ROOT / "components", repo / "components", ignore=shutil.ignore_patterns("__pycache__")
    )
    name = stack_name(size, seed)
    document = stack_document(size, seed)
    _write_stack(repo, name, document)
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "base")
    rule = widen_one_rule(document)
    _write_stack(repo, name, document)
    _git(repo, "commit", "-qam", f"widen {rule}")
    return name, rule


def _run(repo: Path, *argv: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    env = {**os.environ, "PYTHONPATH": str(repo / "components")}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "meshward.cli.main", *argv],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return time.perf_counter() - start, done


def measure_diff(size: int, seed: int = 0) -> dict[str, Any]:
    """Seconds of one plan, of the diff of two plan folders and of two revisions."""
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="meshward-bench-diff-") as tmp:
        repo = Path(tmp) / "repo"
        name, rule = make_repository(repo, size, seed)
        out["diff_rule"] = rule
        head_plan = Path(tmp) / "head"
        _, done = _run(repo, "plan", "--stack", name, "--out", str(head_plan))
        if done.returncode not in (0, 1):
            raise RuntimeError(f"plan of head failed: {done.stderr[-2000:]}")
        _git(repo, "checkout", "-q", "HEAD~1")
        base_plan = Path(tmp) / "base"
        out["diff_plan"], done = _run(repo, "plan", "--stack", name, "--out", str(base_plan))
        if done.returncode not in (0, 1):
            raise RuntimeError(f"plan of base failed: {done.stderr[-2000:]}")
        _git(repo, "checkout", "-q", "-")
        out["diff_folders"], done = _run(
            repo, "diff", str(base_plan), str(head_plan), "--format", "json"
        )
        if done.returncode != 0:
            raise RuntimeError(f"diff of folders failed: {done.stderr[-2000:]}")
        access = json.loads(done.stdout)["access"]
        out["diff_gained_edges"], out["diff_lost_edges"] = (
            len(access["gained"]),
            len(access["lost"]),
        )
        out["diff_revisions"], done = _run(
            repo, "diff", "HEAD~1", "HEAD", "--stack", name, "--format", "json"
        )
        if done.returncode != 0:
            raise RuntimeError(f"diff of revisions failed: {done.stderr[-2000:]}")
        if json.loads(done.stdout)["access"] != access:
            raise RuntimeError("the diff of revisions differs from the diff of their plans")
    out["diff_folders_ratio"] = out["diff_folders"] / out["diff_plan"]
    out["diff_revisions_ratio"] = out["diff_revisions"] / out["diff_plan"]
    return out


def report_lines(r: dict[str, Any]) -> list[str]:
    """Lines for BENCHMARKS.md (one size)."""
    if "diff_revisions" not in r:
        return []
    return [
        f"`meshward diff` (one access rule widened: `{r['diff_rule']}`; "
        f"{r['diff_gained_edges']} edges gained, {r['diff_lost_edges']} lost), each command in "
        "its own process:",
        "",
        "| measure | time | ÷ one plan |",
        "|---|---|---|",
        f"| `meshward plan` of one revision | {r['diff_plan']:,.2f} s | 1.00× |",
        f"| `meshward diff` of two plan folders | {r['diff_folders']:,.2f} s | "
        f"{r['diff_folders_ratio']:.2f}× |",
        f"| `meshward diff HEAD~1 HEAD` (plans both revisions) | {r['diff_revisions']:,.2f} s | "
        f"{r['diff_revisions_ratio']:.2f}× |",
        "",
    ]


def main(argv: list[str]) -> int:
    """Print the figures."""
    size = int(argv[0]) if argv else 1000
    print(json.dumps(measure_diff(size), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
