"""`meshward` entry point: dispatches to one module per subcommand."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from meshward.errors import UserInputError

#: Subcommand name → module with `add_arguments(parser)` and `run(args) -> int`. Modules are
#: imported only when their command runs, so `validate` never pays for the Azure SDK.
COMMANDS: dict[str, tuple[str, str]] = {
    "plan": ("meshward.cli.plan", "Render a stack offline under Pulumi's mock engine."),
    "simulate": ("meshward.cli.simulate", "Decide requests against Istio security manifests."),
    "validate": ("meshward.cli.validate", "Check Istio security manifests by istiod's rules."),
}

EXIT_USER_ERROR = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USER_ERROR, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The full parser; subcommand arguments are added by their modules."""
    parser = _Parser(prog="meshward", description="Prove a zero-trust mesh before deploying it.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, (module, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        importlib.import_module(module).add_arguments(command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; user mistakes print one line per problem and return 2."""
    args = build_parser().parse_args(argv)
    module = importlib.import_module(COMMANDS[args.command][0])
    try:
        return int(module.run(args))
    except UserInputError as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_USER_ERROR


if __name__ == "__main__":
    sys.exit(main())
