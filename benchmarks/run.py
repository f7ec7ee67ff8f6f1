"""Measure meshward's hot paths on this machine and print one line per figure.

Run with `make bench`. Nothing here asserts: the figures go into release notes and issues.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import yaml

from meshward.engine.plan import kubernetes_objects, plan_document
from meshward.engine.planner import plan_stack, render_stack
from meshward.mesh.access import mesh_settings, plan_access
from meshward.mesh.compiler import compile_mesh
from meshward.mesh.istio import validate_document
from meshward.mesh.simulation import Request, Simulator

ROOT = Path(__file__).resolve().parents[1]


def timed(label: str, fn: Callable[[], Any], repeat: int = 5, per: int = 1, unit: str = "") -> Any:
    """Run `fn` `repeat` times; print the median (and a per-item rate when `per` > 1)."""
    samples: list[float] = []
    result: Any = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - start)
    median = statistics.median(samples)
    rate = f", {per / median:,.0f} {unit}/s" if per > 1 else ""
    print(f"{label}: median {median * 1000:,.1f} ms over {repeat} runs{rate}")
    return result


def main() -> None:
    """Print the figures."""
    for stack in ("dev", "prod"):
        planned = timed(f"plan {stack} (mock-engine run)", partial(plan_stack, ROOT, stack))
        rendered = timed(
            f"plan {stack} (render files and access matrix)", partial(render_stack, planned)
        )
        print(
            f"plan {stack}: {len(rendered.plan['resources'])} resources, "
            f"{len(rendered.files)} files"
        )

    planned = plan_stack(ROOT, "dev")
    cfg = planned.config
    objects = [
        o
        for o in kubernetes_objects(plan_document(planned.capture))
        if str(o.get("apiVersion", "")).startswith("security.istio.io/")
    ]
    timed(
        "compile dev intent",
        lambda: compile_mesh(
            cfg.mesh,
            cfg.jwt_issuers,
            root_namespace=cfg.mesh.root_namespace,
            trust_domain=cfg.mesh.trust_domain,
            ingress_namespace="aks-istio-ingress",
        ),
        repeat=20,
    )
    timed(
        "validate dev security objects (layer 1)",
        lambda: [validate_document(o) for o in objects],
        repeat=20,
        per=len(objects),
        unit="objects",
    )
    simulator = Simulator(objects, mesh_settings(cfg))
    request = Request.model_validate(
        yaml.safe_load("""
destination: {namespace: payments, labels: {app: payment-service}, port: 8443}
protocol: HTTP
source: {principal: cluster.local/ns/orders/sa/order-service}
method: POST
path: /payments/42
host: payments
""")
    )
    n = 2000
    timed(
        "simulate one request against dev objects",
        lambda: [simulator.evaluate(request) for _ in range(n)],
        per=n,
        unit="decisions",
    )
    matrix = timed("access matrix dev", lambda: plan_access(objects, cfg))
    print(f"access matrix dev: {matrix.probes} probes, {len(matrix.edges)} edges")


if __name__ == "__main__":
    main()
