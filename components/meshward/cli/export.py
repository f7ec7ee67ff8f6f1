"""`meshward export`: the planned stack in the formats independent scanners read (an ARM
deployment template; Kubernetes YAML plus Helm values)."""

from __future__ import annotations

import argparse
import json
import secrets
import sys
from pathlib import Path

FORMATS = ("arm", "k8s")
#: How a file this command wrote begins: anything else at `--out` is left alone.
_SIGNATURES = {"arm": '"generator": "meshward export --format arm"', "k8s": "# meshward export "}

EXAMPLES = """\
  meshward export --stack prod --format arm       # out/prod.arm.json, one ARM template
  meshward export --stack prod --format k8s       # out/prod.k8s.yaml + out/prod.k8s.helm/
  meshward export --format arm --out t.json && checkov --skip-download -f t.json
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `meshward export`."""
    parser.add_argument("--stack", default="dev", help="stack name (reads Pulumi.<stack>.yaml)")
    parser.add_argument(
        "--format",
        required=True,
        choices=FORMATS,
        help="arm: one ARM deployment template (JSON); k8s: one multi-document YAML of the "
        "Kubernetes objects, Helm values in <out>.helm/",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="output file (default: out/<stack>.arm.json or out/<stack>.k8s.yaml)",
    )
    parser.add_argument(
        "--project",
        type=Path,
        default=Path(),
        help="project directory (default: nearest Pulumi.yaml)",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="print nothing but errors; the exit code tells"
    )


def _check_out_file(path: Path, fmt: str) -> None:
    """Refuse to replace a file meshward export did not write."""
    from meshward.errors import Problem, UserInputError

    if path.is_dir():
        raise UserInputError([Problem("--out", f"{path} is a folder; name a file")])
    if not path.exists():
        return
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:2000]
    except OSError as exc:
        raise UserInputError([Problem("--out", f"cannot read {path}: {exc.strerror}")]) from None
    if _SIGNATURES[fmt] not in head:
        raise UserInputError(
            [
                Problem(
                    "--out",
                    f"{path} exists and was not written by `meshward export --format {fmt}`; "
                    "nothing was changed. Choose a new file, or remove this one yourself",
                )
            ]
        )


def _write_file(path: Path, text: str) -> None:
    """Write `path` whole or not at all (a temporary sibling renamed into place), with ordinary
    permissions under the umask (`tempfile.mkstemp` would make the file 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        staging = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            handle = staging.open("x", encoding="utf-8")
        except FileExistsError:
            continue
        break
    try:
        with handle:
            handle.write(text)
        staging.replace(path)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise


def run(args: argparse.Namespace) -> int:
    """Plan the stack under mocks and write it in the chosen format."""
    from meshward.engine.planner import plan_stack, render_stack
    from meshward.engine.stackfile import find_project
    from meshward.engine.writer import check_output_dir, write_tree

    project_dir = find_project(args.project)
    suffix = "arm.json" if args.format == "arm" else "k8s.yaml"
    out: Path = args.out or project_dir / "out" / f"{args.stack}.{suffix}"
    helm_dir = out.with_name(f"{out.name.removesuffix('.yaml')}.helm")
    # Refuse what meshward did not write before spending the render on it.
    _check_out_file(out, args.format)
    if args.format == "k8s":
        check_output_dir(helm_dir)
    plan = render_stack(plan_stack(project_dir, args.stack)).plan
    if args.format == "arm":
        from meshward.export.arm import arm_template

        exported = arm_template(plan)
        _write_file(out, json.dumps(exported.template, indent=2) + "\n")
        for where in exported.unmapped:
            print(f"warning: not in the ARM schema, kept as given: {where}", file=sys.stderr)
        if not args.quiet:
            template = exported.template
            print(
                f"{out}: {len(template['resources'])} ARM resources, "
                f"{len(template['parameters'])} secure parameters"
            )
        return 0
    from meshward.export.kubernetes import (
        kubernetes_export,
        objects_yaml,
        values_file_name,
        values_yaml,
    )

    k8s = kubernetes_export(plan)
    values = {values_file_name(r): values_yaml(r) for r in k8s.releases}
    if values:
        write_tree(helm_dir, values)
    _write_file(out, objects_yaml(k8s, args.stack))
    if not args.quiet:
        print(
            f"{out}: {len(k8s.objects)} Kubernetes objects ({len(k8s.patches)} server-side-apply "
            f"patches); {len(values)} Helm values files in {helm_dir if values else '-'}"
        )
    return 0
