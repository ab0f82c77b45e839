"""`--feed sim` resumes each symbol from its last known price (the shared cache, then the last
stored bar) instead of the seed's start price, so a restart does not jump the market
(docs/market-data.md)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from paper_trading.bars import upsert_bars
from paper_trading.domain.bars import Bar
from paper_trading.domain.quotes import Quote
from paper_trading.market import publish_quote
from paper_trading.worker import make_feed

pytestmark = pytest.mark.django_db
D = Decimal
MONDAY = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
# One second of the sim's FX path moves 0.08 x sqrt(1 / 31,557,600) = 0.0014 % per standard
# deviation: 0.17 pip at 1.17. Within 1 pip of the start is six deviations.
ONE_PIP = D("0.0001")


def first_quotes(symbols, now=MONDAY):
    return {quote.symbol: quote for quote, _ in make_feed("sim", symbols).quotes(symbols, now)}


def store_close(symbol, close, time=MONDAY - timedelta(minutes=1)):
    upsert_bars(symbol, "1m", [Bar(time, close, close, close, close, D(0))], "sim")


def test_the_sim_starts_from_the_last_stored_bar_not_the_seed_price():
    store_close("EURUSD", D("1.17230"))

    quote = first_quotes(["EURUSD"])["EURUSD"]

    assert abs(quote.mid - D("1.17230")) < ONE_PIP, quote  # not 1.08500, 874 pips away
    assert quote.ask - quote.bid == D("0.00010")  # the default 1-pip spread


def test_the_cached_quote_wins_over_the_stored_bar():
    store_close("EURUSD", D("1.17230"))
    publish_quote(Quote("EURUSD", D("1.16990"), D("1.17000"), MONDAY, "sim"))  # mid 1.169950

    quote = first_quotes(["EURUSD"])["EURUSD"]

    assert abs(quote.mid - D("1.16995")) < ONE_PIP, quote


def test_the_latest_of_several_stored_bars_is_the_start():
    store_close("BTCUSD", D("59000.00"), MONDAY - timedelta(minutes=3))
    store_close("BTCUSD", D("61234.50"), MONDAY - timedelta(minutes=1))

    quote = first_quotes(["BTCUSD"])["BTCUSD"]

    # Crypto moves 0.60 x sqrt(1 / 31,557,600) = 0.011 % (6.5 dollars) per deviation in a second.
    assert abs(quote.mid - D("61234.50")) < 50, quote


def test_a_symbol_with_nothing_known_starts_at_the_sim_price():
    store_close("EURUSD", D("1.17230"))

    quotes = first_quotes(["EURUSD", "XAUUSD"])

    # Gold moves 0.16 x sqrt(1 / 31,557,600) x 2000 = 0.06 per deviation in a second.
    assert abs(quotes["XAUUSD"].mid - D("2000.00")) < 1, quotes["XAUUSD"]


def test_the_resumed_path_is_deterministic_for_a_seed_and_start():
    store_close("EURUSD", D("1.17230"))

    def path():
        feed = make_feed("sim", ["EURUSD"])
        return [
            (q.bid, q.ask)
            for i in range(20)
            for q, _ in feed.quotes(["EURUSD"], MONDAY + timedelta(seconds=i))
        ]

    assert path() == path()
