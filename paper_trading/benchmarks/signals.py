"""Webhook alerts against market orders (docs/signals.md; figures in docs/performance.md).

The same daphne processes on loopback and the same database and Redis serve two loads in one
run, from `senders` concurrent clients with keep-alive connections, each its own user:

1. market orders through `POST trades/execute/` (the REST order path), then
2. webhook alerts through `POST signals/webhook/{token}/`, each auto-executed into a trade
   (the same trade: 0.01 BTCUSD with a stop, so the run means the same on any day of the week).

Each sender also holds its owner's WebSocket; for every alert the time from the POST to the
owner's `trade_execution` event for that trade is recorded (read on the socket's own thread: a
sender sends its next alert as soon as the answer is in, as it sends its next order). Every
answer is checked: 201 and an open trade for an order, 201 `executed` with a trade for an alert.

The two loads take turns in `rounds` (orders, alerts, orders, alerts...), so both meet the same
database (open trades pile up over the run) and the same neighbours on a shared machine."""

from __future__ import annotations

import http.client
import json
import os
import statistics
import threading
import time
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db import connection
from websockets.sync.client import connect

from ..engine import PaperTradingEngine
from ..models import Account
from ..services.hooks import HookSettings, hook_create
from . import percentile, released
from .api import BASE_PORT, PREFIX, _start_servers, _stop, _users, _vacuum

TRADINGVIEW_TIMEOUT_S = 3.0


# Both loads trade BTCUSD: crypto trades at the weekend, so an FX alert on a Saturday would be
# refused `market_closed` (docs/signals.md) and the run would mean something else.
BID, ASK = Decimal("60000.00"), Decimal("60010.00")


def stop_for(side: str) -> str:
    return "59000.00" if side == "buy" else "61000.00"


def order(n: int) -> tuple[str, str]:
    """The `n`th order of a sender: 0.01 BTCUSD with a stop loss, buy and sell in turn."""
    side = "buy" if n % 2 == 0 else "sell"
    return side, json.dumps(
        {"pair": "BTCUSD", "order_type": side, "lot_size": "0.01", "stop_loss": stop_for(side)}
    )


def alert(sender: int, n: int) -> tuple[str, str]:
    """The `n`th alert of a sender: the same trade as `order(n)`, as a TradingView-style body."""
    side, _ = order(n)
    body = {
        "ticker": "BINANCE:BTCUSDT",
        "action": side,
        "lots": "0.01",
        "sl": stop_for(side),
        "signal_id": f"bench-{sender}-{n}",
        "source": "bench",
    }
    return side, json.dumps(body)


class Socket:
    """The owner's WebSocket, read on its own thread: arrival time of each `trade_execution`."""

    def __init__(self, port: int, key: str):
        self.ws = connect(
            f"ws://127.0.0.1:{port}/ws/trading/?token={key}",
            origin=f"http://127.0.0.1:{port}",
            open_timeout=30,
        )
        assert json.loads(self.ws.recv(timeout=10))["type"] == "connection"
        self.arrivals: dict[int, float] = {}
        self.heard = threading.Condition()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            for frame in self.ws:
                now = time.perf_counter()
                if '"trade_execution"' in frame:
                    trade = json.loads(frame).get("trade") or {}
                    with self.heard:
                        self.arrivals[trade.get("id")] = now
                        self.heard.notify_all()
        except Exception:  # noqa: BLE001 - the socket closed: the waits below time out and count it
            return

    def wait_for(self, trade_id: int, timeout: float = 10.0) -> float | None:
        with self.heard:
            self.heard.wait_for(lambda: trade_id in self.arrivals, timeout=timeout)
            return self.arrivals.get(trade_id)

    def close(self) -> None:
        self.ws.close()


def _hooks(count: int) -> list[str]:
    """Each sender's account executes its signals; each gets a webhook token of its own."""
    hooks = []
    for i in range(count):
        user = get_user_model().objects.get(username=f"{PREFIX}{i}")
        Account.objects.filter(user=user).update(auto_execute_signals=True)
        _, token = hook_create(user=user, settings=HookSettings(name="bench", rate_limit_per_minute=600))
        hooks.append(token)
    return hooks


def _drive(senders: int, per_sender: int, request, check, sent=None):
    """Run `per_sender` requests on each sender's keep-alive connection at once; returns
    (seconds, latencies, failures). `sent` collects (sender, trade id, time of the POST)."""
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    ready = threading.Barrier(senders + 1)

    def sender(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", BASE_PORT + index % 2, timeout=30)
        ready.wait()
        for n in range(per_sender):
            method, path, body, headers, side = request(index, n)
            began = time.perf_counter()
            conn.request(method, path, body, headers)
            response = conn.getresponse()
            answer = response.read()
            elapsed = time.perf_counter() - began
            trade_id, problem = check(response.status, answer, side)
            with lock:
                latencies.append(elapsed)
                if sent is not None and trade_id is not None:
                    sent.append((index, trade_id, began))
                if problem:
                    failures.append(problem)
        conn.close()

    return released(senders, sender, ready), latencies, failures


def _socket_delays(sockets: list[Socket], sent: list[tuple]) -> tuple[list[float], list[str]]:
    """Seconds from each alert's POST to its trade's `trade_execution` on the owner's socket."""
    delays, missing = [], []
    for index, trade_id, began in sent:
        arrived = sockets[index].wait_for(trade_id)
        if arrived is None:
            missing.append(f"no trade_execution for trade {trade_id}")
        else:
            delays.append(arrived - began)
    return delays, missing


def _check_order(status: int, answer: bytes, side: str):
    body = _json(answer)
    if status != 201 or body.get("status") != "open" or body.get("order_type") != side:
        return None, f"order {status} {answer[:120]!r}"
    return body["id"], None


def _check_alert(status: int, answer: bytes, side: str):
    body = _json(answer)
    if status != 201 or body.get("status") != "executed" or not body.get("trade"):
        return None, f"alert {status} {answer[:160]!r}"
    return body["trade"], None


def _json(answer: bytes) -> dict:
    try:
        body = json.loads(answer)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def run(*, senders=16, alerts=3000, servers=2, rounds=4, progress=None) -> dict:
    if not settings.REDIS_URL:
        raise CommandError("benchmark signals needs REDIS_URL (the server processes share quotes and events)")
    if servers != 2:
        raise CommandError("benchmark signals spreads its senders over two server processes")
    _vacuum()
    tokens = _users(senders)
    hooks = _hooks(senders)
    PaperTradingEngine().process_tick("BTCUSD", BID, ASK)
    per_sender = alerts // senders
    rounds = max(1, min(rounds, per_sender))
    procs = _start_servers(servers)
    sockets: list[Socket] = []
    try:
        sockets = [Socket(BASE_PORT + i % servers, key) for i, key in enumerate(tokens)]

        def order_request(index, n):
            side, body = order(n)
            headers = {"Authorization": f"Token {tokens[index]}", "Content-Type": "application/json"}
            return "POST", "/api/paper-trading/trades/execute/", body, headers, side

        def alert_request(index, n):
            side, body = alert(index, n)
            path = f"/api/paper-trading/signals/webhook/{hooks[index]}/"
            return "POST", path, body, {"Content-Type": "text/plain"}, side

        # a few of each first: imports, pooled connections and caches warm before the clock
        _drive(senders, 3, lambda i, n: order_request(i, 10_000 + n), _check_order)
        _drive(senders, 3, lambda i, n: alert_request(i, 10_000 + n), _check_alert)
        if progress:
            progress(0, rounds)
        load = os.getloadavg()[0]
        order_seconds = alert_seconds = 0.0
        order_latencies, alert_latencies, order_failures, alert_failures, sent = [], [], [], [], []
        first = 0  # each round's requests numbered on from the last's
        for turn in range(rounds):
            per_round = per_sender // rounds + (1 if turn < per_sender % rounds else 0)
            seconds, latencies, failures = _drive(
                senders, per_round, lambda i, n, first=first: order_request(i, first + n), _check_order
            )
            order_seconds += seconds
            order_latencies += latencies
            order_failures += failures
            seconds, latencies, failures = _drive(
                senders, per_round, lambda i, n, first=first: alert_request(i, first + n), _check_alert, sent
            )
            alert_seconds += seconds
            alert_latencies += latencies
            alert_failures += failures
            first += per_round
            if progress:
                progress(turn + 1, rounds)
        delays, missing = _socket_delays(sockets, sent)
        alert_failures += missing
    finally:
        for socket in sockets:
            socket.close()
        _stop(procs)
        get_user_model().objects.filter(username__startswith=PREFIX).delete()
    orders_per_s = len(order_latencies) / order_seconds
    alerts_per_s = len(alert_latencies) / alert_seconds
    delays.sort()
    alert_latencies.sort()
    p99_to_socket = percentile(delays, 0.99) if delays else None
    return {
        "database": connection.vendor,
        "servers": servers,
        "senders": senders,
        "rounds": rounds,
        "orders": len(order_latencies),
        "order_failures": len(order_failures),
        "orders_per_s": round(orders_per_s, 1),
        "alerts": len(alert_latencies),
        "alert_failures": len(alert_failures),
        "first_failure": (alert_failures or order_failures or ["none"])[0],
        "alerts_per_s": round(alerts_per_s, 1),
        "alerts_per_order": round(alerts_per_s / orders_per_s, 3),
        "alert_p50_ms": round(statistics.median(alert_latencies) * 1000, 1),
        "alert_p99_ms": round(percentile(alert_latencies, 0.99) * 1000, 1),
        "to_trade_execution_p50_ms": round(statistics.median(delays) * 1000, 1) if delays else None,
        "to_trade_execution_p99_ms": round(p99_to_socket * 1000, 1) if delays else None,
        "p99_share_of_tradingview_3s": round(p99_to_socket / TRADINGVIEW_TIMEOUT_S, 3) if delays else None,
        "load_average_at_start": round(load, 2),
    }
