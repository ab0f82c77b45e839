"""A served process holds at most REDIS_MAX_CONNECTIONS connections to Redis, however many requests
it answers: one bounded pool per process for the cache, the throttle and the worker locks
(docs/architecture.md, "Redis connections"). A real server on loopback, with its own SQLite file
and a private redis-server that counts its clients; thousands of requests of each kind: with a
token, without credentials, and throttled (429).

Both ways to serve the app: `manage.py serve`, and plain daphne on `forex_signal.asgi` (no
system checks run first, so Django builds a cache backend per request: with Django's own Redis
backend and the throttle's script per client, every request kept one connection open for good).
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
import requests

from ..processes import migrated_sqlite_with_token, sqlite_env
from ..realtime.server import RedisProcess, ServerProcess

BOUND = 10  # REDIS_MAX_CONNECTIONS of the server under test
REQUESTS = 2000  # of each kind
THREADS = 16
ENTRIES = {"manage.py serve": None, "daphne": "forex_signal.asgi:application"}


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """A migrated SQLite file the server uses, and a token of a user in it."""
    path = tmp_path_factory.mktemp("pool") / "db.sqlite3"
    return sqlite_env(path)["DATABASE_URL"], migrated_sqlite_with_token(path, "pool-user")


@pytest.fixture
def private_redis(tmp_path):
    server = RedisProcess(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture(params=list(ENTRIES))
def serve(request, database, private_redis):
    """Start the server (`manage.py serve` or plain daphne) with `env` on top; stopped after."""
    started = []

    def start(**env) -> ServerProcess:
        server = ServerProcess(
            database_url=database[0],
            redis_url=private_redis.url,
            env={"REDIS_MAX_CONNECTIONS": str(BOUND), **env},
            log=private_redis.dir / "server.log",
            app=ENTRIES[request.param],
        )
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


class ClientCount:
    """The server's connections to the private Redis: its connected clients less this probe,
    read after each batch and, by a sampling thread, while the batches run (the peak)."""

    def __init__(self, url: str):
        self.probe = redis.Redis.from_url(url)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def now(self) -> int:
        return int(self.probe.info("clients")["connected_clients"]) - 1

    def _sample(self):
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, self.now())

    def __enter__(self) -> ClientCount:
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(5)
        self.probe.close()


def send(url: str, count: int, headers: dict | None = None) -> Counter:
    """`count` GETs of `url` from THREADS threads, each with its own keep-alive session; the
    statuses counted."""
    local, sessions = threading.local(), []

    def one(_):
        if not hasattr(local, "session"):
            local.session = requests.Session()
            sessions.append(local.session)
        return local.session.get(url, headers=headers, timeout=30).status_code

    with ThreadPoolExecutor(THREADS) as pool:
        statuses = Counter(pool.map(one, range(count)))
    for session in sessions:
        session.close()
    return statuses


def test_requests_with_a_token_and_without_credentials_keep_the_servers_redis_connections_bounded(
    serve, database, private_redis
):
    server = serve(API_THROTTLE_ANON="100000/min")  # neither kind is refused here
    with ClientCount(private_redis.url) as clients:
        with_token = send(
            server.url + "/api/paper-trading/symbols/", REQUESTS, {"Authorization": f"Token {database[1]}"}
        )
        assert with_token == {200: REQUESTS}
        assert clients.now() <= BOUND, f"{clients.now()} connections after {REQUESTS} with a token"

        anonymous = send(server.url + "/api/auth/session/", REQUESTS)
        assert anonymous == {200: REQUESTS}
        assert clients.now() <= BOUND, f"{clients.now()} connections after {REQUESTS} more without"
        assert clients.peak <= BOUND, f"{clients.peak} connections at once"
        assert requests.get(server.url + "/healthz", timeout=5).status_code == 200


def test_throttled_requests_keep_the_servers_redis_connections_bounded(serve, private_redis):
    # The user rate (6,000/min by default) also counts anonymous requests, per address, and
    # refuses none of these 2,000: only the anonymous rate decides.
    server = serve(API_THROTTLE_ANON="10/min")
    with ClientCount(private_redis.url) as clients:
        anonymous = send(server.url + "/api/auth/session/", REQUESTS)
        assert anonymous == {200: 10, 429: REQUESTS - 10}  # all within the minute
        assert clients.now() <= BOUND, f"{clients.now()} connections after {REQUESTS} throttled"
        assert clients.peak <= BOUND, f"{clients.peak} connections at once"
        assert requests.get(server.url + "/healthz", timeout=5).status_code == 200
