"""The guardrails of one planned stack: inventory and settings from its config, subjects from its
plan document (the same data `plan.json` and `manifests/` hold)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from meshward.guardrails.index import Inventory, Settings, Workload, WorkloadPort
from meshward.guardrails.runner import Report, manifest_subjects, plan_subjects, run_guardrails

if TYPE_CHECKING:
    from meshward.config import PlatformConfig

PLAN_FILE = "plan.json"
FINDINGS_FILE = "findings.json"


def stack_inventory(cfg: PlatformConfig) -> Inventory:
    """What the stack declares: its namespaces, workloads (ports with protocols) and gateways."""
    workloads = tuple(
        Workload(
            w.namespace,
            w.name,
            w.sa,
            dict(w.selector),
            tuple(WorkloadPort(p.port, "http" if p.is_http else "tcp") for p in w.ports),
        )
        for w in cfg.mesh.workloads
    )
    names = set(cfg.workload_namespaces) | {w.namespace for w in workloads}
    gateways = frozenset({cfg.mesh.ingress_namespace})
    names |= {cfg.mesh.root_namespace, cfg.external_secrets.namespace} | gateways
    return Inventory(
        namespaces=frozenset(names),
        meshed_namespaces=frozenset(cfg.mesh.namespace_names) | {w.namespace for w in workloads},
        workloads=workloads,
        gateway_namespaces=gateways,
    )


def stack_settings(cfg: PlatformConfig, today: date | None = None) -> Settings:
    """Mesh settings the stack installs, its environment and its waivers."""
    from meshward.mesh.access import mesh_settings

    providers = cfg.mesh.mesh_config.get("extensionProviders")
    mesh = replace(
        mesh_settings(cfg),
        extension_providers=frozenset(
            str(p.get("name")) for p in providers if isinstance(p, dict) and p.get("name")
        )
        if isinstance(providers, list)
        else frozenset(),
    )
    return Settings(
        mesh=mesh,
        mesh_config_known=True,
        environment=cfg.environment,
        today=today or datetime.now(UTC).date(),
        waivers=cfg.guardrails.to_waivers(),
    )


def check_plan(
    plan: dict[str, Any],
    kubernetes: list[tuple[dict[str, Any], str]],
    cfg: PlatformConfig,
    plan_text: str | None = None,
    today: date | None = None,
) -> Report:
    """The catalogue over a rendered stack: `kubernetes` are its objects with their manifest
    paths (one document per file), the rest comes from the plan document."""
    subjects = manifest_subjects((obj, path, 1) for obj, path in kubernetes)
    subjects += plan_subjects(plan, PLAN_FILE, plan_text)
    return run_guardrails(
        subjects, inventory=stack_inventory(cfg), settings=stack_settings(cfg, today)
    )
