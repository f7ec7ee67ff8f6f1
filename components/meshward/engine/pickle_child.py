"""A meshward module run as a child process and spoken to in pickles over its stdin and stdout
(the access worker, the plan's file-writing helper): trusted, because both ends are meshward."""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import subprocess
import sys
import threading
from typing import IO, Any

if sys.platform != "win32":
    import fcntl

PIPE_BYTES = 2**20
"""The capacity asked for the pipe to a child (Linux's default limit for an unprivileged
process; elsewhere, or where refused, the system's default stays)."""


def _widen(stream: IO[bytes] | None) -> None:
    # A wider pipe takes a message in fewer writes; each write that had to wait for the child
    # then waits again for this process's lock on the interpreter (the GIL) before the next.
    set_size = None if sys.platform == "win32" else getattr(fcntl, "F_SETPIPE_SZ", None)
    if stream is None or set_size is None:
        return
    with contextlib.suppress(OSError):
        fcntl.fcntl(stream.fileno(), set_size, PIPE_BYTES)


class PickleChild:
    """One child process: `spawn` it, `send` it messages, `receive` its answer, `stop` it
    always. A child that is gone makes `send` return False and `receive` None, never raise:
    the caller then does the work itself.

    `send` does not wait for the child: a message is pickled at once and handed to the child
    by a thread of this object, in order, while the caller goes on. A child that is still
    starting (its interpreter and imports take a few tenths of a second) or busy writing files
    would otherwise hold the caller at a full pipe: at 1,000 workloads that was half a second
    before the engine run (the config to the access worker) and up to 0.4 s at the end (the
    last files to the writing helper)."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self._process = process
        self._outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._closed = threading.Event()
        """Set once nothing more can reach the child (it is gone, or `stop` was called)."""
        _widen(process.stdin)
        self._feeder = threading.Thread(target=self._feed, name="meshward-feeder", daemon=True)
        self._feeder.start()

    @staticmethod
    def spawn(module: str, *args: str) -> subprocess.Popen[bytes] | None:
        """`python -m module args...` with pipes for stdin and stdout, or None when it cannot
        be started."""
        # The child imports meshward exactly as this process does (same interpreter, same
        # search path), whether meshward is installed, editable or on PYTHONPATH.
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        try:
            return subprocess.Popen(
                [sys.executable, "-m", module, *args],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=env,
            )
        except OSError:
            return None

    def send(self, message: Any) -> bool:
        """Pickle `message` for the child, which gets it in the order sent; False if it is
        known to be gone (a child that goes later makes `receive` return None)."""
        if self._closed.is_set():
            return False
        self._outbox.put(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
        return True

    def _feed(self) -> None:
        stdin = self._process.stdin
        assert stdin is not None
        while (data := self._outbox.get()) is not None:
            try:
                stdin.write(data)
                stdin.flush()
            except (OSError, ValueError):  # the child is gone: the rest is not sent
                self._closed.set()
                return

    def receive(self) -> Any | None:
        """The child's next pickled answer, or None if it died (EOF, a truncated pickle)."""
        stdout = self._process.stdout
        if stdout is None:
            return None
        try:
            return pickle.load(stdout)
        except Exception:
            return None

    def stop(self) -> None:
        """Stop the child (done, or no longer wanted) and reap it: nothing runs after this,
        in the child or in this object's thread."""
        self._closed.set()
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        # With the child reaped its end of the pipe is closed, so a write still waiting fails
        # and the thread takes the end mark.
        self._outbox.put(None)
        self._feeder.join()
        for stream in (self._process.stdin, self._process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
