"""meshward: Pulumi components for a zero-trust AKS + Istio platform on Azure.

Public API. Components load lazily so that `components.config` and the mesh-security core can
be imported (and tested) without pulumi-azure-native's large modules.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from components.azure.aks import Aks, AksArgs
    from components.azure.apim import ApiManagement, ApiManagementArgs
    from components.azure.appgw import AppGateway, AppGatewayArgs
    from components.azure.keyvault import KeyVault, KeyVaultArgs
    from components.azure.network import Network, NetworkArgs
    from components.cluster.external_secrets import ExternalSecrets, ExternalSecretsArgs
    from components.cluster.istio import IstioMesh, IstioMeshArgs
    from components.cluster.mesh_security import MeshSecurity, MeshSecurityArgs
    from components.config import PlatformConfig, parse_platform_config
    from components.platform import Platform, PlatformArgs

_EXPORTS: dict[str, str] = {
    "Aks": "components.azure.aks",
    "AksArgs": "components.azure.aks",
    "ApiManagement": "components.azure.apim",
    "ApiManagementArgs": "components.azure.apim",
    "AppGateway": "components.azure.appgw",
    "AppGatewayArgs": "components.azure.appgw",
    "ExternalSecrets": "components.cluster.external_secrets",
    "ExternalSecretsArgs": "components.cluster.external_secrets",
    "IstioMesh": "components.cluster.istio",
    "IstioMeshArgs": "components.cluster.istio",
    "KeyVault": "components.azure.keyvault",
    "KeyVaultArgs": "components.azure.keyvault",
    "MeshSecurity": "components.cluster.mesh_security",
    "MeshSecurityArgs": "components.cluster.mesh_security",
    "Network": "components.azure.network",
    "NetworkArgs": "components.azure.network",
    "Platform": "components.platform",
    "PlatformArgs": "components.platform",
    "PlatformConfig": "components.config",
    "parse_platform_config": "components.config",
}

__all__ = [
    "Aks",
    "AksArgs",
    "ApiManagement",
    "ApiManagementArgs",
    "AppGateway",
    "AppGatewayArgs",
    "ExternalSecrets",
    "ExternalSecretsArgs",
    "IstioMesh",
    "IstioMeshArgs",
    "KeyVault",
    "KeyVaultArgs",
    "MeshSecurity",
    "MeshSecurityArgs",
    "Network",
    "NetworkArgs",
    "Platform",
    "PlatformArgs",
    "PlatformConfig",
    "parse_platform_config",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'components' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
