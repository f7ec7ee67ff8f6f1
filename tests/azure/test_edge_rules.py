"""Pure edge computations: WAF rules, the AppGW layout, NSG tables (no Pulumi)."""

from __future__ import annotations

from meshward.azure import appgw_layout, nsg_rules, waf_rules
from meshward.config.edge import AppGatewayConfig, GeoFilterRule, RateLimitRule, WafConfig
from meshward.config.network import Subnets


def test_waf_defaults_to_prevention_with_drs_21_and_bot_manager() -> None:
    waf = WafConfig()
    assert waf_rules.policy_settings(waf)["mode"] == "Prevention"
    assert waf_rules.policy_settings(waf)["request_body_check"] is True
    sets = waf_rules.managed_rules(waf)["managed_rule_sets"]
    assert [(s["rule_set_type"], s["rule_set_version"]) for s in sets] == [
        ("Microsoft_DefaultRuleSet", "2.1"),
        ("Microsoft_BotManagerRuleSet", "1.1"),
    ]


def test_custom_rules_become_rate_limits_and_geo_blocks_in_priority_order() -> None:
    rules = waf_rules.custom_rules(
        [
            GeoFilterRule(name="onlyEu", priority=20, countries=["DE", "FR"], mode="allowOnly"),
            RateLimitRule(name="login", priority=10, threshold=100, path_prefix="/login"),
        ]
    )
    assert [r["name"] for r in rules] == ["login", "onlyEu"]
    assert rules[0]["rule_type"] == "RateLimitRule"
    assert rules[0]["rate_limit_threshold"] == 100
    assert rules[1]["match_conditions"][0]["negation_conditon"] is True
    assert all(r["action"] == "Block" for r in rules)


def test_appgw_sends_apims_host_name_and_probes_its_status_endpoint() -> None:
    gw = appgw_layout.gateway_id("sub", "rg", "gw")
    layout = appgw_layout.layout(
        AppGatewayConfig(), gw, "apim.internal.example", "10.0.0.4", "https://v.example/"
    )
    (settings,) = layout["backend_http_settings_collection"]
    assert settings["host_name"] == "apim.internal.example"
    assert settings["protocol"] == "Https"
    assert settings["pick_host_name_from_backend_address"] is False
    (probe,) = layout["probes"]
    assert (probe["host"], probe["path"]) == ("apim.internal.example", "/status-0123456789abcdef")
    (pool,) = layout["backend_address_pools"]
    assert pool["backend_addresses"] == [{"ip_address": "10.0.0.4"}]
    assert layout["ssl_certificates"][0]["key_vault_secret_id"] == (
        "https://v.example/secrets/edge-tls"
    )


def test_http_listener_only_redirects_to_https() -> None:
    gw = appgw_layout.gateway_id("sub", "rg", "gw")
    layout = appgw_layout.layout(AppGatewayConfig(), gw, "h.example", "10.0.0.4", "https://v/")
    (redirect,) = layout["redirect_configurations"]
    assert redirect["redirect_type"] == "Permanent"
    assert redirect["target_listener"]["id"].endswith("/httpListeners/https")
    http_rule = next(r for r in layout["request_routing_rules"] if r["name"] == "http-redirect")
    assert "backend_address_pool" not in http_rule


def test_apim_nsg_allows_management_and_appgw_and_denies_the_rest() -> None:
    subnets = Subnets()
    rules = {r["name"]: r for r in nsg_rules.apim_rules(subnets)}
    assert rules["AllowApimManagement"]["source_address_prefix"] == "ApiManagement"
    assert rules["AllowApimManagement"]["destination_port_range"] == "3443"
    assert rules["AllowAzureLoadBalancer"]["destination_port_range"] == "6390"
    assert rules["AllowAppGatewayHttps"]["source_address_prefix"] == subnets.app_gateway
    assert rules["DenyAllInbound"]["access"] == "Deny"


def test_appgw_nsg_opens_the_infrastructure_ports_azure_requires() -> None:
    rules = {r["name"]: r for r in nsg_rules.app_gateway_rules(Subnets())}
    assert rules["AllowGatewayManager"]["destination_port_range"] == "65200-65535"
    assert rules["AllowHttpsInbound"]["source_address_prefix"] == "Internet"


def test_node_subnet_denies_the_vnet_below_apim_probes_and_nodes() -> None:
    from meshward.azure.nsg_rules import aks_nodes_rules
    from meshward.config.network import Subnets

    rules = aks_nodes_rules(Subnets(), "10.40.15.250")
    by_priority = sorted(rules, key=lambda r: r["priority"])
    assert [r["access"] for r in by_priority] == ["Allow", "Allow", "Allow", "Deny"]
    assert {r["destination_address_prefix"] for r in rules} == {"10.40.15.250/32"}
    assert by_priority[-1]["source_address_prefix"] == "VirtualNetwork"
    assert by_priority[-1]["priority"] < 65000  # above Azure's AllowVnetInBound


def test_backend_settings_trust_the_private_ca_from_key_vault() -> None:
    from meshward.azure.appgw_layout import layout
    from meshward.config.edge import AppGatewayConfig

    gw = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/applicationGateways/a"
    parts = layout(AppGatewayConfig(), gw, "apim.x", "10.0.0.4", "https://kv/", "internal-ca-pfx")
    [root] = parts["trusted_root_certificates"]
    assert root["key_vault_secret_id"] == "https://kv/secrets/internal-ca-pfx"
    [settings] = parts["backend_http_settings_collection"]
    assert settings["trusted_root_certificates"] == [
        {"id": f"{gw}/trustedRootCertificates/{root['name']}"}
    ]


def test_apim_private_zones_are_its_default_host_names() -> None:
    from meshward.azure.dns import apim_zones

    assert apim_zones("svc") == [
        "svc.azure-api.net",
        "svc.portal.azure-api.net",
        "svc.developer.azure-api.net",
        "svc.management.azure-api.net",
        "svc.scm.azure-api.net",
    ]
