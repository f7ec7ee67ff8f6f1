"""Measure what the guardrail catalogue adds to `meshward plan` for a stack of N workloads.

    python benchmarks/guardrails.py [N]      # default 1000

The dev stack's config is scaled to N workloads over N/10 namespaces (each with an ALLOW from
the ingress gateway with a JWT, a workload-to-workload call and a DENY), planned under the mock
engine, and each phase is timed once: the program run, the plan document and files, and the
catalogue. The access matrix is left out (its cost grows with callers x workloads), so the
printed share is an upper bound of the catalogue's share of a whole `meshward plan`.
Nothing here asserts; the figures go into issues and release notes.
"""

from __future__ import annotations

import copy
import sys
import time
from pathlib import Path
from typing import Any

from meshward.engine.plan import (
    PLAN_FILE,
    kubernetes_objects,
    manifest_path,
    plan_document,
    plan_files,
)
from meshward.engine.planner import plan_config
from meshward.engine.stackfile import load_stack_file
from meshward.guardrails.stack import check_plan

ROOT = Path(__file__).resolve().parents[1]


def scaled_config(config: dict[str, Any], project: str, n: int) -> dict[str, Any]:
    """The dev stack's config with `n` workloads and rules between them."""
    out = copy.deepcopy(config)
    mesh = out[f"{project}:platform"]["mesh"]
    workloads, access, deny = [], [], []
    for i in range(n):
        ns = f"team-{i // 10:03d}"
        name = f"svc-{i:04d}"
        workloads.append({"name": name, "namespace": ns, "ports": [{"port": 8080}]})
        target = f"{ns}/{name}"
        access.append(
            {
                "name": f"public-{i:04d}",
                "from": {"ingressGateway": True, "jwt": {"issuer": "entra"}},
                "to": {"workloads": [target], "methods": ["GET"], "paths": [f"/api/{name}/*"]},
            }
        )
        if i:
            prev = f"team-{(i - 1) // 10:03d}/svc-{i - 1:04d}"
            access.append(
                {
                    "name": f"call-{i:04d}",
                    "from": {"workloads": [prev]},
                    "to": {"workloads": [target], "methods": ["POST"], "paths": ["/rpc"]},
                }
            )
        deny.append({"name": f"admin-{i:04d}", "to": {"workloads": [target], "paths": ["/admin"]}})
    mesh.update(workloads=workloads, access=access, deny=deny, breakGlass=[])
    mesh.pop("mtls", None)
    return out


def main(argv: list[str]) -> int:
    """Print one line per phase."""
    n = int(argv[0]) if argv else 1000
    sf = load_stack_file(ROOT, "dev")
    config = scaled_config(sf.config, sf.project, n)
    start = time.perf_counter()
    planned = plan_config(sf.program, sf.project, sf.stack, config, sf.encrypted_keys)
    program = time.perf_counter() - start
    start = time.perf_counter()
    plan = plan_document(planned.capture)
    objects = kubernetes_objects(plan)
    files = plan_files(plan)
    render = time.perf_counter() - start
    start = time.perf_counter()
    report = check_plan(
        plan, [(o, manifest_path(o)) for o in objects], planned.config, files[PLAN_FILE]
    )
    guard = time.perf_counter() - start
    # The access matrix (also part of plan time) is left out, so the share below is an upper
    # bound of the catalogue's share of a full `meshward plan`.
    base = program + render
    rules, found = len(report.rules_run), len(report.findings)
    print(f"workloads: {n}, resources: {len(plan['resources'])}, objects: {len(objects)}")
    print(f"program run (mock engine): {program:.2f} s")
    print(f"plan document and files: {render:.2f} s")
    print(f"catalogue ({rules} rules, {found} findings): {guard:.3f} s")
    print(f"catalogue added to plan (access matrix excluded): {100 * guard / base:.1f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
