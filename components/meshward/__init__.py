"""meshward: Pulumi components for a zero-trust AKS + Istio platform on Azure.

Public API. Components load lazily so that `meshward.config` and the mesh-security core can
be imported (and tested) without pulumi-azure-native's large modules.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from meshward.azure.aks import Aks, AksArgs
    from meshward.azure.apim import ApiManagement, ApiManagementArgs
    from meshward.azure.appgw import AppGateway, AppGatewayArgs
    from meshward.azure.keyvault import KeyVault, KeyVaultArgs
    from meshward.azure.network import Network, NetworkArgs
    from meshward.cluster.external_secrets import ExternalSecrets, ExternalSecretsArgs
    from meshward.cluster.istio import IstioMesh, IstioMeshArgs
    from meshward.cluster.mesh_security import MeshSecurity, MeshSecurityArgs
    from meshward.config import PlatformConfig, parse_platform_config
    from meshward.platform import Platform, PlatformArgs

_EXPORTS: dict[str, str] = {
    "Aks": "meshward.azure.aks",
    "AksArgs": "meshward.azure.aks",
    "ApiManagement": "meshward.azure.apim",
    "ApiManagementArgs": "meshward.azure.apim",
    "AppGateway": "meshward.azure.appgw",
    "AppGatewayArgs": "meshward.azure.appgw",
    "ExternalSecrets": "meshward.cluster.external_secrets",
    "ExternalSecretsArgs": "meshward.cluster.external_secrets",
    "IstioMesh": "meshward.cluster.istio",
    "IstioMeshArgs": "meshward.cluster.istio",
    "KeyVault": "meshward.azure.keyvault",
    "KeyVaultArgs": "meshward.azure.keyvault",
    "MeshSecurity": "meshward.cluster.mesh_security",
    "MeshSecurityArgs": "meshward.cluster.mesh_security",
    "Network": "meshward.azure.network",
    "NetworkArgs": "meshward.azure.network",
    "Platform": "meshward.platform",
    "PlatformArgs": "meshward.platform",
    "PlatformConfig": "meshward.config",
    "parse_platform_config": "meshward.config",
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
        raise AttributeError(f"module 'meshward' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
