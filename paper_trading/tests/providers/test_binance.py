"""Binance public market data against the loopback server with its recorded payloads."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest

from paper_trading.domain.bars import Bar
from paper_trading.providers.base import NotCovered, RateLimited
from paper_trading.providers.binance import BinanceProvider


@pytest.fixture
def provider(server, settings):
    settings.BINANCE_BASE_URL = server.url
    return BinanceProvider()


def test_quote_is_the_real_best_bid_and_ask_of_the_usdt_book(server, provider):
    server.route("/api/v3/ticker/bookTicker", payload_file="binance/book_ticker_btcusdt.json")

    quote = provider.quote("BTCUSD")

    assert (quote.symbol, quote.bid, quote.ask) == ("BTCUSD", D("66012.34"), D("66012.35"))
    assert quote.source == "binance:BTCUSDT (USDT for USD)"
    assert quote.time.tzinfo is UTC
    assert abs(datetime.now(UTC) - quote.time) < timedelta(seconds=5)  # bookTicker has no time
    assert server.last.query == {"symbol": "BTCUSDT"}


def test_ether_is_ethusdt(server, provider):
    server.route("/api/v3/ticker/bookTicker", payload_file="binance/book_ticker_btcusdt.json")

    provider.quote("ETHUSD")

    assert server.last.query["symbol"] == "ETHUSDT"


def test_it_needs_no_key_and_sends_none(server, provider):
    server.route("/api/v3/ticker/bookTicker", payload_file="binance/book_ticker_btcusdt.json")

    provider.quote("BTCUSD")

    assert provider.configured is True
    assert "x-mbx-apikey" not in server.last.headers


def test_klines_come_oldest_first_with_exact_decimals(server, provider):
    server.route("/api/v3/klines", payload_file="binance/klines_btcusdt_1h.json")

    bars = provider.bars("BTCUSD", "1h", 3)

    assert len(bars) == 3
    assert bars[0] == Bar(
        datetime(2024, 6, 14, 13, tzinfo=UTC),
        D("66420.01"),
        D("66655.00"),
        D("66310.50"),
        D("66512.88"),
        D("812.44311000"),
    )
    assert bars[-1] == Bar(
        datetime(2024, 6, 14, 15, tzinfo=UTC),
        D("66104.71"),
        D("66180.00"),
        D("65875.10"),
        D("66012.35"),
        D("954.10077000"),
    )
    assert server.last.query == {"symbol": "BTCUSDT", "interval": "1h", "limit": "3"}


def test_limit_is_capped_at_binance_maximum(server, provider):
    server.route("/api/v3/klines", payload_file="binance/klines_btcusdt_1h.json")

    provider.bars("BTCUSD", "4h", 5000)

    assert server.last.query["limit"] == "1000"
    assert server.last.query["interval"] == "4h"


def test_fx_and_metals_are_not_covered(server, provider):
    for symbol in ("EURUSD", "XAUUSD"):
        with pytest.raises(NotCovered):
            provider.quote(symbol)
    assert server.requests == []


def test_invalid_symbol_body_is_not_covered(server, provider):
    server.route("/api/v3/ticker/bookTicker", status=400, payload_file="binance/error_invalid_symbol.json")

    with pytest.raises(NotCovered, match="Invalid symbol"):
        provider.quote("BTCUSD")


def test_weight_limit_429_is_rate_limited_with_retry_after(server, provider):
    server.route(
        "/api/v3/klines", status=429, payload_file="binance/error_429.json", headers={"Retry-After": "31"}
    )

    with pytest.raises(RateLimited) as caught:
        provider.bars("BTCUSD", "1m", 10)
    assert caught.value.retry_after == 31.0


def test_418_ip_ban_is_rate_limited_with_retry_after(server, provider):
    server.route(
        "/api/v3/ticker/bookTicker",
        status=418,
        json_body={"code": -1003, "msg": "Way too much request weight used; IP banned until 1718381400000."},
        headers={"Retry-After": "600"},
    )

    with pytest.raises(RateLimited) as caught:
        provider.quote("BTCUSD")
    assert caught.value.retry_after == 600.0
