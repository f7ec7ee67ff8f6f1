"""The catalogue as a Pulumi CrossGuard pack: one policy per rule, no logic of its own.

Rules that need only their object run as resource policies (every Kubernetes object or cloud
resource, one at a time); rules that need context (other objects, the mesh config, inventory)
run as stack policies over every resource. Either way the policy converts what Pulumi passes
into the plain data `meshward plan` uses (a manifest dict, or a plan resource) and calls the
runner with that one rule. Enforcement is per stack, from the policy-pack config file
(`policies/<stack>.json`); waivers are config of the rule's policy (`{"waivers": [...]}`).
`pulumi_policy` is imported only here, so the rest of meshward does not need it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import date
from typing import Any

from meshward.guardrails.index import Settings
from meshward.guardrails.model import RULES, Rule, Severity, Subject
from meshward.guardrails.runner import manifest_subjects, plan_subjects, run_guardrails
from meshward.guardrails.waivers import Waiver

PACK_NAME = "meshward-guardrails"
WAIVER_SCHEMA: dict[str, Any] = {
    "waivers": {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "object": {"type": "string"},
                "reason": {"type": "string", "minLength": 10},
                "expires": {"type": "string", "format": "date"},
            },
            "required": ["object", "reason", "expires"],
        },
    }
}
_SEVERITY = {Severity.ERROR: "high", Severity.WARNING: "medium", Severity.INFO: "low"}


def resource_document(
    resource_type: str,
    props: Mapping[str, Any],
    name: str,
    urn: str,
    protect: bool,
    dependencies: Iterable[str] = (),
) -> tuple[str, dict[str, Any]]:
    """(`manifest` or `resource`, plain data) for what CrossGuard passes about one resource."""
    if resource_type.startswith("kubernetes:") and not resource_type.startswith(
        "kubernetes:helm.sh"
    ):
        _, api_version, kind = resource_type.split(":", 2)
        doc = dict(props)
        doc.setdefault("apiVersion", api_version.replace("core/v1", "v1"))
        doc.setdefault("kind", kind)
        metadata = dict(doc.get("metadata") or {})
        metadata.setdefault("name", name)
        doc["metadata"] = metadata
        return "manifest", doc
    return "resource", {
        "urn": urn,
        "type": resource_type,
        "name": name,
        "custom": True,
        "protect": protect,
        "dependencies": list(dependencies),
        "inputs": dict(props),
    }


def subjects_of(documents: Iterable[tuple[str, dict[str, Any]]]) -> list[Subject]:
    """Subjects from `resource_document` results."""
    docs = list(documents)
    manifests = manifest_subjects((d, None, 0) for kind, d in docs if kind == "manifest")
    resources = plan_subjects({"resources": [d for kind, d in docs if kind == "resource"]})
    return manifests + resources


def waivers_from(rule_id: str, config: Mapping[str, Any] | None) -> tuple[Waiver, ...]:
    """The waivers in a policy's config (`{"waivers": [{object, reason, expires}]}`)."""
    raw = (config or {}).get("waivers") or []
    return tuple(
        Waiver(
            rule_id,
            str(w["object"]),
            str(w["reason"]),
            date.fromisoformat(str(w["expires"])),
            f"policy config {rule_id}.waivers[{i}]",
        )
        for i, w in enumerate(raw)
    )


def violations(
    rule: Rule,
    subjects: list[Subject],
    config: Mapping[str, Any] | None,
    today: date | None = None,
) -> list[str]:
    """Messages of the rule's unwaived findings (what the policy reports)."""
    environment = rule.environments[0] if rule.environments else None
    settings = Settings(environment=environment, waivers=waivers_from(rule.id, config))
    if today is not None:
        settings = replace(settings, today=today)
    report = run_guardrails(subjects, settings=settings, select=lambda r: r.id == rule.id)
    return [f"{f.ref}: {f.path}: {f.message}" for f in report.findings if f.waiver is None]


def _resource_validate(rule: Rule) -> Callable[[Any, Callable[..., None]], None]:
    def validate(args: Any, report_violation: Callable[..., None]) -> None:
        opts = getattr(args, "opts", None)
        doc = resource_document(
            args.resource_type,
            args.props,
            args.name,
            args.urn,
            bool(getattr(opts, "protect", False)),
        )
        for message in violations(rule, subjects_of([doc]), args.get_config()):
            report_violation(message, args.urn)

    return validate


def _stack_validate(rule: Rule) -> Callable[[Any, Callable[..., None]], None]:
    def validate(args: Any, report_violation: Callable[..., None]) -> None:
        docs = [
            resource_document(
                r.resource_type,
                r.props,
                r.name,
                r.urn,
                bool(getattr(r.opts, "protect", False)),
                [d.urn for d in r.dependencies],
            )
            for r in args.resources
            if not r.resource_type.startswith("pulumi:")
        ]
        for message in violations(rule, subjects_of(docs), args.get_config()):
            report_violation(message, None)

    return validate


def policies() -> list[Any]:
    """One CrossGuard policy per rule, named by its id."""
    from pulumi_policy import (
        PolicyConfigSchema,
        ResourceValidationPolicy,
        StackValidationPolicy,
    )
    from pulumi_policy import (
        Severity as PolicySeverity,
    )

    out: list[Any] = []
    for rule in sorted(RULES.values(), key=lambda r: r.id):
        if rule.id == "MW001":
            continue  # waivers live in the pack config; an expired one simply stops applying
        common = {
            "name": rule.id,
            "description": f"{rule.title}. Fix: {rule.fix}",
            "config_schema": PolicyConfigSchema(properties=WAIVER_SCHEMA),
            "severity": getattr(PolicySeverity, _SEVERITY[rule.severity].upper()),
            "remediation_steps": rule.fix,
        }
        if rule.context:
            out.append(StackValidationPolicy(validate=_stack_validate(rule), **common))
        else:
            out.append(ResourceValidationPolicy(validate=_resource_validate(rule), **common))
    return out


def pack_config(
    environment: str, enforcement: str, overrides: Mapping[str, str], waivers: Iterable[Waiver]
) -> dict[str, Any]:
    """The policy-pack config file of one stack (`policies/<stack>.json`): the stack's
    enforcement for every rule, rules of other environments disabled, and its waivers."""
    config: dict[str, Any] = {"all": enforcement}
    by_rule: dict[str, list[dict[str, str]]] = {}
    for w in waivers:
        by_rule.setdefault(w.rule, []).append(
            {"object": w.object, "reason": w.reason, "expires": w.expires.isoformat()}
        )
    for rule in sorted(RULES.values(), key=lambda r: r.id):
        if rule.id == "MW001":
            continue
        level = overrides.get(rule.id, enforcement)
        if rule.environments is not None and environment not in rule.environments:
            level = "disabled"
        if level != enforcement or rule.id in by_rule:
            entry: dict[str, Any] = {"enforcementLevel": level}
            if rule.id in by_rule:
                entry["waivers"] = by_rule[rule.id]
            config[rule.id] = entry
    return config


def stack_pack_config(project_dir: Any, stack: str) -> str:
    """`policies/<stack>.json` for the stack file `Pulumi.<stack>.yaml` in `project_dir`."""
    import json

    from meshward.config import parse_platform_config
    from meshward.engine.stackfile import load_stack_file

    sf = load_stack_file(project_dir, stack)
    cfg = parse_platform_config(sf.config.get(f"{sf.project}:platform"))
    guard = cfg.guardrails
    config = pack_config(cfg.environment, guard.enforcement, guard.rules, guard.to_waivers())
    return json.dumps(config, indent=2, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    """`python -m meshward.guardrails.crossguard DIR STACK...` writes `DIR/<stack>.json`."""
    from pathlib import Path

    out, *stacks = argv
    for stack in stacks:
        Path(out, f"{stack}.json").write_text(stack_pack_config(Path(), stack), encoding="utf-8")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
