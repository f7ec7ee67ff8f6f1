"""The chain's certificates: what each one is for, and how it is stored in Key Vault (pure).

Key Vault holds every certificate as a *secret* written through ARM (so the run can write it
while the vault's data plane is private): leaf certificates as base64 PKCS#12 with content type
`application/x-pkcs12` (what Application Gateway, API Management and External Secrets'
`pkcs12cert`/`pkcs12key` read), the private CA as PEM (`application/x-pem-file`). Each secret
carries the certificate's expiry as `exp`, so Key Vault raises near-expiry events.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
from dataclasses import dataclass
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from meshward.config.certificates import CertificateRole

PKCS12 = "application/x-pkcs12"
PEM = "application/x-pem-file"
Usage = Literal["server", "client", "ca"]


@dataclass(frozen=True)
class CertificateSpec:
    """One certificate of the chain."""

    role: CertificateRole
    secret_name: str
    """Key Vault secret it is stored in."""
    common_name: str
    dns_names: tuple[str, ...]
    usage: Usage

    @property
    def content_type(self) -> str:
        """How the secret's value is encoded."""
        return PEM if self.usage == "ca" else PKCS12


def chain_specs(
    *,
    edge_hostname: str,
    edge_secret: str,
    apim_hostname: str,
    apim_secret: str,
    mesh_hostname: str,
    mesh_secret: str,
    client_subject: str,
    client_secret: str,
    ca_secret: str,
    ca_name: str,
) -> list[CertificateSpec]:
    """Edge (AppGW listener), APIM gateway, mesh gateway, APIM's client certificate and the
    private CA, in role order."""
    return [
        CertificateSpec("edge", edge_secret, edge_hostname, (edge_hostname,), "server"),
        CertificateSpec("apimGateway", apim_secret, apim_hostname, (apim_hostname,), "server"),
        CertificateSpec("meshGateway", mesh_secret, mesh_hostname, (mesh_hostname,), "server"),
        CertificateSpec("apimClient", client_secret, client_subject, (client_subject,), "client"),
        CertificateSpec("internalCa", ca_secret, ca_name, (), "ca"),
    ]


def allowed_uses(usage: Usage) -> list[str]:
    """pulumi-tls `allowed_uses` of a certificate."""
    if usage == "ca":
        return ["cert_signing", "crl_signing", "digital_signature"]
    return ["digital_signature", "key_encipherment", f"{usage}_auth"]


def epoch(value: str | datetime.date) -> int:
    """Unix seconds of an RFC 3339 time (pulumi-tls `validity_end_time`) or of the first second
    of a date (UTC), as Key Vault's `exp` attribute wants."""
    if isinstance(value, str):
        return int(datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
    start = datetime.datetime.combine(value, datetime.time(), tzinfo=datetime.UTC)
    return int(start.timestamp())


def _tlv(data: bytes | bytearray, index: int) -> tuple[int, int]:
    """(value start, value length) of the DER element at `index`."""
    length = data[index + 1]
    start = index + 2
    if length & 0x80:
        size = length & 0x7F
        length = int.from_bytes(data[start : start + size], "big")
        start += size
    return start, length


def _children(data: bytes | bytearray, start: int, length: int) -> list[tuple[int, int, int]]:
    """(element index, value start, value length) of each element inside a constructed one."""
    out, index = [], start
    while index < start + length:
        value, size = _tlv(data, index)
        out.append((index, value, size))
        index = value + size
    return out


def _pkcs12_kdf(password: bytes, salt: bytes, iterations: int, size: int) -> bytes:
    """RFC 7292 appendix B.2 with SHA-256 (u = 32, v = 64), purpose 3 (MAC key)."""
    v = 64  # SHA-256 block size; its output (u = 32 bytes) is what each round appends

    def stretch(b: bytes) -> bytes:
        return (b * (v // len(b) + 2))[: v * ((len(b) + v - 1) // v)] if b else b""

    diversifier = bytes([3]) * v
    block = bytearray(stretch(salt) + stretch(password))
    out = b""
    while len(out) < size:
        a = hashlib.sha256(diversifier + bytes(block)).digest()
        for _ in range(iterations - 1):
            a = hashlib.sha256(a).digest()
        out += a
        b = int.from_bytes(stretch(a)[:v], "big")
        for j in range(0, len(block), v):
            chunk = (int.from_bytes(block[j : j + v], "big") + b + 1) % (1 << (v * 8))
            block[j : j + v] = chunk.to_bytes(v, "big")
    return out[:size]


def deterministic_pfx(cert_pem: str, key_pem: str | None, chain_pem: str = "") -> str:
    """Base64 PKCS#12 (no password, SHA-256 MAC) of a certificate, its key (None: a
    certificate-only bundle, e.g. a CA to trust) and its chain.

    OpenSSL salts the MAC at random, which would rewrite the Key Vault secret on every
    `pulumi up`; the bags themselves are deterministic, so the MAC is recomputed here with a
    salt derived from the content. The result still verifies with the empty password.
    """
    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    key = serialization.load_pem_private_key(key_pem.encode(), password=None) if key_pem else None
    chain = x509.load_pem_x509_certificates(chain_pem.encode()) if chain_pem.strip() else []
    if key is None:
        # A bundle of certificates to trust: no key, so no "own" certificate either.
        bundle = pkcs12.serialize_key_and_certificates(
            None, None, None, [cert, *chain], serialization.NoEncryption()
        )
    else:
        bundle = pkcs12.serialize_key_and_certificates(
            None,
            key,  # type: ignore[arg-type]
            cert,
            chain or None,
            serialization.NoEncryption(),
        )
    raw = bytearray(bundle)
    value, size = _tlv(raw, 0)
    _, auth_safe, mac_data = _children(raw, value, size)
    # authSafe ContentInfo → [0] EXPLICIT → OCTET STRING: the bytes the MAC covers.
    explicit = _children(raw, auth_safe[1], auth_safe[2])[1]
    octets = _children(raw, explicit[1], explicit[2])[0]
    content = bytes(raw[octets[1] : octets[1] + octets[2]])
    digest_info, salt, rounds = _children(raw, mac_data[1], mac_data[2])
    iterations = int.from_bytes(raw[rounds[1] : rounds[1] + rounds[2]], "big")
    new_salt = hashlib.sha256(content).digest()[: salt[2]]
    raw[salt[1] : salt[1] + salt[2]] = new_salt
    # The empty password is the BMPString terminator alone (what OpenSSL uses).
    mac_key = _pkcs12_kdf(b"\x00\x00", new_salt, iterations, 32)
    mac = hmac.new(mac_key, content, hashlib.sha256).digest()
    mac_field = _children(raw, digest_info[1], digest_info[2])[1]
    if mac_field[2] != len(mac):
        raise ValueError("unexpected PKCS#12 MAC algorithm (expected SHA-256)")
    raw[mac_field[1] : mac_field[1] + mac_field[2]] = mac
    return base64.b64encode(bytes(raw)).decode()


def pem_der_base64(pem: str) -> str:
    """The base64 DER body of a PEM certificate (what APIM's CA store takes)."""
    return "".join(
        line.strip() for line in pem.splitlines() if line.strip() and not line.startswith("-----")
    )


def pfx_not_after(pfx_base64: str) -> datetime.datetime:
    """`notAfter` of the certificate inside a base64 PKCS#12 without password."""
    _, cert, _ = pkcs12.load_key_and_certificates(base64.b64decode(pfx_base64), None)
    if cert is None:
        raise ValueError("the PKCS#12 bundle holds no certificate")
    return cert.not_valid_after_utc
