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
  temporary worktrees (concurrently) and then diffs the folders;
* `diff_revisions_cached`: the same with `--plan-cache` already holding head's plan (as a pull
  request's base plan is kept across pushes), so one revision is planned.

Ratios are each diff over the plan; nothing here asserts.
"""

from __future__ import annotations

import json
import os
import resource
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


CPU: dict[str, float] = {}
"""CPU seconds (user + system) of the last `_run`'s process and the processes it waited for."""


def _run(repo: Path, *argv: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    env = {**os.environ, "PYTHONPATH": str(repo / "components")}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "meshward.cli.main", *argv],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU["last"] = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return seconds, done


def _check(what: str, done: subprocess.CompletedProcess[str], ok: tuple[int, ...] = (0,)) -> None:
    if done.returncode not in ok:
        raise RuntimeError(f"{what} failed ({done.returncode}): {done.stderr[-2000:]}")


def measure_diff(size: int, seed: int = 0) -> dict[str, Any]:
    """Seconds of one plan and of the diffs (module docstring), and their ratios."""
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="meshward-bench-diff-") as tmp:
        repo = Path(tmp) / "repo"
        name, rule = make_repository(repo, size, seed)
        out["diff_rule"] = rule
        cache = Path(tmp) / "cache"
        # Head's plan, kept in the cache (the diff of a revision with itself plans it once).
        _, done = _run(repo, "diff", "HEAD", "HEAD", "--stack", name, "--plan-cache", str(cache))
        _check("planning head", done)
        (head_plan,) = cache.iterdir()
        _git(repo, "checkout", "-q", "HEAD~1")
        base_plan = Path(tmp) / "base"
        out["diff_plan"], done = _run(repo, "plan", "--stack", name, "--out", str(base_plan))
        _check("plan of base", done, (0, 1))
        out["diff_plan_cpu"] = CPU["last"]
        _git(repo, "checkout", "-q", "-")
        diff_json = ("--stack", name, "--format", "json")
        out["diff_folders"], done = _run(repo, "diff", str(base_plan), str(head_plan), *diff_json)
        _check("diff of folders", done)
        out["diff_folders_cpu"] = CPU["last"]
        access = json.loads(done.stdout)["access"]
        out["diff_gained_edges"], out["diff_lost_edges"] = (
            len(access["gained"]),
            len(access["lost"]),
        )
        out["diff_revisions"], done = _run(repo, "diff", "HEAD~1", "HEAD", *diff_json)
        _check("diff of revisions", done)
        out["diff_revisions_cpu"] = CPU["last"]
        if json.loads(done.stdout)["access"] != access:
            raise RuntimeError("the diff of revisions differs from the diff of their plans")
        out["diff_revisions_cached"], done = _run(
            repo, "diff", "HEAD~1", "HEAD", *diff_json, "--plan-cache", str(cache)
        )
        _check("diff of revisions, head's plan kept", done)
        out["diff_revisions_cached_cpu"] = CPU["last"]
    for key in ("diff_folders", "diff_revisions", "diff_revisions_cached"):
        out[f"{key}_ratio"] = out[key] / out["diff_plan"]
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
        "| measure | time | ÷ one plan | CPU time |",
        "|---|---|---|---|",
        *[
            f"| {label} | {r[key]:,.2f} s | {r[key] / r['diff_plan']:.2f}× | "
            f"{r.get(key + '_cpu', 0.0):,.2f} s |"
            for key, label in (
                ("diff_plan", "`meshward plan` of one revision"),
                ("diff_folders", "`meshward diff` of two plan folders"),
                ("diff_revisions", "`meshward diff HEAD~1 HEAD` (both planned, concurrently)"),
                ("diff_revisions_cached", "the same, `--plan-cache` holding one plan"),
            )
        ],
        "",
    ]


def main(argv: list[str]) -> int:
    """Print the figures."""
    size = int(argv[0]) if argv else 1000
    print(json.dumps(measure_diff(size), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
