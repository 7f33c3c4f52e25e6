"""The service's document-signing key: PAdES signatures on every Statement of Results.

The key and certificate come from ``RVS_SIGNING_KEY_FILE`` / ``RVS_SIGNING_CERT_FILE``. When
neither file exists a self-signed EC P-256 certificate is generated on first use, so the
embedded default signs out of the box; production installs a certificate from the board's CA,
with its chain in ``RVS_SIGNING_CHAIN_FILE`` (embedded in every signature). The certificate and
chain are published (``certificate_pem``, ``chain_pem``) so anyone can check a statement
without the service (decision 0018).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hashlib
import io
import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from pyhanko.keys import load_certs_from_pemder
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes, SimpleSigner

from rvs.downloads import timestamping

SIGNATURE_FIELD = "StatementSignature"
DIGEST_ALGORITHM = "sha256"


def _paths() -> tuple[Path, Path]:
    return Path(settings.RVS_SIGNING_KEY_FILE), Path(settings.RVS_SIGNING_CERT_FILE)


def ensure_signing_key() -> tuple[Path, Path]:
    """Create a self-signed signing key and certificate if none is configured yet."""
    key_path, cert_path = _paths()
    if key_path.exists() and cert_path.exists():
        return key_path, cert_path
    if settings.RVS_SIGNING_CHAIN_FILE:
        # A self-signed key made here would not match the configured chain: refuse, and say why.
        raise RuntimeError(
            f"RVS_SIGNING_CHAIN_FILE is set but the CA-issued key {key_path} or certificate {cert_path} is missing"
        )
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
def _signer(key_path: str, cert_path: str, chain_path: str) -> SimpleSigner:
    # The chain's certificates go into every signature's CMS, so validators need only the root.
    signer = SimpleSigner.load(key_path, cert_path, ca_chain_files=(chain_path,) if chain_path else None)
    if signer is None:
        raise RuntimeError(f"cannot load the signing key {key_path} and certificate {cert_path}")
    return signer


def signer() -> SimpleSigner:
    key_path, cert_path = ensure_signing_key()
    return _signer(str(key_path), str(cert_path), settings.RVS_SIGNING_CHAIN_FILE)


def signing_certificate() -> asn1_x509.Certificate:
    return signer().signing_cert


@functools.cache
def _chain(chain_path: str) -> tuple[asn1_x509.Certificate, ...]:
    # Read once per process and path, as the key is: a rotation restarts the processes.
    return tuple(load_certs_from_pemder([chain_path])) if chain_path else ()


def chain_certificates() -> tuple[asn1_x509.Certificate, ...]:
    """The CA certificates of ``RVS_SIGNING_CHAIN_FILE``, in the file's order (none when self-signed)."""
    return _chain(settings.RVS_SIGNING_CHAIN_FILE)


def retired_certificates() -> tuple[asn1_x509.Certificate, ...]:
    """Certificates that signed statements before a rotation (``RVS_SIGNING_RETIRED_CERTS_FILE``)."""
    return _chain(settings.RVS_SIGNING_RETIRED_CERTS_FILE)


def trusted_certificates() -> list[asn1_x509.Certificate]:
    """What the verify page accepts a statement's signature from: the current certificate and the
    retired ones, so a rotation does not turn every statement issued before it "not authentic"."""
    return [signing_certificate(), *retired_certificates()]


def certificate_pem() -> bytes:
    """The signing certificate, PEM: what a validator outside the service is told to trust."""
    return _pem(signing_certificate())


def chain_pem() -> bytes:
    """The signing certificate followed by its chain (RFC 8555's application/pem-certificate-chain)."""
    return b"".join(_pem(certificate) for certificate in (signing_certificate(), *chain_certificates()))


def fingerprint(certificate: asn1_x509.Certificate) -> str:
    """SHA-256 of the DER, as ``openssl x509 -fingerprint -sha256`` prints it (AB:CD:...)."""
    digest = hashlib.sha256(certificate.dump()).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def _pem(certificate: asn1_x509.Certificate) -> bytes:
    return bytes(pem.armor("CERTIFICATE", certificate.dump()))


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
        field_name=SIGNATURE_FIELD,
        reason=signature_reason(),
        location=settings.RVS_SITE_URL,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    if _random_access(out):
        signers.sign_pdf(writer, meta, signer=signer(), output=out)
        if timestamping.enabled():
            timestamping.add_document_timestamp(out)
        return
    with tempfile.TemporaryFile(prefix="rvs-signed-") as signed:
        signers.sign_pdf(writer, meta, signer=signer(), output=signed)
        if timestamping.enabled():
            timestamping.add_document_timestamp(signed)
        signed.seek(0)
        shutil.copyfileobj(signed, out, 1 << 20)


def _random_access(out: BinaryIO) -> bool:
    try:
        return out.readable() and out.seekable() and out.tell() == 0
    except (AttributeError, OSError, ValueError):
        return False


def signature_reason() -> str:
    return "Statement of Results issued by " + settings.RVS_BRAND["board_name"]


def _signed_attributes(signing_time: dt.datetime) -> PdfCMSSignedAttributes:
    return PdfCMSSignedAttributes(signing_time=signing_time)


def _container(digest: bytes, signing_time: dt.datetime, *, dry_run: bool) -> bytes:
    """The DER of a detached PAdES CMS signature over ``digest`` (what pyHanko's ``sign_pdf`` embeds)."""
    container = asyncio.run(
        signer().async_sign(
            digest,
            DIGEST_ALGORITHM,
            dry_run=dry_run,
            use_pades=True,
            signed_attr_settings=_signed_attributes(signing_time),
        )
    )
    return bytes(container.dump())


class EmbeddedSignature:
    """A PAdES signature written into a document as it is made, without pyHanko reading it back.

    The document writer puts ``dictionary()`` in the file as an object (a ``/ByteRange`` and a
    ``/Contents`` of zeros, with their offsets noted), a signature field pointing at it in the
    catalogue's ``/AcroForm`` and a page's ``/Annots``; once the file is complete, ``sign(file)``
    hashes everything but ``/Contents`` (read back in 1 MB pieces) and writes the byte range and
    the CMS container into their places. The same result as ``sign_pdf_file`` (one signature, by
    the service's key, covering the entire file), but memory does not grow with the document:
    ``IncrementalPdfFileWriter`` reads the whole cross-reference table (two objects a page).
    """

    def __init__(self) -> None:
        self.signing_time = dt.datetime.now(dt.UTC).replace(microsecond=0)
        # pyHanko's size estimate: a dry-run container, plus half again (in hexadecimal digits, even).
        estimate = len(_container(bytes(32), self.signing_time, dry_run=True)) * 2
        self.hex_digits = estimate + 2 * (estimate // 4)
        self.range_at = self.contents_at = -1

    def dictionary(self, position: int) -> bytes:
        """The signature dictionary's bytes (``/Type /Sig``) when written at offset ``position``."""
        head = b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /M "
        head += _pdf_string(generic.pdf_date(self.signing_time))
        head += b" /Reason " + _pdf_string(signature_reason())
        head += b" /Location " + _pdf_string(settings.RVS_SITE_URL) + b" /ByteRange "
        self.range_at = position + len(head)
        head += b"[0 0 0 0]".ljust(RANGE_WIDTH) + b" /Contents "
        self.contents_at = position + len(head)
        return head + b"<" + b"0" * self.hex_digits + b"> >>"

    def sign(self, document: BinaryIO, end: int) -> None:
        """Hash ``document`` (``end`` bytes) around ``/Contents``, sign, and fill in both placeholders."""
        if self.contents_at < 0:
            raise RuntimeError("the signature dictionary was never written")
        gap_end = self.contents_at + self.hex_digits + 2  # the hexadecimal string with its < >
        digest = fill_byte_range(document, self.range_at, self.contents_at, gap_end, end, "signed")
        container = _container(digest, self.signing_time, dry_run=False).hex().encode()
        if len(container) > self.hex_digits:
            raise RuntimeError("the signature is larger than the room reserved for it")
        document.seek(self.contents_at + 1)
        document.write(container)  # the rest of the reserved digits stay zeros, as pyHanko pads
        document.seek(end)


RANGE_WIDTH = 48  # "[0 a b c]" padded with spaces: room for offsets of 10^14 bytes


def fill_byte_range(document: BinaryIO, range_at: int, contents_at: int, gap_end: int, end: int, what: str) -> bytes:
    """Write the ``/ByteRange`` placeholder at ``range_at``: every byte of ``document`` up to ``end``
    but the ``/Contents`` hex string (``contents_at`` to ``gap_end``); return the SHA-256 digest of
    those bytes, read back a megabyte at a time. ``what`` names the range in errors ("signed")."""
    byte_range = b"[0 %d %d %d]" % (contents_at, gap_end, end - gap_end)
    if len(byte_range) > RANGE_WIDTH:
        raise RuntimeError("the document is too large for the byte range placeholder")
    document.seek(range_at)
    document.write(byte_range.ljust(RANGE_WIDTH))
    digest = hashlib.sha256()
    for start, stop in ((0, contents_at), (gap_end, end)):
        document.seek(start)
        left = stop - start
        while left > 0:
            piece = document.read(min(left, 1 << 20))
            if not piece:
                raise RuntimeError(f"the document is shorter than the {what} byte range")
            digest.update(piece)
            left -= len(piece)
    return digest.digest()


def _pdf_string(text: str) -> bytes:
    buffer = io.BytesIO()
    generic.pdf_string(text).write_to_stream(buffer)
    return buffer.getvalue()
