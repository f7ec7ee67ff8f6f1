"""Security monitoring: where logs go, who is alerted, which certificates are watched."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from meshward.config._base import ConfigModel

WORKSPACE_ID = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/"
    r"Microsoft\.OperationalInsights/workspaces/[^/]+$",
    re.IGNORECASE,
)
ReceiverName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][-_.A-Za-z0-9 ]{0,127}$")]


class EmailReceiver(ConfigModel):
    """An e-mail address the action group notifies."""

    name: ReceiverName
    """Receiver name (unique in the action group)."""
    address: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    """E-mail address."""


class WebhookReceiver(ConfigModel):
    """A webhook the action group calls (common alert schema). Its URI usually carries a token,
    so it is read from an encrypted stack config key, never written here."""

    name: ReceiverName
    """Receiver name (unique in the action group)."""
    uri_config_key: Annotated[str, Field(pattern=r"^[a-zA-Z][a-zA-Z0-9]*$")]
    """Stack config key holding the https URI, set with
    `pulumi config set --secret meshward:<uriConfigKey> https://...`."""


class ActionGroupConfig(ConfigModel):
    """The Azure Monitor action group every meshward alert notifies."""

    short_name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][-A-Za-z0-9]{0,11}$")] = "meshward"
    """Short name shown in SMS and e-mail (at most 12 characters)."""
    emails: list[EmailReceiver] = []
    """E-mail receivers."""
    webhooks: list[WebhookReceiver] = []
    """Webhook receivers."""

    @model_validator(mode="after")
    def _unique(self) -> ActionGroupConfig:
        names = [r.name for r in self.emails] + [r.name for r in self.webhooks]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"emails: receiver names must be unique; repeated: {dupes}")
        return self


class CertificateAlertsConfig(ConfigModel):
    """Key Vault near-expiry alerts for the certificates the platform depends on."""

    enabled: bool = True
    """Alert on `CertificateNearExpiry`/`SecretNearExpiry` (30 days before expiry, Key Vault's
    fixed lead time) and on expiry itself."""
    extra_objects: list[Annotated[str, Field(pattern=r"^[0-9a-zA-Z-]{1,127}$")]] = []
    """Further Key Vault certificates or secrets to watch, besides the ones meshward uses
    (edge, APIM and mesh gateway certificates, the APIM client CA, the mesh plug-in CA)."""
    severity: Literal["Sev0", "Sev1", "Sev2", "Sev3", "Sev4"] = "Sev2"
    """Severity of the Azure Monitor alert each event raises."""


class MonitoringConfig(ConfigModel):
    """Security logs to Log Analytics (and optionally Microsoft Sentinel), and alerts."""

    workspace_id: str | None = None
    """Resource ID of an existing Log Analytics workspace to send everything to; default: the
    workspace meshward creates beside the cluster (retention `aks.logAnalyticsRetentionDays`)."""
    diagnostic_settings: bool = True
    """Send the security logs of AKS (audit-admin, guard, control plane), Application Gateway
    (WAF and access), APIM (gateway) and Key Vault (audit) to the workspace (off: weaker;
    reported)."""
    sentinel: bool = False
    """Onboard the workspace to Microsoft Sentinel (billed per GB analysed)."""
    action_group: ActionGroupConfig = ActionGroupConfig()
    """Who is notified."""
    certificate_alerts: CertificateAlertsConfig = CertificateAlertsConfig()
    """Certificate and secret expiry alerts."""

    @field_validator("workspace_id")
    @classmethod
    def _workspace_id(cls, value: str | None) -> str | None:
        if value is not None and not WORKSPACE_ID.match(value):
            raise ValueError(
                f"{value!r} is not a workspace resource ID (/subscriptions/<id>/resourceGroups/"
                "<rg>/providers/Microsoft.OperationalInsights/workspaces/<name>)"
            )
        return value
