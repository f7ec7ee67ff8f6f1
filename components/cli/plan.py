"""`meshward plan`: run the Pulumi program offline under mocks and write what it declares."""

from __future__ import annotations

import argparse
from pathlib import Path

from components.errors import ConfigError

PLATFORM_KEY = "meshward:platform"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `meshward plan`."""
    parser.add_argument("--stack", default="dev", help="stack name (reads Pulumi.<stack>.yaml)")
    parser.add_argument("--out", type=Path, help="output directory (default: out/<stack>)")
    parser.add_argument("--project", type=Path, default=Path(), help="project directory")


def run(args: argparse.Namespace) -> int:
    """Render the stack, write the plan atomically, print a summary."""
    # Imported here so `meshward --help` and other commands stay fast.
    from rich.console import Console

    from components.cli.report import print_plan_summary
    from components.config import parse_platform_config, weakened_settings
    from components.engine.harness import run_program
    from components.engine.placeholders import SECRET_PLACEHOLDER
    from components.engine.plan import plan_document, plan_files
    from components.engine.stackfile import find_project, load_stack_file
    from components.engine.writer import write_tree

    project_dir = find_project(args.project)
    stack = load_stack_file(project_dir, args.stack)
    # Validating here first gives the same error the program would raise, and tells us which
    # encrypted keys the program will ask for.
    cfg = parse_platform_config(stack.config.get(PLATFORM_KEY), root="platform")
    config = dict(stack.config)
    secret_keys = set(stack.encrypted_keys)
    notes = [f"{key} is encrypted; planned with a placeholder" for key in sorted(secret_keys)]
    for seed in cfg.key_vault.seed_secrets:
        key = f"{stack.project}:{seed.config_key}"
        if key not in config and key not in secret_keys:
            notes.append(
                f"{key} is not set; planned with a placeholder "
                f"(set it with: pulumi config set --secret {key} <value>)"
            )
        secret_keys.add(key)
    for key in secret_keys:
        config[key] = SECRET_PLACEHOLDER

    try:
        capture = run_program(stack.program, stack.project, stack.stack, config, secret_keys)
    except ConfigError:
        raise
    files = plan_files(capture)
    out_dir = args.out or project_dir / "out" / stack.stack
    write_tree(out_dir, files)
    weak = [f"{w.path} = {w.value}: {w.why}" for w in weakened_settings(cfg)]
    print_plan_summary(Console(soft_wrap=True), plan_document(capture), str(out_dir), weak, notes)
    return 0
