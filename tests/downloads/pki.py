"""A small test PKI: a root CA, an intermediate, a signing certificate and a time-stamping authority.

Made with ``cryptography`` at test time (nothing checked in), so validity periods are relative
to the clock the test runs under.
"""

from __future__ import annotations

import datetime as dt
import http.server
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps import DummyTimeStamper

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


@dataclass
class Issued:
    key: PrivateKey
    certificate: x509.Certificate

    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def asn1(self) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(self.certificate.public_bytes(serialization.Encoding.DER))


def _usage(*, sign: bool, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=sign,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def issue(
    name: str,
    issuer: Issued | None = None,
    *,
    ca: bool = False,
    rsa_key: bool = False,
    timestamping: bool = False,
    days: int = 365,
) -> Issued:
    """A certificate called ``name``, signed by ``issuer`` (self-signed when None)."""
    key: PrivateKey = rsa.generate_private_key(65537, 2048) if rsa_key else ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.certificate.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(_usage(sign=not ca, ca=ca), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
    if timestamping:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    return Issued(key, builder.sign(issuer.key if issuer else key, hashes.SHA256()))


@dataclass
class Tsa:
    url: str
    root: Issued
    unit: Issued


class _Handler(http.server.BaseHTTPRequestHandler):
    stamper: DummyTimeStamper

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        reply = self.stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def local_tsa(fixed: dt.datetime | None = None) -> Iterator[Tsa]:
    """An RFC 3161 server on 127.0.0.1 (a thread), answering with pyHanko's DummyTimeStamper."""
    root = issue("Test TSA Root", ca=True, rsa_key=True)
    unit = issue("Test TSA Unit", root, rsa_key=True, timestamping=True)
    key = asn1_keys.PrivateKeyInfo.load(
        unit.key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    handler = type("Handler", (_Handler,), {"stamper": DummyTimeStamper(unit.asn1(), key, fixed_dt=fixed)})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Tsa(f"http://127.0.0.1:{server.server_address[1]}/tsa", root, unit)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# Validation by pyHanko in a process of its own: no Django, no service code, only the PDF and the
# certificate a stranger would download: what "checkable without us" means.
_OUTSIDE = """
import json, sys
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
with open(sys.argv[1], "rb") as handle:
    reader = PdfFileReader(handle)
    signature = reader.embedded_signatures[0]
    context = ValidationContext(trust_roots=[load_cert_from_pemder(sys.argv[2])], allow_fetching=False)
    status = validate_pdf_signature(signature, context)
    print(json.dumps({
        "intact": status.intact, "valid": status.valid, "trusted": status.trusted,
        "coverage": status.coverage.name, "signer": status.signing_cert.subject.human_friendly,
        "chain": [c.subject.human_friendly for c in signature.other_embedded_certs],
    }))
"""


def validate_outside(pdf: Path, trust: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _OUTSIDE, str(pdf), str(trust)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def pdfsig(pdf: Path, nssdir: Path | None = None) -> str:
    command = ["pdfsig", *(["-nssdir", f"sql:{nssdir}"] if nssdir else []), str(pdf)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    return done.stdout + done.stderr


def nss_trusting(directory: Path, certificate_pem: bytes) -> Path:
    """An NSS database (what pdfsig reads) that trusts ``certificate_pem`` to sign documents."""
    directory.mkdir()
    (directory / "trusted.pem").write_bytes(certificate_pem)
    subprocess.run(["certutil", "-N", "-d", f"sql:{directory}", "--empty-password"], check=True, timeout=60)
    subprocess.run(
        [
            "certutil",
            "-A",
            "-d",
            f"sql:{directory}",
            "-n",
            "statements",
            "-t",
            "C,C,C",
            "-i",
            str(directory / "trusted.pem"),
        ],
        check=True,
        timeout=60,
    )
    return directory
