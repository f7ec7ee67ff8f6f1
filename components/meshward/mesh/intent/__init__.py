"""The mesh security intent (pure: pydantic only). See `models` for the exact semantics."""

# `meshward.config` must be fully imported first: its `mesh` module builds `MeshConfig` from
# `MeshIntent`, and importing `models` first would re-enter this package half-initialized.
import meshward.config  # noqa: F401  (import order, see above)
from meshward.mesh.intent.checks import mesh_problem
from meshward.mesh.intent.models import (
    AccessRule,
    BreakGlassGrant,
    Condition,
    DenyRule,
    DenySource,
    DenyTarget,
    JwtRequirement,
    MeshIntent,
    MtlsIntent,
    NamespaceSettings,
    Source,
    Target,
    Workload,
    WorkloadMtls,
    WorkloadPort,
)

__all__ = [
    "AccessRule",
    "BreakGlassGrant",
    "Condition",
    "DenyRule",
    "DenySource",
    "DenyTarget",
    "JwtRequirement",
    "MeshIntent",
    "MtlsIntent",
    "NamespaceSettings",
    "Source",
    "Target",
    "Workload",
    "WorkloadMtls",
    "WorkloadPort",
    "mesh_problem",
]
