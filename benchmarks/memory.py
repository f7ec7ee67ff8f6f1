"""Peak resident memory of this process and its child processes together, sampled.

`ru_maxrss` gives each process's own peak; a plan that hands work to a worker process
(`meshward.engine.access_worker`) needs the two together at the same moment, which no rusage
field gives. A thread samples the resident set of this process and of every live descendant
(Linux `/proc`) and keeps the largest sum. A sample every 20 ms can miss a shorter spike, so
the figure is a lower bound of the true peak; `ru_maxrss` of each side gives an upper bound
(their sum), and the report shows both.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from types import TracebackType

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
PROC = Path("/proc")


def _rss_bytes(pid: int) -> int:
    try:
        return int((PROC / str(pid) / "statm").read_text().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):  # the process ended meanwhile
        return 0


def _parents() -> dict[int, int]:
    """Parent pid of every live process (from `/proc/<n>/stat`; the command name in
    parentheses may itself hold spaces or parentheses, so fields are read after the last ')')."""
    found = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 1:
            found[int(entry.name)] = int(fields[1])
    return found


def _cmdline(pid: int) -> bytes | None:
    try:
        return (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return None


def descendants(pid: int) -> list[int]:
    """Live children of `pid`, their children, and so on (a plan run as a command has its
    access worker as a grandchild of the benchmark).

    A child forked but not yet exec'd is left out: it is a copy of its parent whose pages are
    all still shared with it, so its resident set repeats the parent's (a sample in that
    window counted a 300 MiB parent twice). It still shows the parent's command line, which is
    how it is told apart."""
    children: dict[int, list[int]] = {}
    for child, parent in _parents().items():
        children.setdefault(parent, []).append(child)
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        kids = children.get(parent, [])
        if not kids:
            continue
        own = _cmdline(parent)
        for child in kids:
            if own is not None and _cmdline(child) == own:
                continue
            found.append(child)
            todo.append(child)
    return found


def tree_rss_bytes(pid: int | None = None) -> int:
    """Resident bytes of `pid` (default: this process) and all its descendants, right now."""
    root = os.getpid() if pid is None else pid
    return _rss_bytes(root) + sum(_rss_bytes(child) for child in descendants(root))


class PeakSampler:
    """`with PeakSampler() as peak: ...`, then `peak.mib`: the largest sampled sum of this
    process's and its descendants' resident memory during the block (0 where `/proc` is
    absent). `descendants_only`: without this process's own memory, for a command this
    process runs (the benchmark's own process holds the generated stack and every module)."""

    def __init__(self, interval: float = 0.02, *, descendants_only: bool = False) -> None:
        self.interval = interval
        self.descendants_only = descendants_only
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def mib(self) -> float:
        return self.peak / 2**20

    def _sample(self) -> None:
        if PROC.is_dir():
            if self.descendants_only:
                rss = sum(_rss_bytes(child) for child in descendants(os.getpid()))
            else:
                rss = tree_rss_bytes()
            self.peak = max(self.peak, rss)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> PeakSampler:
        self._sample()
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
