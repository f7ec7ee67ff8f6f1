"""A child spoken to in pickles: a child that is gone is an answer of None, never a raise."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from meshward.engine.pickle_child import PickleChild


def test_a_child_that_ends_without_answering_gives_none_and_is_reaped() -> None:
    # This module has no main: run as a child it ends at once without a word.
    process = PickleChild.spawn("meshward.engine.pickle_child")
    assert process is not None
    child = PickleChild(process)
    assert child.receive() is None
    child.stop()
    assert process.returncode == 0


def test_a_stopped_child_is_not_sent_to() -> None:
    process = PickleChild.spawn("meshward.engine.pickle_child")
    assert process is not None
    child = PickleChild(process)
    child.stop()
    assert process.returncode is not None
    assert child.send({"anything": 1}) is False


# A child that reads nothing until the parent makes `flag` (or a minute has passed), then
# answers what it received and whether it saw the flag first.
_LATE_READER = """
import os, pickle, sys, time
flag = sys.argv[1]
deadline = time.monotonic() + 60
while not os.path.exists(flag) and time.monotonic() < deadline:
    time.sleep(0.01)
seen = os.path.exists(flag)
first, second = pickle.load(sys.stdin.buffer), pickle.load(sys.stdin.buffer)
pickle.dump((seen, len(first), second), sys.stdout.buffer)
sys.stdout.flush()
"""


def test_send_hands_over_in_order_without_waiting_for_the_child_to_read(tmp_path: Path) -> None:
    flag = tmp_path / "go"
    process = subprocess.Popen(
        [sys.executable, "-c", _LATE_READER, str(flag)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    child = PickleChild(process)
    try:
        # Far more than any pipe holds: a send that waited for the reader would never return,
        # and the child would read only after its minute was up.
        assert child.send("x" * 8 * 2**20) is True
        assert child.send({"then": 2}) is True
        flag.touch()
        assert child.receive() == (True, 8 * 2**20, {"then": 2})
    finally:
        child.stop()
    assert process.returncode is not None


def test_stop_ends_a_child_that_never_reads_what_was_sent() -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(600)"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    child = PickleChild(process)
    assert child.send(b"y" * 8 * 2**20) is True  # stuck in the pipe
    child.stop()
    assert process.returncode is not None
    assert child.send("more") is False
