"""Plan one stack offline: config → mock-engine run → captured registrations."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from meshward.config import PlatformConfig, parse_platform_config
from meshward.engine.access_worker import AccessWorker, worth_a_worker
from meshward.engine.harness import Capture, run_program
from meshward.engine.placeholders import SECRET_PLACEHOLDER
from meshward.engine.plan import (
    PLAN_FILE,
    kubernetes_objects,
    manifest_path,
    plan_document,
    plan_files,
)
from meshward.engine.stackfile import load_stack_file
from meshward.engine.tls_mocks import placeholder_certificate
from meshward.errors import ConfigError, Problem
from meshward.guardrails import Report
from meshward.guardrails.formats import to_json
from meshward.guardrails.stack import FINDINGS_FILE, check_plan
from meshward.mesh.access import (
    AccessMatrix,
    access_files,
    mesh_settings,
    plan_access,
    security_objects,
)
from meshward.phases import phase
from meshward.stack import validated_config

PLATFORM_KEY = "platform"
MESH_SETTINGS_JSON = "mesh-settings.json"
"""The MeshConfig values the access matrix was decided with (`MeshSettings.to_json`)."""


@dataclass(frozen=True)
class PlannedStack:
    """The outcome of running the program for one stack under mocks."""

    capture: Capture
    config: PlatformConfig
    notes: tuple[str, ...]
    """Things the user should know about the run (placeholder secrets)."""
    access_worker: AccessWorker | None = field(default=None, compare=False, repr=False)
    """A worker already holding the config, to decide the access matrix while `render_stack`
    writes the rest (`plan_config(..., access_worker=True)` on a large mesh); None otherwise."""


def plan_config(
    program: Path,
    project: str,
    stack: str,
    config: dict[str, Any],
    encrypted_keys: frozenset[str] = frozenset(),
    *,
    access_worker: bool = False,
) -> PlannedStack:
    """Run `program` with `config` (full keys → values); encrypted or missing secrets become
    placeholders, since nothing can decrypt them offline.

    With `access_worker`, a large mesh's access matrix gets a worker process before the
    program runs (`meshward.engine.access_worker`); `render_stack` then uses and stops it."""
    # Validating first raises the same error the program would, and names the secret keys the
    # program will ask for (`keyVault.seedSecrets`, `monitoring.actionGroup.webhooks`).
    key = f"{project}:{PLATFORM_KEY}"
    if key not in config:
        raise ConfigError([Problem(key, f"missing: the stack config must set `{key}`")])
    raw = config[key]
    with phase("config"):
        cfg = parse_platform_config(raw, root=PLATFORM_KEY)
    values = dict(config)
    secret_keys = set(encrypted_keys)
    notes = [f"{key} is encrypted; planned with a placeholder" for key in sorted(secret_keys)]
    for config_key in cfg.secret_config_keys:
        key = f"{project}:{config_key}"
        if key not in values and key not in secret_keys:
            notes.append(
                f"{key} is not set; planned with a placeholder "
                f"(set it with: pulumi config set --secret {key} <value>)"
            )
        secret_keys.add(key)
    if cfg.certificates.source == "stackSecrets":
        # Certificates get parseable stand-ins, so the plan bundles them like `pulumi up`.
        for role, entry in sorted(cfg.certificates.provided.items()):
            key = f"{project}:{entry.config_key}"
            if key not in values:
                notes.append(f"{key} is unset or encrypted; planned with a placeholder certificate")
                values[key] = placeholder_certificate(role, ca=role == "internalCa")
            secret_keys.add(key)
    for key in secret_keys:
        values.setdefault(key, SECRET_PLACEHOLDER)
    worker = AccessWorker.start(cfg, stack) if access_worker and worth_a_worker(cfg) else None
    try:
        with validated_config(raw, cfg), phase("program"):
            capture = run_program(program, project, stack, values, secret_keys)
    except BaseException:
        if worker is not None:
            worker.close()
        raise
    return PlannedStack(capture, cfg, tuple(notes), worker)


def plan_stack(project_dir: Path, stack: str, *, access_worker: bool = False) -> PlannedStack:
    """Plan `Pulumi.<stack>.yaml` of the project in `project_dir` (`access_worker`: see
    `plan_config`)."""
    sf = load_stack_file(project_dir, stack)
    return plan_config(
        sf.program,
        sf.project,
        sf.stack,
        sf.config,
        sf.encrypted_keys,
        access_worker=access_worker,
    )


@dataclass(frozen=True)
class RenderedStack:
    """Everything `meshward plan` writes and reports for one planned stack."""

    planned: PlannedStack
    plan: dict[str, Any]
    """The `plan.json` document."""
    access: AccessMatrix
    """Who can call what, decided by the simulator over the rendered Istio objects."""
    files: dict[str, str]
    """Output files by relative path: plan.json, manifests/, access.json, access.md,
    mesh-settings.json, findings.json."""
    findings: Report
    """The guardrail catalogue's verdict on the rendered stack."""


def render_stack(
    planned: PlannedStack, write: Callable[[Mapping[str, str]], None] | None = None
) -> RenderedStack:
    """Derive the plan document, the access matrix, the guardrail findings and every output
    file from a run (each step a `meshward.phases` phase). With the run's access worker the
    matrix is decided there while this process renders the other files. Each file is handed
    to `write` (a `StagedTree.add`) once, as soon as it is rendered: most of them before the
    guardrails run."""
    worker = planned.access_worker
    try:
        with phase("plan-document"):
            plan = plan_document(planned.capture)
            objects = kubernetes_objects(plan)
        if worker is not None:
            with phase("access-matrix"):
                worker.submit(security_objects(objects))
        # mesh-settings.json: what `meshward simulate --stack` needs to decide as the matrix did.
        settings = json.dumps(mesh_settings(planned.config).to_json(), indent=2) + "\n"
        with phase("files"):
            files = plan_files(plan, {MESH_SETTINGS_JSON: settings}, objects)
        if write is not None:
            with phase("write"):
                write(files)
        written = set(files)
        with phase("guardrails"):
            findings = check_plan(
                plan,
                [(obj, manifest_path(obj)) for obj in objects],
                planned.config,
                plan_text=files[PLAN_FILE],
            )
            files[FINDINGS_FILE] = to_json(findings, planned.config.guardrails.to_enforcement())
        with phase("access-matrix"):
            decided = worker.result() if worker is not None else None
            if decided is None:
                access = plan_access(objects, planned.config)
                access_texts = access_files(access, planned.capture.stack)
            else:
                access, access_texts = decided
    finally:
        if worker is not None:
            worker.close()
    files.update(access_texts)
    if write is not None:
        with phase("write"):
            write({path: text for path, text in files.items() if path not in written})
    return RenderedStack(planned, plan, access, dict(sorted(files.items())), findings)
