"""The sim starts with history (docs/market-data.md, Sim history): stored at start-up for every
symbol without stored bars, served by `price/ohlc/` on every interval, continued by the worker."""

import os
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.conf import settings as django_settings

from paper_trading.bars import SIM_HISTORY_SOURCE, backfill_history, upsert_bars
from paper_trading.domain.bars import INTERVALS, Bar
from paper_trading.domain.instruments import REGISTRY
from paper_trading.models import PriceCache
from paper_trading.worker import IdleFeed, PriceWorker, SimulatedFeed, sim_symbols

pytestmark = pytest.mark.django_db
D = Decimal
URL = "/api/paper-trading/price/ohlc/"
TUESDAY = datetime(2026, 3, 10, 10, 30, 20, tzinfo=UTC)


def test_the_sim_quotes_every_symbol_of_the_registry_by_default(settings):
    settings.SIM_PAIRS = []
    assert sim_symbols() == list(REGISTRY)
    assert len(sim_symbols()) == 14  # the contract's instrument table
    settings.SIM_PAIRS = ["eurusd", "BTCUSD"]
    assert sim_symbols() == ["EURUSD", "BTCUSD"]


def test_starting_the_sim_stores_history_on_every_interval_and_ohlc_serves_it(settings, api):
    """`make_feed("sim")` builds this feed; the progress callback replaces its printed lines."""
    settings.SIM_HISTORY_BARS = 40
    printed = []

    SimulatedFeed(["EURUSD", "ETHUSD"], seed=42, progress=lambda s, n: printed.append((s, n)))

    assert printed == [("EURUSD", 320), ("ETHUSD", 320)]  # 40 bars x 8 intervals each
    for interval in INTERVALS:
        response = api.get(URL, {"symbol": "ETHUSD", "interval": interval, "limit": 5000})
        assert response.status_code == 200
        body = response.json()
        assert len(body["data"]) == 40, interval
        assert body["source"] == SIM_HISTORY_SOURCE
        assert all(D(bar["volume"]) >= 1 for bar in body["data"])
    # ETHUSD's start_price (instruments.toml) is where the history ends and the live sim begins.
    last = api.get(URL, {"symbol": "ETHUSD", "interval": "1m", "limit": 1}).json()["data"][-1]
    assert last["close"] == "3000.00"


def test_a_second_start_writes_nothing_and_stored_bars_are_never_mixed_with_made_up_ones(settings):
    upsert_bars("XAUUSD", "1h", [Bar(TUESDAY, D("2010"), D("2011"), D("2009"), D("2010.5"))], "import")

    first = backfill_history(["EURUSD", "XAUUSD"], end=TUESDAY, count=10, seed=42)
    again = backfill_history(["EURUSD", "XAUUSD"], end=TUESDAY, count=10, seed=42)

    assert first == {"EURUSD": 80, "XAUUSD": 0}  # XAUUSD had imported bars: left alone
    assert again == {"EURUSD": 0, "XAUUSD": 0}
    assert PriceCache.objects.filter(symbol="XAUUSD").count() == 1
    assert PriceCache.objects.filter(symbol="EURUSD").count() == 80


def test_the_default_is_five_thousand_bars_on_each_interval(api):
    backfill_history(["BTCUSD"], end=TUESDAY, count=5000, seed=42)
    for interval in ("1m", "4h", "1w"):
        data = api.get(URL, {"symbol": "BTCUSD", "interval": interval, "limit": 5000}).json()["data"]
        assert len(data) == 5000, interval


def test_a_closed_minute_reaches_the_coarser_stored_intervals():
    # The forming 10:00 hour and 4h bucket 08:00 as the backfill left them.
    hour = Bar(
        datetime(2026, 3, 10, 10, 0, tzinfo=UTC),
        D("1.10000"),
        D("1.10040"),
        D("1.09990"),
        D("1.10020"),
        D(1200),
    )
    four = Bar(
        datetime(2026, 3, 10, 8, 0, tzinfo=UTC),
        D("1.09900"),
        D("1.10040"),
        D("1.09850"),
        D("1.10020"),
        D(9000),
    )
    upsert_bars("EURUSD", "1h", [hour], "sim")
    upsert_bars("EURUSD", "4h", [four], "sim")
    minute = Bar(
        datetime(2026, 3, 10, 10, 31, tzinfo=UTC),
        D("1.10020"),
        D("1.10070"),
        D("1.10010"),
        D("1.10060"),
        D(55),
    )
    worker = PriceWorker(["EURUSD"], feed=IdleFeed(), interval=0.01)

    worker.store_bar("EURUSD", minute, "sim")

    h = PriceCache.objects.get(symbol="EURUSD", interval="1h", time=hour.time)
    # open kept, high max(1.10040, 1.10070), low min(1.09990, 1.10010), close the minute's, 1200 + 55.
    assert (h.open, h.high, h.low, h.close, h.volume) == (
        D("1.10000"),
        D("1.10070"),
        D("1.09990"),
        D("1.10060"),
        D(1255),
    )
    f = PriceCache.objects.get(symbol="EURUSD", interval="4h", time=four.time)
    assert (f.high, f.low, f.close, f.volume) == (D("1.10070"), D("1.09850"), D("1.10060"), D(9055))
    # Intervals with no rows of their own (5m, 15m, ...) roll up from 1m when read: none written.
    assert not PriceCache.objects.filter(symbol="EURUSD", interval="5m").exists()
    assert PriceCache.objects.get(symbol="EURUSD", interval="1m", time=minute.time).close == D("1.10060")
    # The first minute of the next hour opens that hour's row with its own figures.
    eleven = Bar(
        datetime(2026, 3, 10, 11, 0, tzinfo=UTC),
        D("1.10060"),
        D("1.10080"),
        D("1.10050"),
        D("1.10070"),
        D(58),
    )
    worker.store_bar("EURUSD", eleven, "sim")
    new_hour = PriceCache.objects.get(symbol="EURUSD", interval="1h", time=eleven.time)
    assert (new_hour.open, new_hour.high, new_hour.low, new_hour.close, new_hour.volume) == (
        D("1.10060"),
        D("1.10080"),
        D("1.10050"),
        D("1.10070"),
        D(58),
    )
    assert PriceCache.objects.get(symbol="EURUSD", interval="4h", time=four.time).volume == D(
        9113
    )  # 9055 + 58


@pytest.mark.django_db(transaction=True)
def test_the_worker_command_says_how_much_history_it_stored(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path}/w.sqlite3",
        "REDIS_URL": "",
        "SIM_HISTORY_BARS": "20",
        "SIM_PAIRS": "EURUSD,BTCUSD",
    }
    manage = [sys.executable, "manage.py"]
    root = django_settings.BASE_DIR
    subprocess.run([*manage, "migrate", "-v", "0"], cwd=root, env=env, check=True, timeout=120)
    result = subprocess.run(
        [
            *manage,
            "run_price_worker",
            "--feed",
            "sim",
            "--cycles",
            "1",
            "--interval",
            "0.01",
            "--no-broadcast",
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "sim history: EURUSD 160 bars (1/2)" in result.stdout
    assert "sim history: BTCUSD 160 bars (2/2)" in result.stdout
