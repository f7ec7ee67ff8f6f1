"""Readable plan summaries for the terminal (rich), built from plan data only."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from meshward.engine.plan import type_counts

if TYPE_CHECKING:
    from meshward.guardrails import Enforcement, Finding, Report
    from meshward.mesh.access import AccessMatrix


class ResourceTree:
    """Components with their children, like `pulumi preview`: rich's `Tree` look (its guide
    lines, ASCII ones where the console is ASCII-only), component types in bold, "(protected)"
    in yellow; one line per resource, never cropped or wrapped (long names stay whole in CI
    logs; a terminal wraps them itself).

    Rendered as segments directly: rich's `Tree` lays out every label as its own renderable,
    about 60 µs per resource (0.2 s of CPU for the 3,367 resources of a 1,000-workload plan),
    and parses names as markup; this is one pass over the plan.
    """

    def __init__(self, plan: dict[str, Any]) -> None:
        self.title = f"{plan['project']}/{plan['stack']}"
        self.children: dict[str | None, list[dict[str, Any]]] = {}
        for resource in plan["resources"]:
            self.children.setdefault(resource["parent"], []).append(resource)
        for siblings in self.children.values():
            siblings.sort(key=lambda r: (r["type"], r["name"]))

    def lines(
        self, guides: tuple[str, str, str, str] = Tree.TREE_GUIDES[0]
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """(guide prefix, resource) per line below the title, depth first."""
        space, keep, fork, end = guides
        stack = [("", iter(self.children.get(None, ())), len(self.children.get(None, ())))]
        while stack:
            prefix, siblings, left = stack.pop()
            for resource in siblings:
                left -= 1
                last = left == 0
                yield prefix + (end if last else fork), resource
                below = self.children.get(resource["urn"])
                if below:
                    stack.append((prefix, siblings, left))
                    stack.append((prefix + (space if last else keep), iter(below), len(below)))
                    break

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        bold, protected = Style(bold=True), Style(color="yellow")
        guides = Tree.ASCII_GUIDES if options.ascii_only else Tree.TREE_GUIDES[0]
        yield Segment(self.title, bold)
        yield Segment.line()
        for prefix, resource in self.lines(guides):
            yield Segment(prefix)
            yield Segment(resource["type"], None if resource["custom"] else bold)
            yield Segment(f" {resource['name']}")
            if resource["protect"]:
                yield Segment(" ")
                yield Segment("(protected)", protected)
            yield Segment.line()


def resource_tree(plan: dict[str, Any]) -> ResourceTree:
    """Components with their children, like `pulumi preview` (see `ResourceTree`)."""
    return ResourceTree(plan)


def type_table(plan: dict[str, Any]) -> Table:
    """Resource counts per type."""
    table = Table(title="Resources by type", show_lines=False)
    table.add_column("type")
    table.add_column("count", justify="right")
    counts = type_counts(plan)
    for kind in sorted(counts):
        table.add_row(Text(kind), str(counts[kind]))
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
    # Cells are `Text`: names and paths are data, not rich markup (which would drop a `[id]`
    # from a path), and skipping the markup parser saves about a sixth of a table's rendering.
    for e in matrix.edges[:limit]:
        methods = "any" if e.methods == METHODS else " ".join(e.methods) or "tcp"
        paths = paths_text(e) if e.paths else "-"
        table.add_row(*map(Text, (e.caller, e.to, str(e.port), methods, paths)))
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
    console.print(resource_tree(plan), soft_wrap=True)
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
        print_lines(console, [f"  ! {line}" for line in weak])
    print_lines(console, [f"note: {note}" for note in notes])
    console.print(f"wrote {out_dir}", markup=False)


def print_lines(console: Console, lines: list[str]) -> None:
    """Each line as `console.print(line, markup=False)` prints it. Where the console renders
    no style at all (no colour system: a pipe, a CI log), the colours rich's highlighter gives
    each line cannot show, so the lines go out as one print without it: the same text, without
    the highlighter's pass over each line (0.1 s for the 255 weakened settings of a
    1,000-workload plan)."""
    if console.color_system is None:
        if lines:
            console.print("\n".join(lines), markup=False, highlight=False)
        return
    for line in lines:
        console.print(line, markup=False)


SUMMARY_FINDINGS = 50
"""At most this many guardrail findings are printed as table rows, blocking ones apart (every
one of those is printed); all of them are in `findings.json`. A 1,000-workload mesh had 340
findings: a row each was a wall of CI log, and 0.7 s of rich's table layout."""

_SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}


def summary_findings(
    report: Report, blocking: Iterable[Finding], limit: int = SUMMARY_FINDINGS
) -> tuple[list[Finding], list[Finding]]:
    """(printed, left out): every finding, in the report's order, where there are at most
    `limit`; else every blocking one, then the others up to `limit` rows in all, unwaived
    errors before warnings before infos before waived ones (each group in the report's order)."""
    findings = list(report.findings)
    if len(findings) <= limit:
        return findings, []
    blocks = {id(f) for f in blocking}

    def rank(f: Finding) -> int:
        if id(f) in blocks:
            return 0
        return 4 if f.waiver else 1 + _SEVERITY_RANK[f.severity.value]

    ordered = sorted(findings, key=rank)  # stable: the report's order within a rank
    printed = max(limit, len(blocks))
    return ordered[:printed], ordered[printed:]


def left_out_lines(left_out: Iterable[Finding]) -> list[str]:
    """One line per rule for findings not printed: rule, severity, how many (and how many of
    them are waived), errors first."""
    tally: dict[tuple[str, str], list[int]] = {}
    for f in left_out:
        counts = tally.setdefault((f.rule, f.severity.value), [0, 0])
        counts[0] += 1
        counts[1] += f.waiver is not None
    return [
        f"  {rule} {severity}: {count:,} more" + (f" ({waived:,} waived)" if waived else "")
        for (rule, severity), (count, waived) in sorted(
            tally.items(), key=lambda item: (_SEVERITY_RANK[item[0][1]], item[0][0])
        )
    ]


def print_findings(
    console: Console,
    report: Report,
    enforcement: Enforcement,
    findings_file: str = "findings.json",
) -> int:
    """The guardrail findings table (every blocking finding, at most `SUMMARY_FINDINGS` rows
    otherwise, the rest counted per rule and pointed at in `findings_file`) and every waiver;
    returns how many findings block (unwaived errors of mandatory rules)."""
    from meshward.guardrails.formats import waiver_lines

    blocking = report.blocking(enforcement)
    blocks = {id(f) for f in blocking}
    printed, left_out = summary_findings(report, blocking)
    title = f"Guardrails ({len(report.rules_run)} rules)"
    if left_out:
        title = (
            f"Guardrails ({len(report.rules_run)} rules; {len(printed):,} of "
            f"{len(report.findings):,} findings, blocking and errors first)"
        )
    table = Table(title=title, show_lines=False)
    for column in ("severity", "rule", "object", "field", "finding", "status"):
        table.add_column(column, overflow="fold")
    for f in printed:
        if f.waiver:
            status = f"waived: {f.waiver}"
        elif id(f) in blocks:
            status = "BLOCKS"
        else:
            status = enforcement.mode(f.rule) if f.severity.value == "error" else ""
        # `Text` cells: messages and field paths are printed as they are (see `access_table`).
        table.add_row(*map(Text, (f.severity.value, f.rule, f.ref, f.path, f.message, status)))
    if report.findings:
        console.print(table)
    if left_out:
        console.print(
            f"… {len(left_out):,} more findings not shown (all {len(report.findings):,} in "
            f"{findings_file}):",
            markup=False,
        )
        for line in left_out_lines(left_out):
            console.print(line, markup=False)
    for line in waiver_lines(report):
        console.print(line, markup=False)
    counts = report.counts()
    console.print(
        f"guardrails: {counts['error']} errors, {counts['warning']} warnings, "
        f"{counts['waived']} waived; {len(blocking)} blocking",
        markup=False,
    )
    return len(blocking)
