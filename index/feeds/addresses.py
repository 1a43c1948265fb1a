"""Which addresses a fetch may connect to: the guard against server-side request forgery.

A feed URL added on the web is chosen by whoever uses the web UI, and so are the pages its
entries and redirects point to. Fetched from the server, such a URL could read what only the
server can reach: its own admin ports (loopback), the intranet (10/8, 192.168/16 ...), a cloud's
metadata service (169.254.169.254, which hands out credentials). The guard refuses them.

The check runs where the connection is made (an httpcore network backend): the host name is
resolved once, every address it resolves to is checked, and the connection goes to the checked
address. A name that resolves to 127.0.0.1, a redirect to a private address and a DNS answer
that changes between a check and the connection are all caught, since nothing connects
anywhere else. TLS still verifies the certificate against the URL's host name.

IPv6 has forms that carry an IPv4 address inside (mapped ``::ffff:a.b.c.d``, compatible
``::a.b.c.d``, NAT64 ``64:ff9b::/96`` and ``64:ff9b:1::/48``, 6to4 ``2002::/16``, Teredo): a
gateway on the way may deliver them to that IPv4 address, so the embedded address is checked
as well. ``is_global`` is not trusted for them (this Python calls all of 2002::/16 global).
A refusal names the host as given, never the address a name resolved to.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import httpcore
import httpx

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]

# Cloud metadata services: refused even when private networks are allowed (an intranet feed
# never lives there, and they hand out the machine's credentials).
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254"))
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


class BlockedAddressError(httpx.ConnectError):
    """A URL leads to an address the guard refuses; the message names the host and address."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (the system resolver, as a connection would use)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class AddressGuard:
    """Refuses loopback, private, link-local, reserved and metadata addresses.

    ``allow_private`` admits every address but the metadata services (intranet feeds);
    ``allowed_networks`` admits just those networks (one intranet news server, say).
    ``resolver`` is the system's unless given.
    """

    def __init__(self, allow_private: bool = False, allowed_networks: Iterable[Network] = (),
                 resolver: Resolver = resolve) -> None:
        self.allow_private = allow_private
        self.allowed_networks = tuple(allowed_networks)
        self.resolver = resolver

    def refuses(self, address: Address) -> bool:
        embedded = embedded_ipv4(address)
        if embedded is not None and self._refuses_one(embedded):
            return True
        if embedded is not None and address.teredo is None:  # type: ignore[union-attr]
            return False  # mapped, compatible, NAT64, 6to4: the IPv4 address inside decides
        return self._refuses_one(address)

    def _refuses_one(self, address: Address) -> bool:
        if address in METADATA_ADDRESSES:
            return True
        if self.allow_private or any(address in net for net in self.allowed_networks):
            return False
        return not address.is_global or address.is_multicast

    def address_for(self, host: str, port: int) -> str:
        """The checked address to connect to for ``host``; BlockedAddressError when the host
        resolves to any refused address (a name mixing public and private ones is refused)."""
        name = host.strip("[]")
        try:
            addresses = [ipaddress.ip_address(name)]
        except ValueError:
            try:
                addresses = [ipaddress.ip_address(a.split("%")[0])
                             for a in self.resolver(name, port)]
            except OSError as exc:
                raise httpx.ConnectError(f"cannot resolve {name}: {exc}") from None
        if not addresses:
            raise httpx.ConnectError(f"cannot resolve {name}")
        for address in addresses:
            if self.refuses(address):
                raise BlockedAddressError(
                    f"refused to connect to {name}: it leads to a loopback, private, "
                    "link-local or metadata address (fetch_allow_private_networks allows "
                    "intranet feeds)")
        return str(addresses[0])


def embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4, Teredo
    client), or None."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _IPV4_COMPATIBLE and int(address) > 1:  # not :: or ::1
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if any(address in net for net in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


class _GuardedBackend(httpcore.NetworkBackend):
    """httpcore's own sockets, connecting only to addresses the guard accepts."""

    def __init__(self, guard: AddressGuard) -> None:
        self.guard = guard
        self._sockets = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        address = self.guard.address_for(host, port)
        return self._sockets.connect_tcp(address, port, timeout, local_address, socket_options)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None,
                            ) -> httpcore.NetworkStream:
        raise BlockedAddressError("refused to connect to a unix socket")

    def sleep(self, seconds: float) -> None:
        self._sockets.sleep(seconds)


def guarded_transport(guard: AddressGuard) -> httpx.HTTPTransport:
    """An httpx transport whose every connection (each redirect hop, robots.txt, each entry
    page) goes through ``guard``. Proxies from the environment are not used with it: a
    connection to a proxy would hide the address actually fetched."""
    transport = httpx.HTTPTransport()
    # httpx builds its pool without a way to pass a network backend; swap in an equal pool
    # that has one (httpx's default TLS context and connection limits, HTTP/1.1 only).
    context: ssl.SSLContext = httpx.create_ssl_context()
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=20,
                          keepalive_expiry=5.0)
    transport._pool = httpcore.ConnectionPool(  # noqa: SLF001
        ssl_context=context, max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry, http1=True, http2=False,
        network_backend=_GuardedBackend(guard))
    return transport


def parse_networks(values: Sequence[str]) -> list[Network]:
    """CIDR strings (``10.1.2.0/24``, ``fd00::/8``, a single address) as networks."""
    return [ipaddress.ip_network(value.strip(), strict=False) for value in values]
