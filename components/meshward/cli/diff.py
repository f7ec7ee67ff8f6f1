"""`meshward diff`: what changes between two plans of a stack (resources, access, findings).

BASE and HEAD are plan folders or git revisions. A revision is planned offline from a temporary
`git worktree` with that revision's own code (its CLI run in a subprocess with `PYTHONPATH` at
the revision's package root), so a revision from before the package rename still plans. Two
revisions are planned concurrently.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

from meshward.errors import Problem, UserInputError

EXAMPLES = """\
  meshward diff HEAD~1 HEAD --stack dev              # two revisions, planned offline
  meshward diff out/base/dev out/dev --format json   # two `meshward plan` folders
  meshward diff origin/main HEAD --fail-on access-widened   # exit 1 if any access is gained
"""
FORMATS = ("markdown", "json")
FAIL_ON = ("access-widened",)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `meshward diff`."""
    parser.add_argument("base", help="plan folder or git revision (the old side)")
    parser.add_argument("head", help="plan folder or git revision (the new side)")
    parser.add_argument("--stack", default="dev", help="stack planned for revisions (default: dev)")
    parser.add_argument(
        "--format", choices=FORMATS, default="markdown", help="output (default: markdown)"
    )
    parser.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        action="append",
        default=[],
        help="exit 1 when any access atom is newly allowed",
    )
    parser.add_argument(
        "--plan-cache",
        type=Path,
        metavar="DIR",
        help="keep each revision's plan in DIR and reuse it when the same commit, stack and "
        "installed Python packages come again (e.g. a pull request's base across pushes)",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="print nothing but errors; the exit code tells"
    )


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False
    )


def _commit(repo: Path, revision: str) -> str | None:
    done = _git(repo, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    return done.stdout.strip() if done.returncode == 0 else None


@contextmanager
def _worktree(repo: Path, commit: str) -> Iterator[Path]:
    """A detached worktree of `commit` in a temporary folder, removed however the run ends."""
    parent = Path(tempfile.mkdtemp(prefix="meshward-diff-"))
    tree = parent / "tree"

    def remove() -> None:
        _git(repo, "worktree", "remove", "--force", str(tree))
        shutil.rmtree(parent, ignore_errors=True)
        _git(repo, "worktree", "prune")

    from meshward import interrupts

    with interrupts.cleaned_up_on_interrupt(remove):
        try:
            done = _git(repo, "worktree", "add", "--detach", str(tree), commit)
            if done.returncode != 0:
                raise UserInputError(
                    [Problem(commit, f"git worktree add failed: {done.stderr.strip()}")]
                )
            yield tree
        finally:
            remove()


def plan_revision(tree: Path, stack: str, out: Path) -> None:
    """Plan `stack` of the checkout `tree` with its own code into `out`."""
    if (tree / "components" / "meshward").is_dir():
        root, package = tree / "components", "meshward"
    elif (tree / "components" / "cli" / "main.py").is_file():
        root, package = tree, "components"
    else:
        raise UserInputError([Problem(str(tree), "no meshward package in this revision")])
    if not (tree / f"Pulumi.{stack}.yaml").is_file():
        raise UserInputError(
            [Problem("--stack", f"Pulumi.{stack}.yaml does not exist in this revision")]
        )
    env = {**os.environ, "PYTHONPATH": str(root)}
    code = f"import sys; from {package}.cli.main import main; sys.exit(main(sys.argv[1:]))"
    done = subprocess.run(
        [sys.executable, "-c", code, "plan", "--stack", stack, "--out", str(out)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    # Exit 1 is a guardrail verdict with the plan written; anything else is a failed plan.
    if done.returncode not in (0, 1) or not (out / "plan.json").is_file():
        last = (done.stderr.strip() or done.stdout.strip()).splitlines()[-5:]
        raise UserInputError(
            [Problem(str(tree), "planning failed: " + " | ".join(last))], source="meshward diff"
        )


def _resolve(spec: str, which: str) -> Path | str:
    """A plan folder as given, or the commit a revision names."""
    path = Path(spec)
    if path.is_dir():
        return path
    repo = Path.cwd()
    commit = _commit(repo, spec)
    if commit is None:
        raise UserInputError(
            [
                Problem(
                    which,
                    f"{spec!r} is neither a plan folder nor a git revision of {repo}",
                )
            ]
        )
    return commit


def environment_key() -> str:
    """What besides the commit and the stack a plan depends on: the Python version and the
    installed distributions (the Pulumi SDK and providers among them)."""
    import hashlib
    from importlib import metadata

    found = sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions())
    text = "\n".join([sys.version, *found])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _plan_cached(tree: Path, stack: str, out: Path, cache: Path | None, commit: str) -> Path:
    """Plan `tree` into `out`, or reuse (and keep) the plan in `cache`: a revision's plan is a
    function of its commit (its own code and stack file), the stack and the environment."""
    if cache is None:
        plan_revision(tree, stack, out)
        return out
    kept = cache / f"{commit}-{stack}-{environment_key()}"
    if (kept / "plan.json").is_file():
        return kept
    plan_revision(tree, stack, out)
    cache.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{kept.name}-", dir=cache))
    try:
        shutil.copytree(out, partial, dirs_exist_ok=True)
        partial.rename(kept)  # whole or not at all; a concurrent writer's copy is as good
    except OSError:
        shutil.rmtree(partial, ignore_errors=True)
    return out


def _sides(
    base: str, head: str, stack: str, ctx: ExitStack, scratch: Path, cache: Path | None = None
) -> tuple[Path, Path]:
    """Plan folders for BASE and HEAD. Revisions are planned at the same time, each in its own
    process (a diff of two revisions then takes about one plan, not two, where two cores are
    free), a revision given twice is planned once, and with `cache` a revision planned before
    is not planned again."""
    specs = {"BASE": _resolve(base, "BASE"), "HEAD": _resolve(head, "HEAD")}
    commits = sorted({s for s in specs.values() if isinstance(s, str)})
    if cache is not None and cache.exists() and not cache.is_dir():
        raise UserInputError([Problem("--plan-cache", f"{cache} exists and is not a folder")])
    key = environment_key() if cache is not None else ""
    planned: dict[str, Path] = {}
    for c in commits:
        kept = None if cache is None else cache / f"{c}-{stack}-{key}"
        if kept is not None and (kept / "plan.json").is_file():
            planned[c] = kept
    todo = [c for c in commits if c not in planned]
    trees = {c: ctx.enter_context(_worktree(Path.cwd(), c)) for c in todo}
    if todo:
        with ThreadPoolExecutor(max_workers=len(todo)) as pool:
            futures = {
                c: pool.submit(_plan_cached, trees[c], stack, scratch / f"plan-{c}", cache, c)
                for c in todo
            }
            planned |= {c: f.result() for c, f in futures.items()}
    base_dir, head_dir = (
        planned[s] if isinstance(s, str) else s for s in (specs["BASE"], specs["HEAD"])
    )
    return base_dir, head_dir


def run(args: argparse.Namespace) -> int:
    """Plan or read both sides, diff them, print markdown or JSON."""
    from meshward import interrupts
    from meshward.diff.folder import load_plan_folder
    from meshward.diff.report import diff_plans, to_markdown

    scratch = Path(tempfile.mkdtemp(prefix="meshward-diff-plans-"))
    try:
        with interrupts.removed_on_interrupt(scratch), ExitStack() as ctx:
            base_dir, head_dir = _sides(
                args.base, args.head, args.stack, ctx, scratch, args.plan_cache
            )
            base, head = load_plan_folder(base_dir), load_plan_folder(head_dir)
            stack = head.stack or args.stack
            diff = diff_plans(base, head, stack, dt.date.today())
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if not args.quiet:
        sys.stdout.write(diff.to_json() if args.format == "json" else to_markdown(diff))
    return 1 if "access-widened" in args.fail_on and diff.access_widened else 0
