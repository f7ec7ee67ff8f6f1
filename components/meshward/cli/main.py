"""`meshward` entry point: dispatches to one module per subcommand."""

from __future__ import annotations

import argparse
import gc
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from contextlib import suppress
from types import ModuleType
from typing import NoReturn

from meshward import interrupts
from meshward.errors import UserInputError

#: Subcommand name → (module, one-line help). A module provides `add_arguments(parser)`,
#: `run(args) -> int` and `EXAMPLES` (shown under `--help`). Modules are imported only when
#: their command runs, so `validate` never pays for the Azure SDK.
COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("meshward.cli.check", "Run the guardrail catalogue over Istio YAML or a plan."),
    "diff": (
        "meshward.cli.diff",
        "Compare two plans or revisions: resources, who-can-call-whom, guardrail findings.",
    ),
    "plan": ("meshward.cli.plan", "Render a stack offline under Pulumi's mock engine."),
    "export": (
        "meshward.cli.export",
        "Write a planned stack as an ARM template or Kubernetes YAML for scanners.",
    ),
    "preflight": (
        "meshward.cli.preflight",
        "List what a first `pulumi up` of a stack needs, offline.",
    ),
    "simulate": ("meshward.cli.simulate", "Decide requests against Istio security manifests."),
    "validate": ("meshward.cli.validate", "Check Istio security manifests by istiod's rules."),
}

#: Commands whose process ends as soon as the command returns (see `_end_process`).
ENDS_AT_ONCE = frozenset({"plan"})

EXIT_OK = 0
EXIT_FINDINGS = 1
"""Findings or denials, where reporting them is the command's point."""
EXIT_USER_ERROR = 2
"""Input that cannot be used; nothing was written."""
EXIT_INTERRUPTED = interrupts.exit_code(2)
"""SIGINT (130); SIGTERM ends with 143."""

EXIT_CODES_HELP = """\
exit codes: 0 ok; 1 findings or denied, where reporting them is the point;
  2 bad input (nothing written); 130 interrupted (143 on SIGTERM)"""


def version() -> str:
    """This copy's version (`meshward.__version__`, the one packaging reads too)."""
    from meshward import __version__

    return __version__


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USER_ERROR, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The full parser; subcommand arguments are added by their modules."""
    parser = _Parser(
        prog="meshward",
        description="Prove a zero-trust mesh before deploying it.",
        epilog=f"run `meshward COMMAND --help` for a command's options and an example\n\n"
        f"{EXIT_CODES_HELP}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_version(parser)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, (module_name, help_text) in COMMANDS.items():
        module = importlib.import_module(module_name)
        examples = str(getattr(module, "EXAMPLES", "")).strip("\n")
        command = sub.add_parser(
            name,
            help=help_text,
            description=help_text,
            epilog=f"examples:\n{examples}\n\n{EXIT_CODES_HELP}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        _add_version(command)
        module.add_arguments(command)
    return parser


def _add_version(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", action="version", version=f"meshward {version()}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; user mistakes print one line per problem and return 2."""
    if argv is None:
        # Only a real process (the console script) owns its signals; tests calling main([...])
        # keep pytest's.
        interrupts.install()
    args = build_parser().parse_args(argv)
    module = importlib.import_module(COMMANDS[args.command][0])
    if argv is None and args.command in ENDS_AT_ONCE:
        # Everything the command allocates lives until the process ends: no cyclic collection.
        gc.disable()
        _end_process(_run(module, args))
    return _run(module, args)


def _run(module: ModuleType, args: argparse.Namespace) -> int:
    try:
        return int(module.run(args))
    except UserInputError as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_USER_ERROR
    except BrokenPipeError:
        # The reader went away (`meshward simulate ... | head`): stop quietly, as cat does.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 128 + 13


def _end_process(code: int) -> NoReturn:
    """End the process with `code` once its output is flushed, skipping the interpreter's
    teardown: after a 1,000-workload plan, freeing its ~1.8 million objects one by one (and
    the collection the re-enabled collector would run first) took about 4 s of CPU, for a
    process that is ending anyway. The files are written and closed by then; only the
    standard streams and log handlers hold buffered output."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
