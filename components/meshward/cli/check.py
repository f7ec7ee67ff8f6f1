"""`meshward check`: run the guardrail catalogue over Istio YAML or a plan folder."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from meshward.errors import Problem, UserInputError

EXIT_OK = 0
EXIT_VIOLATION = 1
FORMATS = ("text", "json", "sarif")
ENVIRONMENTS = ("dev", "prod")

EXAMPLES = """\
  meshward check manifests/                  # Istio YAML with its Namespaces, Services, Deployments
  meshward check out/prod --environment prod # a plan folder, prod-only rules included
  meshward check out/dev --format sarif > guardrails.sarif
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `meshward check`."""
    parser.add_argument(
        "paths",
        nargs="+",
        type=Path,
        metavar="PATH",
        help="manifest files, directories (searched recursively for *.yaml, *.yml, *.json), or "
        "a plan folder (out/<stack>: plan.json + manifests/)",
    )
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format")
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="print only unwaived errors; the exit code tells"
    )
    parser.add_argument(
        "--environment",
        choices=ENVIRONMENTS,
        help="also run the rules limited to this environment (e.g. WAF mode in prod)",
    )
    parser.add_argument(
        "--waivers",
        type=Path,
        help="YAML file with `waivers: [{rule, object, reason, expires}]` (the stack config's "
        "`platform.guardrails.waivers` shape)",
    )


def run(args: argparse.Namespace) -> int:
    """Check every input; findings on stdout, a summary on stderr.

    Exit 1 when an unwaived error-level finding exists, 0 otherwise, 2 when an input cannot be
    read (nothing is checked then).
    """
    from meshward.guardrails import Settings, manifest_subjects, plan_subjects, run_guardrails
    from meshward.guardrails.formats import finding_line, to_json, to_sarif, to_text
    from meshward.mesh.manifests import load_located

    subjects = []
    files: list[Path] = []
    for path in args.paths:
        if path.is_dir() and (path / "plan.json").is_file():
            plan_file = path / "plan.json"
            text = _read(plan_file)
            plan = _plan(text, plan_file)
            subjects += plan_subjects(plan, str(plan_file), text)
            if (path / "manifests").is_dir():
                files.append(path / "manifests")
        else:
            files.append(path)
    located = load_located(files) if files else []
    subjects = manifest_subjects((o.object, o.file, o.line) for o in located) + subjects
    waivers = _waivers(args.waivers) if args.waivers else ()
    report = run_guardrails(
        subjects, settings=Settings(environment=args.environment, waivers=waivers)
    )
    if args.format == "json":
        sys.stdout.write(to_json(report))
    elif args.format == "sarif":
        sys.stdout.write(to_sarif(report, _version()))
    elif args.quiet:
        sys.stdout.writelines(f"{finding_line(f)}\n" for f in report.blocking())
        return EXIT_VIOLATION if report.blocking() else EXIT_OK
    else:
        sys.stdout.write(to_text(report))
    counts = report.counts()
    skipped = (
        f"; {len(report.rules_skipped)} environment-specific rules skipped (use --environment)"
        if report.rules_skipped
        else ""
    )
    print(
        f"checked {len(subjects)} objects with {len(report.rules_run)} rules: "
        f"{counts['error']} errors, {counts['warning']} warnings, {counts['info']} info, "
        f"{counts['waived']} waived{skipped}",
        file=sys.stderr,
    )
    return EXIT_VIOLATION if report.blocking() else EXIT_OK


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserInputError([Problem(str(path), f"cannot read: {exc}")]) from None


def _plan(text: str, path: Path) -> dict[str, Any]:
    try:
        plan = json.loads(text)
    except ValueError as exc:
        raise UserInputError([Problem(str(path), f"not valid JSON: {exc}")]) from None
    if not isinstance(plan, dict) or not isinstance(plan.get("resources"), list):
        raise UserInputError([Problem(f"{path}: resources", "must be a list (a meshward plan)")])
    return plan


def _waivers(path: Path) -> tuple[Any, ...]:
    import yaml
    from pydantic import ValidationError

    from meshward.config.diagnostics import problems_from_validation_error
    from meshward.config.guardrails import GuardrailsConfig

    try:
        data = yaml.safe_load(_read(path))
    except yaml.YAMLError as exc:
        raise UserInputError([Problem(str(path), f"not valid YAML: {exc}")]) from None
    if not isinstance(data, dict) or set(data) - {"waivers"}:
        raise UserInputError([Problem(str(path), "must be a mapping with one key: waivers")])
    try:
        config = GuardrailsConfig.model_validate({"waivers": data.get("waivers") or []})
    except ValidationError as exc:
        problems = problems_from_validation_error(exc, GuardrailsConfig, str(path))
        raise UserInputError(problems) from None
    return config.to_waivers(str(path))


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("meshward")
    except PackageNotFoundError:
        return "0+unknown"
