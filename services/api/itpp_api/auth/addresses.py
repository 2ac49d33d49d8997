"""The address a request comes from: its peer, or what a trusted proxy says the client was.

X-Forwarded-For is believed only from the proxies named in ITPP_FORWARDED_ALLOW_IPS (uvicorn's
FORWARDED_ALLOW_IPS is read too; by default loopback, where `make run` starts the web service).
From any other peer the header is ignored: a client cannot choose the address its sign-in
attempts are counted against. `itpp serve api` runs uvicorn without its own proxy-header
handling, so this is the one place that decides.
"""

import ipaddress
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from itpp_api.config import get_settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _trusted(setting: str) -> tuple[bool, tuple[Network, ...]]:
    """(every peer trusted, the trusted networks) of a FORWARDED_ALLOW_IPS value."""
    entries = [entry.strip() for entry in setting.split(",") if entry.strip()]
    if "*" in entries:
        return True, ()
    return False, tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _is_trusted(address: str, setting: str) -> bool:
    everyone, networks = _trusted(setting)
    if everyone:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def _forwarded_for(headers: Sequence[tuple[bytes, bytes]]) -> list[str]:
    """The X-Forwarded-For chain, every header line joined, nearest hop last."""
    chain: list[str] = []
    for name, value in headers:
        if name.lower() == b"x-forwarded-for":
            chain += [part.strip() for part in value.decode("latin-1").split(",")]
    return [part for part in chain if part]


def resolve(peer: str, forwarded_for: list[str], setting: str) -> str:
    """The client's address: walking back from the peer through trusted proxies only.

    Each trusted hop vouches for the one before it; the first address no trusted proxy can
    vouch for is the client. An entry that is not an address ends the walk at the last hop
    that could be believed.
    """
    client = peer
    for hop in reversed(forwarded_for):
        if not _is_trusted(client, setting):
            break
        try:
            client = str(ipaddress.ip_address(hop))
        except ValueError:
            break
    return client


def client_address(scope: Mapping[str, Any]) -> str:
    """The address of the client behind an ASGI request (its peer unless a trusted proxy)."""
    peer = scope.get("client")
    address = str(peer[0]) if peer else "unknown"
    return resolve(address, _forwarded_for(scope.get("headers", [])), _setting())


def _setting() -> str:
    return get_settings().forwarded_allow_ips
