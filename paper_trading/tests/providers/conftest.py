"""A real HTTP server on loopback for the provider tests, the recorded payloads, and a guard
that refuses any connection off this machine (no test may touch the internet)."""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest

from paper_trading.providers.base import NotCovered

from ..offline import providers_offline

PAYLOADS = Path(__file__).parent / "payloads"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def payload(name: str) -> bytes:
    """The bytes of a recorded payload, e.g. payload("binance/book_ticker_btcusdt.json")."""
    return (PAYLOADS / name).read_bytes()


def payload_json(name: str):
    return json.loads(payload(name))


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names


class LoopbackServer:
    """`ThreadingHTTPServer` on 127.0.0.1 (port 0) in a thread. Routes are programmed per test by
    path (query ignored); every request is recorded before it is answered."""

    def __init__(self):
        self.routes: dict[str, Route] = {}
        self.requests: list[Recorded] = []
        self._release = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        # A short poll keeps shutdown (which waits for the next poll) quick.
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def route(
        self,
        path: str,
        *,
        status: int = 200,
        json_body=None,
        body: bytes | str | None = None,
        payload_file: str | None = None,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
    ) -> None:
        """Answer GET `path` with `payload_file` (under payloads/), `json_body`, or raw `body`."""
        if payload_file is not None:
            raw = payload(payload_file)
        elif json_body is not None:
            raw = json.dumps(json_body).encode()
        elif isinstance(body, str):
            raw = body.encode()
        else:
            raw = body or b""
        all_headers = {"Content-Type": "application/json"}
        all_headers.update(headers or {})
        self.routes[path] = Route(status, raw, all_headers, delay)

    def hits(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == path]

    @property
    def last(self) -> Recorded:
        assert self.requests, "the loopback server received no request"
        return self.requests[-1]

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()  # wake handlers that are delaying
        self._httpd.shutdown()
        self._httpd.server_close()

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                parts = urlsplit(self.path)
                path = unquote(parts.path)
                server.requests.append(
                    Recorded(
                        "GET",
                        path,
                        dict(parse_qsl(parts.query, keep_blank_values=True)),
                        {k.lower(): v for k, v in self.headers.items()},
                    )
                )
                route = server.routes.get(path) or Route(404, b'{"error": "no route"}', {})
                if route.delay and server._release.wait(route.delay):
                    return
                try:
                    self.send_response(route.status)
                    for name, value in route.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(route.body)))
                    self.end_headers()
                    self.wfile.write(route.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

            def log_message(self, format, *args):  # quiet
                pass

        return Handler


def configured(settings, cls, url_setting: str, url: str, key_setting: str | None = None, key="test-key"):
    """An instance of the provider class `cls` whose base URL setting points at `url`, with `key`
    in its key setting (when it has one)."""
    setattr(settings, url_setting, url)
    if key_setting:
        setattr(settings, key_setting, key)
    return cls()


def assert_quote(quote, symbol, bid, ask, time, source) -> None:
    """A quote's symbol, bid and ask, its time and its source are the ones given."""
    assert (quote.symbol, quote.bid, quote.ask) == (symbol, bid, ask)
    assert quote.time == time
    assert quote.source == source


def assert_unmapped_symbols_not_covered(provider) -> None:
    """Symbols outside the provider's map (unknown, empty, malformed) are NotCovered, quote and bars."""
    for symbol in ("DOGEUSD", "", "EURUSD!"):
        with pytest.raises(NotCovered):
            provider.quote(symbol)
        with pytest.raises(NotCovered):
            provider.bars(symbol, "1h", 10)


@pytest.fixture
def dead_url():
    """A loopback URL where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture(autouse=True)
def no_internet(monkeypatch):
    """Name lookups and connections off loopback fail loudly instead of reaching the internet."""
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect

    def getaddrinfo(host, *args, **kwargs):
        if host not in LOOPBACK_HOSTS:
            raise OSError(f"test tried to resolve {host!r}: no internet in tests")
        return real_getaddrinfo(host, *args, **kwargs)

    def connect(sock, address):
        if isinstance(address, tuple) and address[0] not in LOOPBACK_HOSTS:
            raise OSError(f"test tried to connect to {address!r}: no internet in tests")
        return real_connect(sock, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)


@pytest.fixture(autouse=True)
def _provider_settings(settings):
    """A short timeout and no real keys or hosts unless a test sets them."""
    settings.PROVIDER_TIMEOUT = 2.0
    providers_offline(settings)
