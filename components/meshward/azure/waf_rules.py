"""The WAF policy's settings, managed rule sets and custom rules (pure)."""

from __future__ import annotations

from typing import Any

from meshward.config.edge import CustomRule, GeoFilterRule, RateLimitRule, WafConfig

RULE_SETS: dict[str, tuple[str, str]] = {
    "DRS_2.1": ("Microsoft_DefaultRuleSet", "2.1"),
    "OWASP_3.2": ("OWASP", "3.2"),
}
BOT_MANAGER = ("Microsoft_BotManagerRuleSet", "1.1")


def policy_settings(waf: WafConfig) -> dict[str, Any]:
    """Mode, body inspection and limits."""
    return {
        "state": "Enabled",
        "mode": waf.mode,
        "request_body_check": waf.request_body_inspection,
        "request_body_enforcement": True,
        "request_body_inspect_limit_in_kb": waf.max_request_body_kb,
        "max_request_body_size_in_kb": waf.max_request_body_kb,
        "file_upload_enforcement": True,
        "file_upload_limit_in_mb": waf.file_upload_limit_mb,
    }


def managed_rules(waf: WafConfig) -> dict[str, Any]:
    """DRS 2.1 (or OWASP 3.2) plus the Bot Manager rule set."""
    rule_type, version = RULE_SETS[waf.rule_set]
    sets = [{"rule_set_type": rule_type, "rule_set_version": version}]
    if waf.bot_manager:
        sets.append({"rule_set_type": BOT_MANAGER[0], "rule_set_version": BOT_MANAGER[1]})
    return {"managed_rule_sets": sets}


def _rate_limit(rule: RateLimitRule) -> dict[str, Any]:
    if rule.path_prefix:
        condition: dict[str, Any] = {
            "match_variables": [{"variable_name": "RequestUri"}],
            "operator": "BeginsWith",
            "match_values": [rule.path_prefix],
            "transforms": ["Lowercase"],
        }
    else:
        condition = {
            "match_variables": [{"variable_name": "RemoteAddr"}],
            "operator": "Any",
            "match_values": [],
        }
    return {
        "name": rule.name,
        "priority": rule.priority,
        "rule_type": "RateLimitRule",
        "rate_limit_duration": rule.window,
        "rate_limit_threshold": rule.threshold,
        "group_by_user_session": [{"group_by_variables": [{"variable_name": "ClientAddr"}]}],
        "match_conditions": [condition],
        "action": "Block",
        "state": "Enabled",
    }


def _geo_filter(rule: GeoFilterRule) -> dict[str, Any]:
    return {
        "name": rule.name,
        "priority": rule.priority,
        "rule_type": "MatchRule",
        "match_conditions": [
            {
                "match_variables": [{"variable_name": "RemoteAddr"}],
                "operator": "GeoMatch",
                # allowOnly: block every country *not* in the list.
                "negation_conditon": rule.mode == "allowOnly",
                "match_values": list(rule.countries),
            }
        ],
        "action": "Block",
        "state": "Enabled",
    }


def custom_rules(rules: list[CustomRule]) -> list[dict[str, Any]]:
    """Typed custom rules as ARM custom rules, ordered by priority."""
    out = [_rate_limit(r) if isinstance(r, RateLimitRule) else _geo_filter(r) for r in rules]
    return sorted(out, key=lambda r: int(r["priority"]))
