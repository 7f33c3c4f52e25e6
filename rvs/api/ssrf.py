"""Outgoing requests to URLs that organisations chose (webhooks), guarded against SSRF.

The guard resolves the host name once, refuses the URL if any address is not a global unicast
address (whatever its spelling: IPv4-mapped, IPv4-compatible, IPv4-translated, NAT64, 6to4 and
Teredo forms of a private IPv4 address included), and then connects to an address it checked:
the HTTP client never resolves the name again (a DNS answer that changes between the check and the
connection, "DNS rebinding", cannot reach a private address). The name is still sent as the Host
header and as the TLS server name, so the certificate is verified for it. Proxy environment
variables are ignored and redirects are never followed. See decision 0016.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from django.utils.translation import gettext as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# IPv6 ranges whose last 32 bits are an IPv4 address the packet ends up at.
_EMBEDDING_V4 = [
    (ipaddress.IPv6Network("::ffff:0:0/96"), "IPv4-mapped"),
    (ipaddress.IPv6Network("::ffff:0:0:0/96"), "IPv4-translated"),
    (ipaddress.IPv6Network("64:ff9b::/96"), "NAT64"),
    (ipaddress.IPv6Network("::/96"), "IPv4-compatible"),
]
# Forms that only reach their embedded IPv4 address: acceptable when that address is.
_TRANSLATED = {"IPv4-mapped", "IPv4-translated", "NAT64", "IPv4-compatible"}
_GLOBAL_UNICAST_V6 = ipaddress.IPv6Network("2000::/3")
# Not global although inside 2000::/3; Python 3.11's tables miss some of them (3fff::/20: RFC 9637).
_NOT_GLOBAL_V6 = [
    ipaddress.IPv6Network("2001::/23"),  # IETF protocol assignments, Teredo among them
    ipaddress.IPv6Network("2001:db8::/32"),
    ipaddress.IPv6Network("3fff::/20"),
    ipaddress.IPv6Network("64:ff9b:1::/48"),  # local-use NAT64 (RFC 8215): a private network's
]
# Requests go to at most this many of a name's addresses (the next is tried only if one refuses).
MAX_ADDRESSES = 4


class UnsafeUrl(ValueError):
    """The URL may not be requested; the message says why, for the organisation to read."""


@dataclass(frozen=True)
class Target:
    """A URL whose host was resolved and whose every address was checked."""

    url: httpx.URL
    hostname: str  # ASCII (IDNA) form: the Host header and the TLS server name
    host_header: str
    addresses: tuple[IPAddress, ...]


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[tuple[str, ipaddress.IPv4Address]]:
    for network, form in _EMBEDDING_V4:
        if ip in network:
            return [(form, ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))]
    if ip.sixtofour is not None:
        return [("6to4", ip.sixtofour)]
    if ip.teredo is not None:
        server, client = ip.teredo
        return [("Teredo", server), ("Teredo", client)]
    return []


def _ipv4_is_global(ip: ipaddress.IPv4Address) -> bool:
    # is_global alone misses multicast; the other flags are spelt out for older Pythons' tables.
    return ip.is_global and not (
        ip.is_private or ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local or ip.is_unspecified
    )


def address_problem(ip: IPAddress) -> str | None:
    """Why connecting to ``ip`` is refused (a phrase), or None when it is a global unicast address."""
    if isinstance(ip, ipaddress.IPv4Address):
        return None if _ipv4_is_global(ip) else _("a private, loopback or reserved address (%(ip)s)") % {"ip": ip}
    ip = ipaddress.IPv6Address(int(ip))  # drops a zone index (fe80::1%eth0): it changes nothing here
    embedded = _embedded_ipv4(ip)
    for form, inner in embedded:
        if not _ipv4_is_global(inner):
            # Translators: form is a technical name such as "6to4", "Teredo" or "IPv4-mapped"
            return _("the %(form)s form (%(ip)s) of a private, loopback or reserved address (%(inner)s)") % {
                "form": form,
                "ip": ip,
                "inner": inner,
            }
    if embedded and embedded[0][0] in _TRANSLATED:
        return None
    if (
        ip not in _GLOBAL_UNICAST_V6
        or any(ip in network for network in _NOT_GLOBAL_V6)
        or not ip.is_global
        or ip.is_private
    ):
        return _("a private, loopback or reserved address (%(ip)s)") % {"ip": ip}
    return None


def _resolve(hostname: str, port: int) -> list[IPAddress]:
    try:
        answers = socket.getaddrinfo(hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError):
        raise UnsafeUrl(_("The host name %(host)s does not resolve.") % {"host": hostname}) from None
    addresses: list[IPAddress] = []
    for answer in answers:
        ip = ipaddress.ip_address(str(answer[4][0]).split("%")[0])
        if ip not in addresses:
            addresses.append(ip)
    if not addresses:
        raise UnsafeUrl(_("The host name %(host)s does not resolve.") % {"host": hostname})
    return addresses


def check_url(url: str, *, allow_private: bool = False) -> Target:
    """Resolve and check ``url``; raises ``UnsafeUrl``. ``allow_private`` is for local development."""
    parts = urlsplit(url)
    if parts.scheme != "https" and not (allow_private and parts.scheme == "http"):
        raise UnsafeUrl(_("Webhook URLs must use https://."))
    if not parts.hostname:
        raise UnsafeUrl(_("The URL has no host name."))
    if parts.username or parts.password:
        raise UnsafeUrl(_("The URL must not contain a user name or password."))
    try:
        parsed = httpx.URL(url)
        port = parts.port
    except (httpx.InvalidURL, ValueError):
        raise UnsafeUrl(_("The URL is not valid.")) from None
    hostname = parsed.host  # lower case, IDNA-encoded
    addresses = _resolve(hostname, port or (443 if parts.scheme == "https" else 80))
    if not allow_private:
        for ip in addresses:
            problem = address_problem(ip)
            if problem:
                # Translators: problem is one of the phrases "a private, loopback or reserved address (…)"
                raise UnsafeUrl(
                    _("%(host)s resolves to %(problem)s; that is not allowed.")
                    % {"host": parts.hostname, "problem": problem}
                )
    netloc = f"[{hostname}]" if ":" in hostname else hostname
    return Target(
        url=parsed,
        hostname=hostname,
        host_header=f"{netloc}:{port}" if port else netloc,
        addresses=tuple(addresses[:MAX_ADDRESSES]),
    )


def post(
    target: Target, *, content: bytes, headers: dict[str, str], timeout: float, verify: ssl.SSLContext | bool = True
) -> httpx.Response:
    """POST to one of the target's checked addresses, never resolving its name again.

    ``verify`` is httpx's: the system's trusted certificates unless a test brings its own.
    """
    extensions = {"sni_hostname": target.hostname} if target.url.scheme == "https" else {}
    failure: httpx.ConnectError | None = None
    # trust_env=False: HTTPS_PROXY and friends would send the request (and the name) elsewhere.
    with httpx.Client(trust_env=False, follow_redirects=False, timeout=timeout, verify=verify) as client:
        for ip in target.addresses:
            try:
                return client.post(
                    target.url.copy_with(host=str(ip)),
                    content=content,
                    headers={**headers, "host": target.host_header},
                    extensions=extensions,
                )
            except httpx.ConnectError as exc:
                failure = exc  # nothing was sent: the next checked address may answer
    raise failure or httpx.ConnectError("The host name has no address to connect to.")
