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
from django.conf import settings as django_settings

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
    path = tmp_path_factory.mktemp("takeover") / "base.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "REDIS_URL": ""}
    subprocess.run([sys.executable, MANAGE, "migrate", "-v0"], env=env, check=True, timeout=180)
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
