"""`meshward preflight`: what a first `pulumi up` of a stack needs, checked offline."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import sys
from pathlib import Path

from meshward.cli.options import add_report_options

EXIT_READY = 0
EXIT_BLOCKED = 1
TOOLS = ("pulumi", "kubelogin", "az")
EXAMPLES = """\
  meshward preflight --stack prod            # exit 1 when something blocks the first pulumi up
  meshward preflight --stack dev --no-tools  # the stack alone, not this machine's tools
  meshward preflight --stack prod --format json | jq '.findings[] | select(.status == "block")'
"""
_STYLE = {"block": "bold red", "warn": "yellow", "check": "cyan", "ok": "green"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `meshward preflight`."""
    parser.add_argument("--stack", default="dev", help="stack name (reads Pulumi.<stack>.yaml)")
    parser.add_argument(
        "--project",
        type=Path,
        default=Path(),
        help="project directory (default: nearest Pulumi.yaml)",
    )
    parser.add_argument(
        "--no-tools",
        action="store_true",
        help="leave out the tools on this machine (kubelogin, az, pulumi, sign-in variables)",
    )
    add_report_options(parser)


def run(args: argparse.Namespace) -> int:
    """Print one table of findings; exit 1 when something blocks the first `pulumi up`."""
    from rich.console import Console
    from rich.table import Table

    from meshward.config import parse_platform_config
    from meshward.engine.stackfile import find_project, load_stack_file
    from meshward.errors import ConfigError, Problem
    from meshward.preflight.checks import SECTIONS, StackFacts, blocking, preflight
    from meshward.stack import CONFIG_NAMESPACE, PLATFORM_KEY

    stack = load_stack_file(find_project(args.project), args.stack)
    key = f"{CONFIG_NAMESPACE}:{PLATFORM_KEY}"
    if key not in stack.config:
        raise ConfigError([Problem(key, "missing: the stack file must set it")])
    written = stack.config[key]
    cfg = parse_platform_config(written, root=PLATFORM_KEY)
    prefix = f"{CONFIG_NAMESPACE}:"
    every_key = (*stack.config, *stack.encrypted_keys)
    keys = {k[len(prefix) :] for k in every_key if k.startswith(prefix)}
    facts = StackFacts(
        platform=written,
        config_keys=frozenset(keys),
        tools=None if args.no_tools else {t: shutil.which(t) is not None for t in TOOLS},
        environment=dict(os.environ),
        today=datetime.datetime.now(datetime.UTC).date(),
    )
    findings = preflight(cfg, facts)
    blocked = blocking(findings)
    code = EXIT_BLOCKED if blocked else EXIT_READY
    if args.quiet:
        return code
    if args.format == "json":
        rows = [
            {"section": f.section, "item": f.item, "status": f.status, "detail": f.detail}
            for f in findings
        ]
        print(json.dumps({"stack": args.stack, "blocked": blocked, "findings": rows}, indent=2))
        return code
    console = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)
    table = Table(title=f"preflight: stack {args.stack}", show_lines=False)
    for column in ("section", "item", "status", "detail"):
        table.add_column(column, overflow="fold")
    for section in SECTIONS:
        for f in (f for f in findings if f.section == section):
            table.add_row(f.section, f.item, f"[{_STYLE[f.status]}]{f.status}[/]", f.detail)
    console.print(table)
    count = sum(f.status == "block" for f in findings)
    console.print(
        f"{count} blocking finding(s): the first `pulumi up` would fail"
        if blocked
        else "nothing blocks the first `pulumi up` (rows marked check need a look in Azure)"
    )
    return code
