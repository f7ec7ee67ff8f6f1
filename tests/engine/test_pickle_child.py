"""A child spoken to in pickles: a child that is gone is an answer of None, never a raise."""

from __future__ import annotations

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
