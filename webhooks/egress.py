"""SSRF guard: which addresses a webhook may be sent to.

A webhook URL is configuration, but a mistaken or malicious one must not make Tessera
POST to its own loopback services, the cloud metadata endpoint or the private network.
The guard resolves the host name and checks **every** resolved address, not just the
name; the delivery then connects to one of those checked addresses (see
``webhooks.delivery``), so a DNS answer that changes between check and connect (DNS
rebinding) cannot redirect it.

Allowed, in order:
* an address inside an allow-listed IP or CIDR (``WEBHOOK_ALLOWED_HOSTS``);
* any address of an allow-listed host name (exact match, case-insensitive);
* a loopback address when loopback is allowed (``ENVIRONMENT=development``);
* any globally routable unicast address.

Everything else is refused: loopback, private (RFC 1918, ULA), link-local, shared
(100.64/10), reserved, multicast, unspecified, the metadata addresses, and the same
addresses wrapped in IPv6 (IPv4-mapped, 6to4, Teredo, NAT64).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# socket.getaddrinfo's signature: (host, port, family, type, ...) -> [(family, type, proto, canonname, sockaddr)]
Resolver = Callable[..., Sequence[tuple[Any, ...]]]

# Cloud instance-metadata endpoints (AWS/GCP/Azure/OpenStack, AWS IPv6, Alibaba).
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)
NAT64_PREFIX = ipaddress.ip_network("64:ff9b::/96")


class DestinationRefusedError(Exception):
    """The destination is not allowed; the message says why and how to allow it."""


@dataclass(frozen=True)
class AllowList:
    """Parsed ``WEBHOOK_ALLOWED_HOSTS``: host names and IP networks."""

    names: frozenset[str]
    networks: tuple[IPNetwork, ...]

    @classmethod
    def parse(cls, entries: Iterable[str]) -> AllowList:
        names: set[str] = set()
        networks: list[IPNetwork] = []
        for raw in entries:
            entry = raw.strip()
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                names.add(_normal_name(entry))
        return cls(frozenset(names), tuple(networks))

    def allows_name(self, host: str) -> bool:
        return _normal_name(host) in self.names

    def allows_address(self, address: IPAddress) -> bool:
        inner = embedded_ipv4(address)
        if inner is not None and self.allows_address(inner):
            return True
        return any(
            address in network
            for network in self.networks
            if network.version == address.version
        )


def _normal_name(host: str) -> str:
    return host.strip().rstrip(".").lower()


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, Teredo, NAT64), if any."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in NAT64_PREFIX:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def non_public_reason(address: IPAddress) -> str | None:
    """Why ``address`` is not a public destination, or None if it is one."""
    inner = embedded_ipv4(address)
    if inner is not None:
        reason = non_public_reason(inner)
        return f"{reason} (inside {address})" if reason else None
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    for attribute, label in (
        ("is_unspecified", "unspecified"),
        ("is_loopback", "loopback"),
        ("is_link_local", "link-local"),
        ("is_multicast", "multicast"),
        ("is_reserved", "reserved"),
        ("is_private", "private"),
    ):
        if getattr(address, attribute):
            return f"a {label} address"
    if not address.is_global:
        return "not a globally routable address"
    return None


def check_address(
    address: IPAddress, *, host: str, allow_list: AllowList, allow_loopback: bool
) -> str | None:
    """Return why ``address`` (resolved from ``host``) is refused, or None if it is allowed."""
    if allow_list.allows_address(address) or allow_list.allows_name(host):
        return None
    inner = embedded_ipv4(address) or address
    if allow_loopback and inner.is_loopback:
        return None
    return non_public_reason(address)


def resolve_destination(
    host: str,
    port: int,
    *,
    allowed_hosts: Iterable[str],
    allow_loopback: bool,
    resolver: Resolver = socket.getaddrinfo,
) -> list[str]:
    """Resolve ``host`` and return its addresses, all checked; raise if any is refused.

    Refusing when *any* address is non-public (not only the first) stops a name with a
    public and a private record from being used to reach the private one.
    Raises ``OSError`` (``socket.gaierror``) when the name does not resolve.
    """
    allow_list = AllowList.parse(allowed_hosts)
    infos = resolver(host.strip("[]"), port, 0, socket.SOCK_STREAM)
    addresses: list[str] = []
    for info in infos:
        # sockaddr is (ip, port) or (ip, port, flowinfo, scope_id); drop any "%zone".
        text = str(info[4][0]).split("%", 1)[0]
        address = ipaddress.ip_address(text)
        reason = check_address(
            address, host=host, allow_list=allow_list, allow_loopback=allow_loopback
        )
        if reason is not None:
            raise DestinationRefusedError(
                f"Refused to deliver to {host}: it resolves to {address}, {reason}. "
                "List the host, address or network in WEBHOOK_ALLOWED_HOSTS to allow it."
            )
        if text not in addresses:
            addresses.append(text)
    if not addresses:
        raise DestinationRefusedError(
            f"Refused to deliver to {host}: it resolves to no address"
        )
    return addresses
