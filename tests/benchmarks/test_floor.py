"""The benchmark's engine floor registers exactly what the plan registered."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from meshward.engine.harness import run_function
from meshward.engine.planner import plan_config
from tests.support import ROOT


def _run_module() -> ModuleType:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_floor_replays_the_plan_registrations_secrets_and_remote_components_included() -> None:
    run = _run_module()
    size = 10
    name = run.stack_name(size, 0)
    config = dict(run.stack_document(size, 0)["config"])
    planned = plan_config(ROOT / "__main__.py", run.PROJECT, name, config)
    floor = run_function(run.floor_program(planned.capture), run.PROJECT, name, config)

    plan = {r.urn: r for r in planned.capture.registrations}
    replayed = {r.urn: r for r in floor.registrations}
    assert plan.keys() == replayed.keys()
    for urn, registration in plan.items():
        again = replayed[urn]
        assert again == registration, urn
        # Secrets reach the mock engine as secrets, with their values (the TLS mocks parse
        # the private keys); the plan itself only ever shows the placeholder.
        assert again.wire_inputs == registration.wire_inputs, urn
    # The path that used to break: secret PEM inputs of pulumi-tls and Key Vault secrets.
    assert any(r.wire_inputs is not None for r in plan.values())
    assert any(r.type.startswith("tls:") for r in plan.values())
    assert any(r.remote for r in plan.values())
    kubernetes = [r for r in plan.values() if r.type.startswith("kubernetes:")]
    assert kubernetes and all(r.provider is not None for r in kubernetes)
