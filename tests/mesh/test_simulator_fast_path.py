"""`Simulator.decide` (no trace) gives the decision `Simulator.evaluate` (traced) gives.

Both run the same steps (`Simulator._decide`, one implementation; `CompiledRule.matches` and
`CompiledRule.evaluate` share the usable-checks plan and the per-entry matching): the fast path
only skips the explanation and stops at the first deciding policy. Here they must agree on
decision, status, deciding policy and reason for random requests over random meshes: the
compiler proof's random intents compiled with the real compiler, plus raw policies of every
action (CUSTOM, AUDIT, DENY, ALLOW, dry-run, no rules, unsupported and malformed `when` keys,
untranslatable values, HTTP-only fields that a TCP connection drops), PeerAuthentications and
RequestAuthentications; requests from the proof's strategies with headers, CORS preflights and
ext-authz answers added. Every hand-written simulator test checks the same through
`tests/mesh/simulator_support.decide`.

Hypothesis profile: 150 meshes of 10–30 requests (`MESHWARD_PROPERTY_EXAMPLES=N` for
more), `derandomize=True`, `deadline=None`.
"""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from meshward.mesh.simulation import Call, MeshSettings, Request, Simulator
from tests.mesh.intent_oracle import TRUST_DOMAIN
from tests.mesh.simulator_support import ISSUER, JWT_RULE
from tests.mesh.test_access_property import raw_policies
from tests.mesh.test_compiler_property import (
    ROOT_NAMESPACE,
    aimed_requests,
    compiled,
    intents,
    requests,
)

PROFILE = settings(
    max_examples=int(os.environ.get("MESHWARD_PROPERTY_EXAMPLES", "150")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    database=None,
)
RULES: tuple[dict[str, Any], ...] = (
    {},
    {"to": [{"operation": {"methods": ["GET"], "paths": ["/api/*"]}}]},
    {"to": [{"operation": {"notMethods": ["DELETE"], "hosts": ["shop.example"]}}]},
    {"to": [{"operation": {"ports": ["8080"]}}, {"operation": {"paths": ["/admin*"]}}]},
    {"from": [{"source": {"requestPrincipals": [f"{ISSUER}/*"]}}]},
    {"from": [{"source": {"notPrincipals": ["*"]}}]},
    {"from": [{"source": {"ipBlocks": ["not-an-address"]}}]},
    {"when": [{"key": "request.headers[X-Env]", "values": ["prod"]}]},
    {"when": [{"key": "request.headers[", "values": ["x"]}]},
    {"when": [{"key": "request.auth.claims[groups]", "values": ["admins"]}]},
    {"when": [{"key": "no.such.key", "values": ["x"]}]},
    {"when": [{"key": "destination.port", "notValues": ["9090"]}]},
    {
        "from": [{"source": {"namespaces": ["alpha"]}}],
        "to": [{"operation": {"methods": ["POST"]}}],
        "when": [{"key": "source.ip", "values": ["10.1.0.0/16"]}],
    },
)


@st.composite
def odd_objects(draw: st.DrawFn, namespaces: list[str]) -> list[dict[str, Any]]:
    """0–4 policies of every action and form, plus mTLS modes and token rules."""
    out: list[dict[str, Any]] = []
    for i in range(draw(st.integers(0, 4))):
        action = draw(st.sampled_from(("ALLOW", "DENY", "AUDIT", "CUSTOM")))
        spec: dict[str, Any] = {"action": action}
        if action == "CUSTOM":
            spec["provider"] = {"name": draw(st.sampled_from(("ext-authz", "opa")))}
        if draw(st.integers(0, 5)):
            spec["rules"] = draw(st.lists(st.sampled_from(RULES), min_size=1, max_size=2))
        if draw(st.booleans()):
            spec["selector"] = {"matchLabels": {"app": draw(st.sampled_from(("api", "db", "web")))}}
        metadata: dict[str, Any] = {
            "name": f"odd-{i}",
            "namespace": draw(st.sampled_from(namespaces)),
        }
        if draw(st.integers(0, 4)) == 0:
            metadata["annotations"] = {"istio.io/dry-run": "true"}
        out.append(
            {
                "apiVersion": "security.istio.io/v1",
                "kind": "AuthorizationPolicy",
                "metadata": metadata,
                "spec": spec,
            }
        )
    if draw(st.booleans()):
        mode = draw(st.sampled_from(("STRICT", "PERMISSIVE", "DISABLE")))
        spec = {"mtls": {"mode": mode}, "selector": {"matchLabels": {"app": "api"}}}
        if draw(st.booleans()):
            spec["portLevelMtls"] = {"8080": {"mode": "DISABLE"}}
        out.append(_object("PeerAuthentication", "pa", draw(st.sampled_from(namespaces)), spec))
    if draw(st.booleans()):
        rule: dict[str, Any] = dict(JWT_RULE)
        if draw(st.booleans()):
            rule["audiences"] = ["api://mesh"]
        if draw(st.booleans()):
            rule["fromHeaders"] = [{"name": "X-Token", "prefix": "Token "}]
        spec = {"jwtRules": [rule]}
        out.append(_object("RequestAuthentication", "ra", draw(st.sampled_from(namespaces)), spec))
    return out


def _object(kind: str, name: str, namespace: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "security.istio.io/v1",
        "kind": kind,
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


@st.composite
def varied(draw: st.DrawFn, request: Request) -> Request:
    """`request` with headers, a CORS preflight, an ext-authz answer or another token."""
    if request.protocol == "TCP":
        return request
    body = request.model_dump(by_alias=True, exclude_none=True)
    choice = draw(st.integers(0, 5))
    if choice == 0:
        body["headers"] = {"X-Env": draw(st.sampled_from(("prod", "dev")))}
    elif choice == 1:
        body["method"] = "OPTIONS"
        body["headers"] = {"Origin": "https://a.example", "Access-Control-Request-Method": "GET"}
    elif choice == 2:
        body["customProviderDecision"] = draw(st.sampled_from(("ALLOW", "DENY")))
    elif choice == 3:
        claims: dict[str, Any] = {"iss": ISSUER, "sub": "alice"}
        if draw(st.booleans()):
            claims["groups"] = ["admins"]
        if draw(st.booleans()):
            claims["aud"] = "api://mesh"
        where = draw(
            st.sampled_from(({}, {"header": "X-Token", "prefix": "Token "}, {"header": "X-Token"}))
        )
        body["jwt"] = {**where, "claims": claims, "expired": draw(st.booleans())}
    return Request.model_validate(body)


@PROFILE
@given(data=st.data(), spec=intents(), aliases=st.booleans())
def test_decide_agrees_with_evaluate_on_every_request(
    data: st.DataObject, spec: tuple[dict[str, Any], list[dict[str, Any]]], aliases: bool
) -> None:
    result = compiled(*spec)
    assume(result is not None)
    assert result is not None
    intent, issuers, objects = result
    spaces = sorted({w.namespace for w in intent.workloads} | {ROOT_NAMESPACE})
    objects = [*objects, *data.draw(raw_policies(spaces)), *data.draw(odd_objects(spaces))]
    mesh = MeshSettings(
        root_namespace=ROOT_NAMESPACE,
        trust_domain=TRUST_DOMAIN,
        trust_domain_aliases=("old.example",) if aliases else (),
        extension_providers=data.draw(st.sampled_from((None, frozenset({"ext-authz"})))),
        path_normalization="MERGE_SLASHES",
    )
    simulator = Simulator(objects, mesh)
    either = st.one_of(requests(intent, issuers), aimed_requests(intent, issuers))
    batch = data.draw(st.lists(either.flatmap(varied), min_size=10, max_size=30))
    for request in batch:
        traced = simulator.evaluate(request).to_dict()
        assert simulator.decide(request).to_dict() == traced, request
        # Twice: the untraced path remembers token outcomes per workload.
        assert simulator.decide_call(Call.of(request)).to_dict() == traced, request
