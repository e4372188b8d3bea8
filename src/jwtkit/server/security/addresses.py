"""Which address a request came from: the peer, unless a trusted proxy says otherwise.

``X-Forwarded-For`` is only believed when the peer is one of ``JWTKIT_TRUSTED_PROXIES``, and
then it is read from the right: each trusted hop is skipped and the first untrusted address
is the client. A client can put anything at the left of that header, so the left is never
trusted; without a configured proxy the header is ignored entirely (rate limits see the peer).
Rate limits count an IPv6 client by its /64 (:func:`rate_limit_key`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

__all__ = ["TrustedProxies", "rate_limit_key"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TrustedProxies:
    def __init__(self, entries: Sequence[str]) -> None:
        self._networks: tuple[Network, ...] = tuple(
            ipaddress.ip_network(entry, strict=False) for entry in entries
        )

    def _trusted(self, address: str) -> bool:
        try:
            parsed = ipaddress.ip_address(address.strip())
        except ValueError:
            return False
        return any(parsed in network for network in self._networks)

    def client_address(self, peer: str | None, forwarded_for: Sequence[str]) -> str:
        """The client's address for a connection from ``peer`` with these XFF header values."""
        address = peer or "unknown"
        if not self._networks or not self._trusted(address):
            return address
        hops = [hop.strip() for value in forwarded_for for hop in value.split(",")]
        for hop in reversed(hops):
            if not hop:
                continue
            try:
                ipaddress.ip_address(hop)
            except ValueError:
                return address  # garbage in the chain: stop believing it here
            if not self._trusted(hop):
                return hop
            address = hop
        return address


def rate_limit_key(address: str) -> str:
    """What the per-address limits count: an IPv4 address, or the /64 an IPv6 address is in.

    One IPv6 subscriber gets a /64 (or more) and can use any address in it, so counting each
    address would give an attacker 2**64 fresh allowances; an IPv4-mapped IPv6 address is the
    IPv4 address it maps."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address  # "unknown" or a test client's name: counted as it is
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{parsed}/64", strict=False))
    return str(parsed)
