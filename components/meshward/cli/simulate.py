"""`meshward simulate`: decide requests against Istio security manifests, offline."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from meshward.errors import Problem, UserInputError

if TYPE_CHECKING:
    from pydantic import ValidationError

    from meshward.mesh.simulation import Request

EXAMPLES = """\
  meshward simulate --stack dev --requests requests.jsonl
  meshward simulate --manifests policies.yaml --request '{"destination": {"namespace": "payments",
      "labels": {"app": "payment-service"}, "port": 8443}, "method": "GET", "path": "/"}'
  meshward simulate --schema
"""
NORMALIZATIONS = ("NONE", "BASE", "MERGE_SLASHES", "DECODE_AND_MERGE_SLASHES")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `meshward simulate`."""
    parser.add_argument(
        "--manifests",
        nargs="+",
        action="extend",
        type=Path,
        required=True,
        metavar="PATH",
        help="manifest files or directories (*.yaml, *.yml, *.json; multi-document; List)",
    )
    requests = parser.add_mutually_exclusive_group(required=True)
    requests.add_argument("--request", metavar="JSON", help="one request as a JSON object")
    requests.add_argument(
        "--requests", type=Path, metavar="FILE", help="JSON Lines file of requests ('-' = stdin)"
    )
    parser.add_argument("--root-namespace", default="istio-system", help="MeshConfig rootNamespace")
    parser.add_argument("--trust-domain", default="cluster.local", help="MeshConfig trustDomain")
    parser.add_argument(
        "--trust-domain-alias",
        action="append",
        default=[],
        metavar="DOMAIN",
        help="MeshConfig trustDomainAliases entry (repeatable)",
    )
    parser.add_argument(
        "--extension-provider",
        action="append",
        metavar="NAME",
        help="a MeshConfig extensionProviders name (repeatable); when given, CUSTOM policies "
        "naming any other provider deny what they match; when absent, every provider is "
        "assumed to exist",
    )
    parser.add_argument(
        "--path-normalization",
        choices=NORMALIZATIONS,
        default="BASE",
        help="MeshConfig pathNormalization (default BASE, as in Istio)",
    )
    parser.add_argument(
        "--explain", action="store_true", help="add a trace of every policy considered"
    )


def _problems(source: str, error: ValidationError) -> list[Problem]:
    out: list[Problem] = []
    for item in error.errors(include_url=False):
        loc = ".".join(str(part) for part in item["loc"])
        message = str(item["msg"]).removeprefix("Value error, ")
        message = message[:1].lower() + message[1:]
        out.append(Problem(f"{source}: {loc}" if loc else source, message))
    return out


def _read_requests(args: argparse.Namespace) -> list[Request]:
    from pydantic import ValidationError

    from meshward.mesh.simulation import Request

    if args.request is not None:
        lines = [("--request", args.request)]
    else:
        name = str(args.requests)
        try:
            text = sys.stdin.read() if name == "-" else args.requests.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UserInputError([Problem(name, f"cannot read: {exc}")]) from None
        lines = [(f"{name}:{n}", line) for n, line in enumerate(text.splitlines(), 1)]
    requests: list[Request] = []
    problems: list[Problem] = []
    for source, line in lines:
        if not line.strip():
            continue
        try:
            requests.append(Request.model_validate_json(line))
        except ValidationError as exc:
            problems.extend(_problems(source, exc))
    if problems:
        raise UserInputError(problems)
    return requests


def run(args: argparse.Namespace) -> int:
    """Validate every input first, then print one JSON decision per request."""
    from meshward.mesh.manifests import load_manifests
    from meshward.mesh.simulation import MeshSettings, Simulator

    objects = load_manifests(args.manifests)
    requests = _read_requests(args)
    providers = args.extension_provider
    settings = MeshSettings(
        root_namespace=args.root_namespace,
        trust_domain=args.trust_domain,
        trust_domain_aliases=tuple(args.trust_domain_alias),
        extension_providers=None if providers is None else frozenset(providers),
        path_normalization=args.path_normalization,
    )
    simulator = Simulator(objects, settings)
    for request in requests:
        print(json.dumps(simulator.evaluate(request).to_dict(explain=args.explain)))
    return 0
