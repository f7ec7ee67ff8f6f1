"""Settings that are weaker than meshward's hardened baseline, so reports can show them.

Weaker choices are allowed where an issue says so (e.g. WAF Detection in dev), but they are
never silent: every plan report and `plan.json` consumer can list them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from meshward.config.platform import PlatformConfig


@dataclass(frozen=True)
class Weakening:
    """One setting below the hardened baseline."""

    path: str
    """Config path, e.g. `platform.appGateway.waf.mode`."""
    value: str
    """The value in effect."""
    why: str
    """What it costs in security terms."""


def weakened_settings(cfg: PlatformConfig) -> list[Weakening]:
    """Every weaker-than-baseline setting in `cfg`, in a stable order."""
    out: list[Weakening] = []

    def add(path: str, value: object, why: str) -> None:
        out.append(Weakening(f"platform.{path}", str(value), why))

    if cfg.app_gateway.waf.mode != "Prevention":
        add("appGateway.waf.mode", cfg.app_gateway.waf.mode, "WAF only logs attacks")
    if not cfg.app_gateway.waf.bot_manager:
        add("appGateway.waf.botManager", False, "no bot protection rule set")
    if not cfg.app_gateway.waf.request_body_inspection:
        add("appGateway.waf.requestBodyInspection", False, "request bodies are not inspected")
    if cfg.app_gateway.tls_policy != "AppGwSslPolicy20220101S":
        add("appGateway.tlsPolicy", cfg.app_gateway.tls_policy, "wider TLS cipher list")
    if cfg.aks.api_server.mode != "private":
        ranges = ", ".join(cfg.aks.api_server.authorized_ip_ranges)
        add("aks.apiServer.mode", cfg.aks.api_server.mode, f"public API server ({ranges})")
    for flag, why in (
        ("azure_policy", "no Azure Policy add-on"),
        ("defender", "no Defender for Containers"),
        ("image_cleaner", "vulnerable unused images stay on nodes"),
        ("disable_run_command", "`az aks command invoke` is allowed"),
    ):
        if not getattr(cfg.aks, flag):
            camel = flag.split("_")[0] + "".join(w.title() for w in flag.split("_")[1:])
            add(f"aks.{camel}", False, why)
    if cfg.aks.upgrade_channel == "none":
        add("aks.upgradeChannel", "none", "no automatic Kubernetes patching")
    if cfg.aks.node_os_upgrade_channel in ("None", "Unmanaged"):
        add(
            "aks.nodeOsUpgradeChannel",
            cfg.aks.node_os_upgrade_channel,
            "no managed node-OS patching",
        )
    for i, pool in enumerate([cfg.aks.system_pool, *cfg.aks.user_pools]):
        if not pool.host_encryption:
            where = "systemPool" if i == 0 else f"userPools[{pool.name}]"
            add(f"aks.{where}.hostEncryption", False, "temp disks and caches unencrypted")
    if cfg.key_vault.public_network_access:
        add("keyVault.publicNetworkAccess", True, "vault endpoint reachable from the internet")
    if not cfg.key_vault.private_endpoint:
        add("keyVault.privateEndpoint", False, "vault reached over its public endpoint")
    if cfg.mesh.ingress.external:
        add("mesh.ingress.external", True, "a public gateway bypasses AppGW WAF and APIM")
    for issuer in cfg.jwt_issuers:
        if not issuer.audiences:
            add(f"jwtIssuers[{issuer.name}].audiences", "[]", "tokens for any audience accepted")
    _mesh_weakenings(cfg, add)
    _platform_weakenings(cfg, add)
    _observability_weakenings(cfg, add)
    if not cfg.protect_stateful_resources:
        add("protectStatefulResources", False, "stateful resources can be destroyed")
    return out


def _mesh_weakenings(cfg: PlatformConfig, add: Callable[[str, object, str], None]) -> None:
    """mTLS below STRICT, default-deny or NetworkPolicies off, and every break-glass grant."""
    mesh = cfg.mesh
    plaintext = {"PERMISSIVE": "plaintext accepted", "DISABLE": "mTLS off (plaintext only)"}
    if mesh.mtls.mode != "STRICT":
        add("mesh.mtls.mode", mesh.mtls.mode, f"mesh-wide: {plaintext[mesh.mtls.mode]}")
    for ns, mode in sorted(mesh.mtls.namespaces.items()):
        if mode != "STRICT":
            add(f"mesh.mtls.namespaces.{ns}", mode, f"namespace {ns}: {plaintext[mode]}")
    for i, override in enumerate(mesh.mtls.workloads):
        if override.mode is not None and override.mode != "STRICT":
            add(
                f"mesh.mtls.workloads[{i}].mode",
                override.mode,
                f"{override.workload}: {plaintext[override.mode]}",
            )
        for port, mode in sorted(override.ports.items()):
            if mode != "STRICT":
                add(
                    f"mesh.mtls.workloads[{i}].ports.{port}",
                    mode,
                    f"{override.workload} port {port}: {plaintext[mode]}",
                )
    if not mesh.default_deny:
        add("mesh.defaultDeny", False, "untargeted workloads accept every request")
    if not mesh.network_policies:
        add("mesh.networkPolicies", False, "no L3/L4 NetworkPolicies behind the mesh policies")
    for ns, setting in sorted(mesh.namespaces.items()):
        if setting.default_deny is False and mesh.default_deny:
            add(
                f"mesh.namespaces.{ns}.defaultDeny",
                False,
                f"untargeted workloads in {ns} accept every request",
            )
        if setting.network_policies is False and mesh.network_policies:
            add(f"mesh.namespaces.{ns}.networkPolicies", False, f"no NetworkPolicies in {ns}")
    for i, grant in enumerate(mesh.break_glass):
        callers = ", ".join(
            [*grant.from_.workloads, *grant.from_.namespaces, *grant.from_.ip_blocks]
            + (["ingress gateway"] if grant.from_.ingress_gateway else [])
            + ([f"jwt:{grant.from_.jwt.issuer}"] if grant.from_.jwt else [])
        )
        add(
            f"mesh.breakGlass[{i}]",
            f"{grant.name}: {callers} -> {', '.join(grant.to.workloads)} until {grant.expires}",
            f"break-glass grant, ticket {grant.ticket}: {grant.reason}",
        )


def _platform_weakenings(cfg: PlatformConfig, add: Callable[[str, object, str], None]) -> None:
    """Edge and cluster choices below the baseline that the checks above do not cover."""
    if cfg.app_gateway.waf.rule_set != "DRS_2.1":
        add("appGateway.waf.ruleSet", cfg.app_gateway.waf.rule_set, "older managed rule set")
    if cfg.apim.developer_portal:
        add("apim.developerPortal", True, "developer portal served by the internal APIM")
    if not cfg.aks.key_vault_csi:
        add("aks.keyVaultCsi", False, "no Key Vault CSI driver (the mesh plug-in CA needs it)")
    if cfg.key_vault.public_network_access and not cfg.key_vault.allowed_ip_ranges:
        add("keyVault.allowedIpRanges", "[]", "public endpoint open only to trusted Azure services")


def _observability_weakenings(cfg: PlatformConfig, add: Callable[[str, object, str], None]) -> None:
    """Logging, alerting, egress and rate limits below the baseline."""
    monitoring, mesh = cfg.monitoring, cfg.mesh
    if not monitoring.diagnostic_settings:
        add("monitoring.diagnosticSettings", False, "no audit, WAF, APIM or Key Vault logs")
    elif monitoring.workspace_id is None and cfg.aks.log_analytics_retention_days < 90:
        add(
            "aks.logAnalyticsRetentionDays",
            cfg.aks.log_analytics_retention_days,
            "security logs kept less than 90 days",
        )
    if not monitoring.certificate_alerts.enabled:
        add("monitoring.certificateAlerts.enabled", False, "certificates can expire unseen")
    if mesh.telemetry.access_logs == "off":
        add("mesh.telemetry.accessLogs", "off", "no record of denied or plaintext requests")
    if not cfg.aks.container_insights:
        # The proxies' access logs reach Log Analytics only through Container Insights.
        add("aks.containerInsights", False, "no container or access logs in Log Analytics")
    for ns, mode in sorted(mesh.telemetry.namespaces.items()):
        if mode == "off":
            add(f"mesh.telemetry.namespaces.{ns}", "off", f"no access logs in {ns}")
    if mesh.egress.outbound_traffic_policy == "ALLOW_ANY":
        add("mesh.egress.outboundTrafficPolicy", "ALLOW_ANY", "sidecars may call any host")
    for i, service in enumerate(mesh.egress.external_services):
        if "*" in service.export_to:
            add(
                f"mesh.egress.externalServices[{i}].exportTo",
                "*",
                f"every namespace may call {', '.join(service.hosts)}",
            )
    if not cfg.apim.rate_limits:
        add("apim.rateLimits", "[]", "no per-caller rate limit on the API")
    if not any(r.kind == "rateLimit" for r in cfg.app_gateway.waf.custom_rules):
        add("appGateway.waf.customRules", "no rate limit", "no per-IP rate limit at the edge")
