"""How a run ends when the user interrupts it: at once, with one line, and nothing half-written.

`install()` (called by the CLI, never on import) replaces Python's SIGINT/SIGTERM behaviour. A
`KeyboardInterrupt` raised into Pulumi's event loop surfaces as unrelated errors, and the mock
engine's worker threads keep the interpreter alive at exit; so the handler does not raise: it
removes the staging folders registered with `removed_on_interrupt`, prints one line and ends the
process with `128 + signal` (130 for SIGINT, 143 for SIGTERM), skipping thread joins. Inside
`deferred()` (a folder swap that must not stop half-way) the signal is remembered and acted on as
the block ends. Without `install()` these helpers change nothing, so library callers keep
Python's default behaviour.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)

_staging: dict[int, Path] = {}
_cleanups: dict[int, Callable[[], None]] = {}
_depth = 0
_pending: int | None = None


def exit_code(signum: int) -> int:
    """The shell's convention: 128 + the signal number."""
    return 128 + signum


def _end(signum: int, after: str) -> None:
    for cleanup in list(_cleanups.values()):
        with suppress(Exception):
            cleanup()
    for path in list(_staging.values()):
        shutil.rmtree(path, ignore_errors=True)
    name = signal.Signals(signum).name
    try:
        sys.stderr.write(f"meshward: interrupted by {name}; {after}\n")
        sys.stderr.flush()
    except (OSError, ValueError):  # stderr closed or gone: the exit code still says it
        pass
    os._exit(exit_code(signum))


def _handle(signum: int, frame: FrameType | None) -> None:
    global _pending
    if _depth:
        _pending = signum
        return
    _end(signum, "nothing was written")


def install() -> None:
    """Make SIGINT and SIGTERM end the process as described above (main thread only)."""
    for sig in SIGNALS:
        signal.signal(sig, _handle)


@contextmanager
def removed_on_interrupt(path: Path) -> Iterator[Path]:
    """Register `path` (a folder being filled) to be deleted if the run is interrupted."""
    key = id(path)
    _staging[key] = path
    try:
        yield path
    finally:
        _staging.pop(key, None)


@contextmanager
def cleaned_up_on_interrupt(cleanup: Callable[[], None]) -> Iterator[None]:
    """Run `cleanup` (e.g. removing a temporary git worktree) if the run is interrupted
    inside the block; the block's own `finally` covers the other endings."""
    key = id(cleanup)
    _cleanups[key] = cleanup
    try:
        yield
    finally:
        _cleanups.pop(key, None)


@contextmanager
def deferred() -> Iterator[None]:
    """Hold an interrupt until the block has finished, then act on it."""
    global _depth
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if not _depth and _pending is not None:
            _end(_pending, "the output had already been written in full")
