"""One failing and one passing input per guardrail, as plain manifest dicts and plan resources."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from meshward.guardrails import Settings, Waiver

Doc = dict[str, Any]
ROOT = "istio-system"
TODAY = date(2026, 11, 26)


def obj(kind: str, name: str, namespace: str | None, spec: Any = None, **meta: Any) -> Doc:
    group = "security.istio.io/v1"
    doc: Doc = {"apiVersion": group, "kind": kind, "metadata": {"name": name, **meta}}
    if namespace is not None:
        doc["metadata"]["namespace"] = namespace
    if spec is not None:
        doc["spec"] = spec
    return doc


def ap(name: str, ns: str, spec: Any, **meta: Any) -> Doc:
    return obj("AuthorizationPolicy", name, ns, spec, **meta)


def pa(name: str, ns: str, spec: Any) -> Doc:
    return obj("PeerAuthentication", name, ns, spec)


def ra(name: str, ns: str, spec: Any) -> Doc:
    return obj("RequestAuthentication", name, ns, spec)


def namespace(name: str, injected: bool = True) -> Doc:
    labels = {"istio-injection": "enabled"} if injected else {}
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def deployment(name: str, ns: str, ports: list[int], sa: str | None = None) -> Doc:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "serviceAccountName": sa or name,
                    "containers": [{"name": "app", "ports": [{"containerPort": p} for p in ports]}],
                },
            }
        },
    }


def service(name: str, ns: str, ports: list[tuple[int, int, str]]) -> Doc:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "selector": {"app": name},
            "ports": [{"port": p, "targetPort": t, "name": n} for p, t, n in ports],
        },
    }


def mesh_config(mesh: str, ns: str = ROOT) -> Doc:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "istio", "namespace": ns},
        "data": {"mesh": mesh},
    }


def azure(
    type_: str,
    name: str,
    inputs: Doc,
    *,
    protect: bool = False,
    deps: tuple[str, ...] = (),
) -> Doc:
    return {
        "urn": f"urn:pulumi:s::p::{type_}::{name}",
        "type": type_,
        "name": name,
        "custom": True,
        "protect": protect,
        "dependencies": list(deps),
        "inputs": inputs,
    }


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:s::p::{type_}::{name}"


STRICT_MESH = pa("mesh", ROOT, {"mtls": {"mode": "STRICT"}})
PERMISSIVE_NS = pa("ns", "shop", {"mtls": {"mode": "PERMISSIVE"}})
SELECT_API = {"selector": {"matchLabels": {"app": "api"}}}
HTTP_DEPLOY = deployment("api", "shop", [8080])


@dataclass
class Case:
    bad: list[Doc]
    good: list[Doc]
    at: str
    """The object the finding must name."""
    settings: dict[str, Any] = field(default_factory=dict)
    plan: bool = False
    """`bad`/`good` are plan resources, not manifests."""


def allow(rules: list[Any], **extra: Any) -> Doc:
    return ap("p", "shop", {"action": "ALLOW", **SELECT_API, "rules": rules, **extra})


def deny(rules: list[Any]) -> Doc:
    return ap("p", "shop", {"action": "DENY", **SELECT_API, "rules": rules})


def jwt(**rule: Any) -> Doc:
    base = {"issuer": "https://issuer.example", "audiences": ["api://a"]}
    return ra("jwt", "shop", {**SELECT_API, "jwtRules": [{**base, **rule}]})


REQUIRE = deny([{"from": [{"source": {"notRequestPrincipals": ["*"]}}]}])
P = "AuthorizationPolicy/shop/p"
J = "RequestAuthentication/shop/jwt"

AKS = ":containerservice:ManagedCluster"
GOOD_AKS = {
    "disableLocalAccounts": True,
    "enableRBAC": True,
    "aadProfile": {"managed": True, "enableAzureRBAC": True},
    "securityProfile": {"workloadIdentity": {"enabled": True}},
    "oidcIssuerProfile": {"enabled": True},
    "apiServerAccessProfile": {"enablePrivateCluster": True},
    "agentPoolProfiles": [{"name": "system", "enableEncryptionAtHost": True}],
}
T_AKS = "azure-native:containerservice:ManagedCluster"
T_WAF = "azure-native:network:WebApplicationFirewallPolicy"
T_AGW = "azure-native:network:ApplicationGateway"
T_KV = "azure-native:keyvault:Vault"
T_APIM = "azure-native:apimanagement:ApiManagementService"
GOOD_WAF = {
    "policySettings": {"mode": "Prevention", "state": "Enabled"},
    "managedRules": {"managedRuleSets": [{"ruleSetType": "Microsoft_DefaultRuleSet"}]},
}
LISTENERS = {
    "httpListeners": [{"name": "https", "protocol": "Https"}, {"name": "http", "protocol": "Http"}],
    "sslPolicy": {"policyType": "Predefined", "policyName": "AppGwSslPolicy20220101S"},
}
REDIRECT = {
    "requestRoutingRules": [
        {"httpListener": {"id": "/x/httpListeners/http"}, "redirectConfiguration": {"id": "r"}}
    ]
}
NO_REDIRECT = {"requestRoutingRules": [{"httpListener": {"id": "/x/httpListeners/http"}}]}
GOOD_KV = {"properties": {"enablePurgeProtection": True, "enableRbacAuthorization": True}}
KV_URL = "https://kv1.vault.azure.net/secrets/tls"
UAMI = urn("azure-native:managedidentity:UserAssignedIdentity", "id")
GRANT = azure(
    "azure-native:authorization:RoleAssignment",
    "grant",
    {"scope": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv1"},
    deps=(UAMI,),
)
API = azure("azure-native:apimanagement:Api", "api", {"apiId": "mesh"})


def api_policy(value: str) -> Doc:
    return azure("azure-native:apimanagement:ApiPolicy", "pol", {"apiId": "api", "value": value})


def service_entry(export: list[str] | None, name: str = "psp") -> Doc:
    spec: Doc = {"hosts": ["api.psp.example"], "ports": [{"number": 443, "name": "tls"}]}
    if export is not None:
        spec["exportTo"] = export
    return {
        "apiVersion": "networking.istio.io/v1",
        "kind": "ServiceEntry",
        "metadata": {"name": name, "namespace": "payments"},
        "spec": spec,
    }


RG_ID = "/subscriptions/0/resourceGroups/rg/providers"
GATEWAY_ID = f"{RG_ID}/Microsoft.Network/applicationGateways/gw"
VAULT_ID = f"{RG_ID}/Microsoft.KeyVault/vaults/kv"
GATEWAY = azure(T_AGW, "gw", {"applicationGatewayName": "gw"})
VAULT = azure(T_KV, "kv", {"vaultName": "kv", **GOOD_KV})


def diagnostic(resource_id: str, category: str) -> Doc:
    return azure(
        "azure-native:monitor:DiagnosticSetting",
        f"diag-{resource_id.rsplit('/', 1)[-1]}",
        {
            "resourceUri": resource_id,
            "workspaceId": f"{RG_ID}/Microsoft.OperationalInsights/workspaces/logs",
            "logs": [{"category": category, "enabled": True}],
        },
    )


def case_table() -> dict[str, Case]:
    """Rule id → case."""
    waiver_old = Waiver("MW101", "PeerAuthentication/*", "migration", date(2026, 1, 1), "w[0]")
    waiver_new = Waiver("MW101", "PeerAuthentication/*", "migration", date(2027, 1, 1), "w[0]")
    return {
        "MW001": Case(
            [],
            [],
            "Waiver/MW101:PeerAuthentication/*",
            settings={"waivers": (waiver_old,)},
        ),
        "MW101": Case(
            [PERMISSIVE_NS],
            [pa("ns", "shop", {"mtls": {"mode": "STRICT"}})],
            "PeerAuthentication/shop/ns",
        ),
        "MW102": Case(
            [pa("w", "shop", {**SELECT_API, "portLevelMtls": {"9090": {"mode": "DISABLE"}}})],
            [pa("w", "shop", {**SELECT_API, "portLevelMtls": {"9090": {"mode": "STRICT"}}})],
            "PeerAuthentication/shop/w",
        ),
        "MW103": Case(
            [pa("ns", "shop", {"mtls": {"mode": "UNSET"}})],
            [STRICT_MESH, pa("ns", "shop", {"mtls": {"mode": "UNSET"}})],
            "PeerAuthentication/shop/ns",
        ),
        "MW104": Case(
            [pa("w", ROOT, SELECT_API)],
            [pa("w", "shop", SELECT_API)],
            f"PeerAuthentication/{ROOT}/w",
        ),
        "MW105": Case(
            [PERMISSIVE_NS, pa("ns2", "shop", {})], [PERMISSIVE_NS], "PeerAuthentication/shop/ns2"
        ),
        "MW106": Case(
            [HTTP_DEPLOY, pa("a", "shop", SELECT_API), pa("b", "shop", SELECT_API)],
            [HTTP_DEPLOY, pa("a", "shop", SELECT_API)],
            "PeerAuthentication/shop/b",
        ),
        "MW110": Case(
            [namespace("shop"), HTTP_DEPLOY],
            [namespace("shop"), HTTP_DEPLOY, ap("allow-nothing", "shop", {})],
            "Namespace/shop",
        ),
        "MW111": Case(
            [ap("p", ROOT, {"rules": [{}]})],
            [ap("p", ROOT, {"rules": [{"from": [{"source": {"namespaces": ["a"]}}]}]})],
            f"AuthorizationPolicy/{ROOT}/p",
        ),
        "MW112": Case(
            [allow([{"to": [{"operation": {"notPaths": ["/admin"]}}]}])],
            [allow([{"to": [{"operation": {"paths": ["/public"]}}]}])],
            P,
        ),
        "MW113": Case(
            [deny([{"to": [{"operation": {"paths": ["/admin"]}}]}])],
            [
                mesh_config("pathNormalization:\n  normalization: MERGE_SLASHES\n"),
                deny([{"to": [{"operation": {"paths": ["/admin"]}}]}]),
            ],
            P,
        ),
        "MW114": Case(
            [deny([{"to": [{"operation": {"paths": ["/admin"]}}]}])],
            [deny([{"to": [{"operation": {"notPaths": ["/public"]}}]}])],
            P,
        ),
        "MW115": Case(
            [PERMISSIVE_NS, allow([{"from": [{"source": {"notNamespaces": ["evil"]}}]}])],
            [STRICT_MESH, allow([{"from": [{"source": {"notNamespaces": ["evil"]}}]}])],
            P,
        ),
        "MW116": Case(
            [
                deployment("api", "shop", [5432]),
                service("api", "shop", [(5432, 5432, "tcp")]),
                deny([{"to": [{"operation": {"methods": ["DELETE"]}}]}]),
            ],
            [
                deployment("api", "shop", [5432]),
                service("api", "shop", [(5432, 5432, "tcp")]),
                deny([{"to": [{"operation": {"methods": ["DELETE"], "ports": ["8080"]}}]}]),
            ],
            P,
        ),
        "MW117": Case(
            [
                deployment("api", "shop", [5432]),
                service("api", "shop", [(5432, 5432, "tcp")]),
                allow([{"to": [{"operation": {"paths": ["/x"]}}]}]),
            ],
            [
                deployment("api", "shop", [5432]),
                service("api", "shop", [(5432, 5432, "tcp")]),
                allow([{"to": [{"operation": {"ports": ["5432"]}}]}]),
            ],
            P,
        ),
        "MW118": Case(
            [allow([{"to": [{"operation": {"hosts": ["shop.example"]}}]}])],
            [allow([{"to": [{"operation": {"hosts": ["shop.example", "shop.example:*"]}}]}])],
            P,
        ),
        "MW119": Case(
            [allow([{"to": [{"operation": {"hosts": ["a.example", "a.example:*"]}}]}])],
            [
                ap(
                    "p",
                    "gw",
                    {
                        "selector": {"matchLabels": {"istio": "ingressgateway"}},
                        "rules": [{"to": [{"operation": {"hosts": ["a.example"]}}]}],
                    },
                )
            ],
            P,
        ),
        "MW120": Case(
            [allow([{"to": [{"operation": {"methods": ["get"]}}]}])],
            [allow([{"to": [{"operation": {"methods": ["GET", "P*"]}}]}])],
            P,
        ),
        "MW121": Case(
            [ap("p", "shop", {"rules": [{}]}, annotations={"istio.io/dry-run": "true"})],
            [ap("p", "shop", {"rules": [{}]}, annotations={"istio.io/dry-run": "false"})],
            P,
        ),
        "MW122": Case(
            [
                mesh_config("extensionProviders:\n- name: opa\n"),
                ap(
                    "p", "shop", {"action": "CUSTOM", "provider": {"name": "oauth2"}, "rules": [{}]}
                ),
            ],
            [
                mesh_config("extensionProviders:\n- name: opa\n"),
                ap("p", "shop", {"action": "CUSTOM", "provider": {"name": "opa"}, "rules": [{}]}),
            ],
            P,
        ),
        "MW130": Case([jwt()], [jwt(), REQUIRE], J),
        "MW131": Case([jwt(audiences=[])], [jwt()], J),
        "MW132": Case(
            [jwt(jwksUri="http://issuer.example/keys")],
            [jwt(jwksUri="https://issuer.example/keys")],
            J,
        ),
        "MW133": Case(
            [jwt(jwksUri="https://169.254.169.254/keys")],
            [jwt(jwksUri="https://login.example.com/keys")],
            J,
        ),
        "MW134": Case(
            [jwt(outputClaimToHeaders=[{"claim": "sub", "header": "X-Forwarded-For"}])],
            [jwt(outputClaimToHeaders=[{"claim": "sub", "header": "x-jwt-sub"}])],
            J,
        ),
        "MW135": Case([jwt(fromCookies=["session"])], [jwt()], J),
        "MW136": Case([jwt(forwardOriginalToken=True)], [jwt(forwardOriginalToken=False)], J),
        "MW140": Case(
            [allow([{"from": [{"source": {"principals": ["spiffe://cluster.local/ns/a/sa/b"]}}]}])],
            [allow([{"from": [{"source": {"principals": ["cluster.local/ns/a/sa/b"]}}]}])],
            P,
        ),
        "MW141": Case(
            [allow([{"from": [{"source": {"principals": ["other.example/ns/a/sa/b"]}}]}])],
            [
                mesh_config("trustDomainAliases: [other.example]\n"),
                allow([{"from": [{"source": {"principals": ["other.example/ns/a/sa/b"]}}]}]),
            ],
            P,
        ),
        "MW142": Case(
            [allow([{"from": [{"source": {"principals": ["*"]}}]}])],
            [allow([{"from": [{"source": {"principals": ["cluster.local/ns/a/sa/b"]}}]}])],
            P,
        ),
        "MW143": Case(
            [allow([{"from": [{"source": {"serviceAccounts": ["cm/cert-manager.io"]}}]}])],
            [allow([{"from": [{"source": {"serviceAccounts": ["cm/cert-manager"]}}]}])],
            P,
        ),
        "MW150": Case(
            [
                HTTP_DEPLOY,
                service("api", "shop", [(80, 8080, "http")]),
                allow([{"to": [{"operation": {"ports": ["80"]}}]}]),
            ],
            [
                HTTP_DEPLOY,
                service("api", "shop", [(80, 8080, "http")]),
                allow([{"to": [{"operation": {"ports": ["8080"]}}]}]),
            ],
            P,
        ),
        "MW151": Case(
            [
                ap(
                    "p",
                    "shop",
                    {"rules": [{}]},
                    annotations={
                        "meshward.io/break-glass": "x: expires 2026-01-31, ticket INC-1, repair"
                    },
                )
            ],
            [
                ap(
                    "p",
                    "shop",
                    {"rules": [{}]},
                    annotations={
                        "meshward.io/break-glass": "x: expires 2027-01-31, ticket INC-1, repair"
                    },
                )
            ],
            P,
        ),
        "MW152": Case(
            [ap("p", "shop", {"rules": [{}]}, annotations={"meshward.io/break-glass": "x"})],
            [
                ap(
                    "p",
                    "shop",
                    {"rules": [{}]},
                    annotations={
                        "meshward.io/break-glass": "x: expires 2027-01-31, ticket INC-1, repair"
                    },
                )
            ],
            P,
        ),
        "MW153": Case(
            [namespace("shop"), allow([{"from": [{"source": {"namespaces": ["shopp"]}}]}])],
            [namespace("shop"), allow([{"from": [{"source": {"namespaces": ["shop"]}}]}])],
            P,
        ),
        "MW154": Case(
            [
                HTTP_DEPLOY,
                allow([{"from": [{"source": {"principals": ["cluster.local/ns/shop/sa/apii"]}}]}]),
            ],
            [
                HTTP_DEPLOY,
                allow([{"from": [{"source": {"principals": ["cluster.local/ns/shop/sa/api"]}}]}]),
            ],
            P,
        ),
        "MW155": Case(
            [HTTP_DEPLOY, ap("p", "shop", {"selector": {"matchLabels": {"app": "apu"}}})],
            [HTTP_DEPLOY, ap("p", "shop", SELECT_API)],
            P,
        ),
        "MW201": Case(
            [azure(T_WAF, "waf", {**GOOD_WAF, "policySettings": {"mode": "Detection"}})],
            [azure(T_WAF, "waf", GOOD_WAF)],
            "WebApplicationFirewallPolicy/waf",
            settings={"environment": "prod"},
            plan=True,
        ),
        "MW202": Case(
            [azure(T_WAF, "waf", {**GOOD_WAF, "managedRules": {"managedRuleSets": []}})],
            [azure(T_WAF, "waf", GOOD_WAF)],
            "WebApplicationFirewallPolicy/waf",
            settings={"environment": "prod"},
            plan=True,
        ),
        "MW203": Case(
            [azure("azure-native:containerservice:AgentPool", "pool", {"vmSize": "x"})],
            [
                azure(
                    "azure-native:containerservice:AgentPool",
                    "pool",
                    {"enableEncryptionAtHost": True},
                )
            ],
            "AgentPool/pool",
            plan=True,
        ),
        "MW204": Case(
            [
                azure(
                    T_AGW,
                    "agw",
                    {
                        **LISTENERS,
                        **REDIRECT,
                        "sslPolicy": {
                            "policyType": "Predefined",
                            "policyName": "AppGwSslPolicy20170401S",
                        },
                    },
                )
            ],
            [azure(T_AGW, "agw", {**LISTENERS, **REDIRECT})],
            "ApplicationGateway/agw",
            plan=True,
        ),
        "MW205": Case(
            [azure(T_AGW, "agw", {**LISTENERS, **NO_REDIRECT})],
            [azure(T_AGW, "agw", {**LISTENERS, **REDIRECT})],
            "ApplicationGateway/agw",
            plan=True,
        ),
        "MW206": Case(
            [azure(T_AKS, "aks", {**GOOD_AKS, "disableLocalAccounts": False})],
            [azure(T_AKS, "aks", GOOD_AKS)],
            "ManagedCluster/aks",
            plan=True,
        ),
        "MW207": Case(
            [azure(T_AKS, "aks", {**GOOD_AKS, "aadProfile": {"managed": True}})],
            [azure(T_AKS, "aks", GOOD_AKS)],
            "ManagedCluster/aks",
            plan=True,
        ),
        "MW208": Case(
            [azure(T_AKS, "aks", {**GOOD_AKS, "securityProfile": {}})],
            [azure(T_AKS, "aks", GOOD_AKS)],
            "ManagedCluster/aks",
            plan=True,
        ),
        "MW209": Case(
            [azure(T_AKS, "aks", {**GOOD_AKS, "apiServerAccessProfile": {}})],
            [
                azure(
                    T_AKS,
                    "aks",
                    {
                        **GOOD_AKS,
                        "apiServerAccessProfile": {"authorizedIPRanges": ["198.51.100.0/24"]},
                    },
                )
            ],
            "ManagedCluster/aks",
            plan=True,
        ),
        "MW210": Case(
            [azure(T_KV, "kv", {"properties": {"enableRbacAuthorization": True}})],
            [azure(T_KV, "kv", GOOD_KV)],
            "Vault/kv",
            plan=True,
        ),
        "MW211": Case(
            [
                azure(
                    T_KV,
                    "kv",
                    {"properties": {"enablePurgeProtection": True, "accessPolicies": [{}]}},
                )
            ],
            [azure(T_KV, "kv", GOOD_KV)],
            "Vault/kv",
            plan=True,
        ),
        "MW212": Case(
            [azure(T_APIM, "apim", {"virtualNetworkType": "None"})],
            [azure(T_APIM, "apim", {"virtualNetworkType": "Internal"})],
            "ApiManagementService/apim",
            settings={"environment": "prod"},
            plan=True,
        ),
        "MW213": Case(
            [jwt(), REQUIRE, API, api_policy("<policies><inbound/></policies>")],
            [jwt(), REQUIRE, API, api_policy("<policies><inbound><validate-jwt/></inbound>")],
            "Api/api",
            plan=True,
        ),
        "MW214": Case(
            [azure(T_KV, "kv", GOOD_KV)],
            [azure(T_KV, "kv", GOOD_KV, protect=True)],
            "Vault/kv",
            settings={"environment": "prod"},
            plan=True,
        ),
        "MW215": Case(
            [GRANT, azure(T_APIM, "apim", {"keyVaultId": KV_URL}, deps=(UAMI,))],
            [GRANT, azure(T_APIM, "apim", {"keyVaultId": KV_URL}, deps=(UAMI, str(GRANT["urn"])))],
            "ApiManagementService/apim",
            plan=True,
        ),
        "MW160": Case(
            [mesh_config("pathNormalization: {normalization: MERGE_SLASHES}")],
            [mesh_config("outboundTrafficPolicy: {mode: REGISTRY_ONLY}")],
            f"ConfigMap/{ROOT}/istio",
            settings={"environment": "prod"},
        ),
        "MW161": Case(
            [service_entry(["*"]), service_entry(None, name="implicit")],
            [service_entry([".", "orders"])],
            "ServiceEntry/payments/psp",
        ),
        "MW216": Case(
            [GATEWAY, diagnostic(GATEWAY_ID, "ApplicationGatewayAccessLog")],
            [GATEWAY, diagnostic(GATEWAY_ID, "ApplicationGatewayFirewallLog")],
            "ApplicationGateway/gw",
            settings={"environment": "prod"},
            plan=True,
        ),
        "MW217": Case(
            [VAULT, diagnostic(VAULT_ID, "AzurePolicyEvaluationDetails")],
            [VAULT, diagnostic(VAULT_ID, "AuditEvent")],
            "Vault/kv",
            settings={"environment": "prod"},
            plan=True,
        ),
        "MW218": Case(
            [API, api_policy("<policies><inbound><validate-jwt/></inbound></policies>")],
            [API, api_policy('<policies><inbound><rate-limit-by-key calls="5"/></inbound>')],
            "Api/api",
            plan=True,
        ),
    } | {"MW001-valid": Case([], [], "-", settings={"waivers": (waiver_new,)})}


def settings_of(case: Case) -> Settings:
    return Settings(today=TODAY, **case.settings)
