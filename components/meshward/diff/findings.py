"""Guardrail findings diff: introduced and fixed, keyed by rule, object and path; waivers
added or expiring soon."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

EXPIRY_WINDOW_DAYS = 30
"""A head waiver ending within this many days of the diff is listed as expiring."""
_UNTIL = re.compile(r"\(until (\d{4}-\d{2}-\d{2})\)\s*$")


def finding_key(finding: Mapping[str, Any]) -> tuple[str, str, str]:
    """What identifies a finding across revisions (messages and lines may move)."""
    return (str(finding.get("rule")), str(finding.get("object")), str(finding.get("path")))


@dataclass(frozen=True)
class FindingsDiff:
    """Findings in head only (introduced), base only (fixed), and waiver changes."""

    introduced: tuple[dict[str, Any], ...]
    fixed: tuple[dict[str, Any], ...]
    waivers_added: tuple[dict[str, Any], ...]
    waivers_expiring: tuple[dict[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON form (`introduced`, `fixed`; waivers are the markdown's business)."""
        return {"introduced": list(self.introduced), "fixed": list(self.fixed)}


def waiver_until(finding: Mapping[str, Any]) -> dt.date | None:
    """The end date of a finding's waiver, when it names one."""
    match = _UNTIL.search(str(finding.get("waiver") or ""))
    return dt.date.fromisoformat(match.group(1)) if match else None


def findings_diff(
    base: Sequence[Mapping[str, Any]], head: Sequence[Mapping[str, Any]], today: dt.date
) -> FindingsDiff:
    """Compare two `findings.json` finding lists."""
    before = {finding_key(f): f for f in base}
    after = {finding_key(f): f for f in head}
    introduced = tuple(dict(after[k]) for k in sorted(after.keys() - before.keys()))
    fixed = tuple(dict(before[k]) for k in sorted(before.keys() - after.keys()))
    added = tuple(
        dict(after[k])
        for k in sorted(after)
        if after[k].get("waiver") and not (before.get(k) or {}).get("waiver")
    )
    horizon = today + dt.timedelta(days=EXPIRY_WINDOW_DAYS)
    expiring = tuple(
        dict(after[k])
        for k in sorted(after)
        if (until := waiver_until(after[k])) is not None and until <= horizon
    )
    return FindingsDiff(introduced, fixed, added, expiring)
