"""meshward: Pulumi components for a zero-trust AKS + Istio platform on Azure, with mesh
security compiled, validated and simulated before deploy.

Everything a stack needs is importable from here (`from meshward import MeshSecurity`); the
rest of the package is private. Names load lazily: `import meshward` imports nothing beyond
the standard library, and a name's module is imported the first time the name is used, so the
pure core (config models, compiler, validator, simulator) never pays for the Pulumi SDKs.

The public API is the `TYPE_CHECKING` block below and nothing else: type checkers read it,
and at run time `__getattr__` reads the same lines to know which module defines a name.
Adding a public name is one line there (`from <module> import <Name> as <Name>`).
"""

# No `from __future__ import annotations` and no `typing.TYPE_CHECKING`: importing either
# would cost more than the rest of `import meshward`. Type checkers treat any constant named
# TYPE_CHECKING as true; the few annotations here are strings.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    # --- components and their arguments ---------------------------------------------------
    from meshward.azure.aks import Aks as Aks
    from meshward.azure.aks import AksArgs as AksArgs
    from meshward.azure.apim import ApiManagement as ApiManagement
    from meshward.azure.apim import ApiManagementArgs as ApiManagementArgs
    from meshward.azure.appgw import AppGateway as AppGateway
    from meshward.azure.appgw import AppGatewayArgs as AppGatewayArgs
    from meshward.azure.identity import ManagedIdentity as ManagedIdentity
    from meshward.azure.identity import ManagedIdentityArgs as ManagedIdentityArgs
    from meshward.azure.keyvault import KeyVault as KeyVault
    from meshward.azure.keyvault import KeyVaultArgs as KeyVaultArgs
    from meshward.azure.monitoring import SecurityMonitoring as SecurityMonitoring
    from meshward.azure.monitoring import SecurityMonitoringArgs as SecurityMonitoringArgs
    from meshward.azure.network import ExistingSubnets as ExistingSubnets
    from meshward.azure.network import Network as Network
    from meshward.azure.network import NetworkArgs as NetworkArgs
    from meshward.cluster.external_secrets import ExternalSecrets as ExternalSecrets
    from meshward.cluster.external_secrets import ExternalSecretsArgs as ExternalSecretsArgs
    from meshward.cluster.istio import IstioMesh as IstioMesh
    from meshward.cluster.istio import IstioMeshArgs as IstioMeshArgs
    from meshward.cluster.mesh_security import MeshSecurity as MeshSecurity
    from meshward.cluster.mesh_security import MeshSecurityArgs as MeshSecurityArgs
    from meshward.cluster.mesh_traffic import MeshTraffic as MeshTraffic
    from meshward.cluster.mesh_traffic import MeshTrafficArgs as MeshTrafficArgs
    from meshward.platform import Platform as Platform
    from meshward.platform import PlatformArgs as PlatformArgs

    # isort: split
    # --- configuration models ---------------------------------------------------------------
    from meshward.config import PlatformConfig as PlatformConfig
    from meshward.config import parse_platform_config as parse_platform_config
    from meshward.config.aks import AksConfig as AksConfig
    from meshward.config.edge import ApimConfig as ApimConfig
    from meshward.config.edge import AppGatewayConfig as AppGatewayConfig
    from meshward.config.jwt import JwtIssuer as JwtIssuer
    from meshward.config.keyvault import ExternalSecretsConfig as ExternalSecretsConfig
    from meshward.config.keyvault import KeyVaultConfig as KeyVaultConfig
    from meshward.config.mesh import MeshConfig as MeshConfig
    from meshward.config.mesh import MeshInstallConfig as MeshInstallConfig
    from meshward.config.monitoring import MonitoringConfig as MonitoringConfig
    from meshward.config.network import NetworkConfig as NetworkConfig
    from meshward.errors import ConfigError as ConfigError
    from meshward.mesh.intent import MeshIntent as MeshIntent

    # isort: split
    # --- compiler, validator, simulator, access matrix --------------------------------------
    from meshward.mesh.access import AccessMatrix as AccessMatrix
    from meshward.mesh.access import access_matrix as access_matrix
    from meshward.mesh.compiler import compile_mesh as compile_mesh
    from meshward.mesh.istio import IstioValidationError as IstioValidationError
    from meshward.mesh.istio import ValidationResult as ValidationResult
    from meshward.mesh.istio import load_documents as load_documents
    from meshward.mesh.istio import parse_istio_object as parse_istio_object
    from meshward.mesh.istio import validate_document as validate_document
    from meshward.mesh.network_policy import compile_network_policies as compile_network_policies
    from meshward.mesh.simulation import Decision as Decision
    from meshward.mesh.simulation import Destination as Destination
    from meshward.mesh.simulation import Jwt as Jwt
    from meshward.mesh.simulation import MeshSettings as MeshSettings
    from meshward.mesh.simulation import Request as Request
    from meshward.mesh.simulation import Simulator as Simulator
    from meshward.mesh.simulation import Source as Source
    from meshward.mesh.simulation import simulate as simulate

    # isort: split
    # --- guardrails ----------------------------------------------------------------------------
    from meshward.guardrails import Finding as Finding
    from meshward.guardrails import Report as Report
    from meshward.guardrails import Waiver as Waiver
    from meshward.guardrails import run_guardrails as run_guardrails

__version__ = "0.2.0"

_exports: dict[str, str] = {}


def _public() -> dict[str, str]:
    """Public name → defining module, read once from the `TYPE_CHECKING` block above."""
    if not _exports:
        import re
        from pathlib import Path

        source = Path(__file__).read_text(encoding="utf-8")
        pattern = re.compile(r"^    from (meshward[\w.]*) import (\w+) as \2$", re.MULTILINE)
        _exports.update({name: module for module, name in pattern.findall(source)})
    return _exports


def __getattr__(name: str) -> "Any":
    if name == "__all__":
        return sorted(_public())
    module = _public().get(name)
    if module is None:
        raise AttributeError(f"module 'meshward' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_public()})
