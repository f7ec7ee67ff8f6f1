"""Builders shared by the simulator tests: manifests as plain dicts and requests."""

from __future__ import annotations

from typing import Any

from meshward.mesh.simulation import Decision, MeshSettings, Request, Simulator

NS = "payments"
LABELS = {"app": "payment-service"}
ORDERS = "cluster.local/ns/orders/sa/order-service"


def obj(kind: str, name: str, ns: str, spec: dict[str, Any], **meta: Any) -> dict[str, Any]:
    """A security.istio.io/v1 object."""
    return {
        "apiVersion": "security.istio.io/v1",
        "kind": kind,
        "metadata": {"name": name, "namespace": ns, **meta},
        "spec": spec,
    }


def ap(name: str = "policy", ns: str = NS, **spec: Any) -> dict[str, Any]:
    """An AuthorizationPolicy."""
    return obj("AuthorizationPolicy", name, ns, spec)


def pa(name: str, ns: str = NS, mode: str | None = None, **spec: Any) -> dict[str, Any]:
    """A PeerAuthentication."""
    if mode is not None:
        spec["mtls"] = {"mode": mode}
    return obj("PeerAuthentication", name, ns, spec)


def ra(name: str = "jwt", ns: str = NS, *rules: dict[str, Any], **spec: Any) -> dict[str, Any]:
    """A RequestAuthentication."""
    return obj("RequestAuthentication", name, ns, {"jwtRules": list(rules), **spec})


def request(**fields: Any) -> Request:
    """An mTLS HTTP `GET /` from orders to payment-service:8080, with `fields` overriding."""
    base: dict[str, Any] = {
        "destination": {"namespace": NS, "labels": LABELS, "port": 8080},
        "protocol": "HTTP",
        "source": {"principal": ORDERS, "ip": "10.0.1.5"},
        "method": "GET",
        "path": "/",
        "host": "payments.payments.svc.cluster.local",
    }
    if fields.get("protocol") == "TCP":
        for key in ("method", "path", "host"):
            base.pop(key)
    base.update(fields)
    return Request.model_validate(base)


def tcp(**fields: Any) -> Request:
    """A TCP connection from orders to payment-service:8080."""
    return request(protocol="TCP", **fields)


def token(**claims: Any) -> dict[str, Any]:
    """A valid bearer token from ISSUER for user-1, with `claims` added."""
    return {
        "header": "Authorization",
        "prefix": "Bearer ",
        "claims": {"iss": ISSUER, "sub": "user-1", **claims},
    }


ISSUER = "https://login.example.com"
JWT_RULE = {"issuer": ISSUER, "jwksUri": "https://login.example.com/keys"}


def decide(objects: list[dict[str, Any]], req: Request | None = None, **settings: Any) -> Decision:
    """Simulate `req` (default: `request()`), checking that the untraced `Simulator.decide`
    reaches the same decision as the traced `evaluate` returned."""
    simulator = Simulator(objects, MeshSettings(**settings))
    decision = simulator.evaluate(req or request())
    assert simulator.decide(req or request()).to_dict() == decision.to_dict()
    return decision


def allowed_by(
    rule: dict[str, Any], req: Request | None = None, *extra: dict[str, Any], **settings: Any
) -> bool:
    """Whether an ALLOW policy with the single `rule` (plus `extra` objects) lets `req` through."""
    return decide([ap(rules=[rule]), *extra], req, **settings).decision == "ALLOW"


def denied_by(
    rule: dict[str, Any], req: Request | None = None, *extra: dict[str, Any], **settings: Any
) -> bool:
    """Whether a DENY policy with the single `rule` (plus `extra` objects) denies `req`."""
    return decide([ap(action="DENY", rules=[rule]), *extra], req, **settings).decision == "DENY"


def src(**source: Any) -> dict[str, Any]:
    """A rule with one `from` entry."""
    return {"from": [{"source": source}]}


def op(**operation: Any) -> dict[str, Any]:
    """A rule with one `to` entry."""
    return {"to": [{"operation": operation}]}


def when(
    key: str, values: list[str] | None = None, not_values: list[str] | None = None
) -> dict[str, Any]:
    """A rule with one `when` condition."""
    condition: dict[str, Any] = {"key": key}
    if values is not None:
        condition["values"] = values
    if not_values is not None:
        condition["notValues"] = not_values
    return {"when": [condition]}
