"""The computed access matrix equals exhaustive probing (issue 10).

`access_matrix` decides one request per class of callers, paths and methods that a
workload's policies can tell apart, untraced (`Simulator.decide_call`);
`access_matrix(..., exhaustive=True)` probes every caller × path × method as a `Request` through
the traced `Simulator.evaluate` and is the oracle. On random small meshes (the compiler proof's
random intents, compiled with the real compiler, plus raw AuthorizationPolicies using the value
forms the compiler never writes: `namespaces`, `serviceAccounts`, `trustDomains`, suffix and
`*` principals, `not…` fields, `when` on the source, trust-domain aliases) both must give the
same document: callers, destinations, edges, refusal summaries, probe counts.

Hypothesis profile: 80 meshes (`MESHWARD_PROPERTY_EXAMPLES=N` for more), `derandomize=True`
(reproducible in CI), `deadline=None`, `database=None`.
"""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from meshward.mesh.access import access_matrix
from meshward.mesh.simulation import MeshSettings
from tests.mesh.intent_oracle import INGRESS_NAMESPACE, TRUST_DOMAIN
from tests.mesh.test_compiler_property import ROOT_NAMESPACE, compiled, intents

PROFILE = settings(
    max_examples=int(os.environ.get("MESHWARD_PROPERTY_EXAMPLES", "80")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    database=None,
)
NAMESPACES = ("alpha", "beta", "gamma", INGRESS_NAMESPACE)
PRINCIPALS = (
    "*",
    f"{TRUST_DOMAIN}/ns/alpha/sa/api",
    f"{TRUST_DOMAIN}/ns/beta/sa/*",
    "old.example/ns/alpha/sa/web",
    "*/sa/db",
    "evil.example/*",
    f"{TRUST_DOMAIN}/ns/{INGRESS_NAMESPACE}/sa/*",
)
SOURCE_FIELDS: dict[str, st.SearchStrategy[list[str]]] = {
    "principals": st.lists(st.sampled_from(PRINCIPALS), min_size=1, max_size=2),
    "notPrincipals": st.lists(st.sampled_from(PRINCIPALS), min_size=1, max_size=2),
    "namespaces": st.lists(st.sampled_from((*NAMESPACES, "*", "al*")), min_size=1, max_size=2),
    "notNamespaces": st.lists(st.sampled_from(NAMESPACES), min_size=1, max_size=1),
    "serviceAccounts": st.lists(st.sampled_from(("api", "beta/db", "web")), min_size=1),
    "trustDomains": st.lists(st.sampled_from((TRUST_DOMAIN, "evil.*", "*")), min_size=1),
    "ipBlocks": st.lists(st.sampled_from(("10.1.0.0/16", "198.51.100.0/24")), min_size=1),
    "requestPrincipals": st.lists(st.sampled_from(("*", "https://corp.example/*")), min_size=1),
}
WHEN = (
    {"key": "source.namespace", "values": ["alpha"]},
    {"key": "source.principal", "notValues": [f"{TRUST_DOMAIN}/ns/beta/sa/web"]},
    {"key": "source.ip", "values": ["10.1.0.0/16"]},
)


@st.composite
def raw_policies(draw: st.DrawFn, namespaces: list[str]) -> list[dict[str, Any]]:
    """0–3 AuthorizationPolicies with value forms the compiler does not write."""
    out = []
    for i in range(draw(st.integers(0, 3))):
        fields = draw(st.lists(st.sampled_from(sorted(SOURCE_FIELDS)), max_size=2, unique=True))
        source = {f: draw(SOURCE_FIELDS[f]) for f in fields}
        rule: dict[str, Any] = {}
        if source:
            rule["from"] = [{"source": source}]
        if draw(st.booleans()):
            rule["to"] = [{"operation": {"methods": ["GET"], "paths": ["/api/*", "/raw"]}}]
        if draw(st.booleans()):
            rule["when"] = [draw(st.sampled_from(WHEN))]
        spec: dict[str, Any] = {"action": draw(st.sampled_from(("ALLOW", "DENY"))), "rules": [rule]}
        if draw(st.booleans()):
            spec["selector"] = {"matchLabels": {"app": draw(st.sampled_from(("api", "db", "web")))}}
        out.append(
            {
                "apiVersion": "security.istio.io/v1",
                "kind": "AuthorizationPolicy",
                "metadata": {"name": f"raw-{i}", "namespace": draw(st.sampled_from(namespaces))},
                "spec": spec,
            }
        )
    return out


@PROFILE
@given(data=st.data(), spec=intents(), aliases=st.booleans())
def test_computed_matrix_equals_exhaustive_probing(
    data: st.DataObject, spec: tuple[dict[str, Any], list[dict[str, Any]]], aliases: bool
) -> None:
    result = compiled(*spec)
    assume(result is not None)
    assert result is not None
    intent, issuers, objects = result
    spaces = sorted({w.namespace for w in intent.workloads} | {ROOT_NAMESPACE})
    objects = [*objects, *data.draw(raw_policies(spaces))]
    mesh = MeshSettings(
        root_namespace=ROOT_NAMESPACE,
        trust_domain=TRUST_DOMAIN,
        trust_domain_aliases=("old.example",) if aliases else (),
        path_normalization="MERGE_SLASHES",
    )

    def document(exhaustive: bool) -> dict[str, Any]:
        matrix = access_matrix(
            objects,
            intent,
            issuers,
            mesh,
            ingress_namespace=INGRESS_NAMESPACE,
            exhaustive=exhaustive,
        )
        out = matrix.to_dict("random")
        del out["simulated"]  # the only figure allowed to differ
        return out

    assert document(exhaustive=False) == document(exhaustive=True)
