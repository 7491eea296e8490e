"""Drill fixtures: a scratch database of its own (committed for real, thrown away after),
and a TCP proxy that can cut the application off from PostgreSQL and let it back in."""

from __future__ import annotations

import secrets
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from crm.db import make_engine
from crm.migrate import upgrade


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def with_schema(url: str, schema: str) -> str:
    """The same PostgreSQL database, every name resolved in `schema` first."""
    parsed = make_url(url)
    return parsed.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


@pytest.fixture
def scratch_url(database_url, tmp_path) -> Iterator[str]:
    """A freshly migrated database no other test sees: a SQLite file, or on PostgreSQL a
    schema of its own in the test database (dropped afterwards)."""
    if not is_postgres(database_url):
        url = f"sqlite:///{tmp_path / 'scratch' / 'crm.sqlite3'}"
        upgrade(url)
        yield url
        return
    schema = f"drill_{secrets.token_hex(4)}"
    admin = make_engine(database_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = with_schema(database_url, schema)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


class TcpProxy:
    """Forwards a loopback port to the database server; `down()` refuses new connections and
    cuts the open ones (as a crashed or unreachable server does), `up()` listens again."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.lock = threading.Lock()
        self.open: list[socket.socket] = []
        self.listener: socket.socket | None = None
        self.thread: threading.Thread | None = None

    def up(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self.listener = listener
        self.thread = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self.thread.start()

    def down(self) -> None:
        listener, self.listener = self.listener, None
        if listener is not None:
            try:
                listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            listener.close()
        if self.thread is not None:
            self.thread.join(timeout=5)
        with self.lock:
            sockets, self.open = self.open, []
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self.lock:
                self.open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class SqliteOutage:
    """The SQLite file's folder disappears (an unmounted volume) and comes back."""

    def __init__(self, url: str):
        self.folder = Path(make_url(url).database).parent
        self.moved = self.folder.with_name(self.folder.name + "-away")

    def down(self) -> None:
        self.folder.rename(self.moved)

    def up(self) -> None:
        self.moved.rename(self.folder)


@pytest.fixture
def outage(scratch_url):
    """(url the app should use, outage with down()/up())."""
    if is_postgres(scratch_url):
        parsed = make_url(scratch_url)
        proxy = TcpProxy((parsed.host or "127.0.0.1", parsed.port or 5432))
        proxy.up()
        url = parsed.set(port=proxy.port).render_as_string(hide_password=False)
        yield url, proxy
        proxy.down()
        return
    switch = SqliteOutage(scratch_url)
    yield scratch_url, switch
    if switch.moved.exists():
        switch.up()
