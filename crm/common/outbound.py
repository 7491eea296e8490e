"""Outbound HTTP that reaches public addresses only (site signals, linked media, webhooks).

A host is resolved once, when the connection is made; every address it resolves to must be
public (not private, loopback, link-local, multicast, reserved or shared), and the socket
connects to the address that was checked. A name that answers a public address to a check
and a private one to the connection (DNS rebinding) therefore cannot reach the inside:
there is no second lookup. Redirects go through the same connections, so each hop is
checked too. `CRM_FETCH_ALLOW_PRIVATE=1` (tests only) lifts the address rule.

One `requests.Session` per purpose (`session(retries=…)`), with proxies from the
environment ignored (a proxy would do its own lookup).
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection as util_connection
from urllib3.util.retry import Retry

SCHEMES = ("http", "https")


class BlockedDestination(ValueError):
    """The URL's scheme is not http(s), or its host resolves to a non-public address."""


def allow_private() -> bool:
    return os.environ.get("CRM_FETCH_ALLOW_PRIVATE") == "1"


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(ip.is_global) and not ip.is_multicast


def resolve(host: str, port: int) -> list[tuple[Any, ...]]:
    """getaddrinfo for a TCP connection, refused when any address is not public."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    if not allow_private():
        for info in infos:
            if not is_public(str(info[4][0])):
                raise BlockedDestination(f"{host} resolves to a non-public address")
    if not infos:
        raise BlockedDestination(f"{host} has no address")
    return infos


def check_url(url: str) -> None:
    """Refuse a URL that is not http(s) or names no host (addresses are checked when
    connecting)."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise BlockedDestination("only http and https URLs with a host are fetched")


def _connect(conn: HTTPConnection) -> socket.socket:
    try:
        infos = resolve(conn._dns_host, conn.port or 80)
    except socket.gaierror as exc:
        raise NameResolutionError(conn.host, conn, exc) from exc
    sockaddr = infos[0][4]
    address = sockaddr[0]
    try:
        sock = util_connection.create_connection(
            (address, conn.port),
            conn.timeout,
            source_address=conn.source_address,
            socket_options=conn.socket_options,
        )
    except TimeoutError as exc:
        raise ConnectTimeoutError(
            conn, f"Connection to {conn.host} timed out. (connect timeout={conn.timeout})"
        ) from exc
    except OSError as exc:
        raise NewConnectionError(conn, f"Failed to establish a new connection: {exc}") from exc
    sys.audit("http.client.connect", conn, conn.host, conn.port)
    return sock


class _PublicHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        return _connect(self)


class _PublicHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        return _connect(self)


class _PublicHTTPPool(HTTPConnectionPool):
    ConnectionCls = _PublicHTTPConnection


class _PublicHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _PublicHTTPSConnection


class PublicAdapter(HTTPAdapter):
    """An adapter whose connections reach public addresses only."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _PublicHTTPPool,
            "https": _PublicHTTPSPool,
        }


def session(retries: int = 0, max_redirects: int = 3) -> requests.Session:
    """A session for outbound calls: public addresses only, environment proxies ignored,
    `retries` retries of connection errors and 502/503/504 (GET and HEAD only)."""
    http = requests.Session()
    http.trust_env = False
    http.max_redirects = max_redirects
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=0.3,
        status_forcelist=(502, 503, 504) if retries else (),
        allowed_methods=frozenset({"GET", "HEAD"}),
        raise_on_status=False,
        redirect=0,
    )
    adapter = PublicAdapter(max_retries=retry)
    http.mount("http://", adapter)
    http.mount("https://", adapter)
    return http
