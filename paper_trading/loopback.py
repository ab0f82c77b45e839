"""A server as a child process on loopback, for the benchmarks and the end-to-end tests that must
cross a real socket: `manage.py serve --no-worker` (or a bare ASGI app under daphne), started,
waited for until `/healthz` answers, and stopped with SIGTERM."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import requests

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float, what: str, *, unless=None) -> None:
    """Poll `predicate` until it is true; TimeoutError after `timeout` seconds, or at once when
    `unless()` becomes true (the process being waited for has died)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except Exception:  # noqa: BLE001 - not up yet
            pass
        if unless is not None and unless():
            break
        time.sleep(0.1)
    raise TimeoutError(f"{what} within {timeout} s")


class ServerProcess:
    """One server on `port` (a free one by default) with `env` on top of this process's
    environment. Output goes to `log` if given, else it is kept and returned by `stop()`.
    `app` ("module:attribute") serves that ASGI app under plain daphne instead of the project."""

    def __init__(
        self, env: dict, *, port: int | None = None, log: Path | None = None, app: str | None = None
    ):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **env}
        self.log_path, self.app = log, app
        self.proc: subprocess.Popen | None = None
        self._log: IO | None = None

    def command(self) -> list[str]:
        if self.app:
            return [
                sys.executable,
                "-m",
                "daphne",
                "-v",
                "0",
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                self.app,
            ]
        return [
            sys.executable,
            "manage.py",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--no-worker",
        ]

    def start(self, timeout: float = 60) -> ServerProcess:
        return self.launch().ready(timeout)

    def launch(self) -> ServerProcess:
        """Start the process without waiting (several servers then boot side by side)."""
        if self.log_path is not None:
            self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            self.command(),
            cwd=ROOT,
            env=self.env,
            stdout=self._log or subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        return self

    def ready(self, timeout: float = 60) -> ServerProcess:
        """Wait until `/healthz` answers; TimeoutError (the process stopped) if it does not."""
        where = f" (see {self.log_path})" if self.log_path else ""
        try:
            wait_until(
                lambda: requests.get(self.url + "/healthz", timeout=1).ok,
                timeout,
                f"the server on port {self.port} answers /healthz{where}",
                unless=lambda: not self.alive(),
            )
        except TimeoutError:
            self.stop()
            raise
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> str:
        """SIGTERM (a clean shutdown), SIGKILL after 10 s; what the server printed, if kept."""
        if self.proc is None:
            return ""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        output = self.proc.stdout.read() if self.proc.stdout else ""
        if self._log is not None:
            self._log.close()
            self._log = None
        self.proc = None
        return output
