"""What `meshward validate` costs per layer, in objects per second.

Generates a deterministic mix of security.istio.io objects shaped like the compiler's output
(per workload an ALLOW policy with 1–4 rules; a third with a RequestAuthentication and its
require-JWT DENY; some port-level PeerAuthentications; one allow-nothing per namespace), writes
them as one multi-document YAML text, and times each layer on it:

* `parse`: YAML text to documents with their first lines (the loader `validate` uses);
* `istiod`: istiod's admission rules (the typed models);
* `crd-schema`: the API server's structural-schema and ObjectMeta checks from the vendored CRD;
* `cel`: the CRD's CEL rules (timed as schema+CEL minus schema alone);
* `validate`: all of it end to end, as `meshward validate FILE` does it (without printing).

Run alone: `python benchmarks/validate_layers.py [--objects 3000] [--seed 0] [--repeat 3]`.
The harness calls `measure(objects, seed, repeat)` and gets a dict of figures. Nothing here
asserts; the figures go to BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import sys
import time
from collections.abc import Callable
from typing import Any

import yaml

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
ISSUERS = tuple(f"https://login.example.com/{i:04d}/v2.0" for i in range(5))


def generate_objects(count: int, seed: int = 0) -> list[dict[str, Any]]:
    """`count` valid security.istio.io objects, the same for the same seed."""
    rng = random.Random(seed)
    objects: list[dict[str, Any]] = []
    workload = 0
    while len(objects) < count:
        namespace = f"team-{workload // 10:03d}"
        app = f"svc-{workload:05d}"
        if workload % 10 == 0:
            objects.append(_policy(namespace, "allow-nothing", {}, "mtls.default"))
        objects.append(_allow(rng, namespace, app, workload))
        if workload % 3 == 0:
            objects.append(_jwt(rng, namespace, app))
            objects.append(_require_jwt(namespace, app))
        if workload % 7 == 0:
            objects.append(_peer(rng, namespace, app))
        workload += 1
    return objects[:count]


def _meta(namespace: str, name: str, intent: str) -> dict[str, Any]:
    return {
        "annotations": {"meshward.io/intent": intent},
        "labels": {"app.kubernetes.io/managed-by": "meshward"},
        "name": name,
        "namespace": namespace,
    }


def _policy(namespace: str, name: str, spec: dict[str, Any], intent: str) -> dict[str, Any]:
    return {
        "apiVersion": "security.istio.io/v1",
        "kind": "AuthorizationPolicy",
        "metadata": _meta(namespace, name, intent),
        "spec": spec,
    }


def _allow(rng: random.Random, namespace: str, app: str, workload: int) -> dict[str, Any]:
    rules = []
    for index in range(rng.randint(1, 4)):
        caller = rng.randrange(max(workload, 1))
        source: dict[str, Any] = {
            "principals": [f"cluster.local/ns/team-{caller // 10:03d}/sa/svc-{caller:05d}"]
        }
        if index == 0 and workload % 3 == 0:
            source = {
                "principals": ["cluster.local/ns/aks-istio-ingress/sa/*"],
                "requestPrincipals": [f"{rng.choice(ISSUERS)}/*"],
            }
        rule: dict[str, Any] = {
            "from": [{"source": source}],
            "to": [
                {
                    "operation": {
                        "methods": sorted(rng.sample(METHODS, rng.randint(1, 3))),
                        "paths": [f"/api/v{index}/items", f"/api/v{index}/items/*"],
                        "ports": [str(rng.choice((8080, 8443, 9090)))],
                    }
                }
            ],
        }
        if rng.random() < 0.2:
            rule["when"] = [{"key": "request.auth.claims[groups]", "values": ["admins"]}]
        rules.append(rule)
    spec = {"action": "ALLOW", "rules": rules, "selector": {"matchLabels": {"app": app}}}
    return _policy(namespace, f"{app}-allow", spec, f"access:{app}")


def _jwt(rng: random.Random, namespace: str, app: str) -> dict[str, Any]:
    issuer = rng.choice(ISSUERS)
    rule = {
        "audiences": ["api://meshward"],
        "issuer": issuer,
        "jwksUri": issuer.replace("/v2.0", "/discovery/v2.0/keys"),
        "outputClaimToHeaders": [{"claim": "oid", "header": "x-user-oid"}],
        "timeout": "5s",
    }
    return {
        "apiVersion": "security.istio.io/v1",
        "kind": "RequestAuthentication",
        "metadata": _meta(namespace, f"{app}-jwt", f"access:{app}"),
        "spec": {"jwtRules": [rule], "selector": {"matchLabels": {"app": app}}},
    }


def _require_jwt(namespace: str, app: str) -> dict[str, Any]:
    spec = {
        "action": "DENY",
        "rules": [
            {
                "from": [
                    {
                        "source": {
                            "notRequestPrincipals": ["*"],
                            "principals": ["cluster.local/ns/aks-istio-ingress/sa/*"],
                        }
                    }
                ],
                "to": [{"operation": {"ports": ["8080"]}}],
            }
        ],
        "selector": {"matchLabels": {"app": app}},
    }
    return _policy(namespace, f"{app}-require-jwt", spec, f"access:{app}")


def _peer(rng: random.Random, namespace: str, app: str) -> dict[str, Any]:
    return {
        "apiVersion": "security.istio.io/v1",
        "kind": "PeerAuthentication",
        "metadata": _meta(namespace, f"{app}-mtls", f"mtls.workloads:{namespace}/{app}"),
        "spec": {
            "portLevelMtls": {str(rng.choice((9090, 15020))): {"mode": "PERMISSIVE"}},
            "selector": {"matchLabels": {"app": app}},
        },
    }


def manifest_text(objects: list[dict[str, Any]]) -> str:
    """The objects as one multi-document YAML text, block style like `meshward plan` writes."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump_all(objects, Dumper=dumper, sort_keys=True)


def _best(fn: Callable[[], Any], repeat: int) -> float:
    # CPU time of this process, best of `repeat`: the development machine is shared by
    # several developers, so wall time mostly measures their load, not this code.
    samples = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        samples.append(time.process_time() - start)
    return min(samples)


def measure(objects: int = 3000, seed: int = 0, repeat: int = 3) -> dict[str, float]:
    """Objects per CPU-second per layer (best of `repeat`), plus the object count and YAML size.

    Keys: `objects`, `yaml_bytes`, `parse`, `istiod`, `crd-schema`, `cel`, `validate`
    (objects/s), and `libyaml` (1.0 when PyYAML's C loader was used).
    """
    from meshward.mesh.istio import load_documents
    from meshward.mesh.istio.crd_rules import istio_crds
    from meshward.mesh.istio.documents import parse_istio_object
    from meshward.mesh.istio.problems import IstioValidationError
    from meshward.yaml_documents import LIBYAML, read_documents

    docs = generate_objects(objects, seed)
    text = manifest_text(docs)
    registry = istio_crds()  # built once, as every validate run does before its first object
    registry.problems(docs[0])

    def istiod() -> None:
        for doc in docs:
            with contextlib.suppress(IstioValidationError):
                parse_istio_object(doc)

    parse = _best(lambda: read_documents(text, "bench.yaml"), repeat)
    rules = _best(istiod, repeat)
    schema = _best(lambda: [registry.problems(d, cel=False) for d in docs], repeat)
    schema_cel = _best(lambda: [registry.problems(d) for d in docs], repeat)
    end_to_end = _best(lambda: load_documents(text, "bench.yaml"), repeat)
    cel = max(schema_cel - schema, 1e-9)
    return {
        "objects": float(len(docs)),
        "yaml_bytes": float(len(text.encode())),
        "libyaml": 1.0 if LIBYAML else 0.0,
        "parse": len(docs) / parse,
        "istiod": len(docs) / rules,
        "crd-schema": len(docs) / schema,
        "cel": len(docs) / cel,
        "validate": len(docs) / end_to_end,
    }


def main(argv: list[str] | None = None) -> int:
    """Print the figures as a small table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--objects", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    figures = measure(args.objects, args.seed, args.repeat)
    print(
        f"{int(figures['objects'])} objects, {figures['yaml_bytes'] / 1e6:.1f} MB of YAML, "
        f"libyaml {'on' if figures['libyaml'] else 'off'}; CPU time, best of {args.repeat}"
    )
    print("| layer | objects/s | µs/object |")
    print("|---|---:|---:|")
    for layer in ("parse", "istiod", "crd-schema", "cel", "validate"):
        rate = figures[layer]
        print(f"| {layer} | {rate:,.0f} | {1e6 / rate:,.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
