"""Run the real Pulumi program in-process under Pulumi's mock engine and capture what it
registers. This is the only difference between `meshward plan` and `pulumi up`: the program,
its config and its components are the same."""

from __future__ import annotations

import io
import json
import sys
import threading
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from google.protobuf import json_format
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc, settings
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from meshward.collector import collector_paused
from meshward.engine.mocks import PlanMocks
from meshward.engine.placeholders import SECRET_PLACEHOLDER
from meshward.engine.sdk_helpers import lighter_sdk_helpers


@dataclass(frozen=True)
class Registration:
    """One resource as the engine received it."""

    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    protect: bool
    dependencies: tuple[str, ...]
    inputs: dict[str, Any]
    """Inputs as the provider would receive them; secret values replaced by `[secret]`."""
    remote: bool = False
    """A component implemented by a provider (Helm `Chart` v4), registered like a custom one."""
    provider: str | None = None
    """The provider reference (`<urn>::<id>`) the resource was registered with."""
    wire_inputs: dict[str, Any] | None = field(default=None, compare=False, repr=False)
    """Only where `inputs` lost something (a secret, a resource reference): the properties as
    the engine received them, secrets included, so the benchmark's engine floor can register
    exactly the same inputs. Never written anywhere."""


@dataclass
class Capture:
    """Everything a program run registered."""

    project: str
    stack: str
    registrations: list[Registration] = field(default_factory=list)


def _plain(value: Any) -> Any:
    """JSON-ready copy of deserialized inputs: secrets masked, resource refs as URNs."""
    if rpc.is_rpc_secret(value):
        return SECRET_PLACEHOLDER
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, pulumi.Resource):
        return f"[resource {type(value).__name__}]"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _mask_secrets(value: Any, special: list[bool]) -> Any:
    """The request's property values with each secret masked where it sits: deserializing
    whole properties (Pulumi's `deserialize_properties`) would mark a whole object secret for
    one secret leaf, hiding e.g. a Key Vault secret's content type and expiry from reviews.
    Appends to `special` when a secret, resource reference, asset or archive was met."""
    if isinstance(value, dict):
        if value.get(rpc._special_sig_key) == rpc._special_secret_sig:
            special.append(True)
            return SECRET_PLACEHOLDER
        if value.get(rpc._special_sig_key) is not None:
            special.append(True)
            return _plain(rpc.deserialize_property(value, keep_unknowns=True))
        return {k: _mask_secrets(v, special) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_secrets(v, special) for v in value]
    return value


class _RecordingMonitor(pulumi_mocks.MockMonitor):
    """The SDK's mock monitor, recording each registration into `capture`.

    The stock monitor also keeps every registered resource's deserialized state
    (`self.resources`, the inputs' whole tree plus the mocked outputs) for the mock engine's
    `pulumi:pulumi:getResource` invoke and `ExistsResource`; the plan reads neither, and at
    5,000 workloads that copy is 100-150 MiB of the engine's peak. Here a registration
    keeps only what the mock needs to answer them again: its id and type (for
    `ExistsResource`) and the request fields the mock derives the state from, serialized;
    `getResource` registers that request again (the mocks are deterministic), answers as the
    stock monitor does, and forgets the state again."""

    def __init__(self, mocks: pulumi.runtime.Mocks, capture: Capture) -> None:
        super().__init__(mocks)
        self.capture = capture
        self._requests: dict[str, bytes] = {}
        """urn -> the registration's request as the mock needs it (`_replayable`), serialized."""
        self._ids: set[tuple[str, str]] = set()
        """(id, type) of every registered resource, as `ExistsResource` compares them."""
        self._replaying = threading.Lock()

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # The engine's rule (unlike the stock mock): the parent's whole qualified type, minus
        # the root stack, so plan URNs are the ones `pulumi up` records.
        if parent:
            parent_type = parent.split("::")[2]
            if parent_type != "pulumi:pulumi:Stack":
                type_ = f"{parent_type}${type_}"
        return f"urn:pulumi:{self.capture.stack}::{self.capture.project}::{type_}::{name}"

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        kept = self.resources.pop(response.urn, None)
        if kept is not None:
            self._requests[response.urn] = _replayable(request).SerializeToString()
            self._ids.add((kept.id, _urn_type(response.urn)))
        wire = json_format.MessageToDict(request.object)
        special: list[bool] = []
        inputs = _mask_secrets(wire, special)
        self.capture.registrations.append(
            Registration(
                urn=response.urn,
                type=request.type,
                name=request.name,
                parent=request.parent or None,
                custom=bool(request.custom),
                protect=bool(request.protect),
                dependencies=tuple(sorted(set(request.dependencies))),
                inputs=_plain(inputs),
                remote=bool(request.remote),
                provider=request.provider or None,
                wire_inputs=wire if special else None,
            )
        )
        return response

    def Invoke(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        if request.tok == "pulumi:pulumi:getResource":
            urn = rpc.deserialize_properties(request.args).get("urn")
            stored = self._requests.get(urn) if isinstance(urn, str) else None
            # The monitor's threads may ask at once: one replay at a time.
            with self._replaying:
                if stored is not None and urn not in self.resources:
                    # The stock monitor's answer, from the state the mock gives again.
                    replay = resource_pb2.RegisterResourceRequest.FromString(stored)
                    super().RegisterResource(replay)  # type: ignore[no-untyped-call]
                    try:
                        return super().Invoke(request)  # type: ignore[no-untyped-call]
                    finally:
                        self.resources.pop(urn, None)
        return super().Invoke(request)  # type: ignore[no-untyped-call]

    def ExistsResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        if (request.id, request.type) in self._ids:
            return resource_pb2.ExistsResourceResponse(exists=True)
        return super().ExistsResource(request)  # type: ignore[no-untyped-call]


def _replayable(request: Any) -> Any:
    """The fields of a `RegisterResourceRequest` the mock monitor derives a state from (not
    the dependencies, aliases and options, which can be most of a request)."""
    return resource_pb2.RegisterResourceRequest(
        type=request.type,
        name=request.name,
        parent=request.parent,
        custom=request.custom,
        object=request.object,
        provider=request.provider,
        importId=request.importId,
        transforms=request.transforms,
    )


def _urn_type(urn: str) -> str:
    """A resource's own type in its URN, as the stock `ExistsResource` reads it."""
    return urn.split("::")[2].split("$")[-1]


def _main_module(program: Path) -> Callable[[], None]:
    """`runpy.run_path(program, run_name="__main__")` with two frames instead of six.

    The SDK records the Python stack of every resource construction (`_get_stack_trace`,
    one source position per frame below the resource class), so each frame between the
    engine and the program costs about 10 µs per registration: 3,367 registrations at 1,000
    workloads. The module is set up as `runpy` sets it up (a fresh `__main__` in
    `sys.modules`, `sys.argv[0]` and `__file__` the program's path) and restored after."""
    path = str(program)
    with io.open_code(str(program.absolute())) as source:
        code = compile(source.read(), path, "exec")

    def run() -> None:
        module = types.ModuleType("__main__")
        module.__dict__.update(
            __file__=path, __cached__=None, __loader__=None, __package__="", __spec__=None
        )
        main, argv0 = sys.modules.get("__main__"), sys.argv[0] if sys.argv else None
        sys.modules["__main__"] = module
        if argv0 is not None:
            sys.argv[0] = path
        try:
            exec(code, module.__dict__)
        finally:
            if main is None:
                del sys.modules["__main__"]
            else:
                sys.modules["__main__"] = main
            if argv0 is not None:
                sys.argv[0] = argv0

    return run


def run_program(
    program: Path,
    project: str,
    stack: str,
    config: dict[str, Any],
    secret_keys: set[str] | None = None,
) -> Capture:
    """Execute `program` (a Pulumi `__main__.py`) under mocks with the given stack config.

    `config` maps full keys (`meshward:platform`) to plain values; objects are passed as JSON
    the way the Pulumi CLI passes them. Exceptions raised by the program propagate unchanged.
    """
    root = str(program.parent.resolve())
    sys.path.insert(0, root)
    try:
        return run_function(_main_module(program), project, stack, config, secret_keys)
    finally:
        sys.path.remove(root)


def run_function(
    program: Callable[[], None],
    project: str,
    stack: str,
    config: dict[str, Any],
    secret_keys: set[str] | None = None,
) -> Capture:
    """`run_program` for a program given as a function (the benchmark's engine floor runs
    bare registrations through exactly this engine)."""
    capture = Capture(project=project, stack=stack)
    mocks = PlanMocks()
    settings.ROOT.set(None)
    pulumi.runtime.set_mocks(
        mocks,
        project=project,
        stack=stack,
        preview=False,
        monitor=_RecordingMonitor(mocks, capture),
    )
    pulumi.runtime.set_all_config(
        {k: v if isinstance(v, str) else json.dumps(v) for k, v in config.items()},
        secret_keys=sorted(secret_keys or ()),
    )
    settings.SETTINGS.rpc_manager.clear()
    settings.SETTINGS.outputs.clear()
    # The SDK allocates millions of long-lived objects (resources, outputs, futures): with the
    # cyclic collector running it rescanned them about 30 % of the 1,000-workload plan's CPU.
    with collector_paused(), lighter_sdk_helpers():
        _sync_await(run_pulumi_func(program))
    return capture
