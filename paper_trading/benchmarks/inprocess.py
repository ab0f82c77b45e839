"""`benchmark api --in-process`: the same market orders as `benchmark api`, driven through the
project's ASGI application inside this process (no sockets, no daphne, no load generator).

It answers "what does one order cost the server, and the database" with less noise than the
loopback run, and it is the run to put under a profiler: `py-spy record --gil` for where the
time goes, `valgrind --tool=callgrind` for instruction counts that do not move with the host
(run it with two `--orders` values and divide the difference; docs/performance.md).
"""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, connections

from ..engine import PaperTradingEngine
from . import api
from .processes import cpu_of

PATH = "/api/paper-trading/trades/execute/"


def run(*, clients=8, orders=800, warmup=10, progress=None) -> dict:
    from forex_signal.asgi import application
    from paper_trading.realtime import bind_loop

    tokens: list[str] = []

    def set_up() -> None:
        api._vacuum()
        tokens.extend(api._users(clients))
        PaperTradingEngine().process_tick("EURUSD", Decimal("1.09995"), Decimal("1.10005"))
        connections.close_all()  # back to the pool: the requests take connections on their threads

    per_client = max(1, orders // clients)
    wrong = [0]

    async def one(token: str, n: int) -> None:
        side, body = api.order(n)
        scope = {
            "type": "http",
            "http_version": "1.1",
            "method": "POST",
            "path": PATH,
            "raw_path": PATH.encode(),
            "root_path": "",
            "scheme": "http",
            "query_string": b"",
            "headers": [
                (b"authorization", f"Token {token}".encode()),
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"host", b"127.0.0.1"),
            ],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 80),
        }
        requests = [{"type": "http.request", "body": body.encode(), "more_body": False}]
        sent: list[dict] = []

        async def receive():
            if requests:
                return requests.pop()
            await asyncio.Future()  # no disconnect while the view runs

        async def send(message):
            sent.append(message)

        await application(scope, receive, send)
        answer = b"".join(m.get("body", b"") for m in sent[1:])
        wrong[0] += sent[0]["status"] != 201 or not api._is_open_trade(answer, side)

    async def client(index: int, count: int) -> None:
        for n in range(count):
            await one(tokens[index], n)

    async def main() -> dict:
        bind_loop(asyncio.get_running_loop())  # the WebSocket broadcast rides this loop, as in `serve`
        await asyncio.to_thread(set_up)  # its tick's events go out on this loop too
        await asyncio.gather(*(client(i, warmup) for i in range(clients)))
        wrong[0] = 0
        database_before, cpu_before, began = cpu_of("postgres"), time.process_time(), time.perf_counter()
        await asyncio.gather(*(client(i, per_client) for i in range(clients)))
        seconds = time.perf_counter() - began
        cpu, database = time.process_time() - cpu_before, cpu_of("postgres") - database_before
        done = per_client * clients
        return {
            "mode": "in process (ASGI application, no sockets)",
            "database": connection.vendor,
            "clients": clients,
            "orders": done,
            "wrong_answers": wrong[0],
            "orders_per_s": round(done / seconds, 1),
            "process_cpu_ms_per_order": round(cpu / done * 1000, 3),
            "postgres_cpu_ms_per_order": round(database / done * 1000, 3)
            if connection.vendor == "postgresql"
            else None,
        }

    try:
        return asyncio.run(main())
    finally:
        get_user_model().objects.filter(username__startswith=api.PREFIX).delete()
