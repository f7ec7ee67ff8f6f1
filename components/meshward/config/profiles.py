"""Per-environment defaults, layered under what the stack config says.

Model defaults are the hardened choices; a profile only changes what costs money (SKUs, zones,
pool sizes) or what a developer needs to reach the cluster. Anything a profile weakens is
listed by `meshward.config.weakened_settings` and shown in every plan report.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic.alias_generators import to_camel

Environment = Literal["dev", "prod"]

PROFILES: dict[str, dict[str, Any]] = {
    "dev": {
        "aks": {
            "skuTier": "Free",
            "defender": False,
            "logAnalyticsRetentionDays": 30,
            "systemPool": {
                "name": "system",
                "vmSize": "Standard_D2ds_v5",
                "minCount": 1,
                "maxCount": 2,
                "zones": ["1"],
            },
            "userPools": [
                {
                    "name": "apps",
                    "vmSize": "Standard_D2ds_v5",
                    "minCount": 1,
                    "maxCount": 3,
                    "zones": ["1"],
                }
            ],
        },
        # Developers debug with every request in the logs; prod logs security events only.
        "mesh": {"telemetry": {"accessLogs": "all"}},
        "apim": {"sku": "Developer", "capacity": 1},
        "appGateway": {"minCapacity": 0, "maxCapacity": 2, "zones": ["1"]},
        "protectStatefulResources": False,
        "guardrails": {"enforcement": "advisory"},
    },
    "prod": {
        "aks": {"apiServer": {"mode": "private"}},
        "apim": {"sku": "Premium", "capacity": 3, "zones": ["1", "2", "3"]},
        "appGateway": {"minCapacity": 2, "maxCapacity": 10, "zones": ["1", "2", "3"]},
        "protectStatefulResources": True,
        "guardrails": {"enforcement": "mandatory"},
    },
}


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Merge `override` onto `base` recursively; lists and scalars in `override` replace."""
    merged = dict(base)
    for key, value in override.items():
        # Python callers may write snake_case field names; fold the profile's camelCase twin
        # into them so pydantic does not see both spellings.
        camel = to_camel(key)
        if camel != key and camel in merged:
            merged[key] = merged.pop(camel)
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged
