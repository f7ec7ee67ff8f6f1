"""One request as a sidecar sees it, in the JSON shape `meshward simulate` reads.

JSON keys are camelCase, like `access.json` (a caller's `token` there is a request's `jwt`).
Python code uses the snake_case attribute names; the snake_case JSON spelling of the
pre-0.2 format still validates, and `snake_case_spellings` finds it so the CLI can warn.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator, model_validator
from pydantic.alias_generators import to_camel

Port = Annotated[int, Field(strict=True, ge=0, le=65535)]
NonEmpty = Annotated[str, Field(min_length=1)]


DEFAULT_TOKEN_HEADER = "Authorization"
DEFAULT_TOKEN_PREFIX = "Bearer "
"""Where a token is carried when a request names no location: Istio's default location."""
HTTP_PROTOCOLS = frozenset({"HTTP", "HTTP2", "GRPC"})
"""`access.json` destination protocols that a sidecar authorizes as HTTP."""


class _Strict(BaseModel):
    # Unknown keys are errors so that a typo (`principle`) never silently means "absent".
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        use_attribute_docstrings=True,
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=True,
    )


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
    """A token carried by the request, described rather than encoded. With none of `header`,
    `param`, `cookie` it is sent as `Authorization: Bearer <token>`."""

    header: NonEmpty | None = None
    """Header carrying the token (at most one of header, param, cookie; default
    `Authorization` when none is set)."""
    prefix: str | None = None
    """What precedes the token in the header value, e.g. `Bearer ` (with the space); default
    `Bearer ` when `header` is defaulted too, none when `header` is given."""
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

    @model_validator(mode="before")
    @classmethod
    def _default_location(cls, data: Any) -> Any:
        if isinstance(data, dict) and not any(key in data for key in ("header", "param", "cookie")):
            return {"header": DEFAULT_TOKEN_HEADER, "prefix": DEFAULT_TOKEN_PREFIX, **data}
        return data

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
    """HTTP evaluates every field; TCP has no method, path, host, headers or token. Any case;
    `access.json`'s `http2` and `grpc` mean HTTP."""
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

    @field_validator("protocol", mode="before")
    @classmethod
    def _protocol_name(cls, value: Any) -> Any:
        if isinstance(value, str):
            upper = value.upper()
            return "HTTP" if upper in HTTP_PROTOCOLS else upper
        return value

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


def _model_in(annotation: Any) -> type[_Strict] | None:
    for candidate in (annotation, *get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, _Strict):
            return candidate
    return None


def snake_case_spellings(data: object, model: type[_Strict] = Request) -> list[tuple[str, str]]:
    """(old, new) dotted paths of keys in a request's JSON `data` spelled the deprecated
    snake_case way (`jwt.signature_valid` → `jwt.signatureValid`)."""
    found: list[tuple[str, str]] = []
    if not isinstance(data, dict):
        return found
    for name, field in model.model_fields.items():
        alias = field.alias or name
        key = alias if alias in data else name if name in data else None
        if key is None:
            continue
        if key != alias:
            found.append((name, alias))
        nested = _model_in(field.annotation)
        if nested is not None:
            found += [
                (f"{key}.{old}", f"{alias}.{new}")
                for old, new in snake_case_spellings(data[key], nested)
            ]
    return found
