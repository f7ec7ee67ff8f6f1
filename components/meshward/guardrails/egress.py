"""Egress guardrails (MW16x): in prod the sidecars may reach only registered hosts, and no
ServiceEntry opens an external host to every namespace."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import yaml

from meshward.guardrails.index import Index, is_mesh_configmap
from meshward.guardrails.model import Hit, Severity, rule
from meshward.mesh.simulation.scope import as_mapping

EGRESS_DOC = (
    "Istio security best practices, egress (istio.io/latest/docs/ops/best-practices/security); "
    "ServiceEntry reference, exportTo (istio.io/latest/docs/reference/config/networking/"
    "service-entry)"
)


def _outbound_mode(mesh: Mapping[str, Any]) -> str:
    # Istio's default outboundTrafficPolicy is ALLOW_ANY.
    return str(as_mapping(mesh.get("outboundTrafficPolicy")).get("mode") or "ALLOW_ANY")


@rule(
    "MW160",
    Severity.ERROR,
    title="Mesh egress open: outboundTrafficPolicy ALLOW_ANY (prod)",
    rationale="With ALLOW_ANY (Istio's default) a sidecar passes traffic to any host that is "
    "not in Istio's registry, so a compromised workload can reach and exfiltrate anywhere "
    f"({EGRESS_DOC}).",
    fix="Set MeshConfig `outboundTrafficPolicy.mode: REGISTRY_ONLY` "
    "(`mesh.egress.outboundTrafficPolicy`) and register the allowed hosts as ServiceEntries.",
    context=True,
    environments=("prod",),
)
def egress_allow_any(index: Index) -> Iterator[Hit]:
    for s in index.of_kind("ConfigMap"):
        if not is_mesh_configmap(s.doc):
            continue
        try:
            mesh = as_mapping(yaml.safe_load(str(as_mapping(s.doc.get("data")).get("mesh"))))
        except yaml.YAMLError:
            continue
        mode = _outbound_mode(mesh)
        if mode != "REGISTRY_ONLY":
            yield Hit(s, "data.mesh.outboundTrafficPolicy.mode", f"egress is {mode}")
    for s in index.of_kind("HelmChart"):
        if s.doc.get("chart") != "istiod":
            continue
        mode = _outbound_mode(as_mapping(as_mapping(s.doc.get("values")).get("meshConfig")))
        if mode != "REGISTRY_ONLY":
            yield Hit(s, "values.meshConfig.outboundTrafficPolicy.mode", f"egress is {mode}")


@rule(
    "MW161",
    Severity.WARNING,
    title="ServiceEntry visible to every namespace",
    rationale="A ServiceEntry without `exportTo` (Istio's default exports to all namespaces) or "
    "with `*` lets every namespace's sidecars reach the external host, which turns a "
    f"REGISTRY_ONLY allow-list back into a mesh-wide one ({EGRESS_DOC}).",
    fix="List the namespaces that may call the host in `exportTo` (`.` for its own).",
)
def service_entry_everywhere(index: Index) -> Iterator[Hit]:
    for s in index.of_kind("ServiceEntry"):
        export = as_mapping(s.doc.get("spec")).get("exportTo")
        if not export:
            yield Hit(s, "spec.exportTo", "no exportTo: visible to every namespace")
        elif isinstance(export, list) and "*" in export:
            yield Hit(s, f"spec.exportTo[{export.index('*')}]", "exported to every namespace")
