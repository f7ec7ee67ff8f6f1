"""Shared fixtures: the dev and prod stacks rendered once per session."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

import pytest

from tests.support import plan_of, render_platform, stack_files

Render = Callable[..., dict[str, Any]]


@pytest.fixture(scope="session")
def dev_files() -> dict[str, str]:
    """Every file `meshward plan --stack dev` writes, by relative path."""
    return stack_files("dev")


@pytest.fixture(scope="session")
def prod_files() -> dict[str, str]:
    """Every file `meshward plan --stack prod` writes, by relative path."""
    return stack_files("prod")


@pytest.fixture(scope="session")
def dev_plan(dev_files: dict[str, str]) -> dict[str, Any]:
    """The dev stack's `plan.json` document."""
    return plan_of(dev_files)


@pytest.fixture(scope="session")
def prod_plan(prod_files: dict[str, str]) -> dict[str, Any]:
    """The prod stack's `plan.json` document."""
    return plan_of(prod_files)


@pytest.fixture
def render() -> Render:
    """Render an arbitrary platform config: `render(platform_dict, stack=..., secrets=...)`."""
    return render_platform


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish() -> None:
    # The session fixtures' plans (millions of objects, the SDK's tasks among them) become
    # garbage at the session's end. Collected here, at a known point, rather than by whichever
    # allocation triggers the collector next: that was once inside the `ast.parse` of a module
    # pytest imports for its summary, and CPython 3.11 then failed the run with "SystemError:
    # AST constructor recursion depth mismatch" although every test had passed.
    gc.collect()
