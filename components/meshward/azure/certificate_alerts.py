"""Certificate and secret expiry alerts (pure): the Event Grid subscription that turns the
expiry events of the Key Vault objects the platform depends on
(`PlatformConfig.watched_vault_objects`) into Azure Monitor alerts.

Key Vault publishes `CertificateNearExpiry` / `SecretNearExpiry` 30 days before an object's
expiry date (and `...Expired` at it) to an Event Grid system topic on the vault; Event Grid's
"Azure Monitor alerts" handler (Key Vault sources only) raises an alert that notifies the
action group, so nothing has to be hosted to receive them. A secret only has an expiry if its
`exp` attribute is set: import PFX secrets and the mesh plug-in CA with `--expires`.
"""

from __future__ import annotations

from typing import Any

EVENT_TYPES = (
    "Microsoft.KeyVault.CertificateNearExpiry",
    "Microsoft.KeyVault.CertificateExpired",
    "Microsoft.KeyVault.SecretNearExpiry",
    "Microsoft.KeyVault.SecretExpired",
)
"""Key Vault event types that mean "this will stop working"."""
TOPIC_TYPE = "Microsoft.KeyVault.vaults"
"""Event Grid system topic type of a key vault."""
MAX_FILTER_VALUES = 25
"""Event Grid allows 25 values in one `StringIn` advanced filter (`PlatformConfig` refuses
more watched objects)."""


def subscription_filter(objects: list[str]) -> dict[str, Any]:
    """Only the expiry events, and only for `objects` (the event subject is the object name).
    Keys are the ARM (camelCase) names: the advanced filter is one member of a union, which
    the SDK passes through without renaming."""
    return {
        "includedEventTypes": list(EVENT_TYPES),
        "advancedFilters": [
            {"operatorType": "StringIn", "key": "subject", "values": list(objects)}
        ],
    }


def monitor_alert_destination(severity: str, action_group_id: Any) -> dict[str, Any]:
    """Event Grid's Azure Monitor alert handler: one alert per event, to the action group."""
    return {
        "endpointType": "MonitorAlert",
        "severity": severity,
        "description": "A Key Vault certificate or secret the platform uses expires soon",
        "actionGroups": [action_group_id],
    }
