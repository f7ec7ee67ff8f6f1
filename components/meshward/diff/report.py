"""The diff of one stack as the issue's JSON document and as markdown for a PR comment."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from meshward.diff.access import AccessDiff, access_diff
from meshward.diff.findings import FindingsDiff, findings_diff, waiver_until
from meshward.diff.folder import PlanFolder
from meshward.diff.resources import ResourceDiff, resource_diff
from meshward.mesh.access import Edge, paths_text

COMMENT_MARKER = "<!-- meshward-diff:{stack} -->"
"""First line of the markdown, so CI can find and edit its own PR comment per stack."""


@dataclass(frozen=True)
class StackDiff:
    """Everything that changes between two plans of one stack."""

    stack: str
    resources: ResourceDiff
    access: AccessDiff
    findings: FindingsDiff

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (exactly the keys the issue fixes)."""
        return {
            "stack": self.stack,
            "resources": self.resources.to_dict(),
            "access": self.access.to_dict(),
            "findings": self.findings.to_dict(),
        }

    def to_json(self) -> str:
        """Deterministic JSON text."""
        return json.dumps(self.to_dict(), indent=2) + "\n"

    @property
    def access_widened(self) -> bool:
        """Whether any atom is newly allowed."""
        return bool(self.access.gained)


def diff_plans(base: PlanFolder, head: PlanFolder, stack: str, today: dt.date) -> StackDiff:
    """Compare two plan folders of `stack`."""
    return StackDiff(
        stack=stack,
        resources=resource_diff(base.plan, head.plan),
        access=access_diff(base, head),
        findings=findings_diff(base.findings, head.findings, today),
    )


def _short(urn: str) -> str:
    """`type::name` of a URN (the parent chain is noise in a comment)."""
    parts = urn.split("::")
    kind = parts[-2].rsplit("$", 1)[-1] if len(parts) >= 2 else ""
    return f"{kind}::{parts[-1]}"


def _ops(edge: Edge) -> str:
    if edge.protocol == "tcp":
        return "tcp"
    return f"{' '.join(edge.methods)} {paths_text(edge)}"


def _node(name: str) -> str:
    return "n_" + "".join(c if c.isalnum() else "_" for c in name)


def _mermaid(gained: tuple[Edge, ...], lost: tuple[Edge, ...]) -> list[str]:
    """The affected part of the access graph: gained edges solid, lost edges dotted."""
    names = sorted({e.caller for e in gained + lost} | {e.to for e in gained + lost})
    lines = ["```mermaid", "flowchart LR"]
    lines += [f'  {_node(n)}["{n}"]' for n in names]
    lines += [f'  {_node(e.caller)} -->|"+ {e.port}: {_ops(e)}"| {_node(e.to)}' for e in gained]
    lines += [f'  {_node(e.caller)} -.->|"- {e.port}: {_ops(e)}"| {_node(e.to)}' for e in lost]
    return [*lines, "```"]


def _edge_rows(edges: tuple[Edge, ...]) -> list[str]:
    rows = ["| from | to | port | methods | paths |", "|---|---|---|---|---|"]
    for e in edges:
        methods = " ".join(e.methods) if e.methods else "—"
        paths = f"`{paths_text(e)}`" if e.paths else "— (tcp)"
        rows.append(f"| `{e.caller}` | `{e.to}` | {e.port} | {methods} | {paths} |")
    return rows


def _finding_line(f: dict[str, Any]) -> str:
    return f"- **{f.get('rule')}** `{f.get('object')}` `{f.get('path')}`: {f.get('message')}"


def to_markdown(diff: StackDiff) -> str:
    """Markdown for a PR comment and a job summary."""
    res, acc, fnd = diff.resources, diff.access, diff.findings
    replaced = [c for c in res.changed if c.replace]
    lines = [
        COMMENT_MARKER.format(stack=diff.stack),
        f"## meshward diff — stack `{diff.stack}`",
        "",
        f"**Resources:** {len(res.added)} added, {len(res.removed)} removed, "
        f"{len(res.changed)} changed ({len(replaced)} replaced) · "
        f"**Access:** {len(acc.gained)} edges gained, {len(acc.lost)} lost · "
        f"**Guardrails:** {len(fnd.introduced)} introduced, {len(fnd.fixed)} fixed",
        "",
        "### Resources",
        "",
    ]
    if not (res.added or res.removed or res.changed):
        lines.append("No resource changes.")
    for urn in res.added:
        lines.append(f"- ➕ added `{_short(urn)}`")
    for urn in res.removed:
        lines.append(f"- ➖ removed `{_short(urn)}`")
    for change in res.changed:
        verb = "🔁 **replaced**" if change.replace else "✏️ changed"
        paths = ", ".join(f"`{p}`" for p in change.paths)
        lines.append(f"- {verb} `{_short(change.urn)}`: {paths}")
    lines += ["", "### Access", ""]
    if not (acc.gained or acc.lost):
        lines.append("Who can call whom is unchanged.")
    if acc.gained:
        lines += ["**Gained** (newly allowed):", "", *_edge_rows(acc.gained), ""]
    if acc.lost:
        lines += ["**Lost** (no longer allowed):", "", *_edge_rows(acc.lost), ""]
    if acc.gained or acc.lost:
        lines += _mermaid(acc.gained, acc.lost)
    lines += ["", "### Guardrail findings", ""]
    if not (fnd.introduced or fnd.fixed):
        lines.append("No findings introduced or fixed.")
    if fnd.introduced:
        lines += ["**Introduced:**", *[_finding_line(f) for f in fnd.introduced], ""]
    if fnd.fixed:
        lines += ["**Fixed:**", *[_finding_line(f) for f in fnd.fixed], ""]
    if fnd.waivers_added or fnd.waivers_expiring:
        lines += ["", "### Waivers", ""]
        for f in fnd.waivers_added:
            lines.append(f"- added: **{f.get('rule')}** `{f.get('object')}`: {f.get('waiver')}")
        for f in fnd.waivers_expiring:
            lines.append(f"- expiring {waiver_until(f)}: **{f.get('rule')}** `{f.get('object')}`")
    return "\n".join(lines).rstrip("\n") + "\n"
