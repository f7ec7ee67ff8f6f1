"""Options every reporting command spells the same way."""

from __future__ import annotations

import argparse

FORMATS = ("text", "json")


def add_report_options(parser: argparse.ArgumentParser) -> None:
    """`-q/--quiet` and `--format text|json` for a command whose output is a report."""
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="print nothing but errors; the exit code tells"
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="report format (default: text); json is one document on stdout",
    )
