"""SSRF guard: resolved addresses are checked against the allow-list (stub DNS, no network)."""

from __future__ import annotations

import socket

import pytest

from webhooks.egress import (
    AllowList,
    DestinationRefusedError,
    embedded_ipv4,
    resolve_destination,
)


def resolver_for(*addresses: str):  # type: ignore[no-untyped-def]
    """A stand-in for socket.getaddrinfo answering ``addresses`` for any name."""

    def resolve(host, port, family=0, type=0, *args):  # type: ignore[no-untyped-def]
        infos = []
        for address in addresses:
            if ":" in address:
                infos.append(
                    (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0))
                )
            else:
                infos.append(
                    (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))
                )
        return infos

    return resolve


def check(host: str, *addresses: str, allowed=(), allow_loopback=False) -> list[str]:  # type: ignore[no-untyped-def]
    return resolve_destination(
        host,
        443,
        allowed_hosts=allowed,
        allow_loopback=allow_loopback,
        resolver=resolver_for(*addresses),
    )


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fd12:3456::1", "private"),
        ("169.254.10.10", "link-local"),
        ("fe80::1", "link-local"),
        ("169.254.169.254", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("100.100.100.200", "metadata"),
        ("100.64.0.1", "not a globally routable"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:169.254.169.254", "metadata"),
        ("2002:7f00:1::", "loopback"),  # 6to4 wrapping 127.0.0.1
        ("64:ff9b::a00:1", "private"),  # NAT64 wrapping 10.0.0.1
        ("2001:0:4136:e378:8000:63bf:f5ff:fffe", "private"),  # Teredo wrapping 10.0.0.1
    ],
)
def test_non_public_addresses_are_refused(address, reason):
    with pytest.raises(DestinationRefusedError, match=reason) as caught:
        check("hooks.example.com", address)

    assert "WEBHOOK_ALLOWED_HOSTS" in str(caught.value)
    assert "hooks.example.com" in str(caught.value)


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"]
)
def test_public_addresses_are_allowed(address):
    assert check("hooks.example.com", address) == [address]


def test_every_resolved_address_is_checked_not_only_the_first():
    with pytest.raises(DestinationRefusedError, match=r"10\.0\.0\.5"):
        check("hooks.example.com", "93.184.216.34", "10.0.0.5")


def test_a_name_that_resolves_to_nothing_is_refused():
    with pytest.raises(DestinationRefusedError, match="no address"):
        check("hooks.example.com")


def test_resolution_errors_propagate_as_os_errors():
    def failing(*args):  # type: ignore[no-untyped-def]
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(OSError, match="Name or service not known"):
        resolve_destination(
            "nowhere.invalid",
            80,
            allowed_hosts=(),
            allow_loopback=False,
            resolver=failing,
        )


def test_an_allow_listed_host_name_may_resolve_to_private_addresses():
    assert check("Webhook-Receiver.", "172.18.0.5", allowed=["webhook-receiver"]) == [
        "172.18.0.5"
    ]


def test_the_name_must_match_exactly():
    with pytest.raises(DestinationRefusedError):
        check("evil-webhook-receiver", "172.18.0.5", allowed=["webhook-receiver"])


@pytest.mark.parametrize(
    ("allowed", "address"),
    [
        (["10.0.0.0/8"], "10.20.30.40"),
        (["10.20.30.40"], "10.20.30.40"),
        (["fd00::/8"], "fd12::1"),
        (["::1"], "::1"),
        (["127.0.0.0/8"], "::ffff:127.0.0.1"),
        (["[::1]"], "::1"),
    ],
)
def test_allow_listed_addresses_and_networks_are_allowed(allowed, address):
    assert check("hooks.internal", address, allowed=allowed) == [address]


def test_an_allow_listed_network_does_not_allow_other_private_addresses():
    with pytest.raises(DestinationRefusedError, match=r"192\.168\.0\.1"):
        check("hooks.internal", "10.0.0.1", "192.168.0.1", allowed=["10.0.0.0/8"])


def test_the_development_setting_allows_loopback_only():
    assert check("localhost", "127.0.0.1", "::1", allow_loopback=True) == [
        "127.0.0.1",
        "::1",
    ]
    with pytest.raises(DestinationRefusedError, match="private"):
        check("hooks.internal", "192.168.1.1", allow_loopback=True)
    with pytest.raises(DestinationRefusedError, match="metadata"):
        check("hooks.internal", "169.254.169.254", allow_loopback=True)


def test_duplicate_answers_are_returned_once():
    assert check("hooks.example.com", "8.8.8.8", "8.8.8.8") == ["8.8.8.8"]


def test_ip_literals_are_checked_too():
    # getaddrinfo returns an IP literal unchanged; the real resolver shows it here.
    with pytest.raises(DestinationRefusedError, match="loopback"):
        resolve_destination("127.0.0.1", 80, allowed_hosts=(), allow_loopback=False)


def test_allow_list_parsing_splits_names_and_networks():
    allow_list = AllowList.parse([" Hooks.Example.com ", "10.0.0.0/8", "::1", ""])

    assert allow_list.names == frozenset({"hooks.example.com"})
    assert [str(n) for n in allow_list.networks] == ["10.0.0.0/8", "::1/128"]


def test_embedded_ipv4_is_none_for_plain_ipv6():
    import ipaddress

    assert embedded_ipv4(ipaddress.ip_address("2606:4700::1")) is None
