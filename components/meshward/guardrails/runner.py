"""Run the catalogue: index the input once, call every applicable rule, apply waivers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from meshward.guardrails.index import (
    Index,
    Inventory,
    Settings,
    inventory_from,
    is_mesh_configmap,
    mesh_settings_from,
    subject_of,
)
from meshward.guardrails.model import RULES, Finding, Rule, Severity, Subject
from meshward.guardrails.waivers import Enforcement, Waiver

_SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


@dataclass(frozen=True)
class Report:
    """The outcome of one run."""

    findings: tuple[Finding, ...]
    waivers: tuple[tuple[Waiver, int], ...]
    """Every waiver with the number of findings it covered (0: unused)."""
    rules_run: tuple[str, ...]
    rules_skipped: tuple[str, ...]
    """Rules limited to other environments."""

    def blocking(self, enforcement: Enforcement | None = None) -> list[Finding]:
        """Unwaived errors of mandatory rules (every rule is mandatory without `enforcement`)."""
        return [
            f
            for f in self.findings
            if f.blocking and (enforcement is None or enforcement.mode(f.rule) == "mandatory")
        ]

    def counts(self) -> dict[str, int]:
        """Findings per severity, waived ones apart."""
        out = {"error": 0, "warning": 0, "info": 0, "waived": 0}
        for f in self.findings:
            out["waived" if f.waiver else f.severity.value] += 1
        return out

    def to_dict(self, enforcement: Enforcement | None = None) -> dict[str, Any]:
        """The `findings.json` document."""
        return {
            "rules": len(self.rules_run),
            "rulesSkipped": list(self.rules_skipped),
            "counts": self.counts(),
            "blocking": len(self.blocking(enforcement)),
            "findings": [
                {
                    **f.to_dict(),
                    "enforcement": enforcement.mode(f.rule) if enforcement else "mandatory",
                }
                for f in self.findings
            ],
            "waivers": [
                {
                    "rule": w.rule,
                    "object": w.object,
                    "reason": w.reason,
                    "expires": w.expires.isoformat(),
                    "covered": used,
                }
                for w, used in self.waivers
            ],
        }


def settings_for(subjects: Iterable[Subject], base: Settings | None = None) -> Settings:
    """`base` with the mesh config of the input's `istio` ConfigMap, when there is one."""
    settings = base or Settings()
    for s in subjects:
        if is_mesh_configmap(s.doc):
            return replace(
                settings, mesh=mesh_settings_from(s.doc, settings.mesh), mesh_config_known=True
            )
    return settings


def applicable(rule: Rule, settings: Settings) -> bool:
    """Whether `rule` runs in this environment."""
    return rule.environments is None or settings.environment in rule.environments


def run_guardrails(
    subjects: Sequence[Subject],
    *,
    inventory: Inventory | None = None,
    settings: Settings | None = None,
    select: Callable[[Rule], bool] | None = None,
) -> Report:
    """Every applicable rule over `subjects`. The inventory defaults to what the input's
    Namespaces, Services and workloads tell; settings to the input's mesh config."""
    settings = settings_for(subjects, settings)
    index = Index(subjects, inventory or inventory_from(subjects), settings)
    waivers = settings.waivers
    by_rule: dict[str, list[int]] = defaultdict(list)
    for i, w in enumerate(waivers):
        by_rule[w.rule].append(i)
    used = [0] * len(waivers)
    findings: list[Finding] = []
    run: list[str] = []
    skipped: list[str] = []
    for rule in RULES.values():
        if select is not None and not select(rule):
            continue
        if not applicable(rule, settings):
            skipped.append(rule.id)
            continue
        run.append(rule.id)
        for hit in rule.check(index):
            ref = hit.subject.ref
            waiver = None
            for i in by_rule.get(rule.id, ()):
                w = waivers[i]
                if w.covers(rule.id, ref) and not w.expired(settings.today):
                    used[i] += 1
                    waiver = w.describe()
                    break
            findings.append(
                Finding(
                    rule.id,
                    rule.severity,
                    ref,
                    hit.path,
                    hit.message,
                    hit.subject.file,
                    hit.subject.line,
                    waiver,
                )
            )
    findings.sort(
        key=lambda f: (f.file or "~", f.line, f.ref, _SEVERITY_ORDER[f.severity], f.rule, f.path)
    )
    return Report(
        tuple(findings), tuple(zip(waivers, used, strict=True)), tuple(run), tuple(skipped)
    )


def manifest_subjects(
    objects: Iterable[tuple[Mapping[str, Any], str | None, int]],
) -> list[Subject]:
    """Subjects from (manifest dict, file, first line) triples."""
    return [subject_of(doc, file, line) for doc, file, line in objects]


def plan_subjects(
    plan: Mapping[str, Any], plan_file: str | None = None, plan_text: str | None = None
) -> list[Subject]:
    """The plan's cloud resources (every custom resource that is not a Kubernetes object or a
    provider) as subjects, located in `plan_file` when its text is given."""
    lines = plan_resource_lines(plan_text) if plan_text is not None else {}
    out = []
    for position, resource in enumerate(plan.get("resources") or []):
        if not isinstance(resource, Mapping):
            continue
        kind = str(resource.get("type", ""))
        if not resource.get("custom") or kind.startswith(("kubernetes:", "pulumi:")):
            continue
        name = str(resource.get("name"))
        line = lines.get(position, 0)
        out.append(Subject(kind.rsplit(":", 1)[-1], None, name, resource, plan_file, line))
    return out


_ENTRY = "    {"
"""The line that opens an entry of the top-level `resources` list (`indent=2`)."""
_OTHER_LINE_BREAKS = ("\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")
"""Where `str.splitlines` breaks a line besides `\\n`. `json.dumps` escapes them all, so
meshward's own plan.json has none; a plan.json edited elsewhere (CRLF) may."""


def plan_resource_lines(plan_text: str) -> dict[int, int]:
    """Resource position → first line of its entry in `plan.json` as meshward writes it
    (`indent=2`: each entry of the top-level `resources` list opens with a `    {` line)."""
    if any(brk in plan_text for brk in _OTHER_LINE_BREAKS):
        lines: dict[int, int] = {}
        for number, line in enumerate(plan_text.splitlines(), start=1):
            if line == _ENTRY:
                lines[len(lines)] = number
        return lines
    return newline_entry_lines(plan_text)


def newline_entry_lines(text: str) -> dict[int, int]:
    """`plan_resource_lines` of a text whose only line break is `\\n`, found by searching
    instead of splitting: a large plan.json has hundreds of thousands of lines, and counting
    the breaks between the entries is done in C."""
    lines: dict[int, int] = {}
    line, counted = 1, 0
    at = 0 if text.startswith(_ENTRY) else text.find("\n" + _ENTRY)
    while at != -1:
        start = at + 1 if text[at] == "\n" else at
        end = start + len(_ENTRY)
        if end == len(text) or text[end] == "\n":
            line += text.count("\n", counted, start)
            counted = start
            lines[len(lines)] = line
        at = text.find("\n" + _ENTRY, end)
    return lines
