"""Which address a request is counted under: the peer, a trusted proxy's word, and an IPv6
client's whole /64 (one subscriber can use every address in it)."""

from __future__ import annotations

from jwtkit.server.security.addresses import TrustedProxies, rate_limit_key


def test_an_ipv6_client_is_counted_by_its_64() -> None:
    first = rate_limit_key("2001:db8:1:2::1")
    assert first == "2001:db8:1:2::/64"
    assert rate_limit_key("2001:db8:1:2:ffff:ffff:ffff:fffe") == first
    assert rate_limit_key("2001:db8:1:3::1") != first


def test_ipv4_and_ipv4_mapped_addresses_are_one_address() -> None:
    assert rate_limit_key("192.0.2.7") == "192.0.2.7"
    assert rate_limit_key("::ffff:192.0.2.7") == "192.0.2.7"


def test_what_is_not_an_address_is_counted_as_it_is() -> None:
    assert rate_limit_key("unknown") == "unknown"


def test_forwarded_for_is_read_from_the_right_through_trusted_proxies_only() -> None:
    proxies = TrustedProxies(["10.0.0.0/8"])
    forged = ["203.0.113.5, 198.51.100.9", "10.0.0.2"]
    assert proxies.client_address("10.0.0.1", forged) == "198.51.100.9"
    assert proxies.client_address("192.0.2.1", forged) == "192.0.2.1"  # not a trusted peer
    assert TrustedProxies([]).client_address("10.0.0.1", forged) == "10.0.0.1"
