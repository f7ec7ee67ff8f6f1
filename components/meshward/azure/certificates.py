"""The chain's certificates, written into Key Vault by the same run that reads them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_tls as tls
from pulumi_azure_native import keyvault

from meshward.azure import certificate_specs as specs
from meshward.config.certificates import CertificateRole, CertificatesConfig

CA_PFX_SUFFIX = "-pfx"
"""The private CA is stored twice: PEM (`ca.crt` for the mesh gateway) and, under this suffix,
as a certificate-only PKCS#12 (Application Gateway's trusted root reads only PFX)."""


class CertificatesArgs(TypedDict):
    """Inputs of `Certificates`."""

    config: CertificatesConfig
    """Generated, or from stack secrets."""
    specs: Sequence[specs.CertificateSpec]
    """What each certificate is for (host names, Key Vault secret names)."""
    vault_name: pulumi.Input[str]
    """Vault the secrets are written to (through ARM, so a private vault is fine)."""
    resource_group_name: pulumi.Input[str]
    """Resource group of the vault."""
    provided: NotRequired[Mapping[CertificateRole, pulumi.Input[str]]]
    """`stackSecrets`: each role's value (base64 PFX; PEM for `internalCa`), secret."""
    after: NotRequired[Sequence[pulumi.Resource]]
    """Resources the secrets wait for (the vault's private endpoint)."""


class Certificates(pulumi.ComponentResource):
    """Private CA and leaf certificates (generated or provided) as Key Vault secrets with their
    content type and expiry."""

    secrets: dict[str, keyvault.Secret]
    """Key Vault secrets by secret name; readers depend on them."""
    secret_names: dict[CertificateRole, str]
    """Secret name of each role."""
    ca_pfx_secret_name: str
    """Secret holding the CA as certificate-only PKCS#12 (Application Gateway trusted root)."""
    ca_pem: pulumi.Output[str]
    """The private CA certificate (PEM; public)."""

    def __init__(
        self, name: str, args: CertificatesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("meshward:index:Certificates", name, None, opts)
        cfg = args["config"]
        by_role = {s.role: s for s in args["specs"]}
        ca_spec = by_role["internalCa"]
        values: dict[str, pulumi.Output[str]] = {}
        expiries: dict[str, pulumi.Output[int]] = {}
        if cfg.source == "generated":
            self.ca_pem = self._generate(name, cfg, args["specs"], values, expiries)
        else:
            provided = args.get("provided", {})
            for spec in args["specs"]:
                entry = cfg.provided[spec.role]
                values[spec.secret_name] = pulumi.Output.secret(provided[spec.role])
                expiries[spec.secret_name] = pulumi.Output.from_input(specs.epoch(entry.expires))
            self.ca_pem = pulumi.Output.unsecret(values[ca_spec.secret_name])
        self.ca_pfx_secret_name = ca_spec.secret_name + CA_PFX_SUFFIX
        values[self.ca_pfx_secret_name] = self.ca_pem.apply(
            lambda pem: specs.deterministic_pfx(pem, None)
        )
        expiries[self.ca_pfx_secret_name] = expiries[ca_spec.secret_name]
        types = {s.secret_name: s.content_type for s in args["specs"]}
        types[self.ca_pfx_secret_name] = specs.PKCS12
        self.secret_names = {s.role: s.secret_name for s in args["specs"]}
        self.secrets = {}
        for secret_name in sorted(values):
            self.secrets[secret_name] = keyvault.Secret(
                f"{name}-{secret_name}",
                secret_name=secret_name,
                vault_name=args["vault_name"],
                resource_group_name=args["resource_group_name"],
                properties=_properties(
                    values[secret_name], types[secret_name], expiries[secret_name]
                ),
                opts=pulumi.ResourceOptions(
                    parent=self,
                    depends_on=list(args.get("after", [])),
                    additional_secret_outputs=["properties"],
                ),
            )
        self.register_outputs({"ca_pem": self.ca_pem})

    def _generate(
        self,
        name: str,
        cfg: CertificatesConfig,
        all_specs: Sequence[specs.CertificateSpec],
        values: dict[str, pulumi.Output[str]],
        expiries: dict[str, pulumi.Output[int]],
    ) -> pulumi.Output[str]:
        """A private CA and every leaf, renewed by `pulumi up` in the last third of their life."""
        child = pulumi.ResourceOptions(parent=self)
        ca_spec = next(s for s in all_specs if s.role == "internalCa")
        ca_key = tls.PrivateKey(f"{name}-ca-key", algorithm="ECDSA", ecdsa_curve="P256", opts=child)
        ca_hours = cfg.ca_validity_days * 24
        ca = tls.SelfSignedCert(
            f"{name}-ca",
            private_key_pem=ca_key.private_key_pem,
            subject={"common_name": ca_spec.common_name, "organization": "meshward"},
            is_ca_certificate=True,
            validity_period_hours=ca_hours,
            early_renewal_hours=ca_hours // 3,
            allowed_uses=specs.allowed_uses("ca"),
            opts=child,
        )
        values[ca_spec.secret_name] = ca.cert_pem
        expiries[ca_spec.secret_name] = ca.validity_end_time.apply(specs.epoch)
        hours = cfg.validity_days * 24
        for spec in all_specs:
            if spec.usage == "ca":
                continue
            key = tls.PrivateKey(
                f"{name}-{spec.role}-key", algorithm="ECDSA", ecdsa_curve="P256", opts=child
            )
            request = tls.CertRequest(
                f"{name}-{spec.role}-csr",
                private_key_pem=key.private_key_pem,
                subject={"common_name": spec.common_name, "organization": "meshward"},
                dns_names=list(spec.dns_names),
                opts=child,
            )
            cert = tls.LocallySignedCert(
                f"{name}-{spec.role}",
                cert_request_pem=request.cert_request_pem,
                ca_private_key_pem=ca_key.private_key_pem,
                ca_cert_pem=ca.cert_pem,
                validity_period_hours=hours,
                early_renewal_hours=hours // 3,
                allowed_uses=specs.allowed_uses(spec.usage),
                opts=child,
            )
            values[spec.secret_name] = pulumi.Output.secret(
                pulumi.Output.all(cert.cert_pem, key.private_key_pem, ca.cert_pem).apply(
                    lambda v: specs.deterministic_pfx(str(v[0]), str(v[1]), str(v[2]))
                )
            )
            expiries[spec.secret_name] = cert.validity_end_time.apply(specs.epoch)
        return ca.cert_pem


def _properties(value: pulumi.Output[str], content_type: str, expires: pulumi.Output[int]) -> Any:
    return {
        "value": pulumi.Output.secret(value),
        "content_type": content_type,
        "attributes": {"enabled": True, "expires": expires},
    }
