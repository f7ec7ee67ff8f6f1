"""Private DNS names the traffic chain needs (pure)."""

from __future__ import annotations

KEY_VAULT_ZONE = "privatelink.vaultcore.azure.net"
"""Zone of Key Vault private endpoints."""


APIM_ENDPOINTS = ("", "portal", "developer", "management", "scm")
"""APIM's default endpoints: the gateway `<svc>.azure-api.net` and `<svc>.<endpoint>.azure-api.net`
for the portals, the management API and Git (MS Learn, "API Management in an internal virtual
network", DNS configuration)."""


def apim_zone(service_name: str) -> str:
    """APIM in internal mode registers no public DNS: this zone answers for its gateway host."""
    return f"{service_name}.azure-api.net"


def apim_zones(service_name: str) -> list[str]:
    """One private zone per default host name, each answering at its apex: a zone for the
    whole `azure-api.net` would hide every other APIM on the internet from the VNet."""
    return [
        f"{service_name}.{endpoint}.azure-api.net" if endpoint else apim_zone(service_name)
        for endpoint in APIM_ENDPOINTS
    ]


def relative_name(fqdn: str, zone: str) -> str:
    """The record name of `fqdn` inside `zone` (`@` for the apex)."""
    if fqdn == zone:
        return "@"
    if not fqdn.endswith(f".{zone}"):
        raise ValueError(f"{fqdn!r} is not inside the DNS zone {zone!r}")
    return fqdn[: -len(zone) - 1]
