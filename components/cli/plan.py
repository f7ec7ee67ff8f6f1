"""`meshward plan`: run the Pulumi program offline under mocks and write what it declares."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `meshward plan`."""
    parser.add_argument("--stack", default="dev", help="stack name (reads Pulumi.<stack>.yaml)")
    parser.add_argument("--out", type=Path, help="output directory (default: out/<stack>)")
    parser.add_argument(
        "--project",
        type=Path,
        default=Path(),
        help="project directory (default: nearest Pulumi.yaml)",
    )


def run(args: argparse.Namespace) -> int:
    """Render the stack, write the plan atomically, print a summary."""
    # Imported here so `meshward --help` and the other commands stay fast.
    from rich.console import Console

    from components.cli.report import print_plan_summary
    from components.config import weakened_settings
    from components.engine.plan import kubernetes_objects, plan_document, plan_files
    from components.engine.planner import plan_stack
    from components.engine.stackfile import find_project
    from components.engine.writer import write_tree
    from components.mesh.access import access_files, plan_access

    project_dir = find_project(args.project)
    planned = plan_stack(project_dir, args.stack)
    plan = plan_document(planned.capture)
    access = plan_access(kubernetes_objects(plan), planned.config)
    files = plan_files(planned.capture, access_files(access, args.stack))
    out_dir = args.out or project_dir / "out" / args.stack
    write_tree(out_dir, files)
    weak = [f"{w.path} = {w.value}: {w.why}" for w in weakened_settings(planned.config)]
    # Pipes and CI logs get a wide fixed width instead of rich's 80-column fallback.
    console = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)
    print_plan_summary(console, plan, str(out_dir), weak, planned.notes, access)
    return 0
