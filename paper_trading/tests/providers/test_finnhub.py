"""Finnhub against the loopback server with its recorded payloads."""

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

from paper_trading.domain.bars import Bar
from paper_trading.providers.base import BadPayload, NotCovered, RateLimited
from paper_trading.providers.finnhub import FinnhubProvider

from .conftest import assert_quote, configured

KEY = "fh-test-key"


@pytest.fixture
def provider(server, settings):
    return configured(
        settings, FinnhubProvider, "FINNHUB_BASE_URL", server.url + "/api/v1", "FINNHUB_API_KEY", KEY
    )


def test_quote_is_c_with_the_default_spread_at_t(server, provider):
    server.route("/api/v1/quote", payload_file="finnhub/quote_eurusd.json")

    quote = provider.quote("EURUSD")

    when = datetime(2024, 6, 14, 15, 59, tzinfo=UTC)
    assert_quote(quote, "EURUSD", D("1.07007"), D("1.07017"), when, "finnhub")
    assert server.last.query == {"symbol": "OANDA:EUR_USD"}


def test_the_key_travels_in_the_token_header_not_the_url(server, provider):
    server.route("/api/v1/quote", payload_file="finnhub/quote_eurusd.json")

    provider.quote("EURUSD")

    assert server.last.headers["x-finnhub-token"] == KEY
    assert "token" not in server.last.query


def test_gold_is_oanda_spot_xau_usd(server, provider):
    server.route("/api/v1/quote", payload_file="finnhub/quote_xauusd.json")

    quote = provider.quote("XAUUSD")

    assert server.last.query["symbol"] == "OANDA:XAU_USD"
    assert (quote.bid, quote.ask, quote.source) == (D("2331.34"), D("2331.64"), "finnhub")


def test_all_zero_quote_is_not_covered(server, provider):
    server.route("/api/v1/quote", payload_file="finnhub/quote_uncovered.json")

    with pytest.raises(NotCovered, match="c: 0"):
        provider.quote("EURGBP")
    assert server.last.query["symbol"] == "OANDA:EUR_GBP"


def test_forex_candles_come_oldest_first_with_exact_decimals(server, provider):
    server.route("/api/v1/forex/candle", payload_file="finnhub/forex_candle_eurusd_60.json")

    bars = provider.bars("EURUSD", "1h", 4)

    assert len(bars) == 4
    assert bars[0] == Bar(
        datetime(2024, 6, 14, 12, tzinfo=UTC), D("1.06990"), D("1.07005"), D("1.06902"), D("1.06921"), D(4021)
    )
    assert bars[-1] == Bar(
        datetime(2024, 6, 14, 15, tzinfo=UTC), D("1.07040"), D("1.07066"), D("1.06990"), D("1.07012"), D(3877)
    )
    query = server.last.query
    assert (query["symbol"], query["resolution"]) == ("OANDA:EUR_USD", "60")
    assert int(query["from"]) < int(query["to"])


def test_crypto_candles_use_the_crypto_endpoint_and_coinbase_usd(server, provider):
    server.route("/api/v1/crypto/candle", payload_file="finnhub/crypto_candle_btcusd_d.json")

    bars = provider.bars("BTCUSD", "1d", 3)

    assert server.last.query["symbol"] == "COINBASE:BTC-USD"
    assert server.last.query["resolution"] == "D"
    assert [b.time for b in bars] == [datetime(2024, 6, d, tzinfo=UTC) for d in (12, 13, 14)]
    assert (bars[0].open, bars[-1].close, bars[-1].volume) == (D("67328.00"), D("66012.35"), D("13907.05"))


def test_no_data_candles_are_not_covered(server, provider):
    server.route("/api/v1/forex/candle", payload_file="finnhub/no_data.json")

    with pytest.raises(NotCovered, match="no 1d candles"):
        provider.bars("EURUSD", "1d", 10)


def test_4h_is_not_a_finnhub_resolution(server, provider):
    with pytest.raises(NotCovered, match="4h"):
        provider.bars("EURUSD", "4h", 10)
    assert server.requests == []


def test_limit_body_with_429_is_rate_limited(server, provider):
    server.route("/api/v1/quote", status=429, payload_file="finnhub/error_429.json")

    with pytest.raises(RateLimited):
        provider.quote("EURUSD")


def test_403_no_access_is_not_covered(server, provider):
    server.route("/api/v1/forex/candle", status=403, payload_file="finnhub/error_403.json")

    with pytest.raises(NotCovered, match="access"):
        provider.bars("EURUSD", "1h", 10)


def test_401_bad_key_is_bad_payload(server, provider):
    server.route("/api/v1/quote", status=401, json_body={"error": "Invalid API key"})

    with pytest.raises(BadPayload, match="401"):
        provider.quote("EURUSD")
