"""A killed price worker's symbols are taken over within a few seconds, and the wait is logged.

Real processes: `manage.py run_price_worker --feed sim` twice against one SQLite file, with the
lock in a private Redis or in the database lease. The first is SIGKILLed (no `finally`, no
release): its lease must run out by itself (WORKER_LOCK_TTL, 5 s) and the second take over."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests
from django.conf import settings as django_settings

from paper_trading.loopback import ServerProcess

from ..processes import migrated_sqlite_with_token
from ..realtime.server import RedisProcess

MANAGE = str(Path(django_settings.BASE_DIR) / "manage.py")
TAKEOVER_LIMIT = 10.0  # seconds from the kill to the replacement processing the symbol


class Worker:
    """`run_price_worker` as a child process; its output lines are collected with their time."""

    def __init__(self, env: dict):
        self.proc = subprocess.Popen(
            [sys.executable, MANAGE, "run_price_worker", "--feed", "sim", "--interval", "0.2"]
            + ["--pairs", "EURUSD", "--no-broadcast"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put((time.monotonic(), line))
        self.lines.put((time.monotonic(), None))

    def wait_for(self, text: str, timeout: float) -> float:
        """The moment a line containing `text` came out; AssertionError after `timeout`."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                at, line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            self.seen.append(line)
            if text in line:
                return at
        raise AssertionError(f"no {text!r} within {timeout} s:\n" + "".join(self.seen))

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        rest = []
        while not self.lines.empty():
            _, line = self.lines.get()
            if line is not None:
                rest.append(line)
        return "".join(self.seen + rest)


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    """A migrated SQLite file each test copies; beside it, the token of a user in it."""
    path = tmp_path_factory.mktemp("takeover") / "base.sqlite3"
    path.with_suffix(".token").write_text(migrated_sqlite_with_token(path, "reader"))
    return path


@pytest.fixture(params=["redis", "lease"])
def worker_env(request, migrated, tmp_path):
    database = tmp_path / "w.sqlite3"
    shutil.copy(migrated, database)
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "DATABASE_URL": f"sqlite:///{database}",
        "FEED": "sim",
        "REDIS_URL": "",
        "CACHE_KEY_PREFIX": f"takeover{uuid.uuid4().hex[:8]}",
        "LOG_LEVEL": "INFO",
    }
    redis = None
    if request.param == "redis":
        if not shutil.which("redis-server"):
            pytest.skip("needs the redis-server binary")
        redis = RedisProcess(tmp_path).start()
        env["REDIS_URL"] = redis.url
    yield env
    if redis is not None:
        redis.stop()


def test_a_killed_workers_symbol_is_taken_over_within_seconds_and_the_wait_is_logged(worker_env):
    first = Worker(worker_env)
    second = None
    try:
        first.wait_for("now processes EURUSD", 90)
        second = Worker(worker_env)
        second.wait_for("waiting for the EURUSD lock held by", 90)  # the wait is said, with who
        first.proc.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        first.proc.wait(10)
        took_over = second.wait_for("now processes EURUSD (after waiting", TAKEOVER_LIMIT + 5)
        took = took_over - killed
        print(f"takeover after SIGKILL: {took:.1f} s ({'redis' if worker_env['REDIS_URL'] else 'lease'})")
        assert took < TAKEOVER_LIMIT
        time.sleep(1.0)  # a few 0.2 s cycles of the new owner
    finally:
        first.stop()
        output = second.stop() if second is not None else ""
    assert "price worker stopped" in output
    ticks = int(output.split("price worker stopped: ")[1].split()[0])
    assert ticks >= 1, output


class EmbeddedServer(ServerProcess):
    """`manage.py serve` with its embedded worker (the default way to run the project)."""

    def command(self) -> list[str]:
        return [sys.executable, "manage.py", "serve", "--host", "127.0.0.1", "--port", str(self.port)]


def test_a_crashed_embedded_server_serves_prices_again_within_seconds_of_its_restart(migrated, tmp_path):
    """No Redis: the lock is the WorkerLease row, which the crash leaves behind. The restarted
    server's worker takes it over when the 5 s lease runs out (it waited 30 s before)."""
    database = tmp_path / "embedded.sqlite3"
    shutil.copy(migrated, database)
    env = {
        "DATABASE_URL": f"sqlite:///{database}",
        "REDIS_URL": "",
        "FEED": "sim",
        "EMBEDDED_WORKER": "1",
        "PRICE_WORKER_PAIRS": "EURUSD",
        "DEBUG": "0",
    }
    headers = {"Authorization": f"Token {migrated.with_suffix('.token').read_text()}"}

    def priced(server):
        response = requests.get(
            f"{server.url}/api/paper-trading/price/realtime/?symbol=EURUSD", headers=headers
        )
        return response.status_code == 200

    first = EmbeddedServer(env, log=tmp_path / "first.log").start(90)
    port = first.port
    try:
        deadline = time.monotonic() + 30
        while not priced(first) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert priced(first), (tmp_path / "first.log").read_text()
    finally:
        first.proc.send_signal(signal.SIGKILL)  # a crash: nothing released
        first.proc.wait(10)
        killed = time.monotonic()
        first.stop()
    second = EmbeddedServer(env, port=port, log=tmp_path / "second.log").start(90)
    try:
        while not priced(second) and time.monotonic() - killed < TAKEOVER_LIMIT + 20:
            time.sleep(0.1)
        took = time.monotonic() - killed
        log = (tmp_path / "second.log").read_text()
        print(f"embedded server: prices {took:.1f} s after the crash (restart included)")
        assert priced(second), log
        assert took < TAKEOVER_LIMIT, log
    finally:
        second.stop()
    assert "now processes EURUSD" in log
