"""X.509 certificates for party keys, issued by the registration authority (S2).

A certificate made with ``cryptography`` may stand for a party's Ed25519 key, as the seed's
CA digital certificates do (§10.1.6, §19.1): its subject public key is the party's key and
it is signed by the authority's own Ed25519 key.
"""

from __future__ import annotations

from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.x509.oid import NameOID

from ledger.crypto.signing import Signer
from ledger.errors import InvalidInput, VerificationFailure


def issue_certificate(
    authority: Signer,
    *,
    authority_name: str,
    subject_name: str,
    subject_key: bytes,
    serial: int,
    not_before: datetime,
    not_after: datetime,
) -> str:
    """A PEM certificate binding ``subject_key`` (raw Ed25519) to ``subject_name``."""
    issuer_key = ed25519.Ed25519PrivateKey.from_private_bytes(authority.seed)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject_name))
        .issuer_name(_name(authority_name))
        .public_key(ed25519.Ed25519PublicKey.from_public_bytes(subject_key))
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    )
    certificate = builder.sign(issuer_key, algorithm=None)
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def check_certificate(pem: str, *, authority_key: bytes, subject_key: bytes, at: datetime) -> None:
    """Raise unless ``pem`` is the authority's, names ``subject_key`` and is valid at ``at``."""
    certificate = _load(pem)
    issuer = ed25519.Ed25519PublicKey.from_public_bytes(authority_key)
    try:
        issuer.verify(certificate.signature, certificate.tbs_certificate_bytes)
    except InvalidSignature as exc:
        raise VerificationFailure(
            "certificate", "not signed by the registration authority"
        ) from exc
    found = certificate.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    if found != subject_key:
        raise VerificationFailure("certificate", "its public key is not the key registered")
    if not certificate.not_valid_before_utc <= at <= certificate.not_valid_after_utc:
        raise VerificationFailure(
            "certificate",
            f"valid {certificate.not_valid_before_utc.isoformat()} to "
            f"{certificate.not_valid_after_utc.isoformat()}, not at {at.isoformat()}",
        )


def _load(pem: str) -> x509.Certificate:
    try:
        certificate = x509.load_pem_x509_certificate(pem.encode("ascii"))
    except ValueError as exc:
        raise InvalidInput(f"not a PEM X.509 certificate: {exc}") from exc
    if not isinstance(certificate.public_key(), ed25519.Ed25519PublicKey):
        raise InvalidInput("the certificate's key is not Ed25519")
    return certificate


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
