"""Read the stack's configuration from Pulumi (the imperative shell around `meshward.config`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import pulumi

from meshward.config import PlatformConfig, parse_platform_config
from meshward.config.certificates import CertificateRole
from meshward.errors import ConfigError, Problem

CONFIG_NAMESPACE = "meshward"
"""Config keys live under `meshward:` in `Pulumi.<stack>.yaml`."""
PLATFORM_KEY = "platform"
"""The structured key holding the whole `PlatformConfig`."""


class StackConfigError(ConfigError, pulumi.RunError):
    """A config error Pulumi reports without a traceback (RunError) and meshward exits 2 on."""


_VALIDATED: ContextVar[tuple[str, PlatformConfig] | None] = ContextVar(
    "meshward_validated_config", default=None
)


def _fingerprint(raw: Any) -> str:
    # The text Pulumi hands the program (the harness passes objects as JSON), so a value and
    # its JSON round trip compare equal.
    return json.dumps(raw)


@contextmanager
def validated_config(raw: Any, cfg: PlatformConfig) -> Iterator[None]:
    """Within the block, `load_platform_config` answers `cfg` for a stack whose
    `meshward:platform` is `raw` instead of validating it a second time (`meshward plan`
    validates before it runs the program; 5,000 workloads take seconds to validate)."""
    token = _VALIDATED.set((_fingerprint(raw), cfg))
    try:
        yield
    finally:
        _VALIDATED.reset(token)


def load_platform_config() -> PlatformConfig:
    """Validate `meshward:platform` of the current stack."""
    raw = pulumi.Config(CONFIG_NAMESPACE).get_object(PLATFORM_KEY)
    if raw is None:
        raise StackConfigError(
            [Problem(PLATFORM_KEY, f"missing: set `{CONFIG_NAMESPACE}:{PLATFORM_KEY}`")]
        )
    known = _VALIDATED.get()
    if known is not None and known[0] == _fingerprint(raw):
        return known[1]
    try:
        return parse_platform_config(raw, root=PLATFORM_KEY)
    except ConfigError as exc:
        raise StackConfigError(exc.problems) from None


def load_certificate_secrets(cfg: PlatformConfig) -> dict[CertificateRole, pulumi.Output[str]]:
    """`certificates.source: stackSecrets`: each certificate's value, read with
    `require_secret`."""
    if cfg.certificates.source != "stackSecrets":
        return {}
    config = pulumi.Config(CONFIG_NAMESPACE)
    return {
        role: config.require_secret(entry.config_key)
        for role, entry in cfg.certificates.provided.items()
    }


def load_seed_secrets(cfg: PlatformConfig) -> dict[str, pulumi.Output[str]]:
    """The secret values of `keyVault.seedSecrets`, read with `require_secret` (never plain)."""
    config = pulumi.Config(CONFIG_NAMESPACE)
    return {s.name: config.require_secret(s.config_key) for s in cfg.key_vault.seed_secrets}


def load_alert_webhooks(cfg: PlatformConfig) -> dict[str, pulumi.Output[str]]:
    """The URIs of `monitoring.actionGroup.webhooks` by receiver name, read with
    `require_secret` (they usually carry a token)."""
    config = pulumi.Config(CONFIG_NAMESPACE)
    return {
        w.name: config.require_secret(w.uri_config_key)
        for w in cfg.monitoring.action_group.webhooks
    }
