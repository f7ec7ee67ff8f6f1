"""The plan summary printed after `meshward plan`."""

from __future__ import annotations

import io

from rich.console import Console

from meshward.cli.report import SUMMARY_EDGES, print_plan_summary
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
