"""Measure meshward at 100, 1,000 and 5,000 workloads and rewrite BENCHMARKS.md.

    make bench                                   # or: python benchmarks/run.py
    python benchmarks/run.py --sizes 100 1000    # fewer sizes
    python benchmarks/run.py --no-write          # print only

Every size runs in a fresh interpreter (so peak memory is that size's own) on a stack from
`benchmarks/generate.py` (same size and seed, same stack). Per size it measures:

* `meshward plan --stack <generated>` as its own process, as a user runs it (wall clock, and
  the sampled peak memory of it and its access worker together);
* `meshward plan` through the CLI's own entry point in process, with its phases (`meshward.phases`:
  config, program, mesh-checks, compile, network-policies, plan-document, access-matrix,
  files, write, and any phase other code adds, e.g. guardrails), and its peak memory;
* the engine floor: the very resources the plan registered (same types, names, parents,
  inputs) registered bare, as `CustomResource`/`ComponentResource`, under the same mock
  engine and monitor, with no meshward logic, in the same process right after the plan
  (up to 1,000 workloads the command, the in-process plan and the floor alternate in three
  rounds and the fastest of each counts; each round's own ratios are shown too);
* config validation, compile and NetworkPolicies on their own (the steps of the issue), each
  once and cold in five fresh interpreters (the run with the smallest sum counts), and once
  more in the size run's process after its plan;
* the access matrix; simulator decisions per second; layer-1 validation per object.

Once per run: `import meshward` (fresh interpreters), the simulator on the dev stack with 10
and with 1,000 policies in other namespaces (alternating rounds, median ratio), and
`benchmarks/validate_layers.py` when present.
Before any of it, the checkout's package gets its bytecode caches (`compile_bytecode`).
Nothing here asserts: targets are compared in the report, not enforced.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import importlib.metadata
import io
import itertools
import json
import math
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from diff import measure_diff  # noqa: E402
from diff import report_lines as diff_report_lines  # noqa: E402
from generate import stack_document, stack_name, write_stack  # noqa: E402
from memory import PeakSampler  # noqa: E402

SIZES = (100, 1000, 5000)
PROJECT = "meshward"


def _clock(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def _best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median of `repeat` runs (and the last result)."""
    samples, result = [], None
    for _ in range(repeat):
        seconds, result = _clock(fn)
        samples.append(seconds)
    return statistics.median(samples), result


def _peak_mib() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---- the engine floor ----------------------------------------------------------------------


def _wire_value(value: Any, made: dict[str, Any]) -> Any:
    """A recorded wire value as a program input: a secret as a secret `Output`, a resource
    reference as the floor's own resource of that URN, anything else as it is."""
    import pulumi
    from pulumi.runtime import rpc

    if isinstance(value, dict):
        sig = value.get(rpc._special_sig_key)
        if sig == rpc._special_secret_sig:
            return pulumi.Output.secret(_wire_value(value["value"], made))
        if sig == rpc._special_resource_sig:
            return made[value["urn"]]
        if sig is not None:
            return rpc.deserialize_property(value)
        return {k: _wire_value(v, made) for k, v in value.items()}
    if isinstance(value, list):
        return [_wire_value(v, made) for v in value]
    return value


def floor_program(capture: Any) -> Callable[[], None]:
    """A program that registers exactly what `capture` recorded (types, names, parents,
    providers, dependencies and inputs, secrets as secrets) with no meshward code."""
    import pulumi

    def program() -> None:
        made: dict[str, pulumi.Resource] = {}
        for r in capture.registrations:
            if r.type == "pulumi:pulumi:Stack":
                continue
            provider = made.get(r.provider.rsplit("::", 1)[0]) if r.provider else None
            opts = pulumi.ResourceOptions(
                parent=made.get(r.parent) if r.parent else None,
                depends_on=[made[d] for d in r.dependencies if d in made],
                protect=r.protect,
                provider=provider if isinstance(provider, pulumi.ProviderResource) else None,
            )
            inputs = dict(r.inputs) if r.wire_inputs is None else _wire_value(r.wire_inputs, made)
            res: pulumi.Resource
            if r.remote:
                res = pulumi.ComponentResource(r.type, r.name, inputs, opts, remote=True)
            elif not r.custom:
                res = pulumi.ComponentResource(r.type, r.name, None, opts)
                res.register_outputs({})
            elif r.type.startswith("pulumi:providers:"):
                res = pulumi.ProviderResource(r.type.split(":")[2], r.name, inputs, opts)
            else:
                res = pulumi.CustomResource(r.type, r.name, inputs, opts)
            made[r.urn] = res

    return program


# ---- one size ------------------------------------------------------------------------------


def measure_command(name: str) -> dict[str, Any]:
    """`meshward plan --stack <name>` as its own process, the way a user or CI runs it
    (interpreter start, imports, the summary to a pipe, the process's end): wall seconds,
    exit code, and the sampled peak memory of it and its access worker together (not this
    process's own)."""
    with tempfile.TemporaryDirectory() as tmp, PeakSampler(descendants_only=True) as together:
        argv = ["plan", "--stack", name, "--project", str(ROOT), "--out", f"{tmp}/out"]
        seconds, done = _clock(
            lambda: subprocess.run(
                [sys.executable, "-m", "meshward.cli.main", *argv],
                capture_output=True,
                env={**os.environ, "PYTHONPATH": _pythonpath()},
                check=False,
            )
        )
    return {"command": seconds, "command_exit": done.returncode, "command_peak_mib": together.mib}


def _steps_once(raw: dict[str, Any]) -> tuple[dict[str, float], tuple[Any, Any, Any]]:
    """Config validation, compile (with its admission self-check) and NetworkPolicies of one
    stack config, each timed once (wall seconds), and what they made."""
    from meshward.config import parse_platform_config
    from meshward.mesh.compiler import compile_mesh
    from meshward.mesh.network_policy import compile_network_policies

    timed: dict[str, float] = {}
    timed["config"], cfg = _clock(lambda: parse_platform_config(raw[f"{PROJECT}:platform"]))
    mesh = cfg.mesh
    timed["compile"], istio_objects = _clock(
        lambda: compile_mesh(
            mesh,
            cfg.jwt_issuers,
            root_namespace=mesh.root_namespace,
            trust_domain=mesh.trust_domain,
            ingress_namespace=mesh.ingress_namespace,
        )
    )
    timed["network_policies"], policies = _clock(
        lambda: compile_network_policies(mesh, ingress_namespace=mesh.ingress_namespace)
    )
    return timed, (cfg, istio_objects, policies)


def measure_steps(size: int, seed: int) -> dict[str, float]:
    """The three steps once each, cold, in this (fresh) interpreter: what a plan pays for
    them, without the one-time load of Istio's CRDs (each kind is read and compiled on its
    first use, once per process whatever the size: all of them here, before the clock) and
    without another size's heap around them."""
    from meshward.mesh.istio.crd_rules import istio_crds

    raw = stack_document(size, seed)["config"]
    list(istio_crds().kinds.values())
    gc.collect()
    timed, _ = _steps_once(raw)
    return timed


PLAN_ROUNDS = 3
"""Alternating rounds of command, in-process plan and floor up to 1,000 workloads."""

STEP_RUNS = 5
"""Fresh interpreters per size for the steps; the run with the smallest sum is reported."""


def measure_size(size: int, seed: int, plan: bool = True) -> dict[str, Any]:
    """Every figure for one generated stack (run in a fresh interpreter); `plan=False` skips
    the mock-engine runs (plan and floor) for a time-boxed run."""
    from meshward.cli.main import main as cli_main
    from meshward.engine.harness import run_function
    from meshward.engine.plan import kubernetes_objects, plan_document
    from meshward.mesh.access import mesh_settings, plan_access
    from meshward.mesh.istio import validate_document
    from meshward.mesh.istio.crd_rules import istio_crds
    from meshward.mesh.simulation import Request, Simulator
    from meshward.phases import recording

    out: dict[str, Any] = {"size": size, "seed": seed}
    name = stack_name(size, seed)
    raw = stack_document(size, seed)["config"]
    config = dict(raw)
    objects: list[dict[str, Any]] | None = None
    if plan:
        import meshward.engine.planner as planner

        # The floor replays what the CLI's own run registered (no second program run).
        runs: list[Any] = []
        plan_stack = planner.plan_stack

        def keep(*args: Any, **kwargs: Any) -> Any:
            runs.append(plan_stack(*args, **kwargs))
            return runs[-1]

        stack_file = write_stack(ROOT, size, seed)
        planner.plan_stack = keep
        # Up to 1,000 workloads the command, the in-process plan and the floor run in
        # alternating rounds (command, plan, floor, command, ...) and the fastest of each
        # counts: the VM's speed swings by up to 1.5x from minute to minute, so figures taken
        # minutes apart moved the ratio by up to a third; each round's own plan-to-floor
        # ratio (taken within half a minute) is shown beside them.
        rounds = PLAN_ROUNDS if size <= 1000 else 1
        commands: list[dict[str, Any]] = []
        plans: list[dict[str, Any]] = []
        floors: list[float] = []
        try:
            for at in range(rounds):
                commands.append(measure_command(name))
                with tempfile.TemporaryDirectory() as tmp, recording() as phases:
                    argv = ["plan", "--stack", name, "--project", str(ROOT), "--out", f"{tmp}/out"]
                    with contextlib.redirect_stdout(io.StringIO()), PeakSampler() as together:
                        seconds, code = _clock(functools.partial(cli_main, argv))
                    files = sum(len(fs) for _, _, fs in os.walk(f"{tmp}/out"))
                plans.append(
                    {"plan": seconds, "plan_exit": code, "phases": dict(phases), "files": files}
                )
                if at == 0:  # the peaks of the first plan, before any floor ran here
                    out["plan_peak_mib"] = _peak_mib()
                    out["plan_peak_all_mib"] = together.mib
                (planned,) = runs
                runs.clear()
                floor = floor_program(planned.capture)
                replay = functools.partial(run_function, floor, PROJECT, name, config)
                floors.append(_clock(replay)[0])
        finally:
            planner.plan_stack = plan_stack
            stack_file.unlink()
        out |= min(commands, key=lambda c: float(c["command"]))
        out["command_peak_mib"] = max(c["command_peak_mib"] for c in commands)
        fastest = min(plans, key=lambda p: float(p["plan"]))
        out["plan_exit"] = max(p["plan_exit"] for p in plans)
        out["plan"] = fastest["plan"]
        out["phases"] = fastest["phases"]
        out["plan_files"] = fastest["files"]
        out["floor"] = min(floors)
        out["rounds"] = [
            {"command": c["command"], "plan": p["plan"], "floor": f}
            for c, p, f in zip(commands, plans, floors, strict=True)
        ]
        out["resources"] = len(planned.capture.registrations)
        objects = kubernetes_objects(plan_document(planned.capture))
        del planned, runs, floor, replay

    # The three steps again, in this process after the plan (its heap still allocated): shown
    # beside the fresh-process figures of `measure_steps`, which are the steps' own cost.
    istio_crds()
    timed, (cfg, istio_objects, policies) = _steps_once(raw)
    out["steps_after_plan"] = sum(timed.values())
    mesh = cfg.mesh
    out["istio_objects"], out["network_policy_objects"] = len(istio_objects), len(policies)
    if objects is None:
        objects = [*istio_objects, *policies]

    out["access"], matrix = _clock(lambda: plan_access(objects, cfg))
    out["access_edges"] = len(matrix.edges)
    out["access_destinations"] = len(matrix.destinations)
    out["access_callers"] = len(matrix.callers)
    out["access_simulated"] = matrix.simulated

    security = [o for o in objects if str(o.get("apiVersion", "")).startswith("security.istio")]
    out["validate_objects"] = len(security)
    out["validate"], _ = _clock(lambda: [validate_document(o) for o in security])

    simulator = Simulator(security, mesh_settings(cfg))
    rng = random.Random(seed)
    workloads = list(mesh.workloads)
    requests = []
    for _ in range(2000):
        caller, target = rng.choice(workloads), rng.choice(workloads)
        port = target.ports[0]
        request: dict[str, Any] = {
            "destination": {
                "namespace": target.namespace,
                "labels": target.selector,
                "port": port.port,
            },
            "protocol": "HTTP" if port.is_http else "TCP",
            "source": {"principal": f"cluster.local/ns/{caller.namespace}/sa/{caller.sa}"},
        }
        if port.is_http:
            request |= {"method": "GET", "path": f"/api/{target.name}/1"}
        requests.append(Request.model_validate(request))
    seconds, _ = _clock(lambda: [simulator.decide(r) for r in requests])
    out["simulate_per_s"] = len(requests) / seconds
    out["peak_mib"] = _peak_mib()
    if plan:
        out |= measure_diff(size, seed)
    return out


# ---- once per run --------------------------------------------------------------------------


def measure_import(repeat: int = 5) -> float:
    """Median seconds of `import meshward` in a fresh interpreter (startup excluded)."""
    code = "import time; t = time.perf_counter(); import meshward; print(time.perf_counter() - t)"
    samples = []
    for _ in range(repeat):
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        samples.append(float(done.stdout))
    return statistics.median(samples)


def _elsewhere(count: int) -> list[dict[str, Any]]:
    """`count` ALLOW policies in namespaces the probed request never reaches."""
    return [
        {
            "apiVersion": "security.istio.io/v1",
            "kind": "AuthorizationPolicy",
            "metadata": {"name": f"other-{i}", "namespace": f"elsewhere-{i % 50}"},
            "spec": {
                "selector": {"matchLabels": {"app": f"other-{i}"}},
                "rules": [{"from": [{"source": {"principals": [f"cluster.local/ns/x/sa/{i}"]}}]}],
            },
        }
        for i in range(count)
    ]


def _same_namespace(count: int) -> list[dict[str, Any]]:
    """`count` ALLOW policies in the request's namespace selecting other workloads."""
    return [
        {
            "apiVersion": "security.istio.io/v1",
            "kind": "AuthorizationPolicy",
            "metadata": {"name": f"neighbour-{i}", "namespace": "payments"},
            "spec": {
                "selector": {"matchLabels": {"app": f"neighbour-{i}"}},
                "rules": [{"from": [{"source": {"principals": [f"cluster.local/ns/x/sa/{i}"]}}]}],
            },
        }
        for i in range(count)
    ]


def measure_dev() -> dict[str, Any]:
    """Simulator figures on the dev stack (and with policies added elsewhere)."""
    from meshward.engine.plan import kubernetes_objects, plan_document
    from meshward.engine.planner import plan_stack
    from meshward.mesh.access import mesh_settings, plan_access
    from meshward.mesh.simulation import Request, Simulator

    planned = plan_stack(ROOT, "dev")
    cfg = planned.config
    objects = [
        o
        for o in kubernetes_objects(plan_document(planned.capture))
        if str(o.get("apiVersion", "")).startswith("security.istio.io/")
    ]
    request = Request.model_validate(
        {
            "destination": {
                "namespace": "payments",
                "labels": {"app": "payment-service"},
                "port": 8443,
            },
            "protocol": "HTTP",
            "source": {"principal": "cluster.local/ns/orders/sa/order-service"},
            "method": "POST",
            "path": "/payments/42",
            "host": "payments",
        }
    )
    n = 5000

    def simulator(extra: list[dict[str, Any]]) -> Simulator:
        made = Simulator([*objects, *extra], mesh_settings(cfg))
        # Steady state, as timeit measures: the destination's scope is worked out by the first
        # decision, and a full collection of the plan's ~450,000 objects left from
        # `plan_stack` is not the simulator's cost (it fell into one run of three and moved
        # the median by up to 40 %).
        made.decide(request)
        made.evaluate(request)
        gc.collect()
        return made

    def rate(extra: list[dict[str, Any]], traced: bool = False) -> float:
        made = simulator(extra)
        decide = made.evaluate if traced else made.decide
        seconds, _ = _best(lambda: [decide(request) for _ in range(n)], 5)
        return n / seconds

    def paired(few: list[dict[str, Any]], many: list[dict[str, Any]]) -> dict[str, float]:
        # The VM's speed swings more than the effect measured: time the two simulators in
        # alternating rounds, a few milliseconds apart, and take the median of the per-round
        # ratios.
        a, b = simulator(few), simulator(many)
        times_a, times_b, ratios = [], [], []
        for _ in range(PAIRED_ROUNDS):
            ta, _ = _clock(lambda: [a.decide(request) for _ in range(n)])
            tb, _ = _clock(lambda: [b.decide(request) for _ in range(n)])
            times_a.append(ta)
            times_b.append(tb)
            ratios.append(tb / ta)
        # Each side's rate from its fastest round: the median of one side alone can land in
        # a fast stretch and the other's in a slow one (seen: 162,000 against 109,000/s for a
        # median ratio of 1.00).
        return {
            "few": n / min(times_a),
            "many": n / min(times_b),
            "slowdown": statistics.median(ratios) - 1,
        }

    elsewhere = paired(_elsewhere(10), _elsewhere(1000))
    same_ns = paired(_same_namespace(10), _same_namespace(1000))
    out = {
        "dev_simulate_per_s": rate([]),
        "dev_explain_per_s": rate([], traced=True),
        "elsewhere_10_per_s": elsewhere["few"],
        "elsewhere_1000_per_s": elsewhere["many"],
        "elsewhere_slowdown": elsewhere["slowdown"],
        "same_ns_10_per_s": same_ns["few"],
        "same_ns_1000_per_s": same_ns["many"],
        "same_ns_slowdown": same_ns["slowdown"],
    }
    out["dev_access"], matrix = _best(lambda: plan_access(objects, cfg), 3)
    out["dev_access_edges"] = len(matrix.edges)
    return out


PAIRED_ROUNDS = 15
"""Alternating rounds when two simulators are compared."""


def measure_validate_layers() -> str | None:
    """The output of `benchmarks/validate_layers.py` (the validator's per-layer costs)."""
    script = ROOT / "benchmarks" / "validate_layers.py"
    if not script.is_file():
        return None
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, cwd=ROOT, check=False
    )
    return (done.stdout + (f"\n(stderr)\n{done.stderr}" if done.returncode else "")).strip()


def _child(args: list[str]) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json") as result:
        subprocess.run(
            [sys.executable, __file__, *args, "--result", result.name],
            check=True,
            env={**os.environ, "PYTHONPATH": _pythonpath()},
        )
        data: dict[str, Any] = json.loads(Path(result.name).read_text())
        return data


def compile_bytecode() -> None:
    """Write the bytecode caches of the checkout's own package first, as an installed package
    has them (pip compiles on install, and an editable install on first import): where
    `PYTHONDONTWRITEBYTECODE` is set, every measured process would otherwise compile
    meshward's modules from source, a cost a user's second run never pays and the floor,
    running after the imports, never sees. Python still reads the caches with that variable
    set; they are git-ignored."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "components" / "meshward")],
        check=True,
    )


def _pythonpath() -> str:
    # The checkout's own package first, so a clone measures its own code.
    paths = [str(ROOT / "components"), os.environ.get("PYTHONPATH", "")]
    return os.pathsep.join(p for p in paths if p)


# ---- the report ----------------------------------------------------------------------------


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kib / 1024 / 1024:.1f} GiB"
    return {
        "cpu": f"{model or platform.processor() or 'unknown'} × {os.cpu_count()} cores",
        "memory": memory or "unknown",
        "os": platform.platform(),
        "python": platform.python_version(),
        "pulumi": importlib.metadata.version("pulumi"),
        "load": " ".join(f"{x:.1f}" for x in os.getloadavg()),
    }


def _s(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds * 1000:,.0f} ms" if seconds < 1 else f"{seconds:,.2f} s"


def _exponent(a: dict[str, Any], b: dict[str, Any], key: str) -> str:
    ta, tb = a.get(key), b.get(key)
    if not ta or not tb:
        return "—"
    return f"{math.log(tb / ta) / math.log(b['size'] / a['size']):.2f}"


def _cell(r: dict[str, Any], key: str) -> str:
    value = r.get(key)
    if value is None:
        return "not measured in this run"
    if key in ("ratio", "command_ratio"):
        return f"{value:.2f}×"
    if key == "round_ratios":
        return "; ".join(f"{c:.2f}× and {p:.2f}×" for c, p in value) + (
            f" (medians {statistics.median(c for c, _ in value):.2f}× and "
            f"{statistics.median(p for _, p in value):.2f}×)"
        )
    if key == "simulate_per_s":
        return f"{value:,.0f} decisions/s"
    if key == "steps" and r.get("step_sums"):
        sums = r["step_sums"]
        return (
            f"{_s(value)} (the fastest of {len(sums)} runs; all: "
            f"{', '.join(_s(t) for t in sums)}; median {_s(statistics.median(sums))})"
        )
    if key.endswith("_mib"):
        return f"{value:,.0f} MiB"
    return _s(value)


ROWS: list[tuple[str, str]] = [
    ("command", "`meshward plan --stack <generated>` as a command (own process, wall)"),
    ("plan", "`meshward plan` end to end (CLI entry point, in process, with its phases)"),
    ("floor", "engine floor (same registrations, no meshward logic)"),
    ("command_ratio", "command ÷ floor"),
    ("ratio", "plan (in process) ÷ floor"),
    ("round_ratios", "command ÷ floor and plan ÷ floor within each alternating round"),
    ("config", "config validation"),
    ("compile", "compile (Istio objects, incl. admission self-check)"),
    ("network_policies", "NetworkPolicies"),
    ("steps", "validation + compile + NetworkPolicies (each cold, fresh interpreter)"),
    ("steps_after_plan", "the same three steps in the size run's process, after its plan"),
    ("access", "access matrix"),
    ("validate", "layer-1 validation of the security objects"),
    ("simulate_per_s", "simulator (random workload-to-workload requests)"),
    ("plan_peak_mib", "peak memory after the plan"),
    ("plan_peak_all_mib", "peak memory of the plan and its worker together (sampled)"),
    ("command_peak_mib", "peak memory of the command and its worker together (sampled)"),
    ("peak_mib", "peak memory, whole size run"),
]
TOP_PHASES = (
    "config",
    "program",
    "plan-document",
    "access-matrix",
    "files",
    "guardrails",
    "write",
)


EXPONENT_KEYS: tuple[str, ...] = (
    "command",
    "plan",
    "floor",
    "config",
    "compile",
    "network_policies",
    "steps",
    "access",
)


def _steps(r: dict[str, Any]) -> float:
    return float(r["config"] + r["compile"] + r["network_policies"])


def report(sizes: list[dict[str, Any]], once: dict[str, Any], command: str) -> str:
    """BENCHMARKS.md."""
    for r in sizes:
        r["steps"] = _steps(r)
        if r.get("plan") and r.get("floor"):
            r["ratio"] = r["plan"] / r["floor"]
        if r.get("command") and r.get("floor"):
            r["command_ratio"] = r["command"] / r["floor"]
        if len(r.get("rounds", ())) > 1:
            r["round_ratios"] = [
                (rd["command"] / rd["floor"], rd["plan"] / rd["floor"]) for rd in r["rounds"]
            ]
    lines = [
        "# Benchmarks",
        "",
        f"Generated by `{command}` (`benchmarks/run.py`; stacks from `benchmarks/generate.py`, "
        "seed 0). Rewritten on every run; do not edit by hand. Targets are issue 10's.",
        "",
        "## Machine",
        "",
        *[f"- {k}: {v}" for k, v in once["machine"].items()],
        "",
        "The machine is shared (see the load average): figures are wall-clock and noisy.",
        "",
    ]
    for r in sizes:
        n = r["size"]
        plan = r.get("plan")
        lines += [
            f"## {n:,} workloads",
            "",
            (f"{r['resources']:,} registered resources, " if "resources" in r else "")
            + f"{r['istio_objects']:,} Istio objects, "
            f"{r['network_policy_objects']:,} NetworkPolicies; access matrix "
            f"{r['access_callers']:,} callers × {r['access_destinations']:,} workload ports → "
            f"{r['access_edges']:,} edges ({r.get('access_simulated', 0):,} requests simulated).",
            "",
            "| measure | time |",
            "|---|---|",
            *[f"| {label} | {_cell(r, key)} |" for key, label in ROWS],
            "",
            *diff_report_lines(r),
        ]
        if plan:
            phases = dict(r["phases"])
            other = "other (imports, stack file, summary, the collection after the render)"
            phases[other] = plan - sum(phases.get(p, 0.0) for p in TOP_PHASES)
            lines += [
                "Plan phases (`program` contains `mesh-checks`, `compile`, `network-policies`):",
                "",
                "| phase | time | share of plan |",
                "|---|---|---|",
                *[f"| {k} | {_s(t)} | {t / plan * 100:.0f} % |" for k, t in phases.items()],
                "",
            ]
    if len(sizes) > 1:
        lines += ["## Scaling exponents", "", "k in t ∝ N^k between consecutive sizes.", ""]
        header = " | ".join(f"{a['size']:,}→{b['size']:,}" for a, b in itertools.pairwise(sizes))
        lines += [f"| measure | {header} |", "|---|" + "---|" * (len(sizes) - 1)]
        for key in EXPONENT_KEYS:
            cells = " | ".join(_exponent(a, b, key) for a, b in itertools.pairwise(sizes))
            lines.append(f"| {key} | {cells} |")
        lines.append("")
    lines += [
        "## Once per run",
        "",
        f"- `import meshward`: {_s(once['import'])} (median of 5 fresh interpreters)",
        f"- simulator on the dev stack: {once['dev_simulate_per_s']:,.0f} decisions/s "
        f"(`Simulator.decide`); with the trace (`evaluate`, `--explain`): "
        f"{once.get('dev_explain_per_s', 0):,.0f}/s",
        f"- with 10 / 1,000 policies in other namespaces: {once['elsewhere_10_per_s']:,.0f} / "
        f"{once['elsewhere_1000_per_s']:,.0f} decisions/s "
        f"({_slower(once, 'elsewhere')})",
        f"- with 10 / 1,000 policies for other workloads of the same namespace: "
        f"{once['same_ns_10_per_s']:,.0f} / {once['same_ns_1000_per_s']:,.0f} decisions/s "
        f"({_slower(once, 'same_ns')})",
        f"- dev access matrix: {_s(once['dev_access'])} ({once['dev_access_edges']} edges)",
        "- `meshward diff`: per size with the plan runs, above (`benchmarks/diff.py`)",
        "",
    ]
    layers = once.get("validate_layers")
    lines += ["## `meshward validate` per layer", ""]
    if layers:
        lines += ["From `benchmarks/validate_layers.py`:", "", "```", layers, "```", ""]
    else:
        lines += ["`benchmarks/validate_layers.py` is not in this checkout yet.", ""]
    return "\n".join(lines).rstrip() + "\n" + str(once.get("notes", ""))


def _slower(once: dict[str, Any], key: str) -> str:
    slowdown = once.get(f"{key}_slowdown")
    if slowdown is None:  # a run from before the paired rounds
        slowdown = once[f"{key}_10_per_s"] / once[f"{key}_1000_per_s"] - 1
    return (
        f"{slowdown * 100:+.0f} % time per decision, median of {PAIRED_ROUNDS} alternating rounds"
    )


NOTES_FILE = ROOT / "benchmarks" / "NOTES.md"
"""Hand-written analysis (what dominates where a target is missed), appended to the report."""


def _earlier_results(log: Path) -> dict[int, dict[str, Any]]:
    """The per-size JSON blocks an earlier run printed, by size."""
    found: dict[int, dict[str, Any]] = {}
    decoder = json.JSONDecoder()
    text = log.read_text(encoding="utf-8")
    at = text.find("{")
    while at != -1:
        try:
            value, end = decoder.raw_decode(text, at)
        except ValueError:
            at = text.find("{", at + 1)
            continue
        if isinstance(value, dict) and "size" in value and "access" in value:
            found[int(value["size"])] = value
        at = text.find("{", end)
    return found


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-write", action="store_true", help="print, do not write the file")
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument(
        "--no-plan-sizes",
        type=int,
        nargs="*",
        default=[],
        help="sizes measured without the mock-engine runs (plan, floor), for a time-boxed run",
    )
    parser.add_argument(
        "--reuse", type=Path, help="take size results from the output of an earlier run"
    )
    parser.add_argument("--no-plan", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--once", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--steps", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure is not None:
        result = measure_size(args.measure, args.seed, plan=not args.no_plan)
        args.result.write_text(json.dumps(result))
        return
    if args.steps is not None:
        args.result.write_text(json.dumps(measure_steps(args.steps, args.seed)))
        return
    if args.once:
        args.result.write_text(json.dumps(measure_dev()))
        return
    earlier = _earlier_results(args.reuse) if args.reuse else {}
    compile_bytecode()
    sizes = []
    for size in args.sizes:
        if size in earlier:
            sizes.append(earlier[size])
            continue
        print(f"measuring {size:,} workloads …", flush=True)
        child = ["--measure", str(size), "--seed", str(args.seed)]
        result = _child(child + (["--no-plan"] if size in args.no_plan_sizes else []))
        runs = [_child(["--steps", str(size), "--seed", str(args.seed)]) for _ in range(STEP_RUNS)]
        sums = [float(sum(r.values())) for r in runs]
        result |= runs[sums.index(min(sums))]
        result["step_sums"] = sorted(sums)
        sizes.append(result)
        print(json.dumps(sizes[-1], indent=1), flush=True)
    print("measuring the dev stack and imports …", flush=True)
    once = _child(["--once"])
    once["import"] = measure_import()
    once["machine"] = machine()
    once["validate_layers"] = measure_validate_layers()
    once["notes"] = "\n" + NOTES_FILE.read_text() if NOTES_FILE.is_file() else ""
    command = "make bench"
    if args.sizes != list(SIZES) or args.no_plan_sizes or args.reuse:
        command = "python benchmarks/run.py --sizes " + " ".join(map(str, args.sizes))
        if args.no_plan_sizes:
            command += " --no-plan-sizes " + " ".join(map(str, args.no_plan_sizes))
        if args.reuse:
            command += " --reuse <log of an earlier run>"
    text = report(sizes, once, command)
    print(text)
    if not args.no_write:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
