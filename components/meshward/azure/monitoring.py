"""`SecurityMonitoring`: security logs to Log Analytics (and Sentinel), the action group, and
certificate expiry alerts. It only registers resources; what they contain is decided in
`diagnostic_categories` and `certificate_alerts`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict, cast

import pulumi
from pulumi_azure_native import eventgrid, monitor, securityinsights

from meshward.azure import certificate_alerts
from meshward.azure.diagnostic_categories import Service, diagnostic_setting_args
from meshward.azure.existing import name_of, resource_group_of
from meshward.config.monitoring import ActionGroupConfig, MonitoringConfig


def action_group_receivers(
    cfg: ActionGroupConfig, webhook_uris: Mapping[str, pulumi.Input[str]]
) -> dict[str, list[dict[str, Any]]]:
    """E-mail and webhook receivers, both with the common alert schema. A webhook whose URI was
    not given is left out rather than registered without one."""
    return {
        "email_receivers": [
            {"name": r.name, "email_address": r.address, "use_common_alert_schema": True}
            for r in cfg.emails
        ],
        "webhook_receivers": [
            {
                "name": r.name,
                "service_uri": pulumi.Output.secret(webhook_uris[r.name]),
                "use_common_alert_schema": True,
            }
            for r in cfg.webhooks
            if r.name in webhook_uris
        ],
    }


class SecurityMonitoringArgs(TypedDict):
    """Inputs of `SecurityMonitoring`."""

    config: MonitoringConfig
    """What to log and whom to alert."""
    base_name: str
    """Prefix of Azure names, e.g. `mw-dev`."""
    resource_group_name: pulumi.Input[str]
    """Resource group of the action group and the Event Grid topic."""
    location: str
    """Azure region (of the Event Grid topic; action groups are global)."""
    workspace_id: pulumi.Input[str]
    """Log Analytics workspace every diagnostic setting writes to."""
    diagnostic_targets: NotRequired[Mapping[Service, pulumi.Input[str]]]
    """Resource IDs of the services whose security logs to collect, by service."""
    key_vault_id: NotRequired[pulumi.Input[str]]
    """Vault whose expiry events raise alerts (with `certificateAlerts.enabled`)."""
    watched_objects: NotRequired[Sequence[str]]
    """Key Vault object names whose expiry raises an alert."""
    webhook_uris: NotRequired[Mapping[str, pulumi.Input[str]]]
    """URIs of `actionGroup.webhooks` by receiver name (secret)."""
    tags: NotRequired[Mapping[str, str]]
    """Tags on every resource."""


class SecurityMonitoring(pulumi.ComponentResource):
    """Diagnostic settings, optional Sentinel onboarding, an action group and Key Vault
    expiry alerts."""

    action_group_id: pulumi.Output[str]
    """Resource ID of the action group (for further alerts)."""

    def __init__(
        self, name: str, args: SecurityMonitoringArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("meshward:index:SecurityMonitoring", name, None, opts)
        cfg, rg, base = args["config"], args["resource_group_name"], args["base_name"]
        tags = dict(args.get("tags", {}))
        child = pulumi.ResourceOptions(parent=self)
        workspace_id = pulumi.Output.from_input(args["workspace_id"])

        if cfg.diagnostic_settings:
            for service, resource_id in sorted(args.get("diagnostic_targets", {}).items()):
                monitor.DiagnosticSetting(
                    f"{name}-diag-{service.lower()}",
                    resource_uri=resource_id,
                    workspace_id=workspace_id,
                    **diagnostic_setting_args(service),
                    opts=child,
                )
        if cfg.sentinel:
            securityinsights.SentinelOnboardingState(
                f"{name}-sentinel",
                sentinel_onboarding_state_name="default",
                workspace_name=workspace_id.apply(name_of),
                resource_group_name=workspace_id.apply(resource_group_of),
                customer_managed_key=False,
                opts=child,
            )

        group = monitor.ActionGroup(
            f"{name}-action-group",
            action_group_name=f"{base}-security",
            group_short_name=cfg.action_group.short_name,
            resource_group_name=rg,
            location="Global",
            enabled=True,
            tags=tags,
            **cast(Any, action_group_receivers(cfg.action_group, args.get("webhook_uris", {}))),
            opts=child,
        )
        watched = list(args.get("watched_objects", []))
        if cfg.certificate_alerts.enabled and watched and "key_vault_id" in args:
            topic_name = f"{base}-kv-events"
            topic = eventgrid.SystemTopic(
                f"{name}-kv-events",
                system_topic_name=topic_name,
                resource_group_name=rg,
                location=args["location"],
                source=args["key_vault_id"],
                topic_type=certificate_alerts.TOPIC_TYPE,
                tags=tags,
                opts=child,
            )
            eventgrid.SystemTopicEventSubscription(
                f"{name}-cert-expiry",
                event_subscription_name="certificate-expiry",
                system_topic_name=topic.name,
                resource_group_name=rg,
                event_delivery_schema="EventGridSchema",
                filter=cast(Any, certificate_alerts.subscription_filter(watched)),
                destination=cast(
                    Any,
                    certificate_alerts.monitor_alert_destination(
                        cfg.certificate_alerts.severity, group.id
                    ),
                ),
                opts=child,
            )
        self.action_group_id = group.id
        self.register_outputs({"action_group_id": self.action_group_id})
