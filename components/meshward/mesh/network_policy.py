"""Kubernetes NetworkPolicies from the same intent (L3/L4 defence in depth; pure).

For every namespace with `networkPolicies` on:

* `default-deny-ingress` (no pod may receive traffic) when the namespace is also default-deny;
* `<workload>-ingress` for each workload that access rules (or grants on a protected
  workload) target: one ingress rule per rule, from the callers' pods (namespace + pod labels),
  namespaces, the ingress gateway namespace (`ingressGateway`) or IP blocks, to the rule's
  ports (TCP). A rule with only `jwt` admits any caller at L7, so it opens its ports to every
  source here too: these policies are never narrower than the Istio ones.

Ingress only, on purpose: egress needs (istiod on 15012, DNS, JWKS fetches by istiod, the
Kubernetes API) vary per cluster and would break sidecars if guessed wrong. Kubelet health
probes come from the node, which Cilium and Azure NPM always admit; Istio rewrites HTTP probes
to the sidecar's 15020 on the pod itself. Ports not declared on a workload (e.g. a Prometheus
scrape of 15020) stay closed unless an access rule lists them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from meshward.collector import collector_paused
from meshward.mesh.compiler import metadata
from meshward.mesh.intent.models import AccessRule, BreakGlassGrant, MeshIntent, Workload

NAMESPACE_LABEL = "kubernetes.io/metadata.name"


def _namespace(name: str) -> dict[str, Any]:
    return {"namespaceSelector": {"matchLabels": {NAMESPACE_LABEL: name}}}


def _peers(rule: AccessRule, intent: MeshIntent, ingress_namespace: str) -> list[dict[str, Any]]:
    src = rule.from_
    peers: list[dict[str, Any]] = []
    for ref in src.workloads:
        caller = intent.workload(ref)
        assert caller is not None
        peers.append(
            {**_namespace(caller.namespace), "podSelector": {"matchLabels": caller.selector}}
        )
    namespaces = set(src.namespaces) | ({ingress_namespace} if src.ingress_gateway else set())
    peers += [_namespace(n) for n in sorted(namespaces)]
    peers += [{"ipBlock": {"cidr": c}} for c in sorted(set(src.ip_blocks))]
    return peers


def _ingress_rule(
    rule: AccessRule, workload: Workload, intent: MeshIntent, ingress_namespace: str
) -> dict[str, Any]:
    ports = [{"port": p.port, "protocol": "TCP"} for p in intent.target_ports(rule.to, workload)]
    out: dict[str, Any] = {"ports": ports}
    peers = _peers(rule, intent, ingress_namespace)
    if peers:
        out["from"] = peers
    return out


def _policy(name: str, namespace: str, spec: dict[str, Any], sources: list[str]) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata(name, namespace, sources),
        "spec": spec,
    }


@collector_paused()
def compile_network_policies(intent: MeshIntent, *, ingress_namespace: str) -> list[dict[str, Any]]:
    """Every NetworkPolicy for `intent`, sorted by namespace and name."""
    out: list[dict[str, Any]] = []
    for namespace in intent.namespace_names:
        if intent.network_policies_in(namespace) and intent.default_deny_in(namespace):
            out.append(
                _policy(
                    "default-deny-ingress",
                    namespace,
                    {"podSelector": {}, "policyTypes": ["Ingress"]},
                    [f"defaultDeny:{namespace}"],
                )
            )
    for workload in sorted(intent.workloads, key=lambda w: w.ref):
        if not intent.network_policies_in(workload.namespace):
            continue

        access = intent.access_to(workload)
        protected = bool(access) or intent.default_deny_in(workload.namespace)
        grants = intent.grants_to(workload) if protected else []
        rules: list[AccessRule] = [*access, *grants]
        if not rules:
            continue
        ingress = {
            _key(r): r
            for r in (_ingress_rule(rule, workload, intent, ingress_namespace) for rule in rules)
        }
        sources = [
            f"{'breakGlass' if isinstance(r, BreakGlassGrant) else 'access'}:{r.name}"
            for r in rules
        ]
        out.append(
            _policy(
                f"{workload.name}-ingress",
                workload.namespace,
                {
                    "podSelector": {"matchLabels": workload.selector},
                    "policyTypes": ["Ingress"],
                    "ingress": [ingress[k] for k in sorted(ingress)],
                },
                sources,
            )
        )
    return sorted(out, key=lambda o: (o["metadata"]["namespace"], o["metadata"]["name"]))


#: `json.dumps(rule, sort_keys=True)` with the encoder built once (`json.dumps` with
#: arguments builds a new encoder per call).
_key: Callable[[dict[str, Any]], str] = json.JSONEncoder(sort_keys=True).encode
