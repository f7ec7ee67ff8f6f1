"""Named timing phases of a plan, for the benchmark harness (`benchmarks/run.py`).

Code marks a step with `with phase("compile"):`; nothing is recorded unless someone listens
with `recording()`, so the marks cost two clock reads when nobody does. Phases nest (the
program run contains `compile`); each name accumulates its wall time over every entry.

Any step that wants its cost measured inside `meshward plan` (the guardrail catalogue, for
instance) wraps itself in a phase and appears in `BENCHMARKS.md` under that name.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_RECORDS: ContextVar[dict[str, float] | None] = ContextVar("meshward_phases", default=None)


@contextmanager
def phase(name: str) -> Iterator[None]:
    """Time the block under `name` when a `recording()` is active."""
    records = _RECORDS.get()
    if records is None:
        yield
        return
    start = time.perf_counter()
    try:
        yield
    finally:
        records[name] = records.get(name, 0.0) + time.perf_counter() - start


@contextmanager
def recording() -> Iterator[dict[str, float]]:
    """Collect phase times (seconds by name, in first-entry order) for the block."""
    records: dict[str, float] = {}
    token = _RECORDS.set(records)
    try:
        yield records
    finally:
        _RECORDS.reset(token)
