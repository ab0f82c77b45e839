"""Market orders through the REST API: real daphne processes on loopback, concurrent clients
with keep-alive sessions, the shared database and cache of this configuration."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db import connection
from rest_framework.authtoken.models import Token

from ..engine import PaperTradingEngine, ensure_default_account

BASE_PORT = int(os.environ.get("BENCH_BASE_PORT", "8701"))
PREFIX = "bench_api_"


def _start_servers(count: int) -> list[subprocess.Popen]:
    env = {
        **os.environ,
        "FEED": "manual",
        "EMBEDDED_WORKER": "0",
        "LOG_LEVEL": "WARNING",
        "API_THROTTLE_USER": "1000000/min",
    }
    manage = Path(settings.BASE_DIR) / "manage.py"
    procs = [
        subprocess.Popen(
            [sys.executable, str(manage), "serve", "--port", str(BASE_PORT + i), "--no-worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(f"/tmp/bench_server_{i}.log", "w"),
        )
        for i in range(count)
    ]
    deadline = time.monotonic() + 60
    for i in range(count):
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{BASE_PORT + i}/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                _stop(procs)
                raise CommandError("the API servers did not start within 60 s")
            time.sleep(0.2)
    return procs


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), to show where the time goes."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _stop(procs) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()


def _users(clients: int):
    User = get_user_model()
    User.objects.filter(username__startswith=PREFIX).delete()
    tokens = []
    for i in range(clients):
        user = User.objects.create_user(f"{PREFIX}{i}", password=None)
        account = ensure_default_account(user)
        PaperTradingEngine(user).update_account(
            account.pk,
            {"max_risk_per_trade_pct": None, "max_portfolio_heat_pct": None, "max_daily_loss_pct": None},
        )
        tokens.append(Token.objects.create(user=user).key)
    return tokens


def run(*, clients=16, orders=3000, servers=2, progress=None) -> dict:
    if not settings.REDIS_URL:
        raise CommandError("benchmark api needs REDIS_URL (the server processes share quotes through it)")
    tokens = _users(clients)
    PaperTradingEngine().process_tick("EURUSD", Decimal("1.09995"), Decimal("1.10005"))
    procs = _start_servers(servers)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    per_client = orders // clients
    done = [0]

    def client(index: int) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Token {tokens[index]}"
        url = f"http://127.0.0.1:{BASE_PORT + index % servers}/api/paper-trading/trades/execute/"
        for n in range(per_client):
            side = "buy" if n % 2 == 0 else "sell"
            stop = "1.09000" if side == "buy" else "1.11000"
            began = time.perf_counter()
            response = session.post(
                url, json={"pair": "EURUSD", "order_type": side, "lot_size": "0.01", "stop_loss": stop}
            )
            elapsed = time.perf_counter() - began
            with lock:
                latencies.append(elapsed)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                done[0] += 1
                if progress and done[0] % 200 == 0:
                    progress(done[0], per_client * clients)

    try:
        # Warm up each server (first requests import and connect) before the clock starts.
        for i in range(servers):
            requests.get(
                f"http://127.0.0.1:{BASE_PORT + i}/api/paper-trading/symbols/",
                headers={"Authorization": f"Token {tokens[0]}"},
                timeout=10,
            )
        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        server_cpu_before = sum(_cpu_seconds(p.pid) for p in procs)
        client_cpu_before = time.process_time()
        began = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.perf_counter() - began
        server_cpu = sum(_cpu_seconds(p.pid) for p in procs) - server_cpu_before
        client_cpu = time.process_time() - client_cpu_before
    finally:
        _stop(procs)
        get_user_model().objects.filter(username__startswith=PREFIX).delete()
    ordered = sorted(latencies)
    return {
        "database": connection.vendor,
        "cache": "redis" if settings.REDIS_URL else "locmem",
        "servers": servers,
        "clients": clients,
        "orders": len(latencies),
        "created_201": statuses.get(201, 0),
        "other_statuses": ", ".join(f"{k}:{v}" for k, v in sorted(statuses.items()) if k != 201) or "none",
        "seconds": round(seconds, 2),
        "orders_per_s": round(len(latencies) / seconds, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "server_cpu_ms_per_order": round(server_cpu / len(latencies) * 1000, 2),
        "client_cpu_ms_per_order": round(client_cpu / len(latencies) * 1000, 2),
    }
