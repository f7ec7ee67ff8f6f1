"""The upstream Helm install: REGISTRY_ONLY in istiod's values, the egress gateway that only named
service accounts may leave through, and JWKS hosts registered when Envoy fetches keys."""

from __future__ import annotations

from typing import Any

import pytest

from meshward.engine.plan import kubernetes_objects
from tests.support import render_platform, stack_platform


@pytest.fixture(scope="module")
def helm_objects() -> list[dict[str, Any]]:
    platform = stack_platform("prod")
    egress = platform["mesh"]["egress"]
    platform["mesh"]["install"] = "helm"
    egress["gateway"] = {"enabled": True, "allowedServiceAccounts": ["payments/payment-service"]}
    egress["externalServices"][1]["viaEgressGateway"] = True
    egress["jwksFetchedBy"] = "envoy"
    plan = render_platform(platform, stack="prod", secrets={"alertWebhookUri": "https://x"})
    return kubernetes_objects(plan)


def named(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    (found,) = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    return found


def test_istiod_values_carry_registry_only_and_envoy_jwks(
    helm_objects: list[dict[str, Any]],
) -> None:
    istiod = named(helm_objects, "HelmChart", "istiod")
    values = istiod["values"]
    assert values["meshConfig"]["outboundTrafficPolicy"] == {"mode": "REGISTRY_ONLY"}
    assert values["pilot"]["env"] == {"PILOT_JWT_ENABLE_REMOTE_JWKS": "envoy"}


def test_egress_gateway_admits_only_the_named_service_accounts(
    helm_objects: list[dict[str, Any]],
) -> None:
    chart = named(helm_objects, "HelmChart", "istio-egressgateway")
    assert chart["metadata"]["namespace"] == "istio-egress"
    assert chart["values"]["service"]["type"] == "ClusterIP"
    policy = named(helm_objects, "AuthorizationPolicy", "egress-allowed-service-accounts")
    assert policy["spec"]["rules"] == [
        {"from": [{"source": {"principals": ["cluster.local/ns/payments/sa/payment-service"]}}]}
    ]
    route = named(helm_objects, "VirtualService", "egress-payments-payment-provider")
    assert route["spec"]["hosts"] == ["api.payments-provider.example"]


def test_jwks_host_is_registered_for_the_proxies_that_validate_tokens(
    helm_objects: list[dict[str, Any]],
) -> None:
    entry = named(helm_objects, "ServiceEntry", "jwks-0-login-microsoftonline-com")
    assert entry["spec"]["hosts"] == ["login.microsoftonline.com"]
    assert "*" not in entry["spec"]["exportTo"]
    assert "istio-ingress" in entry["spec"]["exportTo"]
    rule = named(helm_objects, "DestinationRule", "jwks-0-login-microsoftonline-com")
    (port,) = rule["spec"]["trafficPolicy"]["portLevelSettings"]
    assert port["tls"] == {"mode": "SIMPLE", "sni": "login.microsoftonline.com"}
