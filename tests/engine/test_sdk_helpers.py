"""The SDK helpers swapped in during a mock-engine run answer exactly as the SDK's own."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pulumi
import pytest
from pulumi.output import UNKNOWN
from pulumi.runtime import resource as sdk_resource
from pulumi.runtime import rpc
from pulumi.runtime.proto import source_pb2

from meshward.engine import sdk_helpers
from meshward.engine.harness import run_function
from meshward.engine.planner import plan_stack
from tests.support import ROOT

SDK_STACK_TRACE = sdk_resource._get_stack_trace
SDK_CONTAINS_UNKNOWNS = rpc.contains_unknowns


def test_contains_unknowns_answers_as_the_sdk() -> None:
    looped: dict[str, Any] = {"a": [1]}
    looped["self"] = looped
    values: list[Any] = [
        None,
        1,
        "x",
        UNKNOWN,
        [1, [2, UNKNOWN]],
        {"a": {"b": [UNKNOWN]}},
        {"a": {"b": [3]}, "c": (UNKNOWN,)},  # tuples are not searched, by the SDK either
        looped,
        [looped, UNKNOWN],
    ]
    assert [sdk_helpers.contains_unknowns(v) for v in values] == [
        SDK_CONTAINS_UNKNOWNS(v) for v in values
    ]


def _both() -> tuple[source_pb2.StackTrace, source_pb2.StackTrace]:
    return SDK_STACK_TRACE(), sdk_helpers.get_stack_trace()


class _Base:
    def __init__(self) -> None:
        self.traces = _both()


class _Middle(_Base):
    def __init__(self) -> None:
        super().__init__()


class _Concrete(_Middle):
    def __init__(self) -> None:
        super().__init__()


class _Shallow:
    def __init__(self) -> None:
        self.traces = _both()


def _user_code() -> _Concrete:
    return _Concrete()


def test_the_stack_trace_is_the_sdks_below_the_third_init() -> None:
    sdk, ours = _user_code().traces
    assert ours == sdk
    # Innermost first: the first frame is the code that made the resource.
    assert ours.frames[0].pc.uri.endswith("test_sdk_helpers.py")
    assert ours.frames[0].pc.line > 0


def test_without_a_third_init_the_stack_trace_is_empty_as_the_sdks() -> None:
    sdk, ours = _Shallow().traces
    assert ours == sdk == source_pb2.StackTrace()


def test_every_registration_of_a_plan_gets_the_sdks_stack_trace(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    compared: list[bool] = []
    ours = sdk_helpers.get_stack_trace

    def both() -> source_pb2.StackTrace:
        # One frame more above both calls: it sits above the third `__init__`, so neither
        # answer includes it.
        sdk, mine = SDK_STACK_TRACE(), ours()
        compared.append(sdk == mine and len(mine.frames) > 0)
        return mine

    monkeypatch.setattr(sdk_helpers, "get_stack_trace", both)
    planned = plan_stack(ROOT, "dev")
    assert compared and all(compared)
    assert len(compared) == len(planned.capture.registrations) - 1  # not the root Stack


def test_the_sdks_helpers_are_back_after_a_run() -> None:
    run_function(lambda: pulumi.export("x", 1), "p", "s", {})
    assert sdk_resource._get_stack_trace is SDK_STACK_TRACE
    assert rpc.contains_unknowns is SDK_CONTAINS_UNKNOWNS


def test_a_loop_of_resources_gets_the_sdks_trace_for_each() -> None:
    # The same caller frame at alternating lines, as a component's loop over its objects.
    traces = []
    for _ in range(3):
        traces.append(_Concrete().traces)
        traces.append(_Concrete().traces)
    assert all(ours == sdk and ours.frames for sdk, ours in traces)
    assert traces[0][1].frames[0].pc.line != traces[1][1].frames[0].pc.line
    # Each answer is its own message: changing one changes no other.
    traces[0][1].frames[0].pc.line = 0
    assert traces[2][1] == traces[2][0]


def _made_in_a_generator() -> Iterator[_Concrete]:
    while True:
        yield _Concrete()


def _resume(made: Iterator[_Concrete]) -> _Concrete:
    return next(made)


def test_a_generator_resumed_from_elsewhere_gets_the_sdks_trace_each_time() -> None:
    # The generator's frame asks from the same line each time, below a different caller.
    made = _made_in_a_generator()
    first, second = next(made).traces, _resume(made).traces
    assert first[1] == first[0] and second[1] == second[0]
    assert len(second[1].frames) == len(first[1].frames) + 1


def test_no_frame_is_held_after_a_run() -> None:
    def program() -> None:
        pulumi.ComponentResource("meshward:test:Thing", "thing")

    run_function(program, "p", "s", {})
    assert sdk_helpers._last is None
