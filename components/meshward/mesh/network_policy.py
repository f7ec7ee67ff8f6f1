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

from collections.abc import Callable
from typing import Any

from meshward.collector import collector_paused
from meshward.mesh.compiler import metadata, sorted_json_encoder
from meshward.mesh.intent.models import AccessRule, BreakGlassGrant, MeshIntent, Workload

NAMESPACE_LABEL = "kubernetes.io/metadata.name"


def _namespace(name: str) -> dict[str, Any]:
    return {"namespaceSelector": {"matchLabels": {NAMESPACE_LABEL: name}}}


class _IngressRules:
    """Ingress rules, each with the text it is ordered and deduplicated by:
    `json.dumps(rule, sort_keys=True)`, put together from the texts of its peers and ports,
    each encoded once per distinct peer or port (encoding every whole rule was about a third
    of this step at 5,000 workloads). `tests/mesh/test_network_policy.py` holds the text to
    `json.dumps`."""

    def __init__(self, intent: MeshIntent, ingress_namespace: str) -> None:
        self.intent = intent
        self.ingress_namespace = ingress_namespace
        self._texts: dict[tuple[str, Any], str] = {}
        self._callers: dict[str, tuple[str, dict[str, str], str]] = {}

    def _text(self, key: tuple[str, Any], value: dict[str, Any]) -> str:
        text = self._texts.get(key)
        if text is None:
            text = self._texts[key] = _key(value)
        return text

    def _caller(self, ref: str) -> tuple[str, dict[str, str], str]:
        """A calling workload's namespace, pod labels and peer text, worked out once (each
        caller is named by about two rules; every peer gets its own copy of the labels)."""
        found = self._callers.get(ref)
        if found is None:
            caller = self.intent.workload(ref)
            assert caller is not None
            selector = caller.selector
            peer = {**_namespace(caller.namespace), "podSelector": {"matchLabels": selector}}
            found = self._callers[ref] = (caller.namespace, selector, _key(peer))
        return found

    def rule(self, rule: AccessRule, workload: Workload) -> tuple[dict[str, Any], str]:
        """The ingress rule admitting `rule`'s callers to `workload`, and its text."""
        src = rule.from_
        peers: list[dict[str, Any]] = []
        texts: list[str] = []
        for ref in src.workloads:
            namespace, selector, text = self._caller(ref)
            peers.append({**_namespace(namespace), "podSelector": {"matchLabels": dict(selector)}})
            texts.append(text)
        if src.namespaces or src.ingress_gateway:
            namespaces = set(src.namespaces)
            if src.ingress_gateway:
                namespaces.add(self.ingress_namespace)
            for name in sorted(namespaces):
                peers.append(_namespace(name))
                texts.append(self._text(("namespace", name), peers[-1]))
        if src.ip_blocks:
            for cidr in sorted(set(src.ip_blocks)):
                peers.append({"ipBlock": {"cidr": cidr}})
                texts.append(self._text(("ipBlock", cidr), peers[-1]))
        ports = []
        port_texts = []
        for p in self.intent.target_ports(rule.to, workload):
            ports.append({"port": p.port, "protocol": "TCP"})
            port_texts.append(self._text(("port", p.port), ports[-1]))
        out: dict[str, Any] = {"ports": ports}
        listed = f'"ports": [{", ".join(port_texts)}]'
        if not peers:
            return out, f"{{{listed}}}"
        out["from"] = peers
        return out, f'{{"from": [{", ".join(texts)}], {listed}}}'


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
    ingress_rules = _IngressRules(intent, ingress_namespace)
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
        ingress: dict[str, dict[str, Any]] = {}
        for rule in rules:
            built, text = ingress_rules.rule(rule, workload)
            ingress[text] = built
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


#: `json.dumps(rule, sort_keys=True)`.
_key: Callable[[dict[str, Any]], str] = sorted_json_encoder(", ", ": ")
