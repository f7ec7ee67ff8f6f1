"""Offline simulator of the Istio sidecar's security decision for one request.

Pure: it takes plain manifest dicts (as parsed from YAML) and a `Request`, and returns a
`Decision` with a trace. No I/O, no pulumi.
"""

from __future__ import annotations

from meshward.mesh.simulation.decision import Call, Decision, Simulator, simulate
from meshward.mesh.simulation.request import Destination, Jwt, Request, Source
from meshward.mesh.simulation.settings import MeshSettings, PathNormalization
from meshward.mesh.simulation.trace import TraceEntry

__all__ = [
    "Call",
    "Decision",
    "Destination",
    "Jwt",
    "MeshSettings",
    "PathNormalization",
    "Request",
    "Simulator",
    "Source",
    "TraceEntry",
    "simulate",
]
