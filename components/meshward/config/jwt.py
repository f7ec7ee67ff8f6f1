"""JWT issuers: one definition feeds both APIM's edge policy and the mesh's RequestAuthentication,
so edge and mesh can never disagree about who issues tokens."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from meshward.config._base import ConfigModel


class TokenHeader(ConfigModel):
    """A header a token is read from."""

    name: Annotated[str, Field(min_length=1)]
    """Header name, e.g. `Authorization`."""
    prefix: str = ""
    """Prefix before the token, e.g. `Bearer ` (with the space)."""


class ClaimToHeader(ConfigModel):
    """Copy one verified claim into a request header for the application."""

    claim: Annotated[str, Field(min_length=1)]
    """Claim name."""
    header: Annotated[str, Field(pattern=r"^[-_A-Za-z0-9]+$")]
    """Header to write (Istio allows letters, digits, `-` and `_`)."""


class JwtIssuer(ConfigModel):
    """A trusted token issuer."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", max_length=40)]
    """Short name other config refers to (DNS-label style)."""
    issuer: Annotated[str, Field(min_length=1)]
    """The exact `iss` claim value."""
    jwks_uri: str
    """Where the signing keys are published (https)."""
    audiences: list[Annotated[str, Field(min_length=1)]] = []
    """Accepted `aud` values; empty accepts any audience, which is reported as weaker."""
    entra_tenant_id: str | None = None
    """Set for Microsoft Entra ID issuers: APIM then uses `validate-azure-ad-token`."""
    from_headers: list[TokenHeader] = []
    """Headers the token is read from; empty means `Authorization: Bearer` (and Istio's
    `access_token` query parameter)."""
    from_params: list[Annotated[str, Field(min_length=1)]] = []
    """Query parameters the token is read from."""
    from_cookies: list[Annotated[str, Field(min_length=1)]] = []
    """Cookies the token is read from."""
    claims_to_headers: list[ClaimToHeader] = []
    """Claims copied into headers after validation."""
    forward_original_token: bool = False
    """Keep the token on the request after validation (off: the sidecar strips it)."""

    @field_validator("jwks_uri")
    @classmethod
    def _https(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError(f"{value!r} must be an https URL with a host")
        return value

    @model_validator(mode="after")
    def _entra_needs_audiences(self) -> JwtIssuer:
        # APIM's validate-azure-ad-token must name audiences (or client apps); an Entra token
        # for any audience in the tenant would otherwise pass the edge.
        if self.entra_tenant_id is not None and not self.audiences:
            raise ValueError("audiences: required for Entra ID issuers (entraTenantId is set)")
        return self
