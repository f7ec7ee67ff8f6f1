"""meshward: Pulumi components for a zero-trust AKS + Istio platform on Azure.

Public API. Components load lazily so that `components.config` and the mesh-security core can
be imported (and tested) without pulumi-azure-native's large modules.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from components.config import PlatformConfig, parse_platform_config
    from components.platform import Platform, PlatformArgs

_EXPORTS: dict[str, str] = {
    "Platform": "components.platform",
    "PlatformArgs": "components.platform",
    "PlatformConfig": "components.config",
    "parse_platform_config": "components.config",
}

__all__ = ["Platform", "PlatformArgs", "PlatformConfig", "parse_platform_config"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'components' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
