"""Write a deterministic synthetic stack of N workloads for benchmarks.

    python benchmarks/generate.py 1000            # writes Pulumi.bench-1000.yaml
    python benchmarks/generate.py 1000 --seed 7 --name big --project DIR
    meshward plan --stack bench-1000               # plans it like any other stack

The shape (issue 10): N workloads over N/10 namespaces; about 2.3 access rules per workload
(one from two named callers, one from a neighbouring namespace, and for a third of the
workloads a public rule through the ingress gateway behind a JWT with a claim); a deny rule and
an mTLS port override per namespace; one break-glass grant. The rest of the platform is the dev
stack's. The same size and seed always give the same file, byte for byte.

Generated stacks are named `bench-*` and ignored by git (`.gitignore`), so they are never
committed by accident.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKLOADS_PER_NAMESPACE = 10
CLAIM_GROUPS = 8
"""Distinct `groups` claim values the public rules ask for (tokens are per group, not per
workload, as in a real tenant)."""


def _workload(index: int, namespaces: int) -> dict[str, Any]:
    ns = index % namespaces
    ports: list[dict[str, Any]] = [{"port": 8080}]
    if index % 4 == 0:
        ports.append({"port": 9090})
    if index % 10 == 9:
        ports = [{"port": 5432, "protocol": "tcp"}]
    return {"name": f"svc-{index:05d}", "namespace": f"team-{ns:04d}", "ports": ports}


def _ref(w: dict[str, Any]) -> str:
    return f"{w['namespace']}/{w['name']}"


def _is_tcp(w: dict[str, Any]) -> bool:
    return any(p.get("protocol") == "tcp" for p in w["ports"])


def generate(size: int, seed: int = 0) -> dict[str, Any]:
    """The `meshward:platform` value of a synthetic stack with `size` workloads."""
    if size < WORKLOADS_PER_NAMESPACE:
        raise ValueError(f"size must be at least {WORKLOADS_PER_NAMESPACE}")
    rng = random.Random(seed)
    namespaces = size // WORKLOADS_PER_NAMESPACE
    workloads = [_workload(i, namespaces) for i in range(size)]
    access: list[dict[str, Any]] = []
    deny: list[dict[str, Any]] = []
    mtls_overrides: list[dict[str, Any]] = []
    for i, w in enumerate(workloads):
        callers = rng.sample([c for c in workloads if c is not w], 2)
        neighbour = f"team-{(i % namespaces + 1) % namespaces:04d}"
        if neighbour == w["namespace"]:
            neighbour = f"team-{(i % namespaces + 2) % namespaces:04d}"
        name = w["name"]
        if _is_tcp(w):
            access.append(
                {
                    "name": f"{name}-clients",
                    "from": {"workloads": [_ref(c) for c in callers]},
                    "to": {"workloads": [_ref(w)]},
                }
            )
            access.append(
                {
                    "name": f"{name}-neighbours",
                    "from": {"namespaces": [neighbour]},
                    "to": {"workloads": [_ref(w)]},
                }
            )
            continue
        access.append(
            {
                "name": f"{name}-clients",
                "from": {"workloads": [_ref(c) for c in callers]},
                "to": {
                    "workloads": [_ref(w)],
                    "ports": [8080],
                    "methods": ["GET", "POST"],
                    "paths": [f"/api/{name}", f"/api/{name}/*"],
                },
            }
        )
        access.append(
            {
                "name": f"{name}-neighbours",
                "from": {"namespaces": [neighbour]},
                "to": {
                    "workloads": [_ref(w)],
                    "ports": [8080],
                    "methods": ["GET"],
                    "paths": [f"/internal/{name}/*"],
                },
            }
        )
        if i % 3 == 0:
            access.append(
                {
                    "name": f"{name}-public",
                    "from": {
                        "ingressGateway": True,
                        "jwt": {
                            "issuer": "entra",
                            "claims": {"groups": [f"group-{rng.randrange(CLAIM_GROUPS)}"]},
                        },
                    },
                    "to": {
                        "workloads": [_ref(w)],
                        "ports": [8080],
                        "methods": ["GET", "POST"],
                        "paths": [f"/public/{name}/*"],
                    },
                }
            )
        if any(p["port"] == 9090 for p in w["ports"]):
            mtls_overrides.append({"workload": _ref(w), "ports": {9090: "PERMISSIVE"}})
    by_namespace: dict[str, list[dict[str, Any]]] = {}
    for w in workloads:
        by_namespace.setdefault(w["namespace"], []).append(w)
    for ns, members in sorted(by_namespace.items()):
        first = next((w for w in members if not _is_tcp(w)), None)
        if first is None:
            continue
        deny.append(
            {
                "name": f"{ns}-admin",
                "unless": {"namespaces": [ns]},
                "to": {"workloads": [_ref(first)], "paths": ["/admin"]},
            }
        )
    platform = _platform_base()
    platform["mesh"] = {
        "mtls": {"mode": "STRICT", "workloads": mtls_overrides},
        "workloads": workloads,
        "access": access,
        "deny": deny,
        "breakGlass": [
            {
                "name": "inc-0001-repair",
                "from": {"workloads": [_ref(workloads[1])]},
                "to": {"workloads": [_ref(workloads[2])]},
                "reason": "Synthetic grant: benchmarks carry one break-glass entry",
                "ticket": "INC-0001",
                "expires": "2099-12-31",
            }
        ],
    }
    return platform


def _platform_base() -> dict[str, Any]:
    return {
        "environment": "dev",
        "location": "westeurope",
        "prefix": "mwbench",
        "aks": {
            "apiServer": {"mode": "authorizedRanges", "authorizedIpRanges": ["203.0.113.0/24"]}
        },
        "appGateway": {"hostname": "api.bench.meshward.example"},
        "jwtIssuers": [
            {
                "name": "entra",
                "issuer": "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000001/v2.0",
                "jwksUri": (
                    "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000001"
                    "/discovery/v2.0/keys"
                ),
                "audiences": ["api://meshward-bench"],
                "entraTenantId": "00000000-0000-0000-0000-000000000001",
            }
        ],
    }


def stack_document(size: int, seed: int = 0) -> dict[str, Any]:
    """The whole `Pulumi.<stack>.yaml` document."""
    return {
        "config": {
            "azure-native:location": "westeurope",
            "meshward:platform": generate(size, seed),
        }
    }


def stack_name(size: int, seed: int = 0) -> str:
    """`bench-<size>` (and `-s<seed>` for a non-default seed)."""
    return f"bench-{size}" + (f"-s{seed}" if seed else "")


def write_stack(project: Path, size: int, seed: int = 0, name: str | None = None) -> Path:
    """Write `Pulumi.<name>.yaml` into `project`; returns its path."""
    path = project / f"Pulumi.{name or stack_name(size, seed)}.yaml"
    header = f"# Generated by benchmarks/generate.py {size} --seed {seed}; do not edit or commit.\n"
    text = yaml.safe_dump(stack_document(size, seed), sort_keys=False, width=100)
    path.write_text(header + text, encoding="utf-8")
    return path


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("size", type=int, help="number of workloads (at least 10)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--name", help="stack name (default bench-<size>[-s<seed>])")
    parser.add_argument("--project", type=Path, default=ROOT, help="project directory")
    args = parser.parse_args()
    if args.name is not None and not args.name.startswith("bench-"):
        parser.error("--name must start with bench- (generated stacks are git-ignored by that)")
    print(write_stack(args.project, args.size, args.seed, args.name))


if __name__ == "__main__":
    main()
