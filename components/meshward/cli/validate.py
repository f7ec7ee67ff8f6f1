"""`meshward validate`: check Istio security manifests the way istiod and the API server will."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from meshward.cli.options import add_report_options
from meshward.errors import Problem

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_UNREADABLE = 2
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"
EXAMPLES = """\
  meshward validate out/dev/manifests
  kubectl get authorizationpolicies -A -o yaml | meshward validate -
  meshward validate --format json out/dev/manifests | jq '.problems[]'
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `meshward validate`."""
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="manifest files, directories (searched recursively for *.yaml, *.yml, *.json) "
        "or - for stdin",
    )
    parser.add_argument(
        "--allow-empty",
        action="store_true",
        help="exit 0 when the inputs hold no Istio object (default: exit 2, so a CI gate "
        "cannot pass having checked nothing)",
    )
    add_report_options(parser)


def run(args: argparse.Namespace) -> int:
    """Validate every document; one line per problem on stdout, a summary on stderr.

    Exit 0 when every checked object is admitted, 1 when any is rejected, 2 when an input
    cannot be read or is not YAML/JSON (one line naming the file and position; the other
    inputs are still checked) or when no Istio object was found (unless `--allow-empty`).
    Problem lines are `FILE:LINE: Kind/namespace/name: field.path: message [rule]`, LINE
    being the first line of the object's document.
    """
    # Imported here so `meshward --help` stays fast; none of this imports pulumi.
    from meshward.mesh.istio import ManifestSyntaxError, load_documents

    checked = warnings = skipped = 0
    invalid = unreadable = False
    found: list[dict[str, object]] = []  # --format json: every problem, printed at the end

    def report(name: str, line: int, ref: str, problem: Problem, severity: str) -> None:
        if args.quiet:
            return
        if args.format == "json":
            found.append(
                {
                    "file": name,
                    "line": line,
                    "object": ref,
                    "path": problem.path,
                    "message": problem.message,
                    "severity": severity,
                }
            )
            return
        prefix = "warning: " if severity == "warning" else ""
        print(_line(name, line, ref, problem, prefix=prefix))

    for name, text in _inputs(args.paths):
        if text is None:
            unreadable = True
            continue
        try:
            documents = load_documents(text, name, json_input=name.endswith(".json"))
        except ManifestSyntaxError as exc:
            print(exc.render(), file=sys.stderr)
            unreadable = True
            continue
        for doc in documents:
            if doc.result is None:
                skipped += 1
                continue
            checked += 1
            warnings += len(doc.result.warnings)
            invalid = invalid or not doc.result.ok
            for problem in doc.result.errors:
                report(name, doc.line, doc.ref, problem, "error")
            for problem in doc.result.warnings:
                report(name, doc.line, doc.ref, problem, "warning")
    if unreadable and checked == 0:
        return EXIT_UNREADABLE  # the lines above said why; a summary of nothing adds noise
    if checked == 0 and not args.allow_empty:
        others = f"; skipped {skipped} document(s) of other kinds" if skipped else ""
        print(
            f"no Istio objects found in {', '.join(args.paths)}{others} "
            "(--allow-empty accepts that)",
            file=sys.stderr,
        )
        return EXIT_UNREADABLE
    if args.format == "json" and not args.quiet:
        summary = {"checked": checked, "warnings": warnings, "skipped": skipped}
        print(json.dumps({**summary, "problems": found}, indent=2))
    elif not args.quiet:
        plural = "" if checked == 1 else "s"
        print(
            f"checked {checked} object{plural} ({warnings} warnings), skipped {skipped} "
            "other kinds",
            file=sys.stderr,
        )
    if unreadable:
        return EXIT_UNREADABLE
    return EXIT_INVALID if invalid else EXIT_OK


def _line(name: str, line: int, ref: str, problem: Problem, prefix: str = "") -> str:
    where = f"{problem.path}: " if problem.path else ""
    return f"{name}:{line}: {ref}: {where}{prefix}{problem.message}"


def _inputs(paths: list[str]) -> Iterator[tuple[str, str | None]]:
    """(display name, text) per input file; text is None (after printing one line saying
    why, with the position) when the input is unreadable, binary or not UTF-8."""
    from meshward.yaml_documents import DocumentSyntaxError, decode, read_text

    for raw in paths:
        if raw == STDIN:
            stream = getattr(sys.stdin, "buffer", None)
            try:
                yield STDIN, decode(stream.read(), STDIN) if stream else sys.stdin.read()
            except DocumentSyntaxError as exc:
                print(exc.render(), file=sys.stderr)
                yield STDIN, None
            continue
        path = Path(raw)
        files = (
            sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in MANIFEST_SUFFIXES)
            if path.is_dir()
            else [path]
        )
        for file in files:
            try:
                yield str(file), read_text(file)
            except DocumentSyntaxError as exc:
                print(exc.render(), file=sys.stderr)
                yield str(file), None
