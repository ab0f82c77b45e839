"""A real ASGI server process (daphne through `manage.py serve`) on a loopback port, for tests
that must cross a real socket."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

from paper_trading.loopback import ServerProcess as Loopback
from paper_trading.loopback import free_port, wait_until


class ServerProcess(Loopback):
    """`manage.py serve --no-worker` (or plain daphne serving `app`) with FEED=manual against the
    given database and Redis; `env` adds or overrides settings (throttle rates, pool bounds)."""

    def __init__(
        self,
        *,
        database_url: str,
        redis_url: str,
        channel_layer: str = "pubsub",
        env: dict | None = None,
        log: Path | None = None,
        app: str | None = None,
    ):
        prefix = f"e2e{uuid.uuid4().hex[:8]}"
        super().__init__(
            {
                "DATABASE_URL": database_url,
                "REDIS_URL": redis_url,
                "CHANNEL_LAYER": channel_layer,
                "FEED": "manual",
                "EMBEDDED_WORKER": "0",
                "CACHE_KEY_PREFIX": prefix,
                "CHANNEL_PREFIX": prefix,
                "DEBUG": "0",
                **(env or {}),
            },
            log=log,
            app=app,
        )

    def start(self, timeout: float = 30) -> ServerProcess:
        return super().start(timeout)


class RedisProcess:
    """A private redis-server on its own port, so a test can stop and restart it."""

    def __init__(self, tmp_path: Path):
        self.binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.port = free_port()
        self.dir = tmp_path
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> RedisProcess:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
            + ["--dir", str(self.dir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        wait_until(lambda: redis.Redis(port=self.port).ping(), 10, "redis-server answers")
        return self

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(5)
            self.proc = None
