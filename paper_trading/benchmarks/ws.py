"""Tick-to-client latency over WebSockets: a real server process on loopback, hundreds of real
client sockets in separate processes, manual ticks pushed through the REST API at a steady
rate, for each channel layer (Redis pub/sub, Redis core) and for the embedded default."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

import requests
from django.conf import settings
from django.core.management.base import CommandError

from ..loopback import ServerProcess
from . import percentile
from .processes import cpu_seconds

MODES = ("pubsub", "core", "embedded")
SYMBOLS = {
    "EURUSD": (Decimal("1.10000"), Decimal("0.00001")),
    "XAUUSD": (Decimal("2000.00"), Decimal("0.01")),
}
USERS = 50  # sockets are spread over this many users (several tabs each)

PREPARE = """
import json
from django.contrib.auth import get_user_model
from knox.models import AuthToken
User = get_user_model()
User.objects.filter(username__startswith="bench_ws_").delete()
staff = User.objects.create_user("bench_ws_staff", is_staff=True)
users = [User.objects.create_user(f"bench_ws_{{i}}") for i in range({users})]
print(json.dumps({{"staff": AuthToken.objects.create(user=staff)[1],
                  "users": [AuthToken.objects.create(user=u)[1] for u in users]}}))
"""
CLEANUP = """
from django.contrib.auth import get_user_model
get_user_model().objects.filter(username__startswith="bench_ws_").delete()
"""


def _manage(env: dict, *args: str, **kw) -> subprocess.CompletedProcess:
    manage = Path(settings.BASE_DIR) / "manage.py"
    return subprocess.run(
        [sys.executable, str(manage), *args], env=env, check=True, capture_output=True, text=True, **kw
    )


def _environment(mode: str, workdir: Path) -> dict:
    prefix = f"bws{uuid.uuid4().hex[:6]}"
    env = {
        **os.environ,
        "FEED": "manual",
        "EMBEDDED_WORKER": "0",
        "LOG_LEVEL": "WARNING",
        "API_THROTTLE_USER": "1000000/min",
        # Thousands of sockets over USERS users: more per user than the default cap of 20.
        "WS_MAX_SOCKETS_PER_USER": "1000000",
        "CACHE_KEY_PREFIX": prefix,
        "CHANNEL_PREFIX": prefix,
        "DEBUG": "0",
    }
    if mode == "embedded":
        env["DATABASE_URL"] = f"sqlite:///{workdir / 'bench_ws.sqlite3'}"
        env["REDIS_URL"] = ""
    else:
        if not settings.REDIS_URL or not os.environ.get("DATABASE_URL"):
            raise CommandError("benchmark ws needs DATABASE_URL and REDIS_URL for the Redis layers")
        env["CHANNEL_LAYER"] = mode
    return env


def _server(env: dict, log: Path) -> ServerProcess:
    try:
        return ServerProcess(env, log=log).start()
    except TimeoutError as exc:
        raise CommandError(str(exc)) from None


def _start_clients(urls: list[str], origin: str | None, processes: int) -> list[subprocess.Popen]:
    procs = []
    for part in range(processes):
        chunk = urls[part::processes]
        if not chunk:
            continue
        proc = subprocess.Popen(
            [sys.executable, "-m", "paper_trading.benchmarks.ws_client"],
            cwd=settings.BASE_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        proc.stdin.write(json.dumps({"urls": chunk, "origin": origin, "symbols": list(SYMBOLS)}) + "\n")
        proc.stdin.flush()
        procs.append(proc)
    return procs


def _drive(
    base: str, staff: str, seconds: float, rate: int, progress, stagger: bool = True
) -> tuple[dict, list[float]]:
    """Push `rate` ticks per second per symbol for `seconds`, one paced thread per symbol (a
    slow answer for one symbol does not delay the other); returns send times and POST times."""
    sent: dict[str, float] = {}
    posts: list[float] = []
    failures: list[str] = []
    steps = int(seconds * rate)
    began = time.monotonic() + 0.05

    def symbol_thread(symbol: str, start: Decimal, step: Decimal, phase: float) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Token {staff}"
        for k in range(steps):
            delay = began + phase + k / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            bid = start + step * (k % 5000)
            sent[f"{symbol} {bid}"] = time.time()
            t0 = time.perf_counter()
            response = session.post(
                f"{base}/api/paper-trading/price/ticks/",
                json={"symbol": symbol, "bid": str(bid), "ask": str(bid + step * 10)},
                timeout=10,
            )
            posts.append(time.perf_counter() - t0)
            if response.status_code != 200:
                failures.append(f"{response.status_code} {response.text[:200]}")
                return
            if progress and symbol == "EURUSD" and k % rate == 0:
                progress(k // rate, int(seconds))

    # Symbols tick independently in a market: with `stagger` their schedules are spread evenly
    # over the period; without it every symbol ticks at the same instant (the worst case).
    phases = [i / rate / len(SYMBOLS) if stagger else 0.0 for i in range(len(SYMBOLS))]
    threads = [
        threading.Thread(target=symbol_thread, args=(s, *spec, phase))
        for (s, spec), phase in zip(SYMBOLS.items(), phases, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise CommandError(f"tick refused: {failures[0]}")
    return sent, posts


def _warm_up(base: str, staff: str) -> None:
    """A few ticks before the clock starts: the first requests of a new process import and
    connect, and a slow first answer would bunch the next ticks together."""
    session = requests.Session()
    session.headers["Authorization"] = f"Token {staff}"
    for n in range(10):
        for symbol, (start, step) in SYMBOLS.items():
            bid = start - step * (100 + n)
            session.post(
                f"{base}/api/paper-trading/price/ticks/",
                json={"symbol": symbol, "bid": str(bid), "ask": str(bid + step * 10)},
                timeout=10,
            )
        time.sleep(0.1)
    time.sleep(1.0)  # a fresh one-second window for the coalescer


def _rate_limited(sent: dict[str, float]) -> set[str]:
    """The ticks the 10-per-second limit of docs/websocket.md had to drop, given when they were sent: the
    worker's own Coalescer replayed over the send times (a tick sent late and then followed
    closely by the next one makes 11 in a second). Approximate: the server sees each tick a
    few milliseconds after the driver sends it."""
    by_symbol: dict[str, list[tuple[float, str]]] = {}
    for key, at in sent.items():
        by_symbol.setdefault(key.split()[0], []).append((at, key))
    dropped: set[str] = set()
    for ticks in by_symbol.values():
        dropped |= _coalesced_away(sorted(ticks))
    return dropped


def _coalesced_away(ticks: list[tuple[float, str]]) -> set[str]:
    from ..worker import Coalescer

    clock = [0.0]
    coalescer = Coalescer(clock=lambda: clock[0])
    passed: set[str] = set()

    def flush_until(t: float) -> None:
        while (wait := coalescer.wait()) is not None and clock[0] + wait <= t:
            clock[0] += wait
            passed.update(e["key"] for e in coalescer.due())

    for at, key in ticks:
        flush_until(at)
        clock[0] = at
        if coalescer.offer("tick", {"key": key}) is not None:
            passed.add(key)
    flush_until(float("inf"))
    return {key for _, key in ticks} - passed


def run_mode(
    mode: str,
    *,
    clients: int,
    seconds: float,
    rate: int,
    client_processes: int,
    progress,
    socket_processes: int = 1,
    stagger: bool = True,
) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        env = _environment(mode, workdir)
        if mode == "embedded":
            _manage(env, "migrate", "-v0")
        keys = json.loads(
            _manage(env, "shell", "-c", PREPARE.format(users=USERS)).stdout.strip().splitlines()[-1]
        )
        log_dir = Path(tempfile.gettempdir())
        socket_servers = [
            _server(env, log_dir / f"bench_ws_{mode}_{i}.log")
            for i in range(1 if mode == "embedded" else socket_processes)
        ]
        server = socket_servers[0]
        # With Redis the ticks enter through a second process, as in production (the price
        # worker or an API process publishes; the socket processes fan out). Embedded is one
        # process by definition.
        tick_server = server if mode == "embedded" else _server(env, log_dir / f"bench_ws_{mode}_api.log")
        clients_procs: list[subprocess.Popen] = []
        try:
            origin = None  # token sockets from a script send none (each server is its own origin)
            tick_base = f"http://127.0.0.1:{tick_server.port}"
            urls = [
                f"ws://127.0.0.1:{socket_servers[i % len(socket_servers)].port}/ws/trading/"
                f"?token={keys['users'][i % len(keys['users'])]}"
                for i in range(clients)
            ]
            _warm_up(tick_base, keys["staff"])
            began = time.monotonic()
            clients_procs = _start_clients(urls, origin, client_processes)
            connected = 0
            for proc in clients_procs:
                line = proc.stdout.readline().split()
                if not line or line[0] != "READY":
                    raise CommandError("a client process failed to start")
                connected += int(line[1])
            connect_seconds = time.monotonic() - began
            pids = [s.proc.pid for s in socket_servers]
            client_pids = [p.pid for p in clients_procs]
            others = [tick_server.proc.pid] if tick_server is not server else []
            cpu_before, wall_before = sum(map(cpu_seconds, pids)), time.monotonic()
            client_cpu_before = sum(map(cpu_seconds, client_pids))
            other_cpu_before = sum(map(cpu_seconds, others))
            sent, posts = _drive(tick_base, keys["staff"], seconds, rate, progress, stagger)
            time.sleep(2.0)  # stragglers
            server_cpu = sum(map(cpu_seconds, pids)) - cpu_before
            client_cpu = sum(map(cpu_seconds, client_pids)) - client_cpu_before
            tick_cpu = sum(map(cpu_seconds, others)) - other_cpu_before
            wall = time.monotonic() - wall_before
            latencies: list[float] = []
            delivered = dropped = 0
            errors: list[str] = []
            heard: set[str] = set()
            for proc in clients_procs:
                out, _ = proc.communicate("STOP\n", timeout=120)
                result = json.loads(out.strip().splitlines()[-1])
                dropped += result["dropped"]
                errors += result["errors"]
                for key, arrivals in result["arrivals"].items():
                    if key in sent:
                        heard.add(key)
                        delivered += len(arrivals)
                        latencies += [t - sent[key] for t in arrivals]
        finally:
            for proc in clients_procs:
                if proc.poll() is None:
                    proc.kill()
            for socket_server in socket_servers:
                socket_server.stop()
            if tick_server is not server:
                tick_server.stop()
            if mode != "embedded":
                _manage(env, "shell", "-c", CLEANUP)
    expected = len(sent) * connected
    limited = _rate_limited(sent)
    allowed = (len(sent) - len(limited)) * connected
    ordered = sorted(latencies) or [float("nan")]
    return {
        "clients": clients,
        "connected": connected,
        "connect_s": round(connect_seconds, 2),
        "ticks_sent": len(sent),
        "messages_expected": expected,
        "messages_delivered": delivered,
        "delivered_pct": round(100 * delivered / expected, 3) if expected else 0.0,
        "ticks_nobody_heard": len(set(sent) - heard),
        "ticks_rate_limited": len(limited),
        "unheard_example": " ".join(sorted(set(sent) - heard)[:4]) or "none",
        "delivered_pct_of_allowed": round(100 * delivered / allowed, 3) if allowed else 0.0,
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(percentile(ordered, 0.99) * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "tick_post_p50_ms": round(statistics.median(sorted(posts)) * 1000, 1),
        "tick_post_max_ms": round(max(posts) * 1000, 1),
        "drive_s": round(wall - 2.0, 1),
        "socket_processes": len(socket_servers),
        "tick_processes": 0 if tick_server is server else 1,
        "socket_server_cpu_pct": round(100 * server_cpu / wall, 1),
        "socket_server_cpu_us_per_message": round(1e6 * server_cpu / max(delivered, 1), 1),
        "client_processes_cpu_pct": round(100 * client_cpu / wall, 1),
        "tick_process_cpu_pct": round(100 * tick_cpu / wall, 1),
        "sockets_dropped": dropped,
        "first_error": errors[0] if errors else "none",
    }


def run(
    *,
    modes=MODES,
    clients=500,
    embedded_clients=200,
    seconds=60.0,
    rate=10,
    client_processes=2,
    socket_processes=1,
    stagger=True,
    progress=None,
) -> dict:
    figures: dict = {
        "symbols": ",".join(SYMBOLS),
        "ticks_per_s_per_symbol": rate,
        "symbols_tick": "staggered" if stagger else "together",
        "seconds": seconds,
    }
    for mode in modes:
        n = embedded_clients if mode == "embedded" else clients
        if progress:
            sys.stderr.write(f"\n{mode}: {n} clients\n")
        result = run_mode(
            mode,
            clients=n,
            seconds=seconds,
            rate=rate,
            client_processes=client_processes,
            socket_processes=socket_processes,
            stagger=stagger,
            progress=progress,
        )
        figures.update({f"{mode}.{key}": value for key, value in result.items()})
    return figures
