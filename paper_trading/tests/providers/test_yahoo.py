"""Yahoo's v8 chart endpoint against the loopback server with recorded payloads."""

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

from paper_trading.domain.bars import Bar
from paper_trading.providers.base import NotCovered, RateLimited
from paper_trading.providers.yahoo import YahooProvider

CHART = "/v8/finance/chart/"


@pytest.fixture
def provider(server, settings):
    settings.YAHOO_BASE_URL = server.url
    return YahooProvider()


def test_quote_is_the_market_price_with_the_default_spread(server, provider):
    server.route(CHART + "EURUSD=X", payload_file="yahoo/chart_eurusd_quote.json")

    quote = provider.quote("EURUSD")

    assert (quote.symbol, quote.bid, quote.ask) == ("EURUSD", D("1.07005"), D("1.07015"))
    assert quote.time == datetime(2024, 6, 14, 15, 59, tzinfo=UTC)
    assert quote.source == "yahoo"
    assert server.last.path == CHART + "EURUSD=X"
    assert server.last.query == {"interval": "1d", "range": "1d"}


def test_it_needs_no_key_and_sends_a_browser_like_user_agent(server, provider):
    server.route(CHART + "EURUSD=X", payload_file="yahoo/chart_eurusd_quote.json")

    provider.quote("EURUSD")

    assert provider.configured is True
    assert server.last.headers["user-agent"].startswith("Mozilla/5.0")


def test_gold_is_the_futures_proxy_and_says_so(server, provider):
    server.route(CHART + "GC=F", payload_file="yahoo/chart_gc_f_quote.json")

    quote = provider.quote("XAUUSD")

    assert quote.source == "yahoo:GC=F (futures proxy)"
    assert (quote.bid, quote.ask) == (D("2348.25"), D("2348.55"))
    assert server.last.path == CHART + "GC=F"


def test_usdjpy_is_yahoos_jpy_x(server, provider):
    server.route(CHART + "JPY=X", payload_file="yahoo/chart_not_found.json", status=404)

    with pytest.raises(NotCovered):
        provider.quote("USDJPY")
    assert server.last.path == CHART + "JPY=X"


def test_hourly_bars_skip_gaps_and_label_the_forming_bar_by_its_hour(server, provider):
    server.route(CHART + "EURUSD=X", payload_file="yahoo/chart_eurusd_1h.json")

    bars = provider.bars("EURUSD", "1h", 10)

    assert len(bars) == 4  # the 11:00 row is all nulls
    assert [b.time.hour for b in bars] == [12, 13, 14, 15]  # the last row is stamped 15:59
    assert bars[0] == Bar(
        datetime(2024, 6, 14, 12, tzinfo=UTC), D("1.06990"), D("1.07005"), D("1.06902"), D("1.06921")
    )
    assert bars[-1] == Bar(
        datetime(2024, 6, 14, 15, tzinfo=UTC), D("1.07040"), D("1.07066"), D("1.06990"), D("1.07010")
    )
    query = server.last.query
    assert query["interval"] == "60m"
    assert int(query["period1"]) < int(query["period2"])


def test_daily_bars_are_labelled_with_the_trading_date(server, provider):
    server.route(CHART + "EURUSD=X", payload_file="yahoo/chart_eurusd_1d.json")  # stamped 23:00 UTC

    bars = provider.bars("EURUSD", "1d", 2)

    assert [b.time for b in bars] == [datetime(2024, 6, 13, tzinfo=UTC), datetime(2024, 6, 14, tzinfo=UTC)]
    assert (bars[0].open, bars[-1].close) == (D("1.08085"), D("1.07010"))
    assert server.last.query["interval"] == "1d"


def test_30m_bars_are_built_from_15m(server, provider):
    start = int(datetime(2024, 6, 14, 14, tzinfo=UTC).timestamp())
    server.route(
        CHART + "EURUSD=X",
        json_body={
            "chart": {
                "result": [
                    {
                        "meta": {"exchangeTimezoneName": "Europe/London", "dataGranularity": "15m"},
                        "timestamp": [start + i * 900 for i in range(4)],
                        "indicators": {
                            "quote": [
                                {
                                    "open": [1.0690, 1.0695, 1.0700, 1.0702],
                                    "high": [1.0696, 1.0701, 1.0706, 1.0707],
                                    "low": [1.0688, 1.0690, 1.0699, 1.0699],
                                    "close": [1.0695, 1.0700, 1.0702, 1.0701],
                                    "volume": [0, 0, 0, 0],
                                }
                            ]
                        },
                    }
                ],
                "error": None,
            }
        },
    )

    bars = provider.bars("EURUSD", "30m", 2)

    assert server.last.query["interval"] == "15m"
    assert bars == [
        Bar(datetime(2024, 6, 14, 14, tzinfo=UTC), D("1.06900"), D("1.07010"), D("1.06880"), D("1.07000")),
        Bar(
            datetime(2024, 6, 14, 14, 30, tzinfo=UTC), D("1.07000"), D("1.07070"), D("1.06990"), D("1.07010")
        ),
    ]


def test_unknown_symbol_404_is_not_covered(server, provider):
    server.route(CHART + "EURGBP=X", status=404, payload_file="yahoo/chart_not_found.json")

    with pytest.raises(NotCovered, match="No data found"):
        provider.bars("EURGBP", "1d", 10)


def test_4h_is_not_a_yahoo_interval(server, provider):
    with pytest.raises(NotCovered, match="4h"):
        provider.bars("EURUSD", "4h", 10)
    assert server.requests == []


def test_plain_text_429_is_rate_limited(server, provider):
    server.route(
        CHART + "EURUSD=X", status=429, body="Too Many Requests\r\n", headers={"Content-Type": "text/plain"}
    )

    with pytest.raises(RateLimited):
        provider.quote("EURUSD")
