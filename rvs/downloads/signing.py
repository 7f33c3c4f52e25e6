"""The service's document-signing key: PAdES signatures on every Statement of Results.

The key and certificate come from ``RVS_SIGNING_KEY_FILE`` / ``RVS_SIGNING_CERT_FILE``. When
neither file exists a self-signed EC P-256 certificate is generated on first use, so the
embedded default signs out of the box; production installs a certificate from the board's CA.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_cms import SimpleSigner


def _paths() -> tuple[Path, Path]:
    return Path(settings.RVS_SIGNING_KEY_FILE), Path(settings.RVS_SIGNING_CERT_FILE)


def ensure_signing_key() -> tuple[Path, Path]:
    """Create a self-signed signing key and certificate if none is configured yet."""
    key_path, cert_path = _paths()
    if key_path.exists() and cert_path.exists():
        return key_path, cert_path
    key_path.parent.mkdir(parents=True, exist_ok=True)
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"{settings.RVS_BRAND['board_name']} Statements of Results"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, settings.RVS_BRAND["board_name"]),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    # Write the key with owner-only permissions, atomically, so two workers never read half a file.
    tmp_key = key_path.with_suffix(".tmp")
    fd = os.open(tmp_key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    tmp_key.replace(key_path)
    tmp_cert = cert_path.with_suffix(".tmp")
    tmp_cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    tmp_cert.replace(cert_path)
    return key_path, cert_path


@functools.cache
def _signer(key_path: str, cert_path: str) -> SimpleSigner:
    signer = SimpleSigner.load(key_path, cert_path)
    if signer is None:
        raise RuntimeError(f"cannot load the signing key {key_path} and certificate {cert_path}")
    return signer


def signer() -> SimpleSigner:
    key_path, cert_path = ensure_signing_key()
    return _signer(str(key_path), str(cert_path))


def signing_certificate() -> asn1_x509.Certificate:
    return signer().signing_cert


def sign_pdf(data: bytes) -> bytes:
    """Sign a whole PDF (PAdES baseline B) with the service's key; returns the signed bytes."""
    out = io.BytesIO()
    sign_pdf_file(io.BytesIO(data), out)
    return out.getvalue()


def sign_pdf_file(source: BinaryIO, out: BinaryIO) -> None:
    """Sign the PDF read from ``source`` into ``out``, reading and writing files rather than memory.

    pyHanko reads back what it hashes, so a write-only ``out`` is signed into a temporary file and
    copied (pyHanko would otherwise sign into memory).
    """
    writer = IncrementalPdfFileWriter(source)
    meta = signers.PdfSignatureMetadata(
        field_name="StatementSignature",
        reason="Statement of Results issued by " + settings.RVS_BRAND["board_name"],
        location=settings.RVS_SITE_URL,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    if _random_access(out):
        signers.sign_pdf(writer, meta, signer=signer(), output=out)
        return
    with tempfile.TemporaryFile(prefix="rvs-signed-") as signed:
        signers.sign_pdf(writer, meta, signer=signer(), output=signed)
        signed.seek(0)
        shutil.copyfileobj(signed, out, 1 << 20)


def _random_access(out: BinaryIO) -> bool:
    try:
        return out.readable() and out.seekable() and out.tell() == 0
    except (AttributeError, OSError, ValueError):
        return False
