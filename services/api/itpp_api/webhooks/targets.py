"""Where a webhook may be sent, so that an endpoint cannot make the server reach inside its own
network (server-side request forgery): https to public addresses only, unless the host is one
of ITPP_WEBHOOK_ALLOWED_HOSTS (a receiver beside the server, the tests' loopback receiver).

Checked twice: when an endpoint is registered or changed (the URL's form, and a host that is an
address or a name that can only be local), and before every delivery (what the name resolves
to then; the connection goes to the address checked, so a name cannot resolve to a public
address for the check and a private one for the connection).
"""

import ipaddress
import socket
from dataclasses import dataclass

import httpx

from itpp_api.config import Settings

MAX_URL_LENGTH = 2048
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# Names that only ever mean this host or its own network (RFC 6761, RFC 6762, RFC 8375).
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".localdomain")


class TargetRefused(ValueError):
    """The URL names a target webhooks may not reach; the message says why, for its owner."""


def _literal_address(host: str) -> IPAddress | None:
    """The address a host names literally, including the old IPv4 forms resolvers accept
    (2130706433, 0x7f.1, 127.1), else None for a name."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def is_public(address: IPAddress) -> bool:
    """An address on the public internet: not loopback, private, link-local, shared (CGNAT),
    reserved, unspecified or multicast — nor an IPv6 form of such an IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return is_public(embedded)
    return address.is_global and not address.is_multicast


def parse(url: str) -> httpx.URL:
    """The URL as the HTTP client reads it (host in IDNA, as it will connect), or
    TargetRefused: checking anything else than what is connected to would be no check."""
    try:
        parsed = httpx.URL(url)
        parsed.raw_host.decode("ascii")
    except (httpx.InvalidURL, ValueError, UnicodeError) as exc:
        raise TargetRefused(f"is not a valid URL ({exc})") from None
    return parsed


def host_of(parsed: httpx.URL) -> str:
    """The URL's host as connected to: lower case, IDNA, without brackets or a final dot."""
    return parsed.raw_host.decode("ascii").lower().rstrip(".")


def check_url(url: str, settings: Settings) -> str:
    """The URL as stored, or TargetRefused: an absolute http(s) URL without credentials or
    fragment; https, and not a local host, unless the host is allowed."""
    url = url.strip()
    if not url or len(url) > MAX_URL_LENGTH:
        raise TargetRefused(f"must be an absolute URL of 1 to {MAX_URL_LENGTH} characters")
    if any(c.isspace() or ord(c) < 0x20 for c in url):
        raise TargetRefused("must not contain spaces or control characters")
    parsed = parse(url)
    if parsed.scheme not in ("http", "https") or not parsed.raw_host:
        raise TargetRefused("must be an absolute https URL, such as https://hooks.example.org/itpp")
    if parsed.port is not None and not 1 <= parsed.port <= 65535:
        raise TargetRefused("has a port out of range (1 to 65535)")
    if parsed.userinfo:
        raise TargetRefused("must not carry a user name or password: the signature authenticates")
    if parsed.fragment or "#" in url:
        raise TargetRefused("must not have a fragment (#…)")
    host = host_of(parsed)
    if host in settings.webhook_hosts:
        return url
    if parsed.scheme != "https":
        raise TargetRefused("must use https (plain http only for the server's allowed hosts)")
    address = _literal_address(host)
    if address is not None:
        if not is_public(address):
            raise TargetRefused("must not name a loopback, private, link-local or reserved address")
        return url
    if host == "localhost" or host.endswith(_LOCAL_SUFFIXES) or "." not in host:
        raise TargetRefused("must name a public host (a fully qualified domain name)")
    return url


@dataclass(frozen=True)
class Connection:
    """Where to connect for a URL: `address` (None: the URL's host as it is, an allowed
    host) and the host name the request and TLS name (Host header, SNI, certificate)."""

    host: str
    address: str | None


def resolve(url: str, settings: Settings) -> Connection:
    """The address to deliver to, checked now; TargetRefused when the host is not allowed to
    be reached (it resolves to an address that is not public) or cannot be resolved."""
    check_url(url, settings)
    parsed = parse(url)
    host = host_of(parsed)
    if host in settings.webhook_hosts:
        return Connection(host=host, address=None)
    try:
        infos = socket.getaddrinfo(host, parsed.port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise TargetRefused(f"the host {host} cannot be resolved ({exc})") from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise TargetRefused(f"the host {host} has no address")
    private = [str(a) for a in addresses if not is_public(a)]
    if private:
        raise TargetRefused(
            f"the host {host} resolves to an address that is not public ({private[0]})"
        )
    return Connection(host=host, address=str(addresses[0]))
