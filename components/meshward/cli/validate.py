"""`meshward validate`: check Istio security manifests the way istiod and the API server will."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

from meshward.errors import Problem

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_UNREADABLE = 2
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"
EXAMPLES = """\
  meshward validate out/dev/manifests
  kubectl get authorizationpolicies -A -o yaml | meshward validate -
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


def run(args: argparse.Namespace) -> int:
    """Validate every document; one line per problem on stdout, a summary on stderr.

    Exit 0 when every checked object is admitted, 1 when any is rejected, 2 when an input
    cannot be read or parsed at all (the other inputs are still checked).
    """
    # Imported here so `meshward --help` stays fast; none of this imports pulumi.
    from meshward.mesh.istio import ManifestSyntaxError, load_documents

    checked = warnings = skipped = 0
    invalid = unreadable = False
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
                print(_line(name, doc.index, doc.ref, problem))
            for problem in doc.result.warnings:
                print(_line(name, doc.index, doc.ref, problem, prefix="warning: "))
    plural = "" if checked == 1 else "s"
    print(
        f"checked {checked} object{plural} ({warnings} warnings), skipped {skipped} other kinds",
        file=sys.stderr,
    )
    if unreadable:
        return EXIT_UNREADABLE
    return EXIT_INVALID if invalid else EXIT_OK


def _line(name: str, index: int, ref: str, problem: Problem, prefix: str = "") -> str:
    where = f"{problem.path}: " if problem.path else ""
    return f"{name}:{index}: {ref}: {where}{prefix}{problem.message}"


def _inputs(paths: list[str]) -> Iterator[tuple[str, str | None]]:
    """(display name, text) per input file; text is None (after printing why) if unreadable."""
    for raw in paths:
        if raw == STDIN:
            yield STDIN, sys.stdin.read()
            continue
        path = Path(raw)
        files = (
            sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in MANIFEST_SUFFIXES)
            if path.is_dir()
            else [path]
        )
        for file in files:
            try:
                yield str(file), file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                print(f"{file}: cannot read: {reason}", file=sys.stderr)
                yield str(file), None
