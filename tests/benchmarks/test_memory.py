"""The benchmark's memory sampler counts child processes' memory with this process's."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from memory import PeakSampler, descendants, tree_rss_bytes

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/statm").exists(), reason="the sampler reads Linux /proc"
)
CHILD = (
    "import sys; block = bytearray(200 * 2**20); block[::4096] = b'x' * len(block[::4096]); "
    "print('ready', flush=True); sys.stdin.readline()"
)


def test_a_child_process_memory_is_in_the_peak() -> None:
    before = tree_rss_bytes()
    with PeakSampler(interval=0.01) as peak:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert child.stdout is not None and child.stdin is not None
        assert child.stdout.readline().strip() == "ready"
        time.sleep(0.2)  # several samples while the child holds its 200 MiB
        child.stdin.write("\n")
        child.stdin.close()
        child.wait()
    assert peak.peak >= before + 190 * 2**20


def test_a_process_without_children_is_its_own_rss() -> None:
    assert tree_rss_bytes() > 0


def test_descendants_only_leaves_this_process_out() -> None:
    own = bytearray(300 * 2**20)  # this process's own memory, which a command's peak excludes
    own[::4096] = b"x" * len(own[::4096])
    with PeakSampler(interval=0.01, descendants_only=True) as peak:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert child.stdout is not None and child.stdin is not None
        assert child.stdout.readline().strip() == "ready"
        time.sleep(0.2)
        child.stdin.write("\n")
        child.stdin.close()
        child.wait()
    assert 190 * 2**20 <= peak.peak < 290 * 2**20
    del own


def test_a_forked_child_not_yet_execd_is_not_counted_twice() -> None:
    # Between fork and exec a child is its parent's copy sharing every page; a sample there
    # must not add the parent's memory again.
    ready_read, ready_write = os.pipe()
    release_read, release_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: no exec, wait to be released
        os.write(ready_write, b"x")
        os.read(release_read, 1)
        os._exit(0)
    try:
        os.read(ready_read, 1)
        assert pid not in descendants(os.getpid())
        child = subprocess.Popen(
            [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
        )
        try:
            deadline = time.monotonic() + 10
            while child.pid not in descendants(os.getpid()) and time.monotonic() < deadline:
                time.sleep(0.01)  # until it has exec'd
            assert child.pid in descendants(os.getpid())
        finally:
            child.communicate(b"")
    finally:
        os.write(release_write, b"x")
        os.waitpid(pid, 0)
        for fd in (ready_read, ready_write, release_read, release_write):
            os.close(fd)
