"""Management commands and the simulated feed behind the run command."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

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
