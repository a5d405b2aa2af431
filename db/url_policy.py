"""Which model URLs may be called: no cloud metadata, no private networks unless allowed."""

from __future__ import annotations

import ipaddress
import socket
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from urllib.parse import urlsplit

RESOLVE_TIMEOUT_SECONDS = 2.0
METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata", "instance-data"})
_resolver = ThreadPoolExecutor(max_workers=4, thread_name_prefix="resolve")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeURL(ValueError):
    """A model URL that promptdesk refuses to call; the message says why."""


def check_model_url(url: str, allow_private: bool) -> None:
    """Refuse a URL that is not http(s) or that resolves to a forbidden address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UnsafeURL("the URL must start with http:// or https://")
    host = parts.hostname
    if not host:
        raise UnsafeURL("the URL has no host name")
    if parts.username or parts.password:
        raise UnsafeURL("put the API key in key=…, not in the URL")
    if host.lower().rstrip(".") in METADATA_HOSTS:
        raise UnsafeURL("cloud metadata addresses are never allowed")
    for address in resolve(host, parts.port or (443 if parts.scheme == "https" else 80)):
        check_address(address, allow_private)


def check_address(address: IPAddress, allow_private: bool) -> None:
    """Refuse link-local and metadata addresses always, private ones unless allowed."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_link_local or address.is_multicast or address.is_unspecified:
        raise UnsafeURL(f"{address} is a link-local or metadata address, which is never allowed")
    if address.is_reserved:
        raise UnsafeURL(f"{address} is a reserved address")
    if (address.is_loopback or address.is_private) and not allow_private:
        raise UnsafeURL(
            f"{address} is a loopback or private address; an admin can allow those with "
            "ALLOW_PRIVATE_MODEL_URLS=true"
        )


def resolve(host: str, port: int) -> list[IPAddress]:
    """Return the addresses a host name resolves to, within a short time."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    future = _resolver.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        infos = future.result(timeout=RESOLVE_TIMEOUT_SECONDS)
    except FutureTimeout:
        raise UnsafeURL(f"the host {host} did not resolve in time") from None
    except OSError:
        raise UnsafeURL(f"the host {host} does not resolve") from None
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
