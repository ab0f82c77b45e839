"""Management commands and the simulated feed behind the run command."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection

from paper_trading.models import Account, PaperTrade
from paper_trading.providers.sim import SimFeed


@pytest.mark.django_db
def test_ensure_demo_creates_user_and_account_once_and_prints_password_once():
    first, second = StringIO(), StringIO()
    call_command("ensure_demo", stdout=first)
    call_command("ensure_demo", stdout=second)
    assert "password:" in first.getvalue()
    assert "password:" not in second.getvalue()
    user = get_user_model().objects.get(username="demo")
    password = first.getvalue().split("password:")[1].split()[0]
    assert user.check_password(password)
    assert Account.objects.filter(user=user, is_default=True).count() == 1


def _path(seed):
    feed = SimFeed(["EURUSD", "XAUUSD", "BTCUSD"], seed=seed)
    start = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # a Monday
    return [(q.symbol, q.bid, q.ask) for i in range(50) for q in feed.step(start + timedelta(seconds=i))]


def test_sim_feed_is_deterministic_per_seed_and_differs_between_seeds():
    assert _path(7) == _path(7)
    assert _path(7) != _path(8)


def test_sim_feed_quotes_carry_the_default_spread():
    feed = SimFeed(["EURUSD"], seed=1)
    quote = feed.step(datetime(2025, 3, 3, 9, 0, tzinfo=UTC))[0]
    # EURUSD default spread 1.0 pip: mid -/+ 0.00005, both rounded to 5 digits, 0.00010 apart.
    assert quote.ask - quote.bid == Decimal("0.00010")
    assert quote.source == "sim"


def test_sim_feed_keeps_fx_still_at_the_weekend_but_moves_crypto():
    feed = SimFeed(["EURUSD", "BTCUSD"], seed=3)
    saturday = datetime(2025, 3, 8, 12, 0, tzinfo=UTC)
    first = {q.symbol: q for q in feed.step(saturday)}
    assert set(first) == {"EURUSD", "BTCUSD"}  # a closed market still shows its last price
    later = {q.symbol: q for q in feed.step(saturday + timedelta(minutes=5))}
    assert set(later) == {"BTCUSD"}
    # Friday 17:00 New York (22:00 UTC in winter) closes FX; Sunday 17:00 opens it again.
    feed = SimFeed(["EURUSD"], seed=3)
    feed.step(datetime(2025, 3, 7, 21, 59, tzinfo=UTC))
    assert feed.step(datetime(2025, 3, 7, 22, 0, tzinfo=UTC)) == []
    assert len(feed.step(datetime(2025, 3, 9, 21, 0, tzinfo=UTC))) == 1  # 17:00 EDT from 9 March


@pytest.mark.django_db(transaction=True)
def test_in_process_api_benchmark_places_checked_orders_and_reports_cpu():
    out = StringIO()
    call_command(
        "benchmark",
        "api",
        "--in-process",
        "--clients",
        "2",
        "--orders",
        "6",
        "--warmup",
        "1",
        "--json",
        stdout=out,
    )
    figures = json.loads(out.getvalue().strip().splitlines()[-1])

    assert (figures["orders"], figures["wrong_answers"]) == (6, 0)
    assert figures["process_cpu_ms_per_order"] > 0
    assert PaperTrade.objects.count() == 0  # its users and their trades are gone afterwards


def test_served_requests_are_not_formatted_into_twisteds_dropped_access_log():
    """`manage.py serve`'s daphne drops Twisted's log; the HTTP factory must not format a line
    for it per request once listening (it opens its default log file when it starts)."""
    from daphne.http_protocol import HTTPFactory

    from paper_trading.management.commands.serve import _server_class

    server = _server_class()(application=None, endpoints=["tcp:port=0:interface=127.0.0.1"])
    server.http_factory = factory = HTTPFactory(server)
    factory.startFactory()
    formatted = []
    factory._logFormatter = lambda timestamp, request: formatted.append(request) or ""
    factory.log("a request")
    assert formatted == ["a request"]  # Twisted's default: every request formatted

    server.listen_success(port=None)
    factory.log("another request")

    assert formatted == ["a request"]
    factory.stopFactory()


def benchmark_on_a_fresh_database(*args: str) -> dict:
    """`manage.py benchmark ARGS --json` in a subprocess on a new PostgreSQL database: its figures."""
    import psycopg

    from paper_trading.loopback import ROOT, free_port

    s = connection.settings_dict
    server = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
    name = f"bench_fresh_{os.getpid()}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        env = {
            **os.environ,
            "DATABASE_URL": f"{server}/{name}",
            "BENCH_BASE_PORT": str(free_port()),
            "CACHE_KEY_PREFIX": name,  # not the shared Redis keys of a running server
        }
        result = subprocess.run(
            [sys.executable, "manage.py", "benchmark", *args, "--json"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        return json.loads(result.stdout.strip().splitlines()[-1])
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def served_benchmark(test):
    """A benchmark against served processes: PostgreSQL for the fresh database, Redis between them."""
    test = pytest.mark.postgres(test)
    test = pytest.mark.skipif(connection.vendor != "postgresql", reason="creates a PostgreSQL database")(test)
    return pytest.mark.skipif(not settings.REDIS_URL, reason="the servers share quotes through Redis")(test)


@served_benchmark
def test_api_benchmark_migrates_a_fresh_postgres_database_first():
    figures = benchmark_on_a_fresh_database(
        "api", "--servers", "1", "--clients", "1", "--orders", "1", "--warmup", "0"
    )
    assert figures["orders"] == 1


@served_benchmark
def test_signals_benchmark_checks_every_alert_and_hears_each_trade_on_the_socket():
    figures = benchmark_on_a_fresh_database("signals", "--clients", "2", "--alerts", "4")
    assert (figures["orders"], figures["alerts"]) == (4, 4)
    assert (figures["order_failures"], figures["alert_failures"]) == (0, 0)
    assert figures["to_trade_execution_p99_ms"] > 0 and figures["alerts_per_order"] > 0
