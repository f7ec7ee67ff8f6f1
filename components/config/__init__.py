"""Typed stack configuration (pure: pydantic only, no Pulumi)."""

from components.config.aks import AksConfig, ApiServerAccess, MaintenanceWindow, NodePool
from components.config.edge import ApimConfig, AppGatewayConfig, WafConfig
from components.config.jwt import JwtIssuer
from components.config.keyvault import ExternalSecretRef, ExternalSecretsConfig, KeyVaultConfig
from components.config.mesh import MeshInstallConfig
from components.config.network import NetworkConfig
from components.config.platform import PlatformConfig, parse_platform_config
from components.config.weakenings import Weakening, weakened_settings

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
