"""Recognise values that only stand in for real ones (pure).

Three kinds of placeholder are recognised wherever they occur inside a string (a URL, an
e-mail address, a CIDR list):
- GUIDs whose first 28 hex digits are zero (`00000000-0000-0000-0000-00000000000a`): what
  meshward ships for tenant, group and subscription ids;
- host names under names reserved for examples and tests (RFC 2606 and RFC 6761): `example`,
  `example.com`, `example.net`, `example.org`, and the top-level names `test`, `invalid`,
  `localhost`;
- addresses in the documentation ranges of RFC 5737: 192.0.2.0/24, 198.51.100.0/24,
  203.0.113.0/24 (nobody deploys from them).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

_GUID = re.compile(r"\b[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\b")
_LABEL = r"[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?"
_HOST = re.compile(rf"(?<![\w.-])((?:{_LABEL}\.)*[a-zA-Z][-a-zA-Z0-9]*)")
_IPV4 = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?:/(\d{1,2}))?(?![\d.])")

RESERVED_DOMAINS = ("example.com", "example.net", "example.org", "example")
"""RFC 2606 §3 second-level names and the `example` top-level name (§2)."""
RESERVED_TLDS = ("test", "invalid", "localhost", "example")
"""RFC 2606 §2 / RFC 6761 §6 top-level names."""
DOCUMENTATION_NETWORKS = tuple(
    ipaddress.IPv4Network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")
)
"""RFC 5737 TEST-NET-1, -2 and -3."""


@dataclass(frozen=True)
class Placeholder:
    """One placeholder found in a config value."""

    path: str
    """Where, e.g. `platform.aks.adminGroupObjectIds[0]`."""
    value: str
    """The placeholder itself (the GUID, host name or address)."""
    kind: str
    """`guid`, `host` or `address`."""
    why: str
    """What makes it a placeholder."""


def is_placeholder_guid(value: str) -> bool:
    """A GUID whose first 28 hex digits are zero."""
    return bool(_GUID.fullmatch(value)) and set(value.replace("-", "")[:28]) == {"0"}


def reserved_host(host: str) -> str | None:
    """The reserved name `host` falls under, or None."""
    name = host.lower().rstrip(".")
    labels = name.split(".")
    if len(labels) < 2 and name not in ("example", "localhost"):
        return None
    for domain in RESERVED_DOMAINS:
        if name == domain or name.endswith("." + domain):
            return domain
    if labels[-1] in RESERVED_TLDS:
        return "." + labels[-1]
    return None


def documentation_network(address: str) -> ipaddress.IPv4Network | None:
    """The RFC 5737 range an address or CIDR overlaps, or None."""
    try:
        net = ipaddress.IPv4Network(address, strict=False)
    except ValueError:
        return None
    return next((doc for doc in DOCUMENTATION_NETWORKS if net.overlaps(doc)), None)


def placeholders_in(text: str, path: str) -> Iterator[Placeholder]:
    """Every placeholder inside one string value."""
    for match in _GUID.finditer(text):
        if is_placeholder_guid(match.group(0)):
            yield Placeholder(path, match.group(0), "guid", "GUID of zeros")
    for match in _IPV4.finditer(text):
        cidr = match.group(0)
        doc = documentation_network(cidr)
        if doc is not None:
            yield Placeholder(path, cidr, "address", f"documentation range {doc} (RFC 5737)")
    for match in _HOST.finditer(text):
        host = match.group(1)
        reserved = reserved_host(host)
        if reserved is not None:
            rfc = "RFC 2606" if reserved.startswith("example") else "RFC 2606/6761"
            yield Placeholder(path, host, "host", f"under the reserved name {reserved} ({rfc})")


def find_placeholders(value: Any, path: str) -> list[Placeholder]:
    """Every placeholder anywhere in a config tree (dicts, lists, scalars), in document order."""
    found: list[Placeholder] = []
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, dict):
            stack.extend((f"{where}.{k}", v) for k, v in reversed(list(item.items())))
        elif isinstance(item, list):
            stack.extend((f"{where}[{i}]", v) for i, v in reversed(list(enumerate(item))))
        elif isinstance(item, str):
            found.extend(placeholders_in(item, where))
    return found
