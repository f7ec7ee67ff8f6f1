"""Deterministic stand-ins for pulumi-tls and for certificate stack secrets (plan only).

The plan runs the same certificate code `pulumi up` runs (PKCS#12 bundling, expiry
attributes), so the mock engine answers pulumi-tls with real, parseable PEM: Ed25519 keys
derived from the resource name and certificates signed with them (Ed25519 signatures are
deterministic), valid from 2000-01-01 so nobody mistakes them for real ones.
"""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from meshward.azure.certificate_specs import deterministic_pfx

EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
"""Start of every mocked certificate's validity."""
_EKU = {
    "server_auth": ExtendedKeyUsageOID.SERVER_AUTH,
    "client_auth": ExtendedKeyUsageOID.CLIENT_AUTH,
}


def _key(seed: str) -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.from_private_bytes(hashlib.sha256(seed.encode()).digest())


def _pem_key(key: ed25519.Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _plain(value: Any) -> Any:
    """A secret input arrives as the engine's envelope `{<signature>: ..., "value": v}`."""
    if isinstance(value, dict) and "value" in value and len(value) == 2:
        return value["value"]
    return value


def _name(subject: Any) -> x509.Name:
    common = str((_plain(subject) or {}).get("commonName") or "placeholder.example.invalid")
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _sign(
    subject: x509.Name,
    public: ed25519.Ed25519PublicKey,
    issuer: x509.Name,
    signer: ed25519.Ed25519PrivateKey,
    inputs: dict[str, Any],
    seed: str,
) -> tuple[x509.Certificate, datetime.datetime]:
    hours = int(_plain(inputs.get("validityPeriodHours")) or 24)
    end = EPOCH + datetime.timedelta(hours=hours)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public)
        .serial_number(int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big"))
        .not_valid_before(EPOCH)
        .not_valid_after(end)
    )
    ca = bool(_plain(inputs.get("isCaCertificate")))
    builder = builder.add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    names = [str(n) for n in _plain(inputs.get("dnsNames")) or []]
    if names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False
        )
    uses = [_EKU[u] for u in _plain(inputs.get("allowedUses")) or [] if u in _EKU]
    if uses:
        builder = builder.add_extension(x509.ExtendedKeyUsage(uses), critical=False)
    return builder.sign(signer, None), end


def _cert_outputs(cert: x509.Certificate, end: datetime.datetime) -> dict[str, Any]:
    return {
        "certPem": cert.public_bytes(serialization.Encoding.PEM).decode(),
        "validityStartTime": EPOCH.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "validityEndTime": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "readyForRenewal": False,
    }


def tls_outputs(token: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """Computed outputs of a pulumi-tls resource, as the provider would return them."""
    kind = token.rsplit(":", 1)[-1]
    if kind == "PrivateKey":
        key = _key(f"{token}/{name}")
        public = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        pem = _pem_key(key)
        return {"privateKeyPem": pem, "privateKeyPemPkcs8": pem, "publicKeyPem": public.decode()}
    if kind == "SelfSignedCert":
        signer = serialization.load_pem_private_key(
            str(_plain(inputs["privateKeyPem"])).encode(), None
        )
        assert isinstance(signer, ed25519.Ed25519PrivateKey)
        subject = _name(inputs.get("subject"))
        cert, end = _sign(subject, signer.public_key(), subject, signer, inputs, name)
        return _cert_outputs(cert, end)
    if kind == "CertRequest":
        owner = serialization.load_pem_private_key(
            str(_plain(inputs["privateKeyPem"])).encode(), None
        )
        assert isinstance(owner, ed25519.Ed25519PrivateKey)
        builder = x509.CertificateSigningRequestBuilder().subject_name(_name(inputs.get("subject")))
        names = [str(n) for n in _plain(inputs.get("dnsNames")) or []]
        if names:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False
            )
        request = builder.sign(owner, None).public_bytes(serialization.Encoding.PEM)
        return {"certRequestPem": request.decode()}
    if kind == "LocallySignedCert":
        csr = x509.load_pem_x509_csr(str(_plain(inputs["certRequestPem"])).encode())
        ca_key = serialization.load_pem_private_key(
            str(_plain(inputs["caPrivateKeyPem"])).encode(), None
        )
        ca_cert = x509.load_pem_x509_certificate(str(_plain(inputs["caCertPem"])).encode())
        assert isinstance(ca_key, ed25519.Ed25519PrivateKey)
        requester = csr.public_key()
        assert isinstance(requester, ed25519.Ed25519PublicKey)
        try:
            san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            inputs = {**inputs, "dnsNames": san.get_values_for_type(x509.DNSName)}
        except x509.ExtensionNotFound:
            pass
        cert, end = _sign(csr.subject, requester, ca_cert.subject, ca_key, inputs, name)
        return _cert_outputs(cert, end)
    return {}


def placeholder_certificate(role: str, ca: bool) -> str:
    """A parseable stand-in for a certificate stack secret: the CA as PEM, others as PFX."""
    key = _key(f"placeholder/{role}")
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{role}.example.invalid")])
    inputs = {"validityPeriodHours": 24, "isCaCertificate": ca}
    cert, _ = _sign(subject, key.public_key(), subject, key, inputs, role)
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    return pem if ca else deterministic_pfx(pem, _pem_key(key))
