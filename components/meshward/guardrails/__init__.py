"""Guardrails as code: one catalogue of rules over plain data, run by `meshward check`,
`meshward plan` and the CrossGuard pack in `policies/`.

Every rule is a pure function of an `Index` (the input's objects indexed once, the mesh
settings and the inventory of namespaces, workloads and Services) that yields `Hit`s; the runner
adds the rule's id and severity, applies waivers and sorts. Families: `mtls` (MW10x),
`authorization` (MW11x-MW12x), `jwt` (MW13x), `identity` (MW14x), `inventory` (MW15x),
`egress` (MW16x), `azure` (MW2xx) and `waivers` (MW001). `RULES` holds the metadata (title,
rationale with its source, fix, the peer checks each rule covers) that the docs table is
generated from.
"""

from __future__ import annotations

# Importing the families registers their rules, in this order.
from meshward.guardrails import (  # noqa: F401
    authorization,
    azure,
    egress,
    identity,
    inventory,
    jwt,
    mtls,
    waivers,
)
from meshward.guardrails.index import (
    Index,
    Inventory,
    Service,
    ServicePort,
    Settings,
    Workload,
    WorkloadPort,
    inventory_from,
)
from meshward.guardrails.model import RULES, Finding, Hit, Rule, Severity, Subject
from meshward.guardrails.runner import (
    Report,
    manifest_subjects,
    plan_subjects,
    run_guardrails,
    settings_for,
)
from meshward.guardrails.waivers import Enforcement, Waiver

__all__ = [
    "RULES",
    "Enforcement",
    "Finding",
    "Hit",
    "Index",
    "Inventory",
    "Report",
    "Rule",
    "Service",
    "ServicePort",
    "Settings",
    "Severity",
    "Subject",
    "Waiver",
    "Workload",
    "WorkloadPort",
    "inventory_from",
    "manifest_subjects",
    "plan_subjects",
    "run_guardrails",
    "settings_for",
]
