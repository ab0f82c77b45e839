"""Market orders through the REST API: real daphne processes on loopback, concurrent clients
with keep-alive connections, the shared database and cache of this configuration. Every answer
is parsed and checked (201, an open trade on the right side with its entry fill)."""

from __future__ import annotations

import http.client
import json
import os
import statistics
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db import connection
from knox.models import AuthToken

from ..engine import PaperTradingEngine
from ..loopback import ServerProcess
from ..services.accounts import account_ensure_default
from . import percentile, released
from .processes import cpu_of, cpu_seconds

BASE_PORT = int(os.environ.get("BENCH_BASE_PORT", "8701"))
PREFIX = "bench_api_"


FLOOR_APPS = {"bare": "bare", "django": "through_django"}


def _start_servers(count: int, floor: str | None = None) -> list[ServerProcess]:
    env = {
        "FEED": "manual",
        "EMBEDDED_WORKER": "0",
        "LOG_LEVEL": "WARNING",
        "API_THROTTLE_USER": "1000000/min",
    }
    app = f"paper_trading.benchmarks.floor:{FLOOR_APPS[floor]}" if floor else None
    servers = [
        ServerProcess(
            env, port=BASE_PORT + i, log=Path(tempfile.gettempdir()) / f"bench_server_{i}.log", app=app
        )
        for i in range(count)
    ]
    try:
        for server in servers:
            server.launch()
        for server in servers:
            server.ready()
    except TimeoutError as exc:
        _stop(servers)
        raise CommandError(str(exc)) from None
    return servers


def _stop(servers: list[ServerProcess]) -> None:
    for server in servers:
        server.stop()


def _users(clients: int):
    User = get_user_model()
    User.objects.filter(username__startswith=PREFIX).delete()
    tokens = []
    for i in range(clients):
        user = User.objects.create_user(f"{PREFIX}{i}", password=None)
        account = account_ensure_default(user=user)
        PaperTradingEngine(user).update_account(
            account.pk,
            {"max_risk_per_trade_pct": None, "max_portfolio_heat_pct": None, "max_daily_loss_pct": None},
        )
        tokens.append(AuthToken.objects.create(user=user)[1])
    return tokens


def run(*, clients=16, orders=3000, servers=2, floor=None, warmup=10, progress=None) -> dict:
    """`floor` ("bare" or "django"): the same clients against a server that answers at once
    (paper_trading/benchmarks/floor.py), to show what HTTP, daphne and Django cost by themselves.

    `warmup` orders per client go first and are not measured: the servers open their pooled
    database connections (new PostgreSQL backends with cold caches) while they run, so the clock
    starts on the steady state, with every client ready at the same instant."""
    if not settings.REDIS_URL:
        raise CommandError("benchmark api needs REDIS_URL (the server processes share quotes through it)")
    if floor is None:
        _vacuum()
        tokens = _users(clients)
        PaperTradingEngine().process_tick("EURUSD", Decimal("1.09995"), Decimal("1.10005"))
    else:
        from .floor import BODY

        tokens = ["-"] * clients
    procs = _start_servers(servers, floor)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    per_client = orders // clients
    done = [0]
    wrong_bodies = [0]  # 201s whose body is not the open trade with its entry fill
    warm_failures = [0]
    warmed = threading.Barrier(clients + 1)
    go = threading.Event()

    def client(index: int) -> None:
        # http.client over one keep-alive connection: real HTTP/1.1 on loopback, without the
        # per-request machinery of `requests` (the load generator shares the machine's cores).
        conn = http.client.HTTPConnection("127.0.0.1", BASE_PORT + index % servers, timeout=30)
        headers = {"Authorization": f"Token {tokens[index]}", "Content-Type": "application/json"}
        for n in range(warmup + per_client):
            if n == warmup:
                warmed.wait()
                go.wait()
            side, body = order(n)
            began = time.perf_counter()
            conn.request("POST", "/api/paper-trading/trades/execute/", body, headers)
            response = conn.getresponse()
            answer = response.read()
            elapsed = time.perf_counter() - began
            if floor is None:
                wrong = response.status == 201 and not _is_open_trade(answer, side)
            else:
                wrong = response.status == 201 and answer != BODY
            with lock:
                if n < warmup:
                    warm_failures[0] += response.status != 201 or wrong
                    continue
                latencies.append(elapsed)
                statuses[response.status] = statuses.get(response.status, 0) + 1
                wrong_bodies[0] += wrong
                done[0] += 1
                if progress and done[0] % 200 == 0:
                    progress(done[0], per_client * clients)
        conn.close()

    try:
        # Warm up each server (first requests import and connect) before the clock starts.
        for i in range(servers):
            requests.get(
                f"http://127.0.0.1:{BASE_PORT + i}/api/paper-trading/symbols/",
                headers={"Authorization": f"Token {tokens[0]}"},
                timeout=10,
            )
        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        load = os.getloadavg()[0]
        for t in threads:
            t.start()
        warmed.wait(timeout=120)
        server_cpu_before = sum(cpu_seconds(s.proc.pid) for s in procs)
        database_cpu_before, redis_cpu_before = cpu_of("postgres"), cpu_of("redis-server")
        client_cpu_before = time.process_time()
        began = time.perf_counter()
        go.set()
        for t in threads:
            t.join()
        seconds = time.perf_counter() - began
        server_cpu = sum(cpu_seconds(s.proc.pid) for s in procs) - server_cpu_before
        client_cpu = time.process_time() - client_cpu_before
        database_cpu = cpu_of("postgres") - database_cpu_before
        redis_cpu = cpu_of("redis-server") - redis_cpu_before
        healthz_per_s = _healthz_rate(clients, servers, per_client)
    finally:
        _stop(procs)
        get_user_model().objects.filter(username__startswith=PREFIX).delete()
    ordered = sorted(latencies)
    return {
        "floor": floor or "none (real orders)",
        "database": connection.vendor,
        "cache": "redis" if settings.REDIS_URL else "locmem",
        "servers": servers,
        "clients": clients,
        "orders": len(latencies),
        "created_201": statuses.get(201, 0),
        "created_wrong_body": wrong_bodies[0],
        "other_statuses": ", ".join(f"{k}:{v}" for k, v in sorted(statuses.items()) if k != 201) or "none",
        "warmup_orders": warmup * clients,
        "warmup_failures": warm_failures[0],
        "seconds": round(seconds, 2),
        "orders_per_s": round(len(latencies) / seconds, 1),
        "healthz_per_s": round(healthz_per_s, 1),
        "orders_per_healthz": round(len(latencies) / seconds / healthz_per_s, 3),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(percentile(ordered, 0.99) * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "server_cpu_ms_per_order": round(server_cpu / len(latencies) * 1000, 2),
        "postgres_cpu_ms_per_order": round(database_cpu / len(latencies) * 1000, 2),
        "redis_cpu_ms_per_order": round(redis_cpu / len(latencies) * 1000, 2),
        "client_cpu_ms_per_order": round(client_cpu / len(latencies) * 1000, 2),
        "load_average_at_start": round(load, 2),
    }


def _healthz_rate(clients: int, servers: int, per_client: int) -> float:
    """`GET /healthz` per second from the same clients on the same servers, right after the
    orders: what the server answers without any of the order path, so the ratio of orders/s to
    it does not move with the host's speed."""
    ready = threading.Barrier(clients + 1)

    def client(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", BASE_PORT + index % servers, timeout=30)
        conn.request("GET", "/healthz")  # connected and served once before the clock starts
        conn.getresponse().read()
        ready.wait()
        for _ in range(per_client):
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise CommandError(f"GET /healthz answered {response.status}")
        conn.close()

    return per_client * clients / released(clients, client, ready)


def _vacuum() -> None:
    """Start from the same state each run: every run deletes its users (and their trades) at the
    end, and with autovacuum off (as on this machine's PostgreSQL) the dead rows of earlier runs
    stay in the tables and indexes the order path reads, and the planner's statistics go stale."""
    if connection.vendor != "postgresql":
        return
    from ..models import Account, AccountPeriod, EquitySnapshot, Fill, LedgerEntry, PaperTrade

    tables = [AuthToken, get_user_model(), Account, AccountPeriod, PaperTrade, Fill, LedgerEntry]
    tables.append(EquitySnapshot)
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"VACUUM {connection.ops.quote_name(model._meta.db_table)}")


def order(n: int) -> tuple[str, str]:
    """The `n`th order of a client: its side and JSON body (0.01 EURUSD with a stop loss,
    alternating buy and sell)."""
    side = "buy" if n % 2 == 0 else "sell"
    stop = "1.09000" if side == "buy" else "1.11000"
    return side, json.dumps({"pair": "EURUSD", "order_type": side, "lot_size": "0.01", "stop_loss": stop})


def _is_open_trade(answer: bytes, side: str) -> bool:
    try:
        trade = json.loads(answer)
    except ValueError:
        return False
    fills = trade.get("fills") or []
    return (
        trade.get("status") == "open"
        and trade.get("order_type") == side
        and trade.get("lot_size") == "0.01"
        and len(fills) == 1
        and fills[0].get("kind") == "entry"
        and trade.get("entry_price") == fills[0].get("price")
    )
