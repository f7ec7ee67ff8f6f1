"""Key Vault secrets carry what they are and when they expire (checked on the inputs the
provider receives, which `plan.json` shows only as `[secret]`)."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from meshward.engine import harness
from meshward.engine.mocks import PlanMocks
from tests.support import render_platform, stack_platform


class _SecretInputs(PlanMocks):
    seen: dict[str, dict[str, Any]] = {}

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        if args.typ == "azure-native:keyvault:Secret":
            props = args.inputs["properties"]
            if "contentType" not in props and isinstance(props.get("value"), dict):
                props = props["value"]  # the engine's secret envelope {<signature>, value}
            type(self).seen[str(args.inputs["secretName"])] = dict(props)
        return super().new_resource(args)


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, Any]]:
    _SecretInputs.seen = {}
    monkeypatch.setattr(harness, "PlanMocks", _SecretInputs)
    platform = stack_platform("dev")
    platform["keyVault"]["seedSecrets"][0].update(
        {"contentType": "application/json", "expires": "2027-03-31"}
    )
    render_platform(platform)
    return _SecretInputs.seen


def test_certificate_secrets_always_carry_their_expiry(secrets: dict[str, dict[str, Any]]) -> None:
    for name in ("edge-tls", "apim-gateway-tls", "mesh-gateway-tls", "apim-mesh-client"):
        assert secrets[name]["contentType"] == "application/x-pkcs12"
        assert float(secrets[name]["attributes"]["expires"]).is_integer()
    assert secrets["internal-ca"]["contentType"] == "application/x-pem-file"
    assert secrets["internal-ca-pfx"]["contentType"] == "application/x-pkcs12"
    # Mocked leaf certificates run from 2000-01-01 for the dev profile's 90 days.
    assert secrets["edge-tls"]["attributes"]["expires"] == 946684800 + 90 * 86400


def test_seeded_secrets_carry_a_content_type_and_the_configured_expiry(
    secrets: dict[str, dict[str, Any]],
) -> None:
    configured = secrets["apim-backend-client-secret"]
    assert configured["contentType"] == "application/json"
    assert configured["attributes"] == {"enabled": True, "expires": 1806451200}
    default = secrets["orders-payments-api-token"]
    assert default["contentType"] == "text/plain" and "attributes" not in default
