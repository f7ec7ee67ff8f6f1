#!/usr/bin/env python3
"""Export prod and dev, then hold them against independent scanners:

- checkov (pinned, `.venv-scan`, offline) over the ARM template and the Kubernetes YAML,
  failures classified by `checkov-waivers.yaml`, every waiver's reason printed;
- the Kubernetes OpenAPI schemas (`kubernetes-validate`) over every plain Kubernetes object.

Exit 1 when prod has a failure that is neither waived nor a pending fix with its issue named,
or when any plain object is invalid; dev's failures are reported. Run with the project's
.venv python and PYTHONPATH=components (the Makefile's `scan` target does).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import yaml

from meshward.export.kube_schemas import FALLBACK_VERSION, validate_objects
from meshward.export.scan import classify, load_waivers, render, run_checkov

ROOT = Path(__file__).resolve().parents[1]
STACKS = ("prod", "dev")
GATED = "prod"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkov", type=Path, default=ROOT / ".venv-scan" / "bin" / "checkov")
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "export")
    args = parser.parse_args()
    meshward = Path(sys.executable).with_name("meshward")
    waivers = load_waivers(ROOT / "checkov-waivers.yaml")
    failed = False
    for stack in STACKS:
        arm, k8s = args.out / f"{stack}.arm.json", args.out / f"{stack}.k8s.yaml"
        for fmt, target in (("arm", arm), ("k8s", k8s)):
            subprocess.run(
                [str(meshward), "export", "--stack", stack, "--format", fmt, "--out", str(target)],
                check=True,
                cwd=ROOT,
            )
        for target, framework in ((arm, "arm"), (k8s, "kubernetes")):
            scan = classify(run_checkov(args.checkov, target, framework), waivers, stack)
            print(render(scan))
            if scan.parsing_errors or (stack == GATED and len(scan.unwaived) > len(scan.pending)):
                failed = True
        objects = [d for d in yaml.safe_load_all(k8s.read_text(encoding="utf-8")) if d]
        schemas = validate_objects(objects, FALLBACK_VERSION)
        print(
            f"{stack} [kubernetes schemas {schemas.version}, strict]: {len(schemas.valid)} valid, "
            f"{len(schemas.invalid)} invalid, {len(schemas.custom)} custom resources "
            "(checked against their CRDs by the tests)"
        )
        for label, why in sorted(schemas.invalid.items()):
            print(f"  INVALID {label}: {why}")
        failed = failed or bool(schemas.invalid)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
