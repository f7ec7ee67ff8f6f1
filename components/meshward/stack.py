"""Read the stack's configuration from Pulumi (the imperative shell around `meshward.config`)."""

from __future__ import annotations

import pulumi

from meshward.config import PlatformConfig, parse_platform_config
from meshward.errors import ConfigError, Problem

CONFIG_NAMESPACE = "meshward"
"""Config keys live under `meshward:` in `Pulumi.<stack>.yaml`."""
PLATFORM_KEY = "platform"
"""The structured key holding the whole `PlatformConfig`."""


class StackConfigError(ConfigError, pulumi.RunError):
    """A config error Pulumi reports without a traceback (RunError) and meshward exits 2 on."""


def load_platform_config() -> PlatformConfig:
    """Validate `meshward:platform` of the current stack."""
    raw = pulumi.Config(CONFIG_NAMESPACE).get_object(PLATFORM_KEY)
    if raw is None:
        raise StackConfigError(
            [Problem(PLATFORM_KEY, f"missing: set `{CONFIG_NAMESPACE}:{PLATFORM_KEY}`")]
        )
    try:
        return parse_platform_config(raw, root=PLATFORM_KEY)
    except ConfigError as exc:
        raise StackConfigError(exc.problems) from None


def load_seed_secrets(cfg: PlatformConfig) -> dict[str, pulumi.Output[str]]:
    """The secret values of `keyVault.seedSecrets`, read with `require_secret` (never plain)."""
    config = pulumi.Config(CONFIG_NAMESPACE)
    return {s.name: config.require_secret(s.config_key) for s in cfg.key_vault.seed_secrets}
