"""Two of the Pulumi SDK's internal helpers, answered the same way with less work, swapped in
for the duration of a mock-engine run only (`harness.run_function`, so the plan and the
benchmark's floor alike). `pulumi up` never goes through the harness and runs the SDK's own.

Both are pure functions of their arguments and the call stack; tests hold each to the SDK's
answer (`tests/engine/test_sdk_helpers.py`), so an SDK upgrade that changes one shows there.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import pathlib
import sys
from collections.abc import Iterator
from types import FrameType
from typing import Any

from pulumi.runtime import known_types, rpc
from pulumi.runtime import resource as sdk_resource
from pulumi.runtime.proto import source_pb2


def contains_unknowns(val: Any) -> bool:
    """`pulumi.runtime.rpc.contains_unknowns`, the same answer without its garbage.

    The SDK's version defines a recursive closure on every call (a function, its cell, an
    annotations dict and a `set[int]` alias that refer to each other), which only the cyclic
    collector can free; with the collector paused during the run, the 734,000 blocks of the
    1,000-workload plan's 147,000 calls (58 MiB) stayed alive until the engine's end. Same
    signature (the SDK's callers may name the argument)."""
    return _contains_unknown(val, set())


def _contains_unknown(value: Any, seen: set[int]) -> bool:
    if known_types.is_unknown(value):
        return True
    if id(value) in seen:
        return False
    seen.add(id(value))
    if isinstance(value, dict):
        return any(_contains_unknown(value[k], seen) for k in value)
    if isinstance(value, list):
        return any(_contains_unknown(item, seen) for item in value)
    return False


def get_stack_trace() -> source_pb2.StackTrace:
    """`pulumi.runtime.resource._get_stack_trace`, the same message from the frames themselves.

    The SDK asks `traceback.extract_stack()` for the whole stack at every registration, which
    builds a `FrameSummary` per frame and stats every source file (`linecache.checkcache`),
    then turns each frame's file name into a URI through `pathlib`; it reads only each frame's
    file name, line and function name. Here the frames are walked directly and each file's URI
    is made once: at 1,000 workloads 1.47 -> 0.31 s of CPU for the 3,366 registrations, with
    an equal message for every one of them. The rule is the SDK's: the frames below the third
    `__init__` up from here (Resource, CustomResource or ComponentResource, the concrete
    class), innermost first, and an empty trace when there is no such frame.

    A loop that declares many resources (a component's thousands of compiled objects) asks
    from the same caller frame at the same line again and again, and while a plain function's
    frame runs, every frame below it is suspended mid-call, so the trace is the same: the last
    one is kept with its caller frame (held, so no other frame can take its identity) and
    given again, as a copy, while that frame asks from the same line. A generator's or
    coroutine's frame can be resumed from elsewhere, so its traces are never kept."""
    global _last
    frame: FrameType | None = sys._getframe()
    inits = 0
    while frame is not None:
        if frame.f_code.co_name == "__init__":
            inits += 1
            if inits == 3:
                break
        frame = frame.f_back
    caller = frame.f_back if frame is not None else None
    # No third `__init__`, or it is the outermost frame: the SDK gives an empty trace.
    if caller is None:
        return source_pb2.StackTrace()
    line = caller.f_lineno
    last = _last
    if last is not None and last[0] is caller and last[1] == line:
        trace = last[2]
    else:
        outward: list[FrameType] = []
        below: FrameType | None = caller
        while below is not None:
            outward.append(below)
            below = below.f_back
        trace = source_pb2.StackTrace(frames=[_stack_frame(f) for f in outward])
        if not caller.f_code.co_flags & _RESUMABLE:
            _last = (caller, line, trace)
    answer = source_pb2.StackTrace()
    answer.CopyFrom(trace)
    return answer


_RESUMABLE = (
    inspect.CO_GENERATOR
    | inspect.CO_COROUTINE
    | inspect.CO_ASYNC_GENERATOR
    | inspect.CO_ITERABLE_COROUTINE
)
_last: tuple[FrameType, int | None, source_pb2.StackTrace] | None = None
"""The last trace made for a plain function's frame: (that frame, its line, the trace)."""


def _stack_frame(frame: FrameType) -> source_pb2.StackFrame:
    filename, line = frame.f_code.co_filename, frame.f_lineno
    uri = _file_uri(filename) if filename and line is not None else None
    if uri is None:
        return source_pb2.StackFrame(pc=None)
    return source_pb2.StackFrame(pc=source_pb2.SourcePosition(uri=uri, line=line))


@functools.cache
def _file_uri(filename: str) -> str | None:
    # A function of the name alone (`as_uri` refuses a relative path, never resolves it).
    try:
        return pathlib.Path(filename).as_uri()
    except Exception:  # the SDK: any failure means no position
        return None


@contextlib.contextmanager
def lighter_sdk_helpers() -> Iterator[None]:
    """The SDK's module attributes pointed at the helpers above for the block, restored after
    it (the SDK looks both up at each call: `Output`, `rpc` and `invoke` go through
    `rpc.contains_unknowns`, every registration and read through `_get_stack_trace`)."""
    global _last
    saved = rpc.contains_unknowns, sdk_resource._get_stack_trace
    rpc.contains_unknowns = contains_unknowns
    sdk_resource._get_stack_trace = get_stack_trace
    try:
        yield
    finally:
        rpc.contains_unknowns, sdk_resource._get_stack_trace = saved
        _last = None  # the frame it holds, and the program's objects that frame holds
