"""Errors a user can cause, carried as data so every face can print them the same way."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with user input, located by a dotted field path."""

    path: str
    """Where, e.g. `platform.aks.systemPool.vmSize` or `mesh.access[3].to`."""
    message: str
    """What is wrong and what would be accepted instead."""

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class UserInputError(Exception):
    """Input that cannot be used as given; the CLI prints `problems` and exits 2."""

    def __init__(self, problems: list[Problem], source: str = "") -> None:
        self.problems = problems
        self.source = source
        super().__init__(self.render())

    def render(self) -> str:
        """All problems, one per line, prefixed with the source when known."""
        prefix = f"{self.source}: " if self.source else ""
        return "\n".join(f"{prefix}{p}" for p in self.problems)


class ConfigError(UserInputError):
    """The stack configuration does not validate."""
