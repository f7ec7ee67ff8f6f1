"""Typed stack configuration (pure: pydantic only, no Pulumi)."""

from meshward.config.aks import AksConfig, ApiServerAccess, MaintenanceWindow, NodePool
from meshward.config.edge import ApimConfig, AppGatewayConfig, WafConfig
from meshward.config.jwt import JwtIssuer
from meshward.config.keyvault import ExternalSecretRef, ExternalSecretsConfig, KeyVaultConfig
from meshward.config.mesh import MeshInstallConfig
from meshward.config.network import NetworkConfig
from meshward.config.platform import PlatformConfig, parse_platform_config
from meshward.config.weakenings import Weakening, weakened_settings

__all__ = [
    "AksConfig",
    "ApiServerAccess",
    "ApimConfig",
    "AppGatewayConfig",
    "ExternalSecretRef",
    "ExternalSecretsConfig",
    "JwtIssuer",
    "KeyVaultConfig",
    "MaintenanceWindow",
    "MeshInstallConfig",
    "NetworkConfig",
    "NodePool",
    "PlatformConfig",
    "WafConfig",
    "Weakening",
    "parse_platform_config",
    "weakened_settings",
]
