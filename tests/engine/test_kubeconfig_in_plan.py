"""The Kubernetes provider of a real program run gets a kubeconfig that never prompts.

The mock engine answers `listClusterUserCredential` exactly as AKS does for an Entra ID cluster
(kubelogin in device-code mode); the provider must receive the configured login instead.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
import yaml

from meshward.azure.kubeconfig import LOGIN_MODES, is_interactive
from meshward.engine import harness
from meshward.engine.mocks import PlanMocks
from tests.support import render_platform, stack_platform


class _ProviderInputs(PlanMocks):
    seen: list[dict[str, Any]] = []

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        if args.typ == "pulumi:providers:kubernetes":
            type(self).seen.append(dict(args.inputs))
        return super().new_resource(args)


@pytest.mark.parametrize("mode", LOGIN_MODES)
def test_provider_receives_the_configured_non_interactive_login(
    mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ProviderInputs.seen = []
    monkeypatch.setattr(harness, "PlanMocks", _ProviderInputs)
    platform = stack_platform("dev")
    platform["aks"]["kubelogin"] = {"mode": mode}
    render_platform(platform)
    [inputs] = _ProviderInputs.seen
    secret = inputs["kubeconfig"]  # the engine's secret envelope: {<signature>, "value"}
    assert isinstance(secret, dict)
    kubeconfig = secret["value"]
    assert isinstance(kubeconfig, str)
    exec_block = yaml.safe_load(kubeconfig)["users"][0]["user"]["exec"]
    assert exec_block["args"][:3] == ["get-token", "--login", mode]
    assert exec_block["interactiveMode"] == "Never"
    assert not is_interactive(kubeconfig)
