"""Certificates as Key Vault secrets: deterministic PKCS#12, content types, expiry (pure)."""

from __future__ import annotations

import base64
import datetime

from cryptography.hazmat.primitives.serialization import pkcs12

from meshward.azure import certificate_specs as specs
from meshward.engine.tls_mocks import placeholder_certificate, tls_outputs


def _issued() -> tuple[str, str, str]:
    """A CA and a leaf signed by it, made by the same code the plan's mocks use."""
    ca_key = tls_outputs("tls:index/privateKey:PrivateKey", "ca-key", {})["privateKeyPem"]
    ca = tls_outputs(
        "tls:index/selfSignedCert:SelfSignedCert",
        "ca",
        {"privateKeyPem": ca_key, "isCaCertificate": True, "subject": {"commonName": "ca"}},
    )["certPem"]
    key = tls_outputs("tls:index/privateKey:PrivateKey", "leaf-key", {})["privateKeyPem"]
    csr = tls_outputs(
        "tls:index/certRequest:CertRequest",
        "leaf-csr",
        {"privateKeyPem": key, "subject": {"commonName": "mesh"}, "dnsNames": ["mesh.x.test"]},
    )["certRequestPem"]
    leaf = tls_outputs(
        "tls:index/locallySignedCert:LocallySignedCert",
        "leaf",
        {
            "certRequestPem": csr,
            "caPrivateKeyPem": ca_key,
            "caCertPem": ca,
            "validityPeriodHours": 48,
            "allowedUses": ["server_auth"],
        },
    )["certPem"]
    return leaf, key, ca


def test_pfx_is_byte_identical_on_every_run_and_opens_with_the_empty_password() -> None:
    leaf, key, ca = _issued()
    first = specs.deterministic_pfx(leaf, key, ca)
    assert first == specs.deterministic_pfx(leaf, key, ca)  # no `pulumi up` churn
    # cryptography verifies the MAC while loading: a wrong MAC would raise.
    loaded_key, cert, chain = pkcs12.load_key_and_certificates(base64.b64decode(first), None)
    assert loaded_key is not None and cert is not None and len(chain) == 1
    assert specs.pfx_not_after(first) == datetime.datetime(2000, 1, 3, tzinfo=datetime.UTC)


def test_ca_only_pfx_for_application_gateway_holds_no_key() -> None:
    _, _, ca = _issued()
    bundle = specs.deterministic_pfx(ca, None)
    loaded_key, cert, trusted = pkcs12.load_key_and_certificates(base64.b64decode(bundle), None)
    assert loaded_key is None and cert is None and len(trusted) == 1
    assert bundle == specs.deterministic_pfx(ca, None)


def test_leafs_are_pkcs12_and_the_ca_is_pem() -> None:
    chain = specs.chain_specs(
        edge_hostname="api.contoso.com",
        edge_secret="edge-tls",
        apim_hostname="apim.int.contoso.com",
        apim_secret="apim-gateway-tls",
        mesh_hostname="mesh.int.contoso.com",
        mesh_secret="mesh-gateway-tls",
        client_subject="apim-client.int.contoso.com",
        client_secret="apim-mesh-client",
        ca_secret="internal-ca",
        ca_name="internal CA",
    )
    types = {s.role: s.content_type for s in chain}
    assert types == {
        "edge": "application/x-pkcs12",
        "apimGateway": "application/x-pkcs12",
        "meshGateway": "application/x-pkcs12",
        "apimClient": "application/x-pkcs12",
        "internalCa": "application/x-pem-file",
    }
    assert specs.allowed_uses("client")[-1] == "client_auth"


def test_expiry_is_unix_seconds() -> None:
    assert specs.epoch("1970-01-02T00:00:00Z") == 86_400
    assert specs.epoch(datetime.date(1970, 1, 3)) == 2 * 86_400
    assert specs.epoch(datetime.date(2027, 6, 30)) == specs.epoch("2027-06-30T00:00:00Z")


def test_apim_ca_store_takes_the_der_body_of_the_pem() -> None:
    pem = placeholder_certificate("internalCa", ca=True)
    body = specs.pem_der_base64(pem)
    assert "-----" not in body and base64.b64decode(body)[:1] == b"\x30"
