"""Alpha Vantage against the loopback server with its recorded payloads."""

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

from paper_trading.domain.bars import Bar
from paper_trading.providers.alphavantage import AlphaVantageProvider
from paper_trading.providers.base import NotCovered, RateLimited, Unavailable

from .conftest import assert_quote, configured

KEY = "av-test-key"
SETTINGS = {"url_setting": "ALPHA_VANTAGE_BASE_URL", "key_setting": "ALPHA_VANTAGE_API_KEY", "key": KEY}


@pytest.fixture
def provider(server, settings):
    return configured(settings, AlphaVantageProvider, **SETTINGS, url=server.url)


def test_quote_uses_the_real_bid_and_ask(server, provider):
    server.route("/query", payload_file="alphavantage/currency_exchange_rate_eurusd.json")

    quote = provider.quote("EURUSD")

    when = datetime(2024, 6, 14, 15, 59, 1, tzinfo=UTC)
    assert_quote(quote, "EURUSD", D("1.07010"), D("1.07015"), when, "alphavantage")
    assert server.last.query == {
        "function": "CURRENCY_EXCHANGE_RATE",
        "from_currency": "EUR",
        "to_currency": "USD",
        "apikey": KEY,
    }


def test_quote_without_a_spread_gets_the_default_spread(server, provider):
    server.route("/query", payload_file="alphavantage/currency_exchange_rate_usdjpy.json")  # bid == ask

    quote = provider.quote("USDJPY")

    # 157.362 -/+ 0.55 pip (USDJPY default spread 1.1 pips), rounded half-even to 3 digits
    assert (quote.bid, quote.ask) == (D("157.356"), D("157.368"))
    assert (server.last.query["from_currency"], server.last.query["to_currency"]) == ("USD", "JPY")


def test_intraday_bars_come_oldest_first_with_exact_decimals(server, provider):
    server.route("/query", payload_file="alphavantage/fx_intraday_eurusd_60min.json")

    bars = provider.bars("EURUSD", "1h", 4)

    assert len(bars) == 4
    assert bars[0] == Bar(
        datetime(2024, 6, 14, 12, tzinfo=UTC), D("1.06990"), D("1.07005"), D("1.06902"), D("1.06921")
    )
    assert bars[-1] == Bar(
        datetime(2024, 6, 14, 15, tzinfo=UTC), D("1.07040"), D("1.07066"), D("1.06990"), D("1.07012")
    )
    assert server.last.query == {
        "function": "FX_INTRADAY",
        "from_symbol": "EUR",
        "to_symbol": "USD",
        "interval": "60min",
        "outputsize": "compact",
        "apikey": KEY,
    }


def test_daily_bars_use_fx_daily(server, provider):
    server.route("/query", payload_file="alphavantage/fx_daily_eurusd.json")

    bars = provider.bars("EURUSD", "1d", 500)

    assert [b.time for b in bars] == [datetime(2024, 6, d, tzinfo=UTC) for d in (12, 13, 14)]
    assert (bars[0].open, bars[-1].close) == (D("1.07420"), D("1.07012"))
    assert server.last.query["function"] == "FX_DAILY"
    assert server.last.query["outputsize"] == "full"


@pytest.mark.parametrize("body", ["alphavantage/note.json", "alphavantage/information_rate_limit.json"])
def test_note_and_information_bodies_are_rate_limited(server, provider, body):
    server.route("/query", payload_file=body)

    with pytest.raises(RateLimited, match="Alpha Vantage|rate limit"):
        provider.quote("EURUSD")


def test_premium_endpoint_information_is_not_covered(server, provider):
    server.route("/query", payload_file="alphavantage/information_premium.json")

    with pytest.raises(NotCovered, match="premium endpoint"):
        provider.bars("EURUSD", "5m", 10)


def test_error_message_body_is_not_covered(server, provider):
    server.route("/query", payload_file="alphavantage/error_message.json")

    with pytest.raises(NotCovered, match="Invalid API call"):
        provider.quote("EURGBP")


@pytest.mark.parametrize(("symbol", "interval"), [("BTCUSD", "1d"), ("EURUSD", "4h"), ("EURUSD", "1w")])
def test_crypto_bars_4h_and_1w_are_not_covered(server, provider, symbol, interval):
    with pytest.raises(NotCovered):
        provider.bars(symbol, interval, 10)
    assert server.requests == []


def test_metals_are_not_mapped(server, provider):
    assert "XAUUSD" not in provider.symbol_map
    with pytest.raises(NotCovered):
        provider.quote("XAUUSD")
    assert server.requests == []


def test_errors_do_not_leak_the_key_in_the_query_string(settings, dead_url):
    provider = configured(settings, AlphaVantageProvider, **SETTINGS, url=dead_url)

    with pytest.raises(Unavailable) as caught:
        provider.quote("EURUSD")

    assert KEY not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
