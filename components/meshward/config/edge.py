"""The edge of the chain: Application Gateway with WAF, then API Management."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from meshward.config._base import ConfigModel

HostName = Annotated[
    str, Field(pattern=r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,63}$", max_length=253)
]


class RateLimitRule(ConfigModel):
    """Block a client IP that sends more than `threshold` requests per window."""

    kind: Literal["rateLimit"] = "rateLimit"
    """Rule type tag."""
    name: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9]{0,127}$")]
    """Rule name (letters and digits)."""
    priority: Annotated[int, Field(ge=1, le=100)]
    """Evaluation order; lower runs first, unique across custom rules."""
    threshold: Annotated[int, Field(ge=1)]
    """Requests allowed per window and client IP."""
    window: Literal["OneMin", "FiveMins"] = "OneMin"
    """Counting window."""
    path_prefix: str | None = None
    """Only count requests whose path starts with this."""


class GeoFilterRule(ConfigModel):
    """Block (or only allow) requests by the client's country."""

    kind: Literal["geoFilter"] = "geoFilter"
    """Rule type tag."""
    name: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9]{0,127}$")]
    """Rule name (letters and digits)."""
    priority: Annotated[int, Field(ge=1, le=100)]
    """Evaluation order; lower runs first, unique across custom rules."""
    countries: list[Annotated[str, Field(pattern=r"^[A-Z]{2}$")]]
    """ISO 3166 alpha-2 codes."""
    mode: Literal["block", "allowOnly"] = "block"
    """`block` these countries, or `allowOnly` these countries."""


CustomRule = Annotated[RateLimitRule | GeoFilterRule, Field(discriminator="kind")]


class WafConfig(ConfigModel):
    """The WAF policy attached to the Application Gateway."""

    mode: Literal["Prevention", "Detection"] = "Prevention"
    """`Prevention` blocks; `Detection` only logs and is refused in prod."""
    rule_set: Literal["DRS_2.1", "OWASP_3.2"] = "DRS_2.1"
    """Managed rule set: Microsoft_DefaultRuleSet 2.1 (recommended) or OWASP CRS 3.2."""
    bot_manager: bool = True
    """Add Microsoft_BotManagerRuleSet 1.1."""
    request_body_inspection: bool = True
    """Inspect request bodies."""
    max_request_body_kb: Annotated[int, Field(ge=8, le=2000)] = 128
    """Largest inspected body."""
    file_upload_limit_mb: Annotated[int, Field(ge=1, le=4000)] = 100
    """Largest upload."""
    custom_rules: list[CustomRule] = [
        RateLimitRule(name="RateLimitPerClientIp", priority=90, threshold=1000)
    ]
    """Rate limits and geo filters, evaluated before the managed rules. The default throttles
    each client IP to 1,000 requests a minute; an empty list turns edge rate limiting off
    (reported as weaker)."""

    @model_validator(mode="after")
    def _unique(self) -> WafConfig:
        for attr in ("priority", "name"):
            values = [getattr(r, attr) for r in self.custom_rules]
            dupes = sorted({str(v) for v in values if values.count(v) > 1})
            if dupes:
                raise ValueError(
                    f"customRules: {attr} must be unique; repeated: {', '.join(dupes)}"
                )
        return self


class AppGatewayConfig(ConfigModel):
    """Application Gateway WAF_v2: the only public entry point."""

    hostname: HostName = "api.meshward.example"
    """Public host name served by the HTTPS listener."""
    certificate_name: Annotated[str, Field(pattern=r"^[0-9a-zA-Z-]{1,127}$")] = "edge-tls"
    """Key Vault certificate for the listener, read through a user-assigned identity."""
    min_capacity: Annotated[int, Field(ge=0, le=125)] = 2
    """Autoscale minimum instances."""
    max_capacity: Annotated[int, Field(ge=2, le=125)] = 10
    """Autoscale maximum instances."""
    zones: list[Literal["1", "2", "3"]] = ["1", "2", "3"]
    """Availability zones."""
    tls_policy: Literal["AppGwSslPolicy20220101S", "AppGwSslPolicy20220101"] = (
        "AppGwSslPolicy20220101S"
    )
    """Predefined TLS policy (TLS 1.2+; the `S` variant has the stricter cipher list)."""
    waf: WafConfig = WafConfig()
    """The WAF policy."""

    @model_validator(mode="after")
    def _capacity(self) -> AppGatewayConfig:
        if self.min_capacity > self.max_capacity:
            raise ValueError(
                f"minCapacity: {self.min_capacity} is greater than maxCapacity {self.max_capacity}"
            )
        return self


class ApimNamedValue(ConfigModel):
    """An APIM named value whose value lives in Key Vault (never in APIM or in Pulumi state)."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,80}$")]
    """Named value id and display name, usable in policies as `{{name}}`."""
    secret_name: Annotated[str, Field(pattern=r"^[0-9a-zA-Z-]{1,127}$")]
    """Key Vault secret holding the value (read with APIM's Key Vault identity)."""


class ApimRateLimit(ConfigModel):
    """A per-caller limit in APIM's API policy: `rate-limit-by-key` (sliding window, answers 429)
    or `quota-by-key` (fixed period, answers 403)."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", max_length=40)]
    """Limit name; part of the counter key, so two limits never share a counter."""
    kind: Literal["rate", "quota"] = "rate"
    """`rate`: `rate-limit-by-key`; `quota`: `quota-by-key`."""
    key: Literal["jwtSubject", "clientIp"]
    """Who is counted: the validated token's `sub` (falls back to the client IP when a request
    has no token), or the client IP Application Gateway saw (the last `X-Forwarded-For` entry,
    which a client cannot forge)."""
    calls: Annotated[int, Field(ge=1)]
    """Calls allowed per period and key."""
    period_seconds: Annotated[int, Field(ge=1)] = 60
    """Window length: at most 300 for `rate`, at least 300 for `quota` (APIM's limits)."""

    @model_validator(mode="after")
    def _period(self) -> ApimRateLimit:
        # rate-limit-by-key: "Maximum allowed value: 300 seconds"; quota-by-key: "Minimum
        # period: 300 seconds" (learn.microsoft.com/azure/api-management/rate-limit-by-key-policy,
        # .../quota-by-key-policy).
        if self.kind == "rate" and self.period_seconds > 300:
            raise ValueError(f"periodSeconds: {self.period_seconds} is above 300 (rate limits)")
        if self.kind == "quota" and self.period_seconds < 300:
            raise ValueError(f"periodSeconds: {self.period_seconds} is below 300 (quotas)")
        return self


class ApimConfig(ConfigModel):
    """API Management in internal VNet mode, fronting the mesh's internal gateway."""

    sku: Literal["Developer", "Premium"] = "Premium"
    """Classic SKUs that support internal VNet injection (Developer has no SLA)."""
    capacity: Annotated[int, Field(ge=1, le=12)] = 1
    """Scale units."""
    zones: list[Literal["1", "2", "3"]] = []
    """Availability zones (Premium only)."""
    publisher_name: Annotated[str, Field(min_length=1)] = "Platform team"
    """Shown in the developer portal and e-mails."""
    publisher_email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] = (
        "platform@example.invalid"
    )
    """Receives APIM system notifications."""
    gateway_hostname: HostName = "apim.internal.meshward.example"
    """Custom gateway host name AppGW sends as Host header (APIM answers only to it)."""
    gateway_certificate_name: Annotated[str, Field(pattern=r"^[0-9a-zA-Z-]{1,127}$")] = (
        "apim-gateway-tls"
    )
    """Key Vault certificate for `gatewayHostname`."""
    api_path: Annotated[str, Field(pattern=r"^[a-z0-9][-a-z0-9/]*$")] = "api"
    """Path under which the mesh is published."""
    developer_portal: bool = False
    """Run the developer portal (off: the service only serves the gateway)."""
    subscription_required: bool = False
    """Also require an APIM subscription key on top of the JWT. Off by default: the JWT already
    names the caller (issuer, subject, claims) at the edge and again in the mesh, while a key is
    a shared secret nobody can tie to an identity. On: list `consumers`; each gets a
    subscription to the `mesh` product (APIM generates the keys; read them with
    `az apim subscription keys list` or the portal)."""
    consumers: list[Annotated[str, Field(pattern=r"^[a-z0-9][-a-z0-9]{0,79}$")]] = []
    """Consumers that get a subscription (and key) when `subscriptionRequired` is on."""
    named_values: list[ApimNamedValue] = []
    """Named values referencing Key Vault secrets."""
    jwt_issuers: list[str] | None = None
    """Names of `jwtIssuers` APIM validates at the edge; default: all of them."""
    create_timeout_minutes: Annotated[int, Field(ge=30, le=360)] = 180
    """Custom create/update timeout: APIM provisioning takes 30–90 minutes."""
    rate_limits: list[ApimRateLimit] = [
        ApimRateLimit(name="per-subject", key="jwtSubject", calls=600, period_seconds=60)
    ]
    """Per-caller limits on the mesh API. The default allows each token subject 600 calls a
    minute; an empty list turns them off (reported as weaker)."""

    @model_validator(mode="after")
    def _zones(self) -> ApimConfig:
        if self.zones and self.sku != "Premium":
            raise ValueError("zones: need sku 'Premium'")
        if self.subscription_required and not self.consumers:
            raise ValueError(
                "consumers: subscriptionRequired needs at least one consumer, or no caller "
                "could ever get a key"
            )
        if len(set(self.consumers)) != len(self.consumers):
            raise ValueError("consumers: must be unique")
        names = [r.name for r in self.rate_limits]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"rateLimits: names must be unique; repeated: {', '.join(dupes)}")
        return self


__all__ = [
    "ApimConfig",
    "ApimNamedValue",
    "ApimRateLimit",
    "AppGatewayConfig",
    "CustomRule",
    "GeoFilterRule",
    "RateLimitRule",
    "WafConfig",
]
