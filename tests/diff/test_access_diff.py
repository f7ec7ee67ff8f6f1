"""The access diff is exact per atom where the two revisions' classes differ.

`access_diff` decides per class (callers, paths, methods a destination's policies tell apart)
and skips destinations whose sidecars pick up the same objects in both revisions. The oracle
here is independent of both: every caller × destination × probe path × method asked of the
simulator on each side, the atoms compared as sets. Scenarios where the revisions' classes
differ (a path rule narrowed from prefix to exact, a new principal, a JWT claim added) check
the expected atoms too; random pairs of compiled meshes check the oracle alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hypothesis import HealthCheck, assume, given, settings

from meshward.config.jwt import JwtIssuer
from meshward.diff.access import (
    Atom,
    _callers,
    _destinations,
    _edges,
    _labels_of,
    _patterns_by_namespace,
    access_diff,
)
from meshward.diff.folder import PlanFolder
from meshward.mesh.access import METHODS, access_matrix, probe_paths
from meshward.mesh.compiler import compile_mesh
from meshward.mesh.intent import MeshIntent
from meshward.mesh.simulation import Jwt, MeshSettings, Request, Simulator
from tests.mesh.intent_oracle import INGRESS_NAMESPACE, TRUST_DOMAIN
from tests.mesh.test_compiler_property import ROOT_NAMESPACE, compiled, intents

SETTINGS = MeshSettings(
    root_namespace=ROOT_NAMESPACE, trust_domain=TRUST_DOMAIN, path_normalization="MERGE_SLASHES"
)
ISSUER = JwtIssuer.model_validate(
    {
        "name": "corp",
        "issuer": "https://corp.example",
        "jwksUri": "https://corp.example/keys",
        "audiences": ["api://shop"],
    }
)


def folder(
    intent: MeshIntent,
    issuers: Sequence[JwtIssuer] = (ISSUER,),
    objects: list[dict[str, Any]] | None = None,
) -> PlanFolder:
    """A plan folder as `meshward plan` writes it, for the mesh part only."""
    if objects is None:
        objects = compile_mesh(
            intent,
            issuers,
            root_namespace=ROOT_NAMESPACE,
            trust_domain=TRUST_DOMAIN,
            ingress_namespace=INGRESS_NAMESPACE,
        )
    matrix = access_matrix(objects, intent, issuers, SETTINGS, ingress_namespace=INGRESS_NAMESPACE)
    resources = [
        {
            "urn": f"urn:{i}",
            "type": f"kubernetes:{o['apiVersion']}:{o['kind']}",
            "name": o["metadata"]["name"],
            "custom": True,
            "inputs": o,
        }
        for i, o in enumerate(objects)
    ]
    return PlanFolder("t", {"resources": resources}, matrix.to_dict("t"), SETTINGS, [])


def brute_force(side: PlanFolder, other: PlanFolder) -> set[Atom]:
    """Every atom `side` allows, asked over both revisions' callers and probe paths."""
    simulator = Simulator(side.security_objects, side.settings)
    callers = _callers((side, other))
    labels_of = _labels_of((side, other))
    patterns = [_patterns_by_namespace(s.security_objects) for s in (side, other)]
    roots = set().union(*(p.get(ROOT_NAMESPACE, set()) for p in patterns))
    atoms: set[Atom] = set()
    for (workload, port), protocol in _destinations(side).items():
        namespace, name = workload.split("/", 1)
        found = set(roots).union(*(p.get(namespace, set()) for p in patterns))
        destination = {"namespace": namespace, "labels": labels_of[workload], "port": port}
        for cid, caller in callers.items():
            source = {"principal": caller.get("principal"), "ip": caller.get("ip")}
            if protocol == "tcp":
                request = Request.model_validate(
                    {"destination": destination, "protocol": "TCP", "source": source}
                )
                if simulator.evaluate(request).decision == "ALLOW":
                    atoms.add((cid, workload, port, "", ""))
                continue
            token = Jwt.model_validate(caller["token"]) if caller.get("token") else None
            for path in probe_paths(found):
                for method in METHODS:
                    request = Request.model_validate(
                        {
                            "destination": destination,
                            "protocol": "HTTP",
                            "source": source,
                            "method": method,
                            "path": path,
                            "host": f"{name}.{namespace}.svc.cluster.local",
                        }
                    ).model_copy(update={"jwt": token})
                    if simulator.evaluate(request).decision == "ALLOW":
                        atoms.add((cid, workload, port, method, path))
    return atoms


def oracle(base: PlanFolder, head: PlanFolder) -> dict[str, Any]:
    """The diff's JSON `access` part from brute force."""
    before, after = brute_force(base, head), brute_force(head, base)
    callers = _callers((base, head))
    order = {cid: i for i, cid in enumerate(callers)}
    patterns = [_patterns_by_namespace(s.security_objects) for s in (base, head)]
    roots = set().union(*(p.get(ROOT_NAMESPACE, set()) for p in patterns))
    patterns_of: dict[str, list[str]] = {}
    for workload, _ in _destinations(base).keys() | _destinations(head).keys():
        namespace = workload.split("/", 1)[0]
        patterns_of[workload] = sorted(
            set(roots).union(*(p.get(namespace, set()) for p in patterns))
        )
    paths_of = {w: probe_paths(p) for w, p in patterns_of.items()}
    before_protocols = {**_destinations(head), **_destinations(base)}
    after_protocols = {**_destinations(base), **_destinations(head)}
    gained = _edges(after - before, after_protocols, paths_of, patterns_of, order)
    lost = _edges(before - after, before_protocols, paths_of, patterns_of, order)
    return {"gained": [e.to_dict() for e in gained], "lost": [e.to_dict() for e in lost]}


def check(base: PlanFolder, head: PlanFolder) -> dict[str, Any]:
    """The computed diff, held to the oracle and to the exhaustive mode."""
    computed = access_diff(base, head).to_dict()
    assert computed == oracle(base, head)
    assert access_diff(base, head, exhaustive=True).to_dict() == computed
    return computed


def mesh(access: list[dict[str, Any]], extra_workloads: Sequence[str] = ()) -> MeshIntent:
    workloads = [
        {"name": "web", "namespace": "shop", "ports": [{"port": 8080}]},
        {"name": "api", "namespace": "shop", "ports": [{"port": 8080}]},
        {"name": "db", "namespace": "data", "ports": [{"port": 5432, "protocol": "tcp"}]},
    ]
    workloads += [
        {"name": n.split("/")[1], "namespace": n.split("/")[0], "ports": [{"port": 8080}]}
        for n in extra_workloads
    ]
    return MeshIntent.model_validate({"workloads": workloads, "access": access})


def web_to_api(paths: list[str], sources: list[str] | None = None) -> dict[str, Any]:
    return {
        "name": "web-api",
        "from": {"workloads": sources or ["shop/web"]},
        "to": {"workloads": ["shop/api"], "methods": ["GET"], "paths": paths},
    }


def atoms_of(edges: list[dict[str, Any]]) -> set[tuple[str, str, str, str]]:
    return {
        (e["from"], e["to"], m, p) for e in edges for m in e["methods"] or [""] for p in e["paths"]
    }


def test_a_prefix_narrowed_to_exact_is_lost_never_gained() -> None:
    base = folder(mesh([web_to_api(["/orders*"])]))
    head = folder(mesh([web_to_api(["/orders"])]))
    diff = check(base, head)
    assert diff["gained"] == []
    # `/orders*` also allowed `/ordersx` and `/orders/x`; `/orders` itself is still allowed.
    lost = {(e["from"], e["to"], tuple(e["methods"]), tuple(e["paths"])) for e in diff["lost"]}
    assert lost == {("shop/web", "shop/api", ("GET",), ("/orders*",))}
    # Reversed, the same atoms are gained and nothing is lost.
    back = check(head, base)
    assert back["lost"] == [] and atoms_of(back["gained"]) == atoms_of(diff["lost"])


def test_a_new_principal_gains_only_its_own_edge() -> None:
    base = folder(mesh([web_to_api(["/orders/*"])]))
    head = folder(mesh([web_to_api(["/orders/*"], ["shop/web", "shop/worker"])], ["shop/worker"]))
    diff = check(base, head)
    assert diff["lost"] == []
    assert [(e["from"], e["to"], e["methods"], e["paths"]) for e in diff["gained"]] == [
        ("shop/worker", "shop/api", ["GET"], ["/orders/*"])
    ]


def test_a_jwt_claim_added_loses_the_token_without_it() -> None:
    def rule(claims: dict[str, list[str]]) -> dict[str, Any]:
        return {
            "name": "orders",
            "from": {"ingressGateway": True, "jwt": {"issuer": "corp", "claims": claims}},
            "to": {"workloads": ["shop/api"], "methods": ["GET"], "paths": ["/orders/*"]},
        }

    base = folder(mesh([rule({"role": ["buyer"]})]))
    head = folder(mesh([rule({"role": ["buyer"], "tier": ["gold"]})]))
    diff = check(base, head)
    assert diff["gained"] == []
    assert {(e["from"], e["to"]) for e in diff["lost"]} == {("jwt:corp{role=buyer}", "shop/api")}


def test_a_workload_port_that_changes_protocol_loses_tcp_and_gains_http() -> None:
    intent = mesh(
        [{"name": "db", "from": {"workloads": ["shop/api"]}, "to": {"workloads": ["data/db"]}}]
    )
    spec = intent.model_dump(by_alias=True, exclude_defaults=True)
    spec["workloads"][2]["ports"] = [{"port": 5432, "protocol": "http"}]
    diff = check(folder(intent), folder(MeshIntent.model_validate(spec)))
    assert [(e["from"], e["protocol"]) for e in diff["lost"]] == [("shop/api", "tcp")]
    assert {(e["from"], e["protocol"]) for e in diff["gained"]} == {("shop/api", "http")}


def test_unchanged_destinations_are_not_re_decided() -> None:
    base = folder(mesh([web_to_api(["/orders*"])]))
    head = folder(mesh([web_to_api(["/orders"])]))
    diff = access_diff(base, head)
    assert diff.destinations == 3 and diff.decided == 1  # only shop/api:8080 changed
    assert access_diff(base, base).decided == 0


PROFILE = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    database=None,
)


@PROFILE
@given(first=intents(), second=intents())
def test_computed_diff_equals_brute_force_on_random_pairs(
    first: tuple[dict[str, Any], list[dict[str, Any]]],
    second: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    a, b = compiled(*first), compiled(*second)
    assume(a is not None and b is not None)
    assert a is not None and b is not None
    check(folder(a[0], a[1], a[2]), folder(b[0], b[1], b[2]))
