"""The webhook SSRF guard (issue 15, item 7): every way of spelling a private address is refused,
the connection goes to the address that was checked, and proxy environment variables are ignored."""

from __future__ import annotations

import datetime as dt
import socket
import ssl
from pathlib import Path
from typing import Any

import httpcore
import httpx
import pytest
from django.core.exceptions import ValidationError
from pytest_httpserver import HTTPServer

from rvs.api import ssrf, webhooks
from rvs.api.models import WebhookDelivery, WebhookEndpoint
from tests.factories import CandidateFactory, ResultFactory

pytestmark = pytest.mark.django_db

PUBLIC = "93.184.216.34"

# (address as the URL or a DNS answer gives it, what it is): each must be refused.
PRIVATE_FORMS = [
    ("127.0.0.1", "IPv4 loopback"),
    ("10.1.2.3", "IPv4 private"),
    ("100.64.0.1", "shared address space (carrier-grade NAT)"),
    ("169.254.169.254", "IPv4 link-local (cloud metadata)"),
    ("0.0.0.0", "IPv4 unspecified"),
    ("224.0.0.1", "IPv4 multicast"),
    ("240.0.0.1", "IPv4 reserved"),
    ("::1", "IPv6 loopback"),
    ("::", "IPv6 unspecified"),
    ("fe80::1", "IPv6 link-local"),
    ("fc00::1", "IPv6 unique local"),
    ("fec0::1", "IPv6 site-local"),
    ("ff02::1", "IPv6 multicast"),
    ("2001:db8::1", "IPv6 documentation"),
    ("::ffff:127.0.0.1", "IPv4-mapped loopback"),
    ("::ffff:169.254.169.254", "IPv4-mapped link-local"),
    ("::ffff:0:a00:1", "IPv4-translated private"),
    ("::127.0.0.1", "IPv4-compatible loopback"),
    ("::a9fe:a9fe", "IPv4-compatible link-local"),
    ("::10.0.0.1", "IPv4-compatible private"),
    ("64:ff9b::a9fe:a9fe", "NAT64 of link-local"),
    ("64:ff9b::7f00:1", "NAT64 of loopback"),
    ("64:ff9b::c0a8:101", "NAT64 of private"),
    ("64:ff9b:1::a9fe:a9fe", "local-use NAT64"),
    ("2002:7f00:1::1", "6to4 of loopback"),
    ("2002:a9fe:a9fe::1", "6to4 of link-local"),
    ("2002:c0a8:101::1", "6to4 of private"),
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "Teredo, client 127.0.0.1"),
    ("2001:0:c0a8:101::1", "Teredo, server private"),
]
PUBLIC_FORMS = [
    (PUBLIC, "IPv4 global"),
    ("2606:4700:4700::1111", "IPv6 global"),
    ("64:ff9b::5db8:d822", "NAT64 of a global IPv4 address (DNS64)"),
]


def _literal(address: str) -> str:
    return f"[{address}]" if ":" in address else address


def _answer(*answers: str) -> Any:
    """A resolver that gives each answer in turn (the last one again once they run out)."""
    calls: list[str] = []

    def getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        address = answers[min(len(calls), len(answers) - 1)]
        calls.append(host)
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port or 443))]

    getaddrinfo.calls = calls  # type: ignore[attr-defined]
    return getaddrinfo


class _Connections:
    """Records where the HTTP client opens TCP connections, and refuses those to ``refuse``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, refuse: set[str]) -> None:
        self.hosts: list[tuple[str, int]] = []
        real = httpcore.SyncBackend.connect_tcp
        connections = self

        def connect_tcp(backend: Any, host: str, port: int, *args: Any, **kwargs: Any) -> Any:
            connections.hosts.append((host, port))
            if host in refuse:
                raise httpcore.ConnectError(f"test: no route to {host}")
            return real(backend, host, port, *args, **kwargs)

        monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", connect_tcp)


def _delivery(org: Any, url: str, captured: Any) -> WebhookDelivery:
    from rvs.sharing.services import share_create

    WebhookEndpoint.objects.create(organisation=org, url=url, secret="whsec_" + "A" * 44, events=["result.shared"])
    candidate = CandidateFactory()
    result = ResultFactory(candidate=candidate)
    with captured(execute=True):
        share_create(actor=None, candidate=candidate, organisation=org, results=[result], include_photo=False)
    return WebhookDelivery.objects.get()


class TestAddressForms:
    @pytest.mark.parametrize(("address", "form"), PRIVATE_FORMS)
    def test_it_refuses_every_form_of_a_private_address_in_the_url(self, address: str, form: str) -> None:
        problem = webhooks.url_problem(f"https://{_literal(address)}/hook")
        assert problem is not None, form
        assert "not allowed" in problem

    @pytest.mark.parametrize(("address", "form"), PRIVATE_FORMS)
    def test_it_refuses_every_form_of_a_private_address_in_a_dns_answer(
        self, monkeypatch: pytest.MonkeyPatch, address: str, form: str
    ) -> None:
        monkeypatch.setattr(socket, "getaddrinfo", _answer(address))
        problem = webhooks.url_problem("https://hook.example/hook")
        assert problem is not None, form
        assert "hook.example" in problem

    @pytest.mark.parametrize(("address", "form"), PUBLIC_FORMS)
    def test_it_accepts_global_addresses(self, monkeypatch: pytest.MonkeyPatch, address: str, form: str) -> None:
        monkeypatch.setattr(socket, "getaddrinfo", _answer(address))
        assert webhooks.url_problem("https://hook.example/hook") is None, form

    def test_it_refuses_registration_of_a_mapped_loopback(self, org_a: Any, primary: Any) -> None:
        with pytest.raises(ValidationError):
            webhooks.endpoint_create(
                actor=primary, organisation=org_a, url="https://[::127.0.0.1]/hook", events=["result.shared"]
            )
        assert not WebhookEndpoint.objects.exists()


class TestPinnedConnection:
    def test_it_connects_to_the_checked_address_when_dns_changes(
        self,
        org_a: Any,
        monkeypatch: pytest.MonkeyPatch,
        httpserver: HTTPServer,
        django_capture_on_commit_callbacks: Any,
    ) -> None:
        # Checked: public. Asked again (as an HTTP client resolving on its own would): loopback,
        # where a server listens. The delivery must go to the public address only.
        resolver = _answer(PUBLIC, "127.0.0.1")
        monkeypatch.setattr(socket, "getaddrinfo", resolver)
        connections = _Connections(monkeypatch, refuse={PUBLIC})
        delivery = _delivery(org_a, f"https://hook.example:{httpserver.port}/hook", django_capture_on_commit_callbacks)
        assert connections.hosts == [(PUBLIC, httpserver.port)]
        assert resolver.calls == ["hook.example"]
        assert not httpserver.log
        assert delivery.status == WebhookDelivery.Status.PENDING
        assert "ConnectError" in delivery.last_error

    def test_it_keeps_the_name_for_the_host_header_and_tls(
        self, org_a: Any, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
    ) -> None:
        monkeypatch.setattr(socket, "getaddrinfo", _answer(PUBLIC))
        sent: list[httpx.Request] = []

        def handle_request(transport: Any, request: httpx.Request) -> httpx.Response:
            sent.append(request)
            return httpx.Response(204)

        monkeypatch.setattr(httpx.HTTPTransport, "handle_request", handle_request)
        delivery = _delivery(org_a, "https://Hook.Example:8443/in?x=1", django_capture_on_commit_callbacks)
        assert delivery.status == WebhookDelivery.Status.DELIVERED
        (request,) = sent
        assert str(request.url) == f"https://{PUBLIC}:8443/in?x=1"
        assert request.headers["host"] == "hook.example:8443"
        assert request.extensions["sni_hostname"] == "hook.example"  # certificate checked for the name

    def test_it_ignores_proxy_environment_variables(
        self, org_a: Any, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
    ) -> None:
        for name in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.setenv(name, "http://127.0.0.1:9")
        monkeypatch.setattr(socket, "getaddrinfo", _answer(PUBLIC))
        connections = _Connections(monkeypatch, refuse={PUBLIC, "127.0.0.1"})
        _delivery(org_a, "https://hook.example/hook", django_capture_on_commit_callbacks)
        assert connections.hosts == [(PUBLIC, 443)]


def _tls_pair(name: str, folder: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a certificate for ``name`` from a throwaway CA, and a client trusting it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def certificate(subject: str, key: Any, issuer: str, signer: Any, *, ca: bool) -> x509.Certificate:
        now = dt.datetime.now(dt.UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False)
        return builder.sign(signer, hashes.SHA256())

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_cert = certificate("Test CA", ca_key, "Test CA", ca_key, ca=True)
    cert = certificate(name, key, "Test CA", ca_key, ca=False)
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    client = ssl.create_default_context(cadata=ca_cert.public_bytes(serialization.Encoding.PEM).decode())
    return server, client


class TestTls:
    """Connecting to the checked IP address still verifies the certificate for the host name."""

    @pytest.fixture
    def tls_server(self, tmp_path: Path) -> Any:
        server_context, client_context = _tls_pair("hook.example", tmp_path)
        server = HTTPServer(host="127.0.0.1", port=0, ssl_context=server_context)
        server.start()
        yield server, client_context
        server.clear()
        server.stop()

    def _resolve_to_loopback(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(socket, "getaddrinfo", _answer("127.0.0.1"))

    def test_it_verifies_the_certificate_for_the_name(self, monkeypatch: pytest.MonkeyPatch, tls_server: Any) -> None:
        server, client_context = tls_server
        server.expect_request(
            "/hook", method="POST", headers={"host": f"hook.example:{server.port}"}
        ).respond_with_data("ok")
        self._resolve_to_loopback(monkeypatch)
        target = ssrf.check_url(f"https://hook.example:{server.port}/hook", allow_private=True)
        response = ssrf.post(target, content=b"{}", headers={}, timeout=5.0, verify=client_context)
        assert response.status_code == 200
        assert len(server.log) == 1

    def test_it_refuses_a_certificate_for_another_name(self, monkeypatch: pytest.MonkeyPatch, tls_server: Any) -> None:
        server, client_context = tls_server
        self._resolve_to_loopback(monkeypatch)
        target = ssrf.check_url(f"https://other.example:{server.port}/hook", allow_private=True)
        with pytest.raises(httpx.ConnectError, match=r"CERTIFICATE_VERIFY_FAILED|match"):
            ssrf.post(target, content=b"{}", headers={}, timeout=5.0, verify=client_context)
        assert not server.log
