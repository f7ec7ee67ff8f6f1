"""Run the real `meshward` command in a child process, as a user's shell does."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support import ROOT

PROJECT_FILES = ("Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml", "__main__.py")
TIMEOUT = 120
"""Generous: the machine is shared; tests assert behaviour, not speed."""


def command_env() -> dict[str, str]:
    """The environment with this checkout's `meshward` first on the import path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "components"), str(ROOT), env.get("PYTHONPATH", "")]
    )
    env.pop("COLUMNS", None)
    return env


def meshward_argv(*args: str) -> list[str]:
    """The command line of `meshward ARGS` (the console script's own entry point)."""
    return [sys.executable, "-m", "meshward.cli.main", *args]


def run_meshward(
    *args: str, cwd: Path | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`meshward ARGS` to completion, output captured as text."""
    return subprocess.run(
        meshward_argv(*args),
        cwd=cwd,
        env=command_env(),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def copy_project(target: Path) -> Path:
    """The files a user has after cloning, copied into `target`."""
    target.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        shutil.copy(ROOT / name, target / name)
    return target


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every entry under `root`, hidden ones included: bytes for files, None for folders."""
    return {
        str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None)
        for p in sorted(root.rglob("*"))
    }
