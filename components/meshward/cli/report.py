"""Readable plan summaries for the terminal (rich), built from plan data only."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from meshward.engine.plan import type_counts

if TYPE_CHECKING:
    from meshward.guardrails import Enforcement, Report
    from meshward.mesh.access import AccessMatrix


def _label(resource: dict[str, Any]) -> str:
    marker = "" if resource["custom"] else "[bold]"
    protect = " [yellow](protected)[/yellow]" if resource["protect"] else ""
    return (
        f"{marker}{resource['type']}[/] {resource['name']}{protect}"
        if marker
        else (f"{resource['type']} {resource['name']}{protect}")
    )


def resource_tree(plan: dict[str, Any]) -> Tree:
    """Components with their children, like `pulumi preview`."""
    children: dict[str | None, list[dict[str, Any]]] = {}
    for resource in plan["resources"]:
        children.setdefault(resource["parent"], []).append(resource)
    root = Tree(f"[bold]{plan['project']}/{plan['stack']}[/]")

    def add(node: Tree, parent: str | None) -> None:
        for resource in sorted(children.get(parent, []), key=lambda r: (r["type"], r["name"])):
            add(node.add(_label(resource)), resource["urn"])

    add(root, None)
    return root


def type_table(plan: dict[str, Any]) -> Table:
    """Resource counts per type."""
    table = Table(title="Resources by type", show_lines=False)
    table.add_column("type")
    table.add_column("count", justify="right")
    counts = type_counts(plan)
    for kind in sorted(counts):
        table.add_row(kind, str(counts[kind]))
    table.add_row("[bold]total[/]", f"[bold]{sum(counts.values())}[/]")
    return table


SUMMARY_EDGES = 200
"""At most this many allowed edges are printed; all of them are in `access.md`/`access.json`
(a 1,000-workload mesh has 12,300: rendering them took longer than planning the mesh)."""


def access_table(matrix: AccessMatrix, limit: int | None = None) -> Table:
    """Allowed edges (from `access.json`), one row per caller, workload port and operation;
    the first `limit` of them when given."""
    from meshward.mesh.access import METHODS, paths_text

    table = Table(
        title=f"Access matrix ({matrix.probes} probes, {matrix.simulated} simulated)",
        show_lines=False,
    )
    for column in ("from", "to", "port", "methods", "paths"):
        table.add_column(column, overflow="fold")
    for e in matrix.edges[:limit]:
        methods = "any" if e.methods == METHODS else " ".join(e.methods) or "tcp"
        paths = paths_text(e) if e.paths else "-"
        table.add_row(e.caller, e.to, str(e.port), methods, paths)
    return table


def print_plan_summary(
    console: Console,
    plan: dict[str, Any],
    out_dir: str,
    weakened: Iterable[str],
    notes: Iterable[str],
    access: AccessMatrix | None = None,
) -> None:
    """Everything `meshward plan` tells the user after writing its files."""
    console.print(resource_tree(plan))
    console.print(type_table(plan))
    if access is not None:
        console.print(access_table(access, SUMMARY_EDGES))
        if len(access.edges) > SUMMARY_EDGES:
            console.print(
                f"… {len(access.edges) - SUMMARY_EDGES:,} more allowed edges "
                f"({len(access.edges):,} in all) in {out_dir}/access.md and access.json",
                markup=False,
            )
    weak = list(weakened)
    if weak:
        console.print("[bold yellow]Weaker than the hardened baseline (explicit in config):[/]")
        for line in weak:
            console.print(f"  ! {line}", markup=False)
    for note in notes:
        console.print(f"note: {note}", markup=False)
    console.print(f"wrote {out_dir}", markup=False)


def print_findings(console: Console, report: Report, enforcement: Enforcement) -> int:
    """The guardrail findings table and every waiver; returns how many findings block (unwaived
    errors of mandatory rules)."""
    from meshward.guardrails.formats import waiver_lines

    blocking = report.blocking(enforcement)
    table = Table(title=f"Guardrails ({len(report.rules_run)} rules)", show_lines=False)
    for column in ("severity", "rule", "object", "field", "finding", "status"):
        table.add_column(column, overflow="fold")
    for f in report.findings:
        if f.waiver:
            status = f"waived: {f.waiver}"
        elif f in blocking:
            status = "BLOCKS"
        else:
            status = enforcement.mode(f.rule) if f.severity.value == "error" else ""
        table.add_row(f.severity.value, f.rule, f.ref, f.path, f.message, status)
    if report.findings:
        console.print(table)
    for line in waiver_lines(report):
        console.print(line, markup=False)
    counts = report.counts()
    console.print(
        f"guardrails: {counts['error']} errors, {counts['warning']} warnings, "
        f"{counts['waived']} waived; {len(blocking)} blocking",
        markup=False,
    )
    return len(blocking)
