"""Stable Azure resource names derived from the stack config (pure).

Names never come from Pulumi auto-naming: a random suffix would make `meshward plan` differ
between runs and hide renames in previews. Globally unique names get a short hash of what
identifies the stack instead.
"""

from __future__ import annotations

import hashlib
import re
import uuid


def stack_suffix(prefix: str, environment: str, location: str, generation: int = 1) -> str:
    """Four hex characters that keep global names unique per prefix/environment/region and
    generation (generation 1 hashes exactly what it always did, so names do not move)."""
    seed = f"{prefix}/{environment}/{location}"
    if generation != 1:
        seed += f"/{generation}"
    return hashlib.sha256(seed.encode()).hexdigest()[:4]


def azure_name(prefix: str, environment: str, kind: str) -> str:
    """`<prefix>-<environment>-<kind>`, e.g. `mw-dev-aks`."""
    return f"{prefix}-{environment}-{kind}"


def global_name(
    prefix: str, environment: str, location: str, kind: str, max_len: int, generation: int = 1
) -> str:
    """A globally unique name (Key Vault, APIM), alphanumerics and hyphens, at most `max_len`;
    a new `generation` gives new names (soft-deleted resources keep the old ones)."""
    suffix = stack_suffix(prefix, environment, location, generation)
    name = f"{prefix}-{environment}-{kind}-{suffix}"
    if len(name) > max_len:
        name = f"{prefix}{environment}{kind}"[: max_len - 5] + f"-{suffix}"
    if not re.fullmatch(r"[a-z][a-z0-9-]*[a-z0-9]", name):
        raise ValueError(f"cannot build a valid name from {prefix!r}, {environment!r}, {kind!r}")
    return name


def stable_guid(seed: str) -> str:
    """A GUID derived from `seed` (role assignment names must be GUIDs, and must not change
    between runs or Pulumi would replace the assignment)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"meshward:{seed}"))


def dns_label(name: str, max_len: int = 63) -> str:
    """`name` lower-cased with anything but letters, digits and hyphens dropped, trimmed."""
    cleaned = re.sub(r"[^a-z0-9-]", "", name.lower()).strip("-")
    return cleaned[:max_len].rstrip("-")
