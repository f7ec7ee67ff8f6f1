"""Offline simulator of the Istio sidecar's security decision for one request.

Pure: it takes plain manifest dicts (as parsed from YAML) and a `Request`, and returns a
`Decision` with a trace. No I/O, no pulumi.
"""

from __future__ import annotations

from components.mesh.simulation.decision import Decision, Simulator, simulate
from components.mesh.simulation.request import Destination, Jwt, Request, Source
from components.mesh.simulation.settings import MeshSettings, PathNormalization
from components.mesh.simulation.trace import TraceEntry

__all__ = [
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
