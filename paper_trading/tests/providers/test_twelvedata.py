"""Twelve Data against the loopback server with its recorded payloads."""

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

from paper_trading.domain.bars import Bar
from paper_trading.providers.base import BadPayload, NotCovered, RateLimited
from paper_trading.providers.twelvedata import TwelveDataProvider

from .conftest import assert_quote, configured

KEY = "td-test-key"


@pytest.fixture
def provider(server, settings):
    return configured(
        settings, TwelveDataProvider, "TWELVE_DATA_BASE_URL", server.url, "TWELVE_DATA_API_KEY", KEY
    )


def test_quote_is_the_close_with_the_default_spread_at_last_quote_at(server, provider):
    server.route("/quote", payload_file="twelvedata/quote_eurusd.json")

    quote = provider.quote("EURUSD")

    # 1.07012 -/+ 0.5 pip (EURUSD default spread 1.0 pip)
    when = datetime(2024, 6, 14, 15, 59, tzinfo=UTC)
    assert_quote(quote, "EURUSD", D("1.07007"), D("1.07017"), when, "twelvedata")
    assert server.last.path == "/quote"
    assert server.last.query["symbol"] == "EUR/USD"


def test_the_key_travels_in_the_authorization_header_not_the_url(server, provider):
    server.route("/quote", payload_file="twelvedata/quote_eurusd.json")

    provider.quote("EURUSD")

    assert server.last.headers["authorization"] == f"apikey {KEY}"
    assert "apikey" not in server.last.query


def test_gold_is_spot_xau_usd_with_its_three_pip_spread(server, provider):
    server.route("/quote", payload_file="twelvedata/quote_xauusd.json")

    quote = provider.quote("XAUUSD")

    assert server.last.query["symbol"] == "XAU/USD"
    assert (quote.bid, quote.ask, quote.source) == (D("2331.34"), D("2331.64"), "twelvedata")


def test_last_price_reads_the_price_endpoint(server, provider):
    server.route("/price", payload_file="twelvedata/price_eurusd.json")

    assert provider.last_price("eur/usd") == D("1.07015")
    assert server.last.query["symbol"] == "EUR/USD"


def test_bars_come_oldest_first_with_exact_decimals(server, provider):
    server.route("/time_series", payload_file="twelvedata/time_series_eurusd_1h.json")

    bars = provider.bars("EURUSD", "1h", 4)

    assert len(bars) == 4
    assert [b.time.hour for b in bars] == [12, 13, 14, 15]
    assert bars[0] == Bar(
        datetime(2024, 6, 14, 12, tzinfo=UTC), D("1.06990"), D("1.07005"), D("1.06902"), D("1.06921")
    )
    assert bars[-1] == Bar(
        datetime(2024, 6, 14, 15, tzinfo=UTC), D("1.07040"), D("1.07066"), D("1.06990"), D("1.07012")
    )
    assert server.last.query == {"symbol": "EUR/USD", "interval": "1h", "outputsize": "4", "timezone": "UTC"}


def test_bars_keep_only_the_latest_limit(server, provider):
    server.route("/time_series", payload_file="twelvedata/time_series_eurusd_1h.json")

    bars = provider.bars("EURUSD", "1h", 2)

    assert [b.time.hour for b in bars] == [14, 15]
    assert server.last.query["outputsize"] == "2"


@pytest.mark.parametrize(
    ("interval", "code"), [("1m", "1min"), ("4h", "4h"), ("1d", "1day"), ("1w", "1week")]
)
def test_intervals_use_twelve_data_codes(server, provider, interval, code):
    server.route("/time_series", payload_file="twelvedata/time_series_eurusd_1h.json")

    provider.bars("EURUSD", interval, 4)

    assert server.last.query["interval"] == code


def test_credits_spent_body_is_rate_limited(server, provider):
    server.route("/quote", payload_file="twelvedata/error_429.json")  # HTTP 200, code 429

    with pytest.raises(RateLimited, match="run out of API credits"):
        provider.quote("EURUSD")
    assert len(server.hits("/quote")) == 1


def test_unknown_symbol_body_is_not_covered(server, provider):
    server.route("/time_series", payload_file="twelvedata/error_symbol_not_found.json")

    with pytest.raises(NotCovered, match="not found"):
        provider.bars("EURUSD", "1h", 10)


def test_refused_key_body_is_bad_payload(server, provider):
    server.route("/quote", payload_file="twelvedata/error_apikey.json")

    with pytest.raises(BadPayload, match="code 401"):
        provider.quote("EURUSD")


def test_without_a_key_it_is_not_configured_and_calls_nothing(server, settings):
    settings.TWELVE_DATA_BASE_URL = server.url
    provider = TwelveDataProvider()

    assert provider.configured is False
    with pytest.raises(NotCovered, match="no API key"):
        provider.quote("EURUSD")
    assert server.requests == []


def test_a_key_from_settings_makes_it_configured(settings):
    settings.TWELVE_DATA_API_KEY = "x"

    assert TwelveDataProvider().configured is True
