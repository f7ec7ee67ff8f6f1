"""Expiry events of the watched objects become Azure Monitor alerts for the action group."""

from __future__ import annotations

from meshward.azure.certificate_alerts import (
    EVENT_TYPES,
    monitor_alert_destination,
    subscription_filter,
)


def test_filter_selects_near_expiry_and_expiry_events_of_the_watched_objects() -> None:
    flt = subscription_filter(["edge-tls", "mesh-ca-cert"])
    assert "Microsoft.KeyVault.CertificateNearExpiry" in flt["included_event_types"]
    assert "Microsoft.KeyVault.SecretNearExpiry" in flt["included_event_types"]
    assert set(flt["included_event_types"]) == set(EVENT_TYPES)
    assert flt["advanced_filters"] == [
        {"operator_type": "StringIn", "key": "subject", "values": ["edge-tls", "mesh-ca-cert"]}
    ]


def test_destination_is_a_monitor_alert_for_the_action_group() -> None:
    dest = monitor_alert_destination("Sev1", "/ag/id")
    assert dest["endpoint_type"] == "MonitorAlert"
    assert dest["severity"] == "Sev1"
    assert dest["action_groups"] == ["/ag/id"]
