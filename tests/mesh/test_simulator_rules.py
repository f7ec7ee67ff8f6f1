"""`port_rules`: a policy's rules on one workload port, port checks answered once, match what
the policy matches on that port."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from meshward.mesh.simulation import MeshSettings
from meshward.mesh.simulation.attributes import Attributes
from meshward.mesh.simulation.rules import CompiledPolicy, compile_policy, port_rules, rule_matches
from meshward.mesh.simulation.scope import describe
from tests.mesh.simulator_support import ORDERS, ap

_PEER = "spiffe://" + ORDERS
_SOURCES: tuple[dict[str, Any], ...] = (
    {"principals": [ORDERS]},
    {"notPrincipals": ["*"]},
    {"namespaces": ["orders"], "ipBlocks": ["10.0.0.0/8"]},
)
_OPERATIONS: tuple[dict[str, Any], ...] = (
    {"ports": ["8080"]},
    {"notPorts": ["8080"]},
    {"ports": ["8080", "9090"], "methods": ["GET"]},
    {"paths": ["/api/*"], "ports": ["9090"]},
    {"methods": ["POST"]},
    {"ports": ["not-a-port"]},
)
_CONDITIONS: tuple[dict[str, Any], ...] = (
    {"key": "destination.port", "values": ["9090"]},
    {"key": "destination.port", "notValues": ["8080"]},
    {"key": "request.headers[x-env]", "values": ["prod"]},
)


@st.composite
def _rules(draw: st.DrawFn) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(0, 3))):
        rule: dict[str, Any] = {}
        if draw(st.booleans()):
            rule["from"] = [{"source": s} for s in draw(st.lists(st.sampled_from(_SOURCES)))]
        if draw(st.booleans()):
            rule["to"] = [{"operation": o} for o in draw(st.lists(st.sampled_from(_OPERATIONS)))]
        if draw(st.booleans()):
            rule["when"] = draw(st.lists(st.sampled_from(_CONDITIONS), max_size=2))
        rules.append(rule)
    return rules


def _policy(action: str, rules: list[dict[str, Any]]) -> CompiledPolicy:
    ref = describe(ap(action=action, rules=rules), 0)
    assert ref is not None
    return compile_policy(ref, MeshSettings())


def _on_port(policy: CompiledPolicy, attrs: Attributes) -> bool:
    rules = port_rules(policy, attrs.tcp, attrs.destination_port)
    return any(rule_matches(rule, attrs) for rule in rules)


@settings(max_examples=400, derandomize=True, database=None)
@given(
    action=st.sampled_from(("ALLOW", "DENY")),
    rules=_rules(),
    tcp=st.booleans(),
    port=st.sampled_from((80, 8080, 9090)),
    peer=st.sampled_from((None, _PEER, "spiffe://cluster.local/ns/web/sa/web")),
    method=st.sampled_from(("GET", "POST")),
    path=st.sampled_from(("/api/x", "/")),
    env=st.sampled_from(({}, {"x-env": "prod"})),
)
def test_port_rules_match_what_the_policy_matches_on_that_port(
    action: str,
    rules: list[dict[str, Any]],
    tcp: bool,
    port: int,
    peer: str | None,
    method: str,
    path: str,
    env: dict[str, str],
) -> None:
    policy = _policy(action, rules)
    http: dict[str, Any] = {} if tcp else {"method": method, "path": path, "headers": env}
    attrs = Attributes(tcp, port, peer, **http)
    assert _on_port(policy, attrs) == policy.matches(attrs)


def test_port_rules_drop_rules_for_other_ports_and_answer_the_port_checks() -> None:
    policy = _policy(
        "ALLOW",
        [
            {"to": [{"operation": {"ports": ["8080"]}}]},
            {"to": [{"operation": {"ports": ["9090"], "methods": ["GET"]}}]},
        ],
    )
    (on_8080,) = port_rules(policy, False, 8080)
    assert on_8080.operations is None  # the only check was the port: any operation
    (on_9090,) = port_rules(policy, False, 9090)
    assert on_9090.operations is not None
    assert [check.kind for (entry,) in [on_9090.operations] for *_, check in entry] == ["method"]
    assert port_rules(policy, False, 80) == ()


def test_port_rules_keep_an_unmatchable_rule_out_and_an_untranslatable_one_as_the_policy_does() -> (
    None
):
    bad_port = [{"to": [{"operation": {"ports": ["not-a-port"]}}]}]
    # ALLOW drops a rule with an untranslatable field; DENY ignores only that field.
    assert port_rules(_policy("ALLOW", bad_port), False, 8080) == ()
    (deny,) = port_rules(_policy("DENY", bad_port), False, 8080)
    assert rule_matches(deny, Attributes(False, 8080))
