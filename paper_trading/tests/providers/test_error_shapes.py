"""The error shapes every provider we call over HTTP ourselves shares, each against the loopback
server: HTTP 429 with Retry-After, 5xx, malformed JSON, a timeout, a refused connection, an
uncovered symbol or interval. One HTTP attempt per call: retries are the aggregator's.

Yahoo goes through yfinance, whose hosts are fixed and which repeats a request answered >= 400
once; its error shapes are in test_yahoo.py, through yfinance's `session=`."""

import time
from dataclasses import dataclass

import pytest

from paper_trading.providers.alphavantage import AlphaVantageProvider
from paper_trading.providers.base import BadPayload, NotCovered, RateLimited, Unavailable
from paper_trading.providers.binance import BinanceProvider
from paper_trading.providers.finnhub import FinnhubProvider
from paper_trading.providers.twelvedata import TwelveDataProvider

from .conftest import assert_unmapped_symbols_not_covered, configured


@dataclass(frozen=True)
class Case:
    cls: type
    url_setting: str
    key_setting: str | None
    prefix: str  # the path the base URL carries (Finnhub's /api/v1)
    quote_path: str
    symbol: str

    def __str__(self):
        return self.cls.name


CASES = [
    Case(TwelveDataProvider, "TWELVE_DATA_BASE_URL", "TWELVE_DATA_API_KEY", "", "/quote", "EURUSD"),
    Case(FinnhubProvider, "FINNHUB_BASE_URL", "FINNHUB_API_KEY", "/api/v1", "/api/v1/quote", "EURUSD"),
    Case(AlphaVantageProvider, "ALPHA_VANTAGE_BASE_URL", "ALPHA_VANTAGE_API_KEY", "", "/query", "EURUSD"),
    Case(BinanceProvider, "BINANCE_BASE_URL", None, "", "/api/v3/ticker/bookTicker", "BTCUSD"),
]


@pytest.fixture(params=CASES, ids=str)
def case(request):
    return request.param


@pytest.fixture
def provider(case, server, settings):
    return configured(settings, case.cls, case.url_setting, server.url + case.prefix, case.key_setting)


def test_http_429_is_rate_limited_with_retry_after(case, server, provider):
    server.route(case.quote_path, status=429, json_body={"error": "slow down"}, headers={"Retry-After": "7"})

    with pytest.raises(RateLimited) as caught:
        provider.quote(case.symbol)

    assert caught.value.retry_after == 7.0
    assert caught.value.provider == case.cls.name
    assert len(server.hits(case.quote_path)) == 1


def test_http_429_without_retry_after_has_none(case, server, provider):
    server.route(
        case.quote_path, status=429, body="Too Many Requests", headers={"Content-Type": "text/plain"}
    )

    with pytest.raises(RateLimited) as caught:
        provider.quote(case.symbol)

    assert caught.value.retry_after is None


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_is_unavailable_after_one_attempt(case, server, provider, status):
    server.route(case.quote_path, status=status, body="<html>upstream error</html>")

    with pytest.raises(Unavailable, match=str(status)) as caught:
        provider.quote(case.symbol)

    assert caught.value.retryable is True
    assert len(server.hits(case.quote_path)) == 1


@pytest.mark.parametrize("body", ['{"price": "1.07', "<html><body>Bad gateway</body></html>", ""])
def test_malformed_json_is_bad_payload(case, server, provider, body):
    server.route(case.quote_path, body=body)

    with pytest.raises(BadPayload, match="malformed JSON"):
        provider.quote(case.symbol)

    assert len(server.hits(case.quote_path)) == 1


def test_nan_in_json_is_bad_payload(case, server, provider):
    server.route(case.quote_path, body='{"c": NaN, "price": NaN, "bidPrice": NaN}')

    with pytest.raises(BadPayload):
        provider.quote(case.symbol)


def test_a_slow_answer_times_out_as_unavailable(case, server, provider, settings):
    settings.PROVIDER_TIMEOUT = 0.2
    server.route(case.quote_path, json_body={}, delay=3.0)

    started = time.monotonic()
    with pytest.raises(Unavailable, match="no answer within 0.2s"):
        provider.quote(case.symbol)

    assert time.monotonic() - started < 2.0
    assert len(server.hits(case.quote_path)) == 1


def test_a_refused_connection_is_unavailable(case, settings, dead_url):
    provider = configured(settings, case.cls, case.url_setting, dead_url + case.prefix, case.key_setting)

    with pytest.raises(Unavailable, match="connection failed"):
        provider.quote(case.symbol)


def test_a_symbol_outside_its_map_is_not_covered_without_a_request(case, server, provider):
    assert_unmapped_symbols_not_covered(provider)

    assert server.requests == []


@pytest.mark.parametrize("interval", ["2h", "1M", "", "1H"])
def test_an_interval_outside_the_contract_is_not_covered_without_a_request(case, server, provider, interval):
    with pytest.raises(NotCovered):
        provider.bars(case.symbol, interval, 10)

    assert server.requests == []


def test_the_base_url_and_timeout_are_read_at_call_time(case, server, settings):
    provider = case.cls()  # built before the settings point at the server
    setattr(settings, case.url_setting, server.url + case.prefix)
    if case.key_setting:
        setattr(settings, case.key_setting, "test-key")
    server.route(case.quote_path, status=503)

    with pytest.raises(Unavailable):
        provider.quote(case.symbol)

    assert len(server.hits(case.quote_path)) == 1
