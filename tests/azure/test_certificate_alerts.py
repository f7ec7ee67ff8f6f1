"""Expiry events of the watched objects become Azure Monitor alerts for the action group."""

from __future__ import annotations

from meshward.azure.certificate_alerts import (
    EVENT_TYPES,
    monitor_alert_destination,
    subscription_filter,
)


def test_filter_selects_near_expiry_and_expiry_events_of_the_watched_objects() -> None:
    flt = subscription_filter(["edge-tls", "mesh-ca-cert"])
    assert "Microsoft.KeyVault.CertificateNearExpiry" in flt["includedEventTypes"]
    assert "Microsoft.KeyVault.SecretNearExpiry" in flt["includedEventTypes"]
    assert set(flt["includedEventTypes"]) == set(EVENT_TYPES)
    assert flt["advancedFilters"] == [
        {"operatorType": "StringIn", "key": "subject", "values": ["edge-tls", "mesh-ca-cert"]}
    ]


def test_destination_is_a_monitor_alert_for_the_action_group() -> None:
    dest = monitor_alert_destination("Sev1", "/ag/id")
    assert dest["endpointType"] == "MonitorAlert"
    assert dest["severity"] == "Sev1"
    assert dest["actionGroups"] == ["/ag/id"]
