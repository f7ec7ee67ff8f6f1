"""One request as a sidecar sees it, in the JSON shape `meshward simulate` reads."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator, model_validator

Port = Annotated[int, Field(strict=True, ge=0, le=65535)]
NonEmpty = Annotated[str, Field(min_length=1)]


class _Strict(BaseModel):
    # Unknown keys are errors so that a typo (`principle`) never silently means "absent".
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


def _ip(value: str | None) -> str | None:
    if value is not None:
        try:
            ipaddress.ip_address(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an IP address") from None
    return value


class Destination(_Strict):
    """The workload that receives the request (the sidecar deciding)."""

    namespace: NonEmpty
    """The workload's namespace."""
    labels: dict[str, str] = {}
    """The workload's pod labels, matched by policy selectors."""
    port: Port
    """The workload (container) port the connection reaches, not the Service port."""


class Source(_Strict):
    """Who opened the connection."""

    principal: NonEmpty | None = None
    """Peer identity `<trust-domain>/ns/<ns>/sa/<sa>` when the client sends Istio mTLS; null
    means plaintext. A leading `spiffe://` is accepted and ignored."""
    ip: str | None = None
    """Direct peer address (`source.ip`, `ipBlocks`)."""
    remote_ip: str | None = None
    """Original client address (`remote.ip`, `remoteIpBlocks`); null means the same as `ip`
    (a sidecar trusts no proxy hops by default)."""

    _check_ip = field_validator("ip", "remote_ip")(_ip)


class Jwt(_Strict):
    """A token carried by the request, described rather than encoded."""

    header: NonEmpty | None = None
    """Header carrying the token (set exactly one of header, param, cookie)."""
    prefix: str | None = None
    """What precedes the token in the header value, e.g. `Bearer ` (with the space)."""
    param: NonEmpty | None = None
    """Query parameter carrying the token."""
    cookie: NonEmpty | None = None
    """Cookie carrying the token."""
    claims: dict[str, JsonValue] = {}
    """Decoded payload: `iss`, `sub`, `aud`, `azp` and any other claim."""
    signature_valid: Annotated[bool, Field(strict=True)] = True
    """Whether the signature verifies against the issuer's keys."""
    expired: Annotated[bool, Field(strict=True)] = False
    """Whether `exp` (or `nbf`) makes the token unusable now."""

    @model_validator(mode="after")
    def _one_location(self) -> Jwt:
        where = [n for n in ("header", "param", "cookie") if getattr(self, n) is not None]
        if len(where) != 1:
            raise ValueError("set exactly one of header, param, cookie")
        if self.prefix is not None and self.header is None:
            raise ValueError("prefix is only meaningful with header")
        return self


class Request(_Strict):
    """One request (HTTP) or connection (TCP) arriving at a sidecar."""

    destination: Destination
    """The receiving workload."""
    protocol: Literal["HTTP", "TCP"] = "HTTP"
    """HTTP evaluates every field; TCP has no method, path, host, headers or token."""
    source: Source = Source()
    """The client."""
    method: NonEmpty | None = None
    """HTTP `:method` (required for HTTP)."""
    path: NonEmpty | None = None
    """HTTP `:path` as sent, query string included (required for HTTP)."""
    host: NonEmpty | None = None
    """HTTP `:authority`, with port if the client sent one."""
    headers: dict[str, str] | None = None
    """HTTP headers; names are case-insensitive."""
    jwt: Jwt | None = None
    """The token, if any (HTTP only)."""
    custom_provider_decision: Literal["ALLOW", "DENY"] | None = None
    """What the ext-authz provider answers when a CUSTOM rule sends it the request; absent
    means DENY."""

    @model_validator(mode="after")
    def _protocol_fields(self) -> Request:
        if self.protocol == "TCP":
            extra = [n for n in ("method", "path", "host", "headers", "jwt") if getattr(self, n)]
            if extra:
                raise ValueError(f"a TCP request has no {', '.join(extra)}")
        else:
            missing = [n for n in ("method", "path") if getattr(self, n) is None]
            if missing:
                raise ValueError(f"an HTTP request needs {' and '.join(missing)}")
        return self
