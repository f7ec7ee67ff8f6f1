"""Waivers: a finding accepted on purpose, with a reason and an expiry, shown in every report."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from fnmatch import fnmatchcase

from meshward.guardrails.index import Index
from meshward.guardrails.model import Hit, Severity, Subject, rule


@dataclass(frozen=True, slots=True)
class Waiver:
    """Accept findings of `rule` on objects matching `object` until `expires`."""

    rule: str
    object: str
    """`Kind/namespace/name` or `Kind/name`; `*` and `?` match like shell patterns."""
    reason: str
    expires: date
    where: str = ""
    """Where it was declared (e.g. `platform.guardrails.waivers[0]`), for reports."""

    def covers(self, rule_id: str, ref: str) -> bool:
        """Whether the waiver names this rule and object."""
        return rule_id == self.rule and fnmatchcase(ref, self.object)

    def expired(self, today: date) -> bool:
        """Past its expiry date (the expiry day itself still counts)."""
        return self.expires < today

    def describe(self) -> str:
        """`reason (until DATE)` as reports print it."""
        return f"{self.reason} (until {self.expires.isoformat()})"


@dataclass(frozen=True)
class Enforcement:
    """Which rules fail a stack's run: `mandatory` rules fail it on an unwaived error,
    `advisory` ones only report."""

    default: str = "mandatory"
    rules: tuple[tuple[str, str], ...] = ()
    """(rule id, mode) overrides."""

    def mode(self, rule_id: str) -> str:
        """`mandatory` or `advisory` for `rule_id`."""
        return dict(self.rules).get(rule_id, self.default)


@rule(
    "MW001",
    Severity.ERROR,
    title="Expired waiver",
    rationale="A waiver is a dated exception; past its expiry the finding it covered is a "
    "violation again and the waiver must be renewed with a fresh reason or removed.",
    fix="Fix the finding and delete the waiver, or renew it with a new expiry and reason.",
    beyond="Peer tools' suppressions (istioctl -S, Kiali) never expire.",
    context=True,
)
def expired_waivers(index: Index) -> Iterator[Hit]:
    for w in index.settings.waivers:
        if w.expired(index.settings.today):
            subject = Subject("Waiver", None, f"{w.rule}:{w.object}", {}, w.where or None)
            yield Hit(
                subject,
                w.where or "-",
                f"waiver of {w.rule} for {w.object} expired on {w.expires.isoformat()} "
                f"({w.reason}); the findings it covered count again",
            )
