"""What the simulator looked at, for `--explain`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Step = Literal["PeerAuthentication", "CUSTOM", "RequestAuthentication", "DENY", "ALLOW", "AUDIT"]


@dataclass(frozen=True, slots=True)
class TraceEntry:
    """One policy considered at one evaluation step."""

    step: Step
    """Which stage of the sidecar considered it."""
    policy: str
    """`namespace/name` (or `-` for a step-level note)."""
    result: str
    """Short outcome: `matched`, `not-matched`, `ignored`, `not-selected`, `selected`, ..."""
    detail: str
    """Why, in words."""

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form."""
        return {
            "step": self.step,
            "policy": self.policy,
            "result": self.result,
            "detail": self.detail,
        }
