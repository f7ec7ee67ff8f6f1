"""A meshward module run as a child process and spoken to in pickles over its stdin and stdout
(the access worker, the plan's file-writing helper): trusted, because both ends are meshward."""

from __future__ import annotations

import contextlib
import os
import pickle
import subprocess
import sys
from typing import Any


class PickleChild:
    """One child process: `spawn` it, `send` it messages, `receive` its answer, `stop` it
    always. A child that is gone makes `send` return False and `receive` None, never raise:
    the caller then does the work itself."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self._process = process

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
        """Pickle `message` to the child; False if it is gone (broken pipe, closed stream)."""
        stdin = self._process.stdin
        assert stdin is not None
        try:
            pickle.dump(message, stdin, protocol=pickle.HIGHEST_PROTOCOL)
            stdin.flush()
        except (OSError, ValueError):
            return False
        return True

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
        """Stop the child (done, or no longer wanted) and reap it: nothing runs after this."""
        for stream in (self._process.stdin, self._process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
