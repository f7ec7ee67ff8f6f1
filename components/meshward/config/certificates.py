"""The TLS certificates of the traffic chain, created in the same run that uses them."""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from pydantic import Field, model_validator

from meshward.config._base import ConfigModel

CertificateRole = Literal["edge", "apimGateway", "meshGateway", "apimClient", "internalCa"]
"""What a certificate is for: `edge` (Application Gateway listener, public host name),
`apimGateway` (APIM's gateway host name, called by Application Gateway), `meshGateway` (the
Istio internal gateway, called by APIM), `apimClient` (APIM's client certificate towards the
mesh gateway, mutual TLS) and `internalCa` (the private CA behind the last three)."""
CERTIFICATE_ROLES: tuple[CertificateRole, ...] = (
    "edge",
    "apimGateway",
    "meshGateway",
    "apimClient",
    "internalCa",
)


class ProvidedCertificate(ConfigModel):
    """A certificate supplied as an encrypted stack config value."""

    config_key: Annotated[str, Field(pattern=r"^[a-zA-Z][a-zA-Z0-9]*$")]
    """Stack config key holding it: base64 PKCS#12 (PFX, no password) for leaf certificates,
    PEM for `internalCa`; set with `pulumi config set --secret meshward:<configKey> ...`."""
    expires: datetime.date
    """The certificate's `notAfter` date (UTC), written as the Key Vault secret's `exp` so
    near-expiry events fire (`openssl x509 -noout -enddate`)."""


class CertificatesConfig(ConfigModel):
    """Where the chain's certificates come from. Either way they are written into Key Vault by
    the run itself (PFX secrets, content type `application/x-pkcs12`, with their expiry), and
    every reader (Application Gateway, APIM, External Secrets) depends on them."""

    source: Literal["generated", "stackSecrets"] = "generated"
    """`generated`: a private CA and every leaf certificate made in the run (pulumi-tls; keys
    live in Pulumi state, encrypted); the edge certificate is then not trusted by browsers, so
    prod reports it as weaker. `stackSecrets`: every certificate from encrypted stack config
    (`provided`)."""
    validity_days: Annotated[int, Field(ge=7, le=397)] = 90
    """`generated`: lifetime of leaf certificates; `pulumi up` renews them in their last third."""
    ca_validity_days: Annotated[int, Field(ge=30, le=3650)] = 730
    """`generated`: lifetime of the private CA."""
    provided: dict[CertificateRole, ProvidedCertificate] = {}
    """`stackSecrets`: one entry per role (`edge`, `apimGateway`, `meshGateway`, `apimClient`,
    `internalCa`)."""
    client_certificate_name: Annotated[str, Field(pattern=r"^[0-9a-zA-Z-]{1,127}$")] = (
        "apim-mesh-client"
    )
    """Key Vault secret with APIM's client certificate for the mesh gateway."""
    ca_secret_name: Annotated[str, Field(pattern=r"^[0-9a-zA-Z-]{1,127}$")] = "internal-ca"
    """Key Vault secret with the private CA (PEM): Application Gateway's trusted root for APIM,
    APIM's CA for the mesh gateway, the mesh gateway's CA for APIM's client certificate."""
    client_subject: Annotated[str, Field(pattern=r"^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$")] = (
        "apim-client"
    )
    """DNS name (label, completed with the internal DNS zone) in APIM's client certificate;
    the mesh gateway accepts no other client."""

    @model_validator(mode="after")
    def _provided_when_stack_secrets(self) -> CertificatesConfig:
        if self.source == "stackSecrets":
            missing = [r for r in CERTIFICATE_ROLES if r not in self.provided]
            if missing:
                raise ValueError(
                    "provided: source 'stackSecrets' needs an entry for "
                    + ", ".join(missing)
                    + " (each {configKey, expires}); or use source 'generated' (dev)"
                )
        elif self.provided:
            raise ValueError("provided: only used with source 'stackSecrets'")
        keys = [p.config_key for p in self.provided.values()]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"provided: configKey must be unique; repeated: {', '.join(dupes)}")
        return self
