"""The plan summary printed after `meshward plan`."""

from __future__ import annotations

import io
from typing import Any

import pytest
from rich.console import Console
from rich.tree import Tree

from meshward.cli.report import (
    SUMMARY_EDGES,
    SUMMARY_FINDINGS,
    print_findings,
    print_lines,
    print_plan_summary,
    resource_tree,
)
from meshward.guardrails import Enforcement, Finding, Report, Severity
from meshward.mesh.access import AccessMatrix, Edge


def _summary(edges: int) -> str:
    matrix = AccessMatrix(
        callers=(),
        destinations=(),
        edges=tuple(
            Edge(caller=f"ns/caller-{i:05d}", to="ns/api", port=8080, protocol="TCP")
            for i in range(edges)
        ),
        refused=(),
    )
    plan = {"project": "p", "stack": "s", "resources": []}
    console = Console(file=io.StringIO(), width=160)
    print_plan_summary(console, plan, "out/s", [], [], matrix)
    return str(console.file.getvalue())


def test_small_matrices_are_printed_whole() -> None:
    text = _summary(SUMMARY_EDGES)
    assert text.count("caller-") == SUMMARY_EDGES
    assert "more allowed edges" not in text


def test_large_matrices_print_the_first_edges_and_point_at_the_files() -> None:
    text = _summary(SUMMARY_EDGES + 1000)
    assert text.count("caller-") == SUMMARY_EDGES
    assert f"caller-{SUMMARY_EDGES - 1:05d}" in text
    assert f"caller-{SUMMARY_EDGES:05d}" not in text
    assert f"1,000 more allowed edges ({SUMMARY_EDGES + 1000:,} in all) in out/s/access.md" in text


def _resource(
    name: str, parent: str | None, type_: str = "t:index:R", custom: bool = True, **kw: bool
) -> dict[str, object]:
    return {
        "urn": f"urn:{name}",
        "type": type_,
        "name": name,
        "parent": None if parent is None else f"urn:{parent}",
        "custom": custom,
        "protect": kw.get("protect", False),
    }


TREE_PLAN = {
    "project": "p",
    "stack": "s",
    "resources": [
        _resource("stack", None, "pulumi:pulumi:Stack", custom=False),
        _resource("platform", "stack", "meshward:index:Platform", custom=False),
        _resource("vault", "platform", "azure-native:keyvault:Vault", protect=True),
        _resource("aks", "platform", "meshward:index:Aks", custom=False),
        _resource("cluster", "aks", "azure-native:containerservice:ManagedCluster"),
        _resource("rg", "platform", "azure-native:resources:ResourceGroup"),
        _resource("b-pool", "aks", "azure-native:containerservice:AgentPool"),
        _resource("a-pool", "aks", "azure-native:containerservice:AgentPool"),
    ],
}


def _tree(console: Console, plan: dict[str, object] = TREE_PLAN) -> str:
    console.print(resource_tree(plan), soft_wrap=True)
    return str(console.file.getvalue())  # type: ignore[attr-defined]


def test_the_resource_tree_nests_children_sorted_by_type_and_name() -> None:
    assert _tree(Console(file=io.StringIO(), width=160)) == (
        "p/s\n"
        "└── pulumi:pulumi:Stack stack\n"
        "    └── meshward:index:Platform platform\n"
        "        ├── azure-native:keyvault:Vault vault (protected)\n"
        "        ├── azure-native:resources:ResourceGroup rg\n"
        "        └── meshward:index:Aks aks\n"
        "            ├── azure-native:containerservice:AgentPool a-pool\n"
        "            ├── azure-native:containerservice:AgentPool b-pool\n"
        "            └── azure-native:containerservice:ManagedCluster cluster\n"
    )


def _rich_tree(plan: dict[str, Any]) -> Tree:
    """The summary's tree as rich's `Tree` renders it (what `resource_tree` used to build)."""
    children: dict[str | None, list[dict[str, Any]]] = {}
    for resource in plan["resources"]:
        children.setdefault(resource["parent"], []).append(resource)
    root = Tree(f"[bold]{plan['project']}/{plan['stack']}[/]")

    def add(node: Tree, parent: str | None) -> None:
        for r in sorted(children.get(parent, []), key=lambda r: (r["type"], r["name"])):
            bold = "" if r["custom"] else "[bold]"
            label = f"{bold}{r['type']}{'[/]' if bold else ''} {r['name']}"
            if r["protect"]:
                label += " [yellow](protected)[/yellow]"
            add(node.add(label), r["urn"])

    add(root, None)
    return root


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"force_terminal": True, "color_system": "truecolor"},
        {"force_terminal": True, "color_system": "standard", "legacy_windows": True},
    ],
    ids=["plain", "terminal", "legacy-windows"],
)
def test_the_resource_tree_looks_like_richs_tree(options: dict[str, Any]) -> None:
    # Same guide lines, bold components and yellow "(protected)" as rich's Tree, whose layout
    # costs about 60 µs per resource.
    ours = _tree(Console(file=io.StringIO(), width=160, **options))
    theirs = Console(file=io.StringIO(), width=160, **options)
    theirs.print(_rich_tree(TREE_PLAN))
    assert ours == theirs.file.getvalue()  # type: ignore[attr-defined]
    if options.get("color_system") == "truecolor":
        assert "\x1b[1mmeshward:index:Aks\x1b[0m aks" in ours
        assert "\x1b[33m(protected)\x1b[0m" in ours


class _AsciiPipe(io.StringIO):
    encoding = "ascii"  # a pipe whose locale is not UTF-8


def test_the_resource_tree_uses_ascii_guides_on_an_ascii_console() -> None:
    assert _tree(Console(file=_AsciiPipe(), width=160)) == (
        "p/s\n"
        "`-- pulumi:pulumi:Stack stack\n"
        "    `-- meshward:index:Platform platform\n"
        "        +-- azure-native:keyvault:Vault vault (protected)\n"
        "        +-- azure-native:resources:ResourceGroup rg\n"
        "        `-- meshward:index:Aks aks\n"
        "            +-- azure-native:containerservice:AgentPool a-pool\n"
        "            +-- azure-native:containerservice:AgentPool b-pool\n"
        "            `-- azure-native:containerservice:ManagedCluster cluster\n"
    )


def test_resource_names_are_printed_verbatim_and_whole() -> None:
    long_name = "mw-dev-apim-a-" + "x" * 200
    plan = {
        "project": "p",
        "stack": "s",
        "resources": [
            _resource("[bold]not-markup[/]", None),
            _resource(long_name, None),
        ],
    }
    text = _tree(Console(file=io.StringIO(), width=80), plan)
    assert "t:index:R [bold]not-markup[/]\n" in text
    assert f"└── t:index:R {long_name}\n" in text


def test_edges_are_printed_verbatim_not_as_markup() -> None:
    matrix = AccessMatrix(
        callers=(),
        destinations=(),
        edges=(
            Edge(
                caller="ns/[bold]caller",
                to="ns/api",
                port=8080,
                protocol="HTTP",
                methods=("GET",),
                paths=("/items/[id]", "/a[b]"),
            ),
        ),
        refused=(),
    )
    console = Console(file=io.StringIO(), width=160)
    print_plan_summary(
        console, {"project": "p", "stack": "s", "resources": []}, "o", [], [], matrix
    )
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "ns/[bold]caller" in text
    assert "/items/[id] /a[b]" in text


def _finding(rule: str, severity: str, name: str, waiver: str | None = None) -> Finding:
    return Finding(
        rule,
        Severity(severity),
        f"AuthorizationPolicy/ns/{name}",
        "spec.rules[0]",
        f"{rule} on {name}",
        "manifests/ns/x.yaml",
        1,
        waiver,
    )


def _findings(report: Report, enforcement: Enforcement) -> tuple[str, int]:
    console = Console(file=io.StringIO(), width=300)
    blocking = print_findings(console, report, enforcement, "out/s/findings.json")
    return console.file.getvalue(), blocking  # type: ignore[attr-defined]


def _report(*findings: Finding) -> Report:
    return Report(findings, (), ("MW101", "MW102", "MW114"), ())


def test_a_few_findings_are_all_printed_in_the_reports_order() -> None:
    findings = [
        _finding("MW114", "warning", f"w-{i:03d}")
        if i % 2
        else _finding("MW102", "error", f"e-{i:03d}")
        for i in range(SUMMARY_FINDINGS)
    ]
    text, blocking = _findings(_report(*findings), Enforcement("advisory"))
    assert blocking == 0
    assert text.splitlines()[0].strip() == "Guardrails (3 rules)"
    rows = [line for line in text.splitlines() if "AuthorizationPolicy/ns/" in line]
    assert [row.split("AuthorizationPolicy/ns/")[1].split()[0] for row in rows] == [
        f.ref.rsplit("/", 1)[1] for f in findings
    ]
    assert "not shown" not in text


def test_many_findings_print_blocking_ones_then_errors_before_warnings_and_count_the_rest() -> None:
    enforcement = Enforcement("advisory", (("MW101", "mandatory"),))
    findings = (
        [_finding("MW114", "warning", f"warn-{i:03d}") for i in range(100)]
        + [_finding("MW102", "error", f"advisory-{i:03d}") for i in range(30)]
        + [
            _finding("MW101", "error", f"waived-{i:03d}", waiver="ok (expires 2099-01-01)")
            for i in range(7)
        ]
        + [_finding("MW101", "error", f"blocks-{i:03d}") for i in range(5)]
    )
    text, blocking = _findings(_report(*findings), enforcement)
    assert blocking == 5
    rows = [line for line in text.splitlines() if "AuthorizationPolicy/ns/" in line]
    names = [row.split("AuthorizationPolicy/ns/")[1].split()[0] for row in rows]
    assert len(rows) == SUMMARY_FINDINGS
    # Blocking ones first, then the advisory errors, then warnings in the report's order;
    # the waived ones come last, so none of them fits.
    assert names == (
        [f"blocks-{i:03d}" for i in range(5)]
        + [f"advisory-{i:03d}" for i in range(30)]
        + [f"warn-{i:03d}" for i in range(SUMMARY_FINDINGS - 35)]
    )
    assert all("BLOCKS" in row for row in rows[:5])
    assert (
        f"Guardrails (3 rules; {SUMMARY_FINDINGS} of 142 findings, blocking and errors first)"
        in text
    )
    left = 142 - SUMMARY_FINDINGS
    assert f"… {left} more findings not shown (all 142 in out/s/findings.json):\n" in text
    assert "  MW101 error: 7 more (7 waived)\n  MW114 warning: 85 more\n" in text
    assert "guardrails: 35 errors, 100 warnings, 7 waived; 5 blocking" in text


def test_every_blocking_finding_is_printed_even_beyond_the_cap() -> None:
    findings = [_finding("MW114", "warning", f"warn-{i:03d}") for i in range(10)] + [
        _finding("MW102", "error", f"blocks-{i:03d}") for i in range(SUMMARY_FINDINGS + 20)
    ]
    text, blocking = _findings(_report(*findings), Enforcement("mandatory"))
    assert blocking == SUMMARY_FINDINGS + 20
    assert text.count("BLOCKS") == SUMMARY_FINDINGS + 20
    assert "warn-" not in text
    assert "  MW114 warning: 10 more\n" in text
    assert "MW102 error:" not in text


_LINES = [
    "platform.mesh.mtls.workloads[0].ports.9090 = PERMISSIVE: team-0000/svc-00000 port 9090",
    "[bold]not markup[/] :smile: :not_an_emoji: 'quoted' 0x1F 12.5 https://x.example/a?b=1",
    "a line long enough to be wrapped on a narrow console " * 4,
    "",
    "   leading and trailing spaces   ",
]


@pytest.mark.parametrize(
    "options",
    [
        {"width": 160, "soft_wrap": True},
        {"width": 40},
        {"width": 160, "force_terminal": True, "color_system": "truecolor"},
        {"width": 160, "force_terminal": True, "color_system": "standard", "no_color": True},
    ],
    ids=["pipe", "pipe-narrow", "terminal", "no-color-terminal"],
)
def test_lines_print_as_one_print_per_line_does(options: dict[str, Any]) -> None:
    ours = Console(file=io.StringIO(), **options)
    print_lines(ours, _LINES)
    theirs = Console(file=io.StringIO(), **options)
    for line in _LINES:
        theirs.print(line, markup=False)
    assert ours.file.getvalue() == theirs.file.getvalue()  # type: ignore[attr-defined]
    if options.get("color_system") == "truecolor":
        assert "\x1b[" in ours.file.getvalue()  # type: ignore[attr-defined]
