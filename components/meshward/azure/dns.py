"""Private DNS names the traffic chain needs (pure)."""

from __future__ import annotations

KEY_VAULT_ZONE = "privatelink.vaultcore.azure.net"
"""Zone of Key Vault private endpoints."""


def apim_zone(service_name: str) -> str:
    """APIM in internal mode registers no public DNS: this zone answers for its default host."""
    return f"{service_name}.azure-api.net"


def relative_name(fqdn: str, zone: str) -> str:
    """The record name of `fqdn` inside `zone` (`@` for the apex)."""
    if fqdn == zone:
        return "@"
    if not fqdn.endswith(f".{zone}"):
        raise ValueError(f"{fqdn!r} is not inside the DNS zone {zone!r}")
    return fqdn[: -len(zone) - 1]
