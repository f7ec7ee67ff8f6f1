"""Guardrail enforcement and waivers: `platform.guardrails` in the stack config."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, field_validator

from meshward.config._base import ConfigModel
from meshward.guardrails.waivers import Enforcement, Waiver

Mode = Literal["mandatory", "advisory"]


def _known_rule(value: str) -> str:
    from meshward.guardrails import RULES  # the package import registers every rule

    if value not in RULES:
        raise ValueError(
            f"unknown guardrail {value!r} (the rules are listed in docs/guardrails.md)"
        )
    return value


class WaiverConfig(ConfigModel):
    """One accepted finding: shown in every report, a violation again once expired."""

    rule: Annotated[str, Field(pattern=r"^MW[0-9]{3}$")]
    """Guardrail id, e.g. `MW102`."""
    object: Annotated[str, Field(min_length=3)]
    """`Kind/namespace/name` (namespaced) or `Kind/name` (cluster-scoped and Azure resources, e.g.
    `AgentPool/mw-prod-aks-pool-apps`); `*` and `?` match like shell patterns."""
    reason: Annotated[str, Field(min_length=10)]
    """Why the finding is accepted (a real reason: who needs it, what limits the risk)."""
    expires: date
    """Last day the waiver applies (UTC); after it the finding counts again and MW001 fires."""

    @field_validator("rule")
    @classmethod
    def _rule(cls, value: str) -> str:
        return _known_rule(value)

    def to_waiver(self, where: str) -> Waiver:
        """The catalogue's plain waiver, remembering where it was declared."""
        return Waiver(self.rule, self.object, self.reason, self.expires, where)


class GuardrailsConfig(ConfigModel):
    """How `meshward plan` (and the CrossGuard pack) treat guardrail findings."""

    enforcement: Mode = "mandatory"
    """`mandatory`: an unwaived error fails `meshward plan` (exit 1); `advisory`: reported only.
    Profiles: `advisory` in dev, `mandatory` in prod."""
    rules: dict[str, Mode] = {}
    """Per-rule override of `enforcement`, e.g. `{MW121: advisory}`."""
    waivers: list[WaiverConfig] = []
    """Accepted findings, each with a reason and an expiry."""

    def to_waivers(self, root: str = "platform.guardrails") -> tuple[Waiver, ...]:
        """Every waiver as the runner takes it."""
        return tuple(w.to_waiver(f"{root}.waivers[{i}]") for i, w in enumerate(self.waivers))

    def to_enforcement(self) -> Enforcement:
        """The enforcement the runner's report applies."""
        return Enforcement(self.enforcement, tuple(sorted(self.rules.items())))

    @field_validator("rules")
    @classmethod
    def _rules(cls, value: dict[str, Mode]) -> dict[str, Mode]:
        for key in value:
            _known_rule(key)
        return value
