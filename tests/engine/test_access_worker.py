"""The access worker decides a plan's matrix exactly as the plan would in-process, and any
failure of it falls back to deciding in-process."""

from __future__ import annotations

import io
import pickle
import sys
from typing import Any

import pytest

from meshward.config import PlatformConfig, parse_platform_config
from meshward.engine import access_worker, planner
from meshward.engine.access_worker import (
    AccessWorker,
    forecast_objects,
    identical,
    worth_a_worker,
)
from meshward.engine.plan import kubernetes_objects, plan_document
from meshward.engine.planner import plan_stack, render_stack
from meshward.mesh.access import access_files, plan_access, security_objects
from tests.support import ROOT, stack_files, stack_platform


@pytest.fixture
def always_a_worker(monkeypatch: pytest.MonkeyPatch) -> list[AccessWorker]:
    """Every plan gets a worker (whatever its size and this machine's cores); returns the
    workers whose answer was used."""
    monkeypatch.setattr(access_worker, "MIN_WORKLOADS", 0)
    monkeypatch.setattr(access_worker, "usable_cores", lambda: 2)
    answered: list[AccessWorker] = []
    result = AccessWorker.result

    def spy(self: AccessWorker) -> Any:
        decided = result(self)
        if decided is not None:
            answered.append(self)
        return decided

    monkeypatch.setattr(AccessWorker, "result", spy)
    return answered


def _dev_config() -> PlatformConfig:
    return parse_platform_config(stack_platform("dev"))


def _dev_security_objects() -> list[Any]:
    planned = plan_stack(ROOT, "dev")
    return security_objects(kubernetes_objects(plan_document(planned.capture)))


def test_a_plan_with_a_worker_writes_the_same_files(always_a_worker: list[AccessWorker]) -> None:
    rendered = render_stack(plan_stack(ROOT, "dev", access_worker=True))

    assert len(always_a_worker) == 1  # the worker's answer was the one used
    assert rendered.files == stack_files("dev")


def test_the_worker_answers_what_plan_access_decides() -> None:
    cfg = _dev_config()
    objects = _dev_security_objects()
    worker = AccessWorker.start(cfg, "dev")
    assert worker is not None
    try:
        assert worker.submit(objects)
        decided = worker.result()
    finally:
        worker.close()

    assert decided is not None
    matrix, files = decided
    expected = plan_access(objects, cfg)
    assert matrix == expected
    assert files == access_files(expected, "dev")


def test_a_worker_that_raises_gives_no_answer() -> None:
    broken: list[Any] = [42]  # not an object: plan_access raises on it
    worker = AccessWorker.start(_dev_config(), "dev")
    assert worker is not None
    try:
        worker.submit(broken)
        assert worker.result() is None
    finally:
        worker.close()
    # In-process, the same input raises: that is where the caller sees the error.
    with pytest.raises(AttributeError):
        plan_access(broken, _dev_config())


def test_a_dead_worker_falls_back_to_deciding_in_process(
    always_a_worker: list[AccessWorker],
) -> None:
    planned = plan_stack(ROOT, "dev", access_worker=True)
    assert planned.access_worker is not None
    planned.access_worker._process.kill()
    planned.access_worker._process.wait()

    rendered = render_stack(planned)

    assert always_a_worker == []
    assert rendered.files == stack_files("dev")


def test_the_worker_is_stopped_when_the_program_fails(
    always_a_worker: list[AccessWorker], monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[AccessWorker] = []
    start = AccessWorker.start.__func__  # type: ignore[attr-defined]

    def recording_start(cls: type[AccessWorker], cfg: PlatformConfig, stack: str) -> Any:
        worker = start(cls, cfg, stack)
        started.append(worker)
        return worker

    def failing_program(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the program failed")

    monkeypatch.setattr(AccessWorker, "start", classmethod(recording_start))
    monkeypatch.setattr(planner, "run_program", failing_program)
    with pytest.raises(RuntimeError, match="the program failed"):
        plan_stack(ROOT, "dev", access_worker=True)

    (worker,) = started
    assert worker._process.returncode is not None  # stopped and reaped


def test_small_meshes_and_single_cores_get_no_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = _dev_config()
    assert len(cfg.mesh.workloads) < access_worker.MIN_WORKLOADS
    assert not worth_a_worker(cfg, cores=8)

    monkeypatch.setattr(access_worker, "MIN_WORKLOADS", len(cfg.mesh.workloads))
    assert worth_a_worker(cfg, cores=2)
    assert not worth_a_worker(cfg, cores=1)


def test_a_plan_without_access_worker_starts_none(always_a_worker: list[AccessWorker]) -> None:
    assert plan_stack(ROOT, "dev").access_worker is None


# ---- deciding ahead: the forecast of the rendered objects --------------------------------


def _generated_config(size: int) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from generate import stack_document
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return dict(stack_document(size, 0)["config"])


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_forecast_is_what_the_platform_renders(stack: str) -> None:
    planned = plan_stack(ROOT, stack)
    rendered = security_objects(kubernetes_objects(plan_document(planned.capture)))

    assert identical(forecast_objects(planned.config), rendered)


def test_the_forecast_is_what_a_generated_mesh_renders() -> None:
    planned = planner.plan_config(ROOT / "__main__.py", "meshward", "gen", _generated_config(40))
    rendered = security_objects(kubernetes_objects(plan_document(planned.capture)))

    assert len(rendered) > 40
    assert identical(forecast_objects(planned.config), rendered)


def _serve(cfg: PlatformConfig, objects: list[Any]) -> Any:
    stdin = io.BytesIO()
    pickle.dump((cfg, "dev"), stdin)
    pickle.dump(objects, stdin)
    stdin.seek(0)
    stdout = io.BytesIO()
    access_worker.serve(stdin, stdout)
    return pickle.loads(stdout.getvalue())


@pytest.fixture
def decided(monkeypatch: pytest.MonkeyPatch) -> list[list[Any]]:
    """The object lists the worker decides, in order."""
    calls: list[list[Any]] = []
    decide = access_worker._decide

    def spy(objects: list[Any], cfg: PlatformConfig, stack: str) -> bytes:
        calls.append(objects)
        return decide(objects, cfg, stack)

    monkeypatch.setattr(access_worker, "_decide", spy)
    return calls


def test_rendered_objects_identical_to_the_forecast_get_the_answer_decided_ahead(
    decided: list[list[Any]],
) -> None:
    cfg = _dev_config()
    objects = _dev_security_objects()

    answer = _serve(cfg, objects)

    assert decided == [forecast_objects(cfg)]  # nothing decided after the objects came
    expected = plan_access(objects, cfg)
    assert answer == ("ok", expected, access_files(expected, "dev"))


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda objs: objs[:-1], id="one object fewer"),
        pytest.param(lambda objs: objs[1:] + objs[:1], id="another order"),
        pytest.param(
            lambda objs: [
                {**o, "metadata": {**o["metadata"], "name": "renamed"}} if i == 3 else o
                for i, o in enumerate(objs)
            ],
            id="one name changed",
        ),
    ],
)
def test_rendered_objects_that_differ_from_the_forecast_are_decided_themselves(
    decided: list[list[Any]], change: Any
) -> None:
    cfg = _dev_config()
    objects = change(_dev_security_objects())
    assert not identical(forecast_objects(cfg), objects)

    answer = _serve(cfg, objects)

    assert decided == [forecast_objects(cfg), objects]
    expected = plan_access(objects, cfg)
    assert answer == ("ok", expected, access_files(expected, "dev"))


def test_equal_values_of_another_type_are_not_identical() -> None:
    assert identical({"a": [1, {"b": "c"}], "d": None}, {"d": None, "a": [1, {"b": "c"}]})
    assert not identical({"a": 1}, {"a": 1.0})
    assert not identical({"a": 1}, {"a": True})
    assert not identical({"a": [1]}, {"a": (1,)})
    assert not identical([{"a": {"b": [1, 2]}}], [{"a": {"b": [2, 1]}}])
    assert not identical({"a": 1}, {"a": 1, "b": 1})
    # A forecast differing from the rendered objects only by a number's type is decided again.
    assert 8080 == 8080.0 and not identical([{"port": 8080}], [{"port": 8080.0}])


def test_a_forecast_that_fails_leaves_the_rendered_objects_to_decide(
    decided: list[list[Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(cfg: PlatformConfig) -> Any:
        raise RuntimeError("no forecast")

    monkeypatch.setattr(access_worker, "forecast_objects", failing)
    cfg = _dev_config()
    objects = _dev_security_objects()

    answer = _serve(cfg, objects)

    assert decided == [objects]
    expected = plan_access(objects, cfg)
    assert answer == ("ok", expected, access_files(expected, "dev"))


def test_a_worker_whose_parent_leaves_before_the_objects_answers_nothing() -> None:
    stdin = io.BytesIO()
    pickle.dump((_dev_config(), "dev"), stdin)
    stdin.seek(0)
    stdout = io.BytesIO()

    access_worker.serve(stdin, stdout)

    assert stdout.getvalue() == b""


def test_a_mesh_above_the_forecast_bound_is_decided_only_from_the_rendered_objects(
    decided: list[list[Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = _dev_config()
    monkeypatch.setattr(access_worker, "AHEAD_MAX_WORKLOADS", len(cfg.mesh.workloads) - 1)
    objects = _dev_security_objects()

    answer = _serve(cfg, objects)

    assert decided == [objects]
    expected = plan_access(objects, cfg)
    assert answer == ("ok", expected, access_files(expected, "dev"))
