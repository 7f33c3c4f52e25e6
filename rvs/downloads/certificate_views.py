"""The statement-signing certificate, published so anyone can check a statement without us.

Acrobat, Poppler's ``pdfsig`` and pyHanko validate a Statement of Results offline once they
trust the certificate (or the CA at the top of its chain): these public URLs give it as PEM,
and a page gives its SHA-256 fingerprint to compare through a second channel (decision 0018).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from asn1crypto import x509 as asn1_x509
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import etag, require_safe

from rvs.core.dates import display_datetime
from rvs.downloads import signing, timestamping

# An hour: a rotated certificate reaches every cache within it, and an unchanged one is not refetched
# on every check. Clients revalidate cheaply with the ETag.
MAX_AGE = 3600


@dataclass(frozen=True)
class ShownCertificate:
    role: str
    subject: str
    issuer: str
    serial: str
    not_before: str
    not_after: str
    fingerprint: str


def _shown(role: str, certificate: asn1_x509.Certificate) -> ShownCertificate:
    validity = certificate["tbs_certificate"]["validity"]
    return ShownCertificate(
        role=role,
        subject=certificate.subject.human_friendly,
        issuer=certificate.issuer.human_friendly,
        serial=f"{certificate.serial_number:X}",
        not_before=display_datetime(validity["not_before"].native),
        not_after=display_datetime(validity["not_after"].native),
        fingerprint=signing.fingerprint(certificate),
    )


def _pem_response(body: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


# The ETag is the body's hash, so a changed chain file changes it too; If-None-Match gets a 304.
@require_safe
@cache_control(public=True, max_age=MAX_AGE)
@etag(lambda request: _digest(signing.certificate_pem()))
def certificate_pem(request: HttpRequest) -> HttpResponse:
    """The signing certificate alone: what ``pdfsig``'s NSS database or pyHanko's ``--trust`` takes."""
    return _pem_response(signing.certificate_pem(), "application/x-pem-file", "statement-signing-certificate.pem")


@require_safe
@cache_control(public=True, max_age=MAX_AGE)
@etag(lambda request: _digest(signing.chain_pem()))
def certificate_chain_pem(request: HttpRequest) -> HttpResponse:
    """The certificate followed by its CA chain (RFC 8555's format); just the certificate when self-signed."""
    return _pem_response(signing.chain_pem(), "application/pem-certificate-chain", "statement-signing-chain.pem")


@require_safe
def certificate_page(request: HttpRequest) -> HttpResponse:
    """The fingerprint and details, and how to check a statement offline.

    Not publicly cacheable, unlike the PEM files: the layout shows who is signed in.
    """
    chain = [_shown(_("Issuing CA"), certificate) for certificate in signing.chain_certificates()]
    context = {
        "certificate": _shown(_("Signing certificate"), signing.signing_certificate()),
        "chain": chain,
        "retired": [_shown(_("Retired signing certificate"), c) for c in signing.retired_certificates()],
        "timestamped": timestamping.enabled(),
    }
    return render(request, "downloads/signing_certificate.html", context)
