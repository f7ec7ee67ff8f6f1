"""The simulator's public API under its short name (code: `components.mesh.simulation`)."""

from __future__ import annotations

from components.mesh.simulation import (
    Decision,
    Destination,
    Jwt,
    MeshSettings,
    PathNormalization,
    Request,
    Simulator,
    Source,
    TraceEntry,
    simulate,
)

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
