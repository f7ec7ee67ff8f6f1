"""What a first `pulumi up` of a stack needs, checked offline where possible (pure).

The CLI gathers the facts (the stack file, which tools are on PATH, the environment) and this
module turns them into findings; nothing here touches the file system or the network.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from meshward.azure.kubeconfig import MODE_ENVIRONMENT
from meshward.config import PlatformConfig
from meshward.config.certificates import CERTIFICATE_ROLES
from meshward.preflight.placeholders import find_placeholders
from meshward.versions import addon_revision_verified

Status = Literal["block", "warn", "check", "ok"]
"""`block`: the first `pulumi up` fails or hangs; `warn`: it works but probably not as meant;
`check`: cannot be verified offline, the detail says how to verify; `ok`: nothing to do."""
Section = Literal["stack", "secrets", "subscription", "deploy path", "tools"]
SECTIONS: tuple[Section, ...] = ("stack", "secrets", "subscription", "deploy path", "tools")

#: Resource providers the platform's resources live in (register once per subscription).
RESOURCE_PROVIDERS = (
    "Microsoft.ApiManagement",
    "Microsoft.Compute",
    "Microsoft.ContainerService",
    "Microsoft.Insights",
    "Microsoft.KeyVault",
    "Microsoft.ManagedIdentity",
    "Microsoft.Network",
    "Microsoft.OperationalInsights",
)
EXPIRY_WARNING_DAYS = 30


@dataclass(frozen=True)
class Finding:
    """One line of the preflight table."""

    section: Section
    item: str
    status: Status
    detail: str


@dataclass(frozen=True)
class StackFacts:
    """What the CLI read about the stack and the machine."""

    platform: Mapping[str, Any]
    """`meshward:platform` as written in the stack file."""
    config_keys: frozenset[str]
    """Short names of every `meshward:*` key set in the stack file (plain or `secure:`)."""
    tools: Mapping[str, bool] | None
    """Tool → on PATH; None leaves the tools section out."""
    environment: Mapping[str, str]
    """Environment variables of this shell (only names that matter are read)."""
    today: datetime.date


def stack_findings(cfg: PlatformConfig, written: Mapping[str, Any]) -> list[Finding]:
    """Placeholders: blocking where the stack file wrote them, warnings where they are model
    defaults (those only name private things, such as the internal DNS zone)."""
    findings: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for p in find_placeholders(dict(written), "platform"):
        seen.add((p.path, p.value))
        findings.append(Finding("stack", p.path, "block", f"{p.value}: {p.why}"))
    effective = cfg.model_dump(mode="json", by_alias=True)
    for p in find_placeholders(effective, "platform"):
        if (p.path, p.value) not in seen:
            findings.append(
                Finding("stack", p.path, "warn", f"{p.value}: {p.why} (meshward's default)")
            )
    if cfg.mesh.install == "addon":
        target = cfg.mesh.revisions[-1]
        if not addon_revision_verified(target):
            findings.append(
                Finding(
                    "stack",
                    "platform.mesh.revisions",
                    "check",
                    f"{target} is not in meshward's verified list; "
                    "check `az aks mesh get-revisions --location "
                    f"{cfg.location}`",
                )
            )
    if cfg.environment == "prod" and cfg.certificates.source == "generated":
        findings.append(
            Finding(
                "stack",
                "platform.certificates.source",
                "warn",
                "generated: browsers do not trust the edge certificate",
            )
        )
    return findings


def _expiry(item: str, expires: datetime.date | None, today: datetime.date) -> Finding | None:
    if expires is None:
        return None
    if expires < today:
        return Finding("secrets", item, "block", f"expired on {expires}")
    if (expires - today).days <= EXPIRY_WARNING_DAYS:
        return Finding("secrets", item, "warn", f"expires on {expires}")
    return None


def secret_findings(cfg: PlatformConfig, facts: StackFacts) -> list[Finding]:
    """Every stack secret the program reads must be set (offline we only see that it is)."""
    wanted: list[tuple[str, str, datetime.date | None]] = [
        (s.config_key, f"keyVault.seedSecrets[{s.name}]", s.expires)
        for s in cfg.key_vault.seed_secrets
    ]
    if cfg.certificates.source == "stackSecrets":
        for role in CERTIFICATE_ROLES:
            provided = cfg.certificates.provided[role]
            wanted.append((provided.config_key, f"certificates.provided.{role}", provided.expires))
    findings: list[Finding] = []
    for key, used_by, expires in wanted:
        item = f"meshward:{key}"
        if key not in facts.config_keys:
            findings.append(
                Finding(
                    "secrets",
                    item,
                    "block",
                    f"not set (used by {used_by}): pulumi config set --secret {item} <value>",
                )
            )
        else:
            findings.append(Finding("secrets", item, "ok", f"set (used by {used_by})"))
        expiry = _expiry(item, expires, facts.today)
        if expiry is not None:
            findings.append(expiry)
    return findings


def subscription_findings(cfg: PlatformConfig) -> list[Finding]:
    """Subscription features and resource providers: registered once, not checkable offline."""
    findings: list[Finding] = []
    pools = [cfg.aks.system_pool, *cfg.aks.user_pools]
    if any(p.host_encryption for p in pools):
        findings.append(
            Finding(
                "subscription",
                "feature Microsoft.Compute/EncryptionAtHost",
                "check",
                "node pools use host encryption: `az feature register --namespace "
                "Microsoft.Compute --name EncryptionAtHost`, then "
                "`az provider register -n Microsoft.Compute`; `az feature show --namespace "
                "Microsoft.Compute --name EncryptionAtHost --query properties.state` must "
                "say Registered",
            )
        )
    findings.append(
        Finding(
            "subscription",
            "resource providers",
            "check",
            "registered: " + ", ".join(RESOURCE_PROVIDERS) + " (`az provider register -n <ns>`)",
        )
    )
    return findings


def deploy_path_findings(cfg: PlatformConfig) -> list[Finding]:
    """Can whoever runs `pulumi up` reach the Kubernetes API server it creates?"""
    api = cfg.aks.api_server
    if api.mode == "authorizedRanges":
        return [
            Finding(
                "deploy path",
                "platform.aks.apiServer.authorizedIpRanges",
                "check",
                "public API server: the deployer's egress address must be inside "
                + ", ".join(api.authorized_ip_ranges),
            )
        ]
    if api.runner_vnet_id is not None:
        return [
            Finding(
                "deploy path",
                "platform.aks.apiServer.runnerVnetId",
                "check",
                "private API server reached from the runner VNet: the stack peers it both ways "
                f"and links privatelink.{cfg.location}.azmk8s.io to it. The deployer needs "
                "Network Contributor on that VNet (the peering back is created there); it must "
                "be in the stack's subscription and its address space must not overlap "
                f"{cfg.network.address_space}",
            )
        ]
    if cfg.network.existing is not None:
        return [
            Finding(
                "deploy path",
                "platform.network.existing",
                "check",
                "private API server: run `pulumi up` from inside (or peered to) "
                f"{cfg.network.existing.vnet_id}, resolving privatelink.{cfg.location}.azmk8s.io",
            )
        ]
    return [
        Finding(
            "deploy path",
            "platform.aks.apiServer",
            "block",
            "private API server with no way in: set aks.apiServer.runnerVnetId to the VNet "
            "your CI runner runs in (or deploy into network.existing)",
        )
    ]


def tool_findings(cfg: PlatformConfig, facts: StackFacts) -> list[Finding]:
    """Tools on PATH and the sign-in environment of the chosen kubelogin mode."""
    if facts.tools is None:
        return []
    mode = cfg.aks.kubelogin.mode
    needed = {
        "pulumi": "runs the deployment",
        "kubelogin": f"signs the Kubernetes provider in (mode {mode})",
        "az": "Azure CLI sign-in for kubelogin mode azurecli"
        if mode == "azurecli"
        else "registers features and reads APIM keys",
    }
    findings: list[Finding] = []
    for tool, why in needed.items():
        present = facts.tools.get(tool, False)
        required = tool != "az" or mode == "azurecli"
        status: Status = "ok" if present else ("block" if required else "warn")
        findings.append(
            Finding("tools", tool, status, ("on PATH: " if present else "not on PATH: ") + why)
        )
    for variable in MODE_ENVIRONMENT[mode]:
        if variable == "AZURE_CLIENT_ID" and cfg.aks.kubelogin.client_id:
            continue
        present = bool(facts.environment.get(variable))
        findings.append(
            Finding(
                "tools",
                f"${variable}",
                "ok" if present else "block",
                f"{'set' if present else 'not set'}: kubelogin mode {mode} reads it",
            )
        )
    return findings


def preflight(cfg: PlatformConfig, facts: StackFacts) -> list[Finding]:
    """All findings, grouped by section in a fixed order."""
    return [
        *stack_findings(cfg, facts.platform),
        *secret_findings(cfg, facts),
        *subscription_findings(cfg),
        *deploy_path_findings(cfg),
        *tool_findings(cfg, facts),
    ]


def blocking(findings: list[Finding]) -> bool:
    """Whether anything stops the first `pulumi up`."""
    return any(f.status == "block" for f in findings)
