"""Azure baselines over a plan's resources, read by type token and input field (not through the
components), so they keep working when the components change how they build the inputs."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from meshward.guardrails.index import Index
from meshward.guardrails.model import Hit, Severity, Subject, rule
from meshward.mesh.simulation.scope import as_mapping

AKS_BASELINE = (
    "AKS baseline (learn.microsoft.com/azure/architecture/reference-architectures/containers/aks)"
)
WAF_DOC = (
    "Azure WAF on Application Gateway best practices "
    "(learn.microsoft.com/azure/web-application-firewall/ag/best-practices)"
)
MODERN_SSL_POLICIES = ("AppGwSslPolicy20220101", "AppGwSslPolicy20220101S")
STATEFUL_TYPES = (
    ":keyvault:Vault",
    ":apimanagement:ApiManagementService",
    ":containerservice:ManagedCluster",
    ":storage:StorageAccount",
    ":sql:Server",
    ":dbforpostgresql:Server",
    ":dbforpostgresql:FlexibleServer",
    ":documentdb:DatabaseAccount",
)
_VAULT_URL = re.compile(r"https://([a-z0-9-]+)\.vault\.[a-z0-9.-]+/(secrets|certificates)/", re.I)
_VAULT_SCOPE = re.compile(r"/providers/Microsoft\.KeyVault/vaults/([^/]+)", re.I)


def resources(index: Index, type_suffix: str) -> list[Subject]:
    """Plan resources whose type token ends with `type_suffix` (e.g. `:keyvault:Vault`)."""
    return [
        s for s in index.of_kind(type_suffix.rsplit(":", 1)[-1]) if _type(s).endswith(type_suffix)
    ]


def _type(s: Subject) -> str:
    return str(s.doc.get("type", ""))


def inputs(s: Subject) -> Mapping[str, Any]:
    """The resource's inputs as the provider receives them."""
    return as_mapping(s.doc.get("inputs"))


def _props(s: Subject) -> tuple[str, Mapping[str, Any]]:
    """Inputs that nest under `properties` (Key Vault) or sit at the top (most types)."""
    props = inputs(s).get("properties")
    if isinstance(props, Mapping):
        return "inputs.properties", props
    return "inputs", inputs(s)


@rule(
    "MW201",
    Severity.ERROR,
    title="WAF policy not in Prevention mode (prod)",
    rationale=f"Detection only logs attacks; production traffic must be blocked ({WAF_DOC}).",
    fix="Set the WAF policy's `policySettings.mode: Prevention` (`appGateway.waf.mode`).",
    peers=("Azure Policy 'WAF should use the specified mode for Application Gateway'",),
    environments=("prod",),
)
def waf_detection(index: Index) -> Iterator[Hit]:
    for s in resources(index, ":network:WebApplicationFirewallPolicy"):
        settings = as_mapping(inputs(s).get("policySettings"))
        if settings.get("mode") != "Prevention" or settings.get("state") == "Disabled":
            shown = settings.get("mode") if settings.get("state") != "Disabled" else "Disabled"
            yield Hit(s, "inputs.policySettings.mode", f"WAF is {shown}, not Prevention")


@rule(
    "MW202",
    Severity.ERROR,
    title="WAF policy without a managed rule set (prod)",
    rationale="Without the Default Rule Set (or OWASP CRS) the WAF blocks no known attack "
    f"({WAF_DOC}).",
    fix="Add `Microsoft_DefaultRuleSet` 2.1 (and the Bot Manager set) to managedRules.",
    environments=("prod",),
)
def waf_without_rules(index: Index) -> Iterator[Hit]:
    for s in resources(index, ":network:WebApplicationFirewallPolicy"):
        sets = as_mapping(inputs(s).get("managedRules")).get("managedRuleSets")
        names = (
            {str(as_mapping(x).get("ruleSetType")) for x in sets}
            if isinstance(sets, list)
            else set()
        )
        if not names & {"Microsoft_DefaultRuleSet", "OWASP"}:
            yield Hit(s, "inputs.managedRules.managedRuleSets", "no DRS/OWASP managed rule set")


@rule(
    "MW203",
    Severity.ERROR,
    title="AKS node pool without host encryption",
    rationale="Host encryption covers the temp disk and OS/data disk caches, which server-side "
    f"encryption does not ({AKS_BASELINE}; Azure Security Benchmark DP-4).",
    fix="Set `enableEncryptionAtHost: true` on every pool (register the subscription feature "
    "Microsoft.Compute/EncryptionAtHost first).",
    peers=("Azure Policy 'AKS agent pools should have encryption at host enabled'",),
)
def host_encryption(index: Index) -> Iterator[Hit]:
    for s in resources(index, ":containerservice:ManagedCluster"):
        pools = inputs(s).get("agentPoolProfiles")
        for i, pool in enumerate(pools if isinstance(pools, list) else []):
            if as_mapping(pool).get("enableEncryptionAtHost") is not True:
                name = as_mapping(pool).get("name")
                yield Hit(
                    s,
                    f"inputs.agentPoolProfiles[{i}].enableEncryptionAtHost",
                    f"pool {name!r} has no host encryption",
                )
    for s in resources(index, ":containerservice:AgentPool"):
        if inputs(s).get("enableEncryptionAtHost") is not True:
            yield Hit(s, "inputs.enableEncryptionAtHost", "pool has no host encryption")


@rule(
    "MW204",
    Severity.ERROR,
    title="Application Gateway TLS policy older than 2022",
    rationale="Predefined policies before AppGwSslPolicy20220101 allow TLS 1.0/1.1 and CBC "
    "ciphers (Application Gateway TLS policy overview, learn.microsoft.com).",
    fix="Use `sslPolicy: {policyType: Predefined, policyName: AppGwSslPolicy20220101S}` or a "
    "CustomV2 policy with minProtocolVersion TLSv1_2.",
)
def old_tls_policy(index: Index) -> Iterator[Hit]:
    for s in resources(index, ":network:ApplicationGateway"):
        policy = as_mapping(inputs(s).get("sslPolicy"))
        kind = policy.get("policyType")
        if kind == "Predefined" and policy.get("policyName") in MODERN_SSL_POLICIES:
            continue
        if kind == "CustomV2" and policy.get("minProtocolVersion") in ("TLSv1_2", "TLSv1_3"):
            continue
        shown = policy.get("policyName") or kind or "the service default (TLS 1.0+)"
        yield Hit(s, "inputs.sslPolicy", f"TLS policy {shown} predates 2022")


@rule(
    "MW205",
    Severity.ERROR,
    title="HTTP listener without a redirect to HTTPS",
    rationale="A plain-HTTP listener that routes to a backend serves the API without TLS "
    f"({WAF_DOC}; Azure Security Benchmark DP-3).",
    fix="Route the HTTP listener through a redirect configuration to the HTTPS listener.",
)
def http_without_redirect(index: Index) -> Iterator[Hit]:
    for s in resources(index, ":network:ApplicationGateway"):
        listeners = inputs(s).get("httpListeners")
        routing = inputs(s).get("requestRoutingRules")
        redirected = {
            _last(as_mapping(as_mapping(r).get("httpListener")).get("id"))
            for r in (routing if isinstance(routing, list) else [])
            if as_mapping(r).get("redirectConfiguration")
        }
        for i, item in enumerate(listeners if isinstance(listeners, list) else []):
            listener = as_mapping(item)
            if listener.get("protocol") == "Http" and listener.get("name") not in redirected:
                yield Hit(
                    s,
                    f"inputs.httpListeners[{i}]",
                    f"listener {listener.get('name')!r} serves plain HTTP without a redirect",
                )


def _last(resource_id: object) -> str:
    return str(resource_id or "").rsplit("/", 1)[-1]


@rule(
    "MW206",
    Severity.ERROR,
    title="AKS with local accounts",
    rationale="Local accounts bypass Entra ID and its audit; the static admin kubeconfig cannot be "
    f"revoked per person ({AKS_BASELINE}).",
    fix="Set `disableLocalAccounts: true`.",
    peers=("Azure Policy 'AKS clusters should have local authentication methods disabled'",),
)
def local_accounts(index: Index) -> Iterator[Hit]:
    for s in resources(index, ":containerservice:ManagedCluster"):
        if inputs(s).get("disableLocalAccounts") is not True:
            yield Hit(s, "inputs.disableLocalAccounts", "local (non-Entra) accounts are enabled")


@rule(
    "MW207",
    Severity.ERROR,
    title="AKS without Entra ID and Azure RBAC",
    rationale=f"Without managed Entra ID and Azure RBAC, Kubernetes access is not governed by "
    f"Entra identities and role assignments ({AKS_BASELINE}).",
    fix="Set `aadProfile: {managed: true, enableAzureRBAC: true}` and `enableRBAC: true`.",
)
def entra_rbac(index: Index) -> Iterator[Hit]:
    for s in resources(index, ":containerservice:ManagedCluster"):
        aad = as_mapping(inputs(s).get("aadProfile"))
        if aad.get("managed") is not True or aad.get("enableAzureRBAC") is not True:
            yield Hit(s, "inputs.aadProfile", "Entra ID with Azure RBAC is not enabled")
        elif inputs(s).get("enableRBAC") is False:
            yield Hit(s, "inputs.enableRBAC", "Kubernetes RBAC is disabled")


@rule(
    "MW208",
    Severity.ERROR,
    title="AKS without workload identity",
    rationale="Without workload identity pods fall back to node-level identities or stored "
    f"secrets to reach Azure ({AKS_BASELINE}).",
    fix="Set `securityProfile.workloadIdentity.enabled: true` and "
    "`oidcIssuerProfile.enabled: true`.",
)
def workload_identity(index: Index) -> Iterator[Hit]:
    for s in resources(index, ":containerservice:ManagedCluster"):
        security = as_mapping(inputs(s).get("securityProfile"))
        if as_mapping(security.get("workloadIdentity")).get("enabled") is not True:
            yield Hit(
                s, "inputs.securityProfile.workloadIdentity.enabled", "workload identity is off"
            )
        elif as_mapping(inputs(s).get("oidcIssuerProfile")).get("enabled") is not True:
            yield Hit(s, "inputs.oidcIssuerProfile.enabled", "OIDC issuer is off")


@rule(
    "MW209",
    Severity.ERROR,
    title="Public AKS API server without authorized IP ranges",
    rationale="A public API server open to the internet is exposed to credential attacks and "
    f"Kubernetes CVEs ({AKS_BASELINE}; CIS AKS 5.4.1).",
    fix="Make the cluster private (`enablePrivateCluster: true`) or set "
    "`apiServerAccessProfile.authorizedIPRanges`.",
    peers=("Azure Policy 'Authorized IP ranges should be defined on Kubernetes Services'",),
)
def public_api_server(index: Index) -> Iterator[Hit]:
    for s in resources(index, ":containerservice:ManagedCluster"):
        access = as_mapping(inputs(s).get("apiServerAccessProfile"))
        if access.get("enablePrivateCluster") is True:
            continue
        if not access.get("authorizedIPRanges"):
            yield Hit(s, "inputs.apiServerAccessProfile", "public API server open to every address")


@rule(
    "MW210",
    Severity.ERROR,
    title="Key Vault without purge protection",
    rationale="Without purge protection a deleted vault or secret can be purged at once, by "
    "mistake or by an attacker (Key Vault security baseline; Azure Security Benchmark DP-8).",
    fix="Set `enablePurgeProtection: true` (and soft delete).",
    peers=("Azure Policy 'Key vaults should have deletion protection enabled'",),
)
def purge_protection(index: Index) -> Iterator[Hit]:
    for s in resources(index, ":keyvault:Vault"):
        at, props = _props(s)
        if props.get("enablePurgeProtection") is not True:
            yield Hit(s, f"{at}.enablePurgeProtection", "purge protection is off")


@rule(
    "MW211",
    Severity.ERROR,
    title="Key Vault with access policies instead of Azure RBAC",
    rationale="Vault access policies grant whole-vault permissions outside Azure RBAC, with no "
    "PIM or per-secret scope (Key Vault RBAC guide; Key Vault security baseline).",
    fix="Set `enableRbacAuthorization: true`, remove `accessPolicies`, grant roles per reader.",
    peers=("Azure Policy 'Azure Key Vault should use RBAC permission model'",),
)
def access_policies(index: Index) -> Iterator[Hit]:
    for s in resources(index, ":keyvault:Vault"):
        at, props = _props(s)
        if props.get("enableRbacAuthorization") is not True:
            yield Hit(s, f"{at}.enableRbacAuthorization", "the vault uses access policies")
        elif props.get("accessPolicies"):
            yield Hit(s, f"{at}.accessPolicies", "access policies are set beside RBAC")


@rule(
    "MW212",
    Severity.ERROR,
    title="API Management outside a virtual network (prod)",
    rationale="Outside a VNet the APIM gateway is reachable from the internet directly, "
    "bypassing the WAF in front of it (APIM landing zone accelerator, learn.microsoft.com).",
    fix="Set `virtualNetworkType: Internal` with a subnet (Premium or Developer SKU).",
    peers=("Azure Policy 'API Management services should use a virtual network'",),
    environments=("prod",),
)
def apim_outside_vnet(index: Index) -> Iterator[Hit]:
    for s in resources(index, ":apimanagement:ApiManagementService"):
        if inputs(s).get("virtualNetworkType") not in ("Internal", "External"):
            yield Hit(s, "inputs.virtualNetworkType", "APIM is not in a virtual network")


_JWT_POLICY = re.compile(r"<(validate-jwt|validate-azure-ad-token)\b")


@rule(
    "MW213",
    Severity.ERROR,
    title="APIM API without a JWT policy while the mesh requires tokens",
    rationale="When the mesh validates tokens, the edge must too: an API that forwards requests "
    "without validate-jwt lets unauthenticated traffic reach the mesh gateway and makes the "
    "mesh the only check (defense in depth; APIM validate-jwt reference).",
    fix="Add `validate-jwt`/`validate-azure-ad-token` to the API's (or the service's) policy.",
    context=True,
)
def apim_without_jwt(index: Index) -> Iterator[Hit]:
    if not index.of_kind("RequestAuthentication"):
        return
    policies = resources(index, ":apimanagement:ApiPolicy") + resources(
        index, ":apimanagement:Policy"
    )
    service_wide = any(
        _JWT_POLICY.search(str(inputs(p).get("value") or ""))
        for p in resources(index, ":apimanagement:Policy")
    )
    if service_wide:
        return
    covered = {
        str(inputs(p).get("apiId") or "")
        for p in policies
        if _JWT_POLICY.search(str(inputs(p).get("value") or ""))
    }
    for s in resources(index, ":apimanagement:Api"):
        api = inputs(s)
        names = {str(api.get("apiId") or ""), s.name}
        if not names & covered:
            yield Hit(
                s, "inputs", f"API {api.get('apiId')!r} forwards requests without validate-jwt"
            )


@rule(
    "MW214",
    Severity.ERROR,
    title="Stateful resource not protected (prod)",
    rationale="Without `protect` a `pulumi destroy` or a replacing change deletes the vault, the "
    "API gateway or the cluster with their data (Pulumi resource option `protect`).",
    fix="Keep `protectStatefulResources: true` (or set `protect=True` on the resource).",
    environments=("prod",),
)
def unprotected(index: Index) -> Iterator[Hit]:
    for suffix in STATEFUL_TYPES:
        for s in resources(index, suffix):
            if s.doc.get("protect") is not True:
                yield Hit(s, "protect", f"{suffix.rsplit(':', 1)[-1]} can be deleted by destroy")


@rule(
    "MW215",
    Severity.ERROR,
    title="Key Vault reader without a recorded dependency on its role assignment",
    rationale="A resource that reads a vault secret with a managed identity fails on a first "
    "`pulumi up` when it is created before (or in parallel with) the identity's role assignment, "
    "and deletes are not ordered either (Pulumi dependsOn; Azure RBAC propagation delay).",
    fix="Add `depends_on=[<the role assignment>]` to the reader.",
    context=True,
)
def vault_reader_order(index: Index) -> Iterator[Hit]:
    by_urn = {str(s.doc.get("urn")): s for s in index.subjects if s.doc.get("urn")}
    grants: dict[tuple[str, str], list[str]] = {}
    for s in resources(index, ":authorization:RoleAssignment"):
        match = _VAULT_SCOPE.search(str(inputs(s).get("scope") or ""))
        if match:
            # Keyed by the grantee's identity (a dependency of the grant), never by the vault.
            for dep in s.doc.get("dependencies") or []:
                if "Identity" not in str(dep).rsplit("::", 1)[0].rsplit("$", 1)[-1]:
                    continue
                grants.setdefault((match.group(1).lower(), str(dep)), []).append(str(s.doc["urn"]))
    for s in index.subjects:
        if not s.doc.get("urn") or s.kind == "RoleAssignment":
            continue
        vaults = {m.group(1).lower() for m in _VAULT_URL.finditer(_flat(inputs(s)))}
        if not vaults:
            continue
        deps = {str(d) for d in s.doc.get("dependencies") or []}
        closure = _closure(deps, by_urn)
        for vault in sorted(vaults):
            needed = [urn for dep in deps for urn in grants.get((vault, dep), [])]
            if needed and not any(urn in closure for urn in needed):
                shown = needed[0].rsplit("::", 1)[-1]
                yield Hit(
                    s,
                    "dependencies",
                    f"reads vault {vault} but does not depend on its role assignment {shown}",
                )


def _flat(value: object) -> str:
    if isinstance(value, Mapping):
        return " ".join(_flat(v) for v in value.values())
    if isinstance(value, list):
        return " ".join(_flat(v) for v in value)
    return value if isinstance(value, str) else ""


def _closure(deps: set[str], by_urn: Mapping[str, Subject]) -> set[str]:
    seen: set[str] = set()
    stack = list(deps)
    while stack:
        urn = stack.pop()
        if urn in seen:
            continue
        seen.add(urn)
        subject = by_urn.get(urn)
        if subject is not None:
            stack.extend(str(d) for d in subject.doc.get("dependencies") or [])
    return seen


LOGS_DOC = (
    "Azure Security Benchmark LT-3 'Enable logging for security investigation'; Azure Monitor "
    "'Supported logs' (learn.microsoft.com/azure/azure-monitor/reference/supported-logs)"
)
_RATE_LIMIT = re.compile(r"<(rate-limit|rate-limit-by-key|quota|quota-by-key)[\s/>]")


def _logged_categories(index: Index) -> dict[str, set[str]]:
    """Lower-cased target resource name (the last ID segment, type-qualified) → log categories
    a diagnostic setting sends to a workspace (category groups as `group:<name>`)."""
    out: dict[str, set[str]] = {}
    for s in resources(index, ":monitor:DiagnosticSetting"):
        uri = str(inputs(s).get("resourceUri") or "").lower()
        if not uri or not inputs(s).get("workspaceId"):
            continue
        key = "/".join(uri.rstrip("/").split("/")[-2:])
        logs = inputs(s).get("logs")
        for raw in logs if isinstance(logs, list) else []:
            log = as_mapping(raw)
            if log.get("enabled") is False:
                continue
            if log.get("category"):
                out.setdefault(key, set()).add(str(log["category"]))
            if log.get("categoryGroup"):
                out.setdefault(key, set()).add(f"group:{log['categoryGroup']}")
    return out


def _unlogged(
    index: Index, type_suffix: str, segment: str, name_key: str, category: str
) -> Iterator[tuple[Subject, str]]:
    """Resources of a type no diagnostic setting sends `category` (or allLogs/audit) from."""
    logged = _logged_categories(index)
    for s in resources(index, type_suffix):
        name = str(inputs(s).get(name_key) or s.name)
        sent = logged.get(f"{segment}/{name}".lower(), set())
        if category not in sent and not sent & {"group:allLogs", "group:audit"}:
            yield s, name


@rule(
    "MW216",
    Severity.ERROR,
    title="Application Gateway without WAF logs in a workspace (prod)",
    rationale="Without ApplicationGatewayFirewallLog in Log Analytics, blocked and detected "
    f"attacks leave no record a SIEM can alert on ({LOGS_DOC}).",
    fix="Add a diagnostic setting on the gateway that sends `ApplicationGatewayFirewallLog` to a "
    "workspace (`monitoring.diagnosticSettings: true`).",
    peers=("Azure Policy 'Azure Web Application Firewall should have resource logs enabled'",),
    environments=("prod",),
)
def appgw_without_waf_logs(index: Index) -> Iterator[Hit]:
    for s, name in _unlogged(
        index,
        ":network:ApplicationGateway",
        "applicationgateways",
        "applicationGatewayName",
        "ApplicationGatewayFirewallLog",
    ):
        yield Hit(s, "inputs", f"gateway {name!r} sends no WAF log to a workspace")


@rule(
    "MW217",
    Severity.ERROR,
    title="Key Vault without audit logs in a workspace (prod)",
    rationale="Key Vault's AuditEvent log is the only record of who read which secret, key or "
    f"certificate ({LOGS_DOC}).",
    fix="Add a diagnostic setting on the vault that sends `AuditEvent` to a workspace "
    "(`monitoring.diagnosticSettings: true`).",
    peers=("Azure Policy 'Resource logs in Key Vault should be enabled'",),
    environments=("prod",),
)
def vault_without_audit_logs(index: Index) -> Iterator[Hit]:
    for s, name in _unlogged(index, ":keyvault:Vault", "vaults", "vaultName", "AuditEvent"):
        yield Hit(s, "inputs", f"vault {name!r} sends no AuditEvent log to a workspace")


@rule(
    "MW218",
    Severity.WARNING,
    title="Public API without a rate limit",
    rationale="An API reachable from the internet without rate-limit or quota lets one caller "
    "exhaust the backends (OWASP API Security Top 10 2023, API4 'Unrestricted Resource "
    "Consumption'; APIM rate-limit-by-key reference).",
    fix="Add `rate-limit-by-key` or `quota-by-key` to the API's (or the service's) policy "
    "(`apim.rateLimits`).",
)
def api_without_rate_limit(index: Index) -> Iterator[Hit]:
    if any(
        _RATE_LIMIT.search(str(inputs(p).get("value") or ""))
        for p in resources(index, ":apimanagement:Policy")
    ):
        return
    limited = {
        str(inputs(p).get("apiId") or "")
        for p in resources(index, ":apimanagement:ApiPolicy")
        if _RATE_LIMIT.search(str(inputs(p).get("value") or ""))
    }
    for s in resources(index, ":apimanagement:Api"):
        if not {str(inputs(s).get("apiId") or ""), s.name} & limited:
            yield Hit(s, "inputs", "no rate-limit or quota policy applies to this API")
