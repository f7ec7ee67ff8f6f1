"""The access matrix of a large plan, decided in a second process while this one writes the
plan's other files.

Deciding who can call what is pure work over the plan's Istio security objects and the
platform config (`meshward.mesh.access.plan_access`); nothing else in `meshward plan` needs
it until the summary is printed. On a 1,000-workload mesh it is about a quarter of the plan's
time after the engine run, so a plan that has a second core hands it to a worker started
before the engine runs (the worker's imports and the config's transfer are done by the time
the objects are known) and meanwhile renders `plan.json`, the manifests and the guardrail
findings itself.

The worker runs the very same functions on the same data, so its answer is the one this
process would compute. Anything unexpected in the worker (it died, it raised, it could not
start) is not reported from there: the caller decides again in-process, where a genuine error
surfaces with its usual message and traceback.

Deciding ahead: the worker has the config long before the objects (the engine run takes
seconds to minutes), so it meanwhile forecasts the security objects the platform program
renders from that config (`forecast_objects`: the compiled mesh and the gateway's source
policy, in the plan's order) and decides their matrix. When the rendered objects arrive and
are identical to the forecast (`identical`: the same values of the same types, lists in the
same order), that answer is sent at once; otherwise (another program, anything that made the
rendering differ) the worker decides from the rendered objects, as it would have without a
forecast. The rendered objects stay the truth either way.

Protocol (stdin/stdout of `python -m meshward.engine.access_worker`, pickles, trusted because
both ends are this module): the parent sends `(cfg, stack)`, then the security objects; the
worker answers `("ok", matrix, files)` or `("error", text)`.
"""

from __future__ import annotations

import contextlib
import pickle
import subprocess
import sys
import threading
import traceback
from collections.abc import Mapping, Sequence
from typing import IO, Any

from meshward.config import PlatformConfig
from meshward.cores import usable_cores
from meshward.engine.pickle_child import PickleChild
from meshward.mesh.access import AccessMatrix

MIN_WORKLOADS = 200
"""Below this many workloads the matrix takes a fraction of a second and a second Python
process would cost more than it saves."""

AHEAD_MAX_WORKLOADS = 2_000
"""Above this many workloads the worker decides only once the rendered objects come (no
forecast): deciding 5,000 takes about 500 MiB at its peak, which during the engine run would
fall on top of the plan's own peak there (the 2 GiB the issue allows the whole plan)."""

_PROTOCOL = pickle.HIGHEST_PROTOCOL


def worth_a_worker(cfg: PlatformConfig, cores: int | None = None) -> bool:
    """Whether `cfg`'s access matrix is large enough, and the machine has a core to spare."""
    spare = (usable_cores() if cores is None else cores) >= 2
    return spare and len(cfg.mesh.workloads) >= MIN_WORKLOADS and bool(sys.executable)


class AccessWorker(PickleChild):
    """A worker process deciding one plan's access matrix. Start it with `start`, hand it the
    plan's security objects with `submit`, collect with `result`; `close` always."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        super().__init__(process)
        self._submitted = False

    @classmethod
    def start(cls, cfg: PlatformConfig, stack: str) -> AccessWorker | None:
        """A worker that has been sent `cfg`, or None when one cannot be started."""
        process = cls.spawn(__name__)
        if process is None:
            return None
        worker = cls(process)
        if not worker.send((cfg, stack)):
            worker.close()
            return None
        return worker

    def submit(self, objects: Sequence[Mapping[str, Any]]) -> bool:
        """Hand over the plan's Istio security objects; False if the worker is gone."""
        self._submitted = self.send(list(objects))
        return self._submitted

    def result(self) -> tuple[AccessMatrix, dict[str, str]] | None:
        """The matrix and its files (`access.json`, `access.md`), or None when the worker
        failed in any way (the caller then decides in-process)."""
        answer = self.receive() if self._submitted else None
        if not (isinstance(answer, tuple) and answer and answer[0] == "ok"):
            return None
        _, matrix, files = answer
        return matrix, files

    def close(self) -> None:
        """Stop the worker (it is done or no longer wanted) and reap it."""
        self.stop()


def forecast_objects(cfg: PlatformConfig) -> list[dict[str, Any]]:
    """The `security.istio.io` objects the platform program (`meshward.platform.Platform`)
    registers for `cfg`, in the plan's order (by URN): the internal gateway's source policy
    (`IstioMesh`), then `MeshSecurity`'s compiled objects by type and resource name.

    Only a forecast: a program composed differently renders other objects, and the worker
    then decides from what was rendered (`serve`)."""
    from meshward.cluster.istio_values import gateway_source_policy
    from meshward.mesh.compiler import compile_mesh

    mesh = cfg.mesh
    compiled = compile_mesh(
        mesh,
        cfg.jwt_issuers,
        root_namespace=mesh.root_namespace,
        trust_domain=mesh.trust_domain,
        ingress_namespace=mesh.ingress_namespace,
    )

    def urn_order(obj: dict[str, Any]) -> str:
        # The URN's tail under `MeshSecurity`: `<type>::<component>-<namespace>-<kind>-<name>`,
        # where the component's name is common to all and so does not change the order.
        meta, kind = obj["metadata"], obj["kind"]
        name = f"{meta['namespace']}-{kind.lower()}-{meta['name']}"
        return f"kubernetes:{obj['apiVersion']}:{kind}::{name}"

    ahead = []
    if cfg.network.existing is None:  # the platform limits the gateway to the APIM subnet
        ahead.append(gateway_source_policy(mesh, [cfg.network.subnets.apim]))
    return ahead + sorted(compiled, key=urn_order)


def identical(a: Any, b: Any) -> bool:
    """`a == b` with the types held too: `1`, `1.0` and `True`, or a list and a tuple, are
    not identical (the simulator could tell them apart); mappings compare by key, as `==`."""
    kind = type(a)
    if kind is not type(b):
        return False
    if kind is dict:
        return a.keys() == b.keys() and all(identical(v, b[k]) for k, v in a.items())
    if kind is list or kind is tuple:
        return len(a) == len(b) and all(identical(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _decide(objects: Sequence[Mapping[str, Any]], cfg: PlatformConfig, stack: str) -> bytes:
    from meshward.mesh.access import access_files, plan_access

    try:
        matrix = plan_access(objects, cfg)
        answer: tuple[Any, ...] = ("ok", matrix, access_files(matrix, stack))
    except Exception:  # reported to the parent, which decides again itself
        answer = ("error", traceback.format_exc())
    return pickle.dumps(answer, protocol=_PROTOCOL)


def serve(stdin: IO[bytes], stdout: IO[bytes]) -> None:
    """The worker's side: one `(cfg, stack)`, one list of objects, one answer."""
    import gc

    # As in the parent: everything decided stays alive until it is sent, so the cyclic
    # collector would only rescan it.
    gc.disable()
    try:
        cfg, stack = pickle.load(stdin)
    except EOFError:  # the parent no longer wants an answer
        return
    # The objects are read as soon as they come, so the parent never waits on a full pipe
    # while the forecast is still being decided.
    received: list[Any] = []

    def receive() -> None:
        with contextlib.suppress(EOFError):
            received.append(pickle.load(stdin))

    reader = threading.Thread(target=receive, daemon=True)
    reader.start()
    forecast: list[dict[str, Any]] | None = None
    if len(cfg.mesh.workloads) <= AHEAD_MAX_WORKLOADS:
        # A forecast that fails decides nothing ahead; the rendered objects are decided below.
        with contextlib.suppress(Exception):
            forecast = forecast_objects(cfg)
    ahead = _decide(forecast, cfg, stack) if forecast is not None else None
    reader.join()
    if not received:  # the parent no longer wants an answer
        return
    (objects,) = received
    if ahead is None or not identical(forecast, objects):
        ahead = _decide(objects, cfg, stack)
    stdout.write(ahead)
    stdout.flush()


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
