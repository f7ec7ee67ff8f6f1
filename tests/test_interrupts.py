"""An interrupt removes half-written folders, waits for a folder swap, and says so in one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.cli.process import TIMEOUT, command_env

SCRIPT = """\
import os, signal, sys, pathlib
from meshward import interrupts
interrupts.install()
staging = pathlib.Path(sys.argv[1])
staging.mkdir()
(staging / "half.txt").write_text("x")
with interrupts.removed_on_interrupt(staging):
    {body}
print("after", flush=True)
"""


def _run(tmp_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT.format(body=body), str(tmp_path / "staging")],
        env=command_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def test_an_interrupt_removes_registered_staging_and_exits_130(tmp_path: Path) -> None:
    result = _run(tmp_path, "os.kill(os.getpid(), signal.SIGINT); signal.pause()")
    assert (result.returncode, result.stdout) == (130, "")
    assert result.stderr == "meshward: interrupted by SIGINT; nothing was written\n"
    assert not (tmp_path / "staging").exists()


def test_an_interrupt_inside_deferred_acts_when_the_block_ends(tmp_path: Path) -> None:
    body = (
        "with interrupts.deferred():\n"
        "        os.kill(os.getpid(), signal.SIGTERM)\n"
        "        print('swap finished', flush=True)"
    )
    result = _run(tmp_path, body)
    assert (result.returncode, result.stdout) == (143, "swap finished\n")
    assert result.stderr == (
        "meshward: interrupted by SIGTERM; the output had already been written in full\n"
    )
