"""`meshward simulate`: decide requests against Istio security manifests, offline."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meshward.errors import Problem, UserInputError

if TYPE_CHECKING:
    from pydantic import ValidationError

    from meshward.mesh.simulation import MeshSettings, Request

EXAMPLES = """\
  meshward simulate --stack dev --requests requests.jsonl    # dev's render, dev's mesh settings
  meshward simulate --manifests policies.yaml --request '{"destination": {"namespace": "payments",
      "labels": {"app": "payment-service"}, "port": 8443}, "method": "GET", "path": "/"}'
  meshward simulate --schema                                 # the request format (JSON Schema)
"""
NORMALIZATIONS = ("NONE", "BASE", "MERGE_SLASHES", "DECODE_AND_MERGE_SLASHES")
STDIN = "-"
EXIT_BAD_INPUT = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `meshward simulate`."""
    plan = parser.add_mutually_exclusive_group()
    plan.add_argument(
        "--stack",
        metavar="NAME",
        help="simulate out/NAME of the project (as `meshward plan --stack NAME` wrote it): its "
        "manifests, decided with the root namespace, trust domains, path normalization and "
        "extension providers that stack installs",
    )
    plan.add_argument(
        "--plan",
        type=Path,
        metavar="DIR",
        help="the same for any `meshward plan` output folder",
    )
    parser.add_argument(
        "--project",
        type=Path,
        default=Path(),
        help="project directory for --stack (default: nearest Pulumi.yaml)",
    )
    parser.add_argument(
        "--manifests",
        nargs="+",
        action="extend",
        type=Path,
        metavar="PATH",
        help="manifest files or directories (*.yaml, *.yml, *.json; multi-document; List); "
        "default with --stack/--plan: its manifests/",
    )
    requests = parser.add_mutually_exclusive_group()
    requests.add_argument("--request", metavar="JSON", help="one request as a JSON object")
    requests.add_argument(
        "--requests",
        metavar="FILE",
        help="JSON Lines file of requests ('-' = stdin): one output line per input line",
    )
    requests.add_argument(
        "--schema", action="store_true", help="print the request format as JSON Schema and exit"
    )
    settings = parser.add_argument_group(
        "mesh settings (default: from --stack/--plan, else Istio's defaults, printed on stderr)"
    )
    settings.add_argument("--root-namespace", metavar="NS", help="MeshConfig rootNamespace")
    settings.add_argument("--trust-domain", metavar="DOMAIN", help="MeshConfig trustDomain")
    settings.add_argument(
        "--trust-domain-alias",
        action="append",
        metavar="DOMAIN",
        help="MeshConfig trustDomainAliases entry (repeatable)",
    )
    settings.add_argument(
        "--extension-provider",
        action="append",
        metavar="NAME",
        help="a MeshConfig extensionProviders name (repeatable); CUSTOM policies naming any "
        "other provider deny what they match; when unknown, every provider is assumed to exist",
    )
    settings.add_argument(
        "--path-normalization", choices=NORMALIZATIONS, help="MeshConfig pathNormalization"
    )
    parser.add_argument(
        "--explain", action="store_true", help="add a trace of every policy considered"
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="no notes on stderr (warnings and errors stay)"
    )


# ---- input ---------------------------------------------------------------------------------


def _plan_dir(args: argparse.Namespace) -> Path | None:
    if args.plan is not None:
        plan_dir: Path = args.plan
        hint = "give a folder `meshward plan` wrote"
    elif args.stack is not None:
        from meshward.engine.stackfile import find_project

        plan_dir = find_project(args.project) / "out" / args.stack
        hint = f"run `meshward plan --stack {args.stack}` first, or give --plan DIR"
    else:
        return None
    if not plan_dir.is_dir():
        raise UserInputError([Problem(str(plan_dir), f"no such folder; {hint}")])
    return plan_dir


def _plan_settings(plan_dir: Path) -> MeshSettings:
    from meshward.engine.planner import MESH_SETTINGS_JSON
    from meshward.mesh.simulation import MeshSettings

    path = plan_dir / MESH_SETTINGS_JSON
    try:
        return MeshSettings.from_json(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        problem = "missing: the plan predates it; run `meshward plan` again"
    except (OSError, UnicodeDecodeError) as exc:
        problem = f"cannot read: {exc}"
    except ValueError as exc:  # JSONDecodeError is one
        problem = f"not valid: {exc}"
    raise UserInputError([Problem(str(path), problem)])


def _settings(args: argparse.Namespace, plan_dir: Path | None) -> tuple[MeshSettings, list[str]]:
    """The mesh settings (flags over the plan's over Istio's defaults) and, without a plan,
    a description of every default that was assumed."""
    from dataclasses import replace

    from meshward.mesh.simulation import MeshSettings

    base = _plan_settings(plan_dir) if plan_dir is not None else MeshSettings()
    flags: dict[str, Any] = {
        "root_namespace": args.root_namespace,
        "trust_domain": args.trust_domain,
        "trust_domain_aliases": (
            None if args.trust_domain_alias is None else tuple(args.trust_domain_alias)
        ),
        "extension_providers": (
            None if args.extension_provider is None else frozenset(args.extension_provider)
        ),
        "path_normalization": args.path_normalization,
    }
    settings = replace(base, **{k: v for k, v in flags.items() if v is not None})
    if plan_dir is not None:
        return settings, []
    described = {
        "root_namespace": f"root namespace {settings.root_namespace}",
        "trust_domain": f"trust domain {settings.trust_domain}",
        "trust_domain_aliases": "no trust domain aliases",
        "extension_providers": "every CUSTOM extension provider defined",
        "path_normalization": f"path normalization {settings.path_normalization}",
    }
    return settings, [text for key, text in described.items() if flags[key] is None]


def _message(error: ValidationError) -> list[Problem]:
    out: list[Problem] = []
    for item in error.errors(include_url=False):
        loc = ".".join(str(part) for part in item["loc"])
        message = str(item["msg"]).removeprefix("Value error, ")
        out.append(Problem(loc, message[:1].lower() + message[1:]))
    return out


def _parse(text: str | None) -> tuple[Request | None, list[Problem], list[tuple[str, str]]]:
    """One request from its JSON text (None: not UTF-8): (request, problems, deprecated
    snake_case spellings)."""
    from pydantic import ValidationError

    from meshward.mesh.simulation import Request
    from meshward.mesh.simulation.request import snake_case_spellings

    if text is None:
        return None, [Problem("", "not UTF-8 text")], []
    if not text.strip():
        return None, [Problem("", "empty line: expected one JSON request")], []
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [Problem("", f"invalid JSON: {exc.msg} at column {exc.colno}")], []
    if not isinstance(data, dict):
        return None, [Problem("", f"expected a JSON object, got {type(data).__name__}")], []
    try:
        return Request.model_validate(data), [], snake_case_spellings(data)
    except ValidationError as exc:
        return None, _message(exc), snake_case_spellings(data)


def _lines(name: str) -> Iterator[tuple[int, str | None]]:
    """(number, text) of each line of a JSON Lines file or stdin, read as it is consumed."""
    try:
        stream = sys.stdin.buffer if name == STDIN else Path(name).open("rb")  # noqa: SIM115
    except OSError as exc:
        raise UserInputError([Problem(name, f"cannot read: {exc.strerror}")]) from None
    try:
        for number, raw in enumerate(stream, 1):
            try:
                yield number, raw.decode("utf-8")
            except UnicodeDecodeError:
                yield number, None
    except OSError as exc:
        raise UserInputError([Problem(name, f"cannot read: {exc.strerror}")]) from None
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


class _Deprecations:
    """Warns once per snake_case spelling, however many lines use it."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def warn(self, spellings: list[tuple[str, str]]) -> None:
        for old, new in spellings:
            if old not in self.seen:
                self.seen.add(old)
                print(
                    f"warning: request key {old} is deprecated; write {new} "
                    "(camelCase, as in access.json; snake_case is accepted until 0.3)",
                    file=sys.stderr,
                )


# ---- run -----------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    """Print one JSON decision per request; with --requests, an invalid line prints
    `{"line": N, "error": ...}` in its place and the exit code is 2 at the end."""
    from meshward.mesh.manifests import load_manifests
    from meshward.mesh.simulation import Request, Simulator

    if args.schema:
        print(json.dumps(Request.model_json_schema(), indent=2))
        return 0
    if args.request is None and args.requests is None:
        raise UserInputError(
            [Problem("", "nothing to decide: give --request JSON or --requests FILE.jsonl")]
        )
    plan_dir = _plan_dir(args)
    manifests: list[Path] = args.manifests or ([plan_dir / "manifests"] if plan_dir else [])
    if not manifests:
        raise UserInputError(
            [Problem("--manifests", "required without --stack NAME or --plan DIR")]
        )
    settings, assumed = _settings(args, plan_dir)
    objects = load_manifests(manifests)
    deprecations = _Deprecations()
    single: Request | None = None
    if args.request is not None:
        single, problems, spellings = _parse(args.request)
        deprecations.warn(spellings)
        if single is None:
            raise UserInputError(
                [
                    Problem(f"--request: {p.path}" if p.path else "--request", p.message)
                    for p in problems
                ]
            )
    if assumed and not args.quiet:
        print(
            f"simulate: assuming {', '.join(assumed)} (Istio's defaults; --stack NAME or "
            "--plan DIR takes them from a rendered plan)",
            file=sys.stderr,
        )
    if not any(str(o.get("apiVersion", "")).startswith("security.istio.io/") for o in objects):
        where = ", ".join(str(m) for m in manifests)
        print(
            f"warning: no Istio security objects found in {where}; every request is decided "
            "by Istio's defaults alone (no policy: allowed, mTLS PERMISSIVE)",
            file=sys.stderr,
        )
    simulator = Simulator(objects, settings)
    if single is not None:
        print(json.dumps(simulator.evaluate(single).to_dict(explain=args.explain)))
        return 0
    invalid = total = 0
    for number, text in _lines(args.requests):
        total += 1
        request, problems, spellings = _parse(text)
        deprecations.warn(spellings)
        if request is None:
            invalid += 1
            error = "; ".join(str(p) for p in problems)
            print(json.dumps({"line": number, "error": error}))
            continue
        print(json.dumps(simulator.evaluate(request).to_dict(explain=args.explain)))
    if invalid:
        print(
            f"{args.requests}: {invalid} of {total} lines invalid (their output lines say why)",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    return 0
