"""Yahoo through yfinance, offline: yfinance's `session=` is a requests Session serving recorded
chart payloads in Yahoo's format (tests/providers/yahoo_session.py). Prices are checked by hand
against the payloads."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal as D

import pytest
import requests
from curl_cffi import requests as curl_requests
from django.conf import settings as django_settings

from paper_trading.data_aggregator import DataAggregator
from paper_trading.domain.bars import Bar
from paper_trading.models import APIUsageTracker
from paper_trading.providers.base import BadPayload, NotCovered, RateLimited, Unavailable
from paper_trading.providers.yahoo import YahooProvider

from ..marketdata.scripted import ScriptedProvider, quote
from ..offline import DISCARD_URL
from .conftest import assert_unmapped_symbols_not_covered, payload_json
from .yahoo_session import CHART_HOST, CRUMB, RecordedYahoo


@pytest.fixture
def yahoo():
    return RecordedYahoo()


@pytest.fixture
def provider(yahoo):
    return YahooProvider(session=yahoo)


def test_quote_is_the_market_price_with_the_default_spread(yahoo, provider):
    yahoo.chart("EURUSD=X", payload_file="yahoo/chart_eurusd_quote.json")

    quote = provider.quote("EURUSD")

    # regularMarketPrice 1.0701, EURUSD's default spread 1.0 pip: 1.0701 -/+ 0.00005
    assert (quote.symbol, quote.bid, quote.ask) == ("EURUSD", D("1.07005"), D("1.07015"))
    assert quote.time == datetime(2024, 6, 14, 15, 59, tzinfo=UTC)  # regularMarketTime 1718380740
    assert quote.source == "yahoo"
    [asked] = yahoo.charts("EURUSD=X")
    assert (asked.query["range"], asked.query["interval"]) == ("1d", "1d")


def test_every_chart_request_carries_the_crumb_yahoo_served(yahoo, provider):
    yahoo.chart("EURUSD=X", payload_file="yahoo/chart_eurusd_quote.json")

    provider.quote("EURUSD")
    provider.quote("EURUSD")

    charts = [r for r in yahoo.requests if r.host == CHART_HOST]
    assert charts and all(r.query.get("crumb") == CRUMB for r in charts)
    assert yahoo.hosts() <= {"fc.yahoo.com", "query1.finance.yahoo.com", CHART_HOST}


def test_gold_is_the_futures_proxy_and_says_so(yahoo, provider):
    yahoo.chart("GC=F", payload_file="yahoo/chart_gc_f_quote.json")

    quote = provider.quote("XAUUSD")

    # 2348.4 -/+ half of 3.0 pips of 0.1
    assert (quote.bid, quote.ask) == (D("2348.25"), D("2348.55"))
    assert quote.source == "yahoo:GC=F (futures proxy)"
    assert quote.time == datetime(2024, 6, 14, 15, 58, 59, tzinfo=UTC)  # 1718380739
    assert len(yahoo.charts("GC=F")) == 1


def test_bitcoin_is_btc_usd(yahoo, provider):
    yahoo.chart("BTC-USD", payload_file="yahoo/chart_btc_usd_quote.json")

    quote = provider.quote("BTCUSD")

    # 66432.914 at 2 digits is 66432.91; BTCUSD's spread is 20 pips of 1: -/+ 10
    assert (quote.bid, quote.ask) == (D("66422.91"), D("66442.91"))
    assert quote.time == datetime(2024, 6, 14, 16, 0, tzinfo=UTC)  # 1718380800
    assert quote.source == "yahoo"


def test_usdjpy_is_yahoos_jpy_x_and_an_unknown_code_is_not_covered(yahoo, provider):
    yahoo.chart("JPY=X", status=404, payload_file="yahoo/chart_not_found.json")

    with pytest.raises(NotCovered):  # the wording depends on which of yfinance's requests met the 404
        provider.quote("USDJPY")
    assert any(r.path == "/v8/finance/chart/JPY=X" for r in yahoo.requests)


def test_http_429_is_rate_limited(yahoo, provider):
    yahoo.chart("EURUSD=X", status=429, body="Too Many Requests\r\n", headers={"Content-Type": "text/plain"})

    with pytest.raises(RateLimited, match="429") as caught:
        provider.quote("EURUSD")

    assert caught.value.provider == "yahoo"
    # yfinance repeats a request answered >= 400 once, with its other cookie strategy
    assert len(yahoo.charts("EURUSD=X")) == 2


@pytest.mark.django_db
def test_on_429_the_chain_moves_to_the_next_provider_and_counts_one_request_each(yahoo, provider, settings):
    settings.PROVIDER_PRIORITY = ["yahoo", "second"]
    settings.PROVIDER_BUDGETS = {"yahoo": (2000, 30), "second": (100, 100)}
    yahoo.chart("EURUSD=X", status=429, body="Too Many Requests", headers={"Content-Type": "text/plain"})
    second = ScriptedProvider("second", script=[quote("1.07000", "1.07010", source="second")])
    chain = DataAggregator([provider, second])

    answer = chain.quote("EURUSD")

    assert (answer.source, answer.value.bid, answer.value.ask) == ("second", D("1.07000"), D("1.07010"))
    usage = {row.provider: row for row in APIUsageTracker.objects.all()}
    assert (usage["yahoo"].requests, usage["yahoo"].errors) == (1, 1)  # not retried: one budget unit
    assert "429" in usage["yahoo"].last_error
    assert usage["second"].requests == 1
    assert {row["name"]: row["state"] for row in chain.status()}["yahoo"] == "rate_limited"


@pytest.mark.parametrize(
    "body",
    [
        '{"chart": {"result": [{"meta": {"regularMarketPrice": 1.07',  # cut short
        "<html><body>Bad gateway</body></html>",
        "",
    ],
    ids=["cut-short", "html", "empty"],
)
def test_malformed_json_is_bad_payload(yahoo, provider, body):
    yahoo.chart("EURUSD=X", body=body)

    with pytest.raises(BadPayload, match="malformed JSON"):
        provider.quote("EURUSD")


def test_a_chart_without_the_fields_yfinance_reads_is_bad_payload(yahoo, provider):
    chart = payload_json("yahoo/chart_eurusd_quote.json")
    del chart["chart"]["result"][0]["meta"]["exchangeTimezoneName"]
    yahoo.chart("EURUSD=X", body=json.dumps(chart))

    with pytest.raises(BadPayload):
        provider.quote("EURUSD")


def test_a_chart_without_a_price_is_bad_payload(yahoo, provider):
    chart = payload_json("yahoo/chart_eurusd_quote.json")
    del chart["chart"]["result"][0]["meta"]["regularMarketPrice"]
    yahoo.chart("EURUSD=X", body=json.dumps(chart))

    with pytest.raises(BadPayload, match="regularMarketPrice"):
        provider.quote("EURUSD")


@pytest.mark.parametrize(
    "body",
    [
        {"chart": {"result": [], "error": None}},
        {"chart": {"result": None, "error": None}},
        {"finance": {"result": None, "error": {"code": "internal-error", "description": "oops"}}},
    ],
    ids=["no-result", "null-result", "not-a-chart"],
)
def test_an_empty_chart_is_no_quote(yahoo, provider, body):
    yahoo.chart("EURUSD=X", body=json.dumps(body))

    with pytest.raises(NotCovered, match="no prices"):
        provider.quote("EURUSD")


def test_yahoos_maintenance_page_is_unavailable(yahoo, provider):
    yahoo.chart("EURUSD=X", status=503, body="<html>Will be right back...</html>")

    with pytest.raises(Unavailable, match="down") as caught:
        provider.quote("EURUSD")
    assert caught.value.retryable is True


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (requests.ReadTimeout("read timed out"), "no answer within 2s"),
        (requests.ConnectionError("refused"), "connection failed"),
    ],
    ids=["timeout", "refused"],
)
def test_timeouts_and_refused_connections_are_unavailable(yahoo, provider, error, message):
    yahoo.chart("EURUSD=X", error=error)

    with pytest.raises(Unavailable, match=message):
        provider.quote("EURUSD")


def test_the_default_session_is_curl_cffi_impersonating_chrome():
    """Yahoo answers 429 to python-requests' TLS fingerprint; a browser's is what it serves."""
    session = YahooProvider().session

    assert isinstance(session, curl_requests.Session)
    assert session.impersonate == "chrome"


def test_without_a_session_it_goes_through_yahoo_proxy_which_the_tests_point_nowhere(settings):
    assert settings.YAHOO_PROXY == DISCARD_URL  # set for every test (tests/conftest.py)

    with pytest.raises(Unavailable, match="connection failed"):
        YahooProvider().quote("EURUSD")


def test_hourly_bars_skip_gaps_and_label_the_forming_bar_by_its_hour(yahoo, provider):
    yahoo.chart("EURUSD=X", payload_file="yahoo/chart_eurusd_1h.json")

    bars = provider.bars("EURUSD", "1h", 10)

    assert len(bars) == 4  # the 11:00 row is all nulls
    assert [b.time.hour for b in bars] == [12, 13, 14, 15]  # the last row is stamped 15:59
    assert bars[0] == Bar(
        datetime(2024, 6, 14, 12, tzinfo=UTC), D("1.06990"), D("1.07005"), D("1.06902"), D("1.06921")
    )
    assert bars[-1] == Bar(
        datetime(2024, 6, 14, 15, tzinfo=UTC), D("1.07040"), D("1.07066"), D("1.06990"), D("1.07010")
    )
    [asked] = yahoo.charts("EURUSD=X")
    assert asked.query["interval"] == "60m"
    assert int(asked.query["period1"]) < int(asked.query["period2"])


def test_daily_bars_are_labelled_with_the_trading_date(yahoo, provider):
    yahoo.chart("EURUSD=X", payload_file="yahoo/chart_eurusd_1d.json")  # stamped 23:00 UTC

    bars = provider.bars("EURUSD", "1d", 2)

    assert [b.time for b in bars] == [datetime(2024, 6, 13, tzinfo=UTC), datetime(2024, 6, 14, tzinfo=UTC)]
    assert (bars[0].open, bars[-1].close) == (D("1.08085"), D("1.07010"))
    assert yahoo.charts("EURUSD=X")[0].query["interval"] == "1d"


def test_30m_bars_are_built_from_15m(yahoo, provider):
    start = int(datetime(2024, 6, 14, 14, tzinfo=UTC).timestamp())
    chart = payload_json("yahoo/chart_eurusd_1h.json")
    result = chart["chart"]["result"][0]
    result["meta"]["dataGranularity"] = "15m"
    result["timestamp"] = [start + i * 900 for i in range(4)]
    result["indicators"]["quote"] = [
        {
            "open": [1.0690, 1.0695, 1.0700, 1.0702],
            "high": [1.0696, 1.0701, 1.0706, 1.0707],
            "low": [1.0688, 1.0690, 1.0699, 1.0699],
            "close": [1.0695, 1.0700, 1.0702, 1.0701],
            "volume": [0, 0, 0, 0],
        }
    ]
    yahoo.chart("EURUSD=X", body=json.dumps(chart))

    bars = provider.bars("EURUSD", "30m", 2)

    assert yahoo.charts("EURUSD=X")[0].query["interval"] == "15m"
    assert bars == [
        Bar(datetime(2024, 6, 14, 14, tzinfo=UTC), D("1.06900"), D("1.07010"), D("1.06880"), D("1.07000")),
        Bar(
            datetime(2024, 6, 14, 14, 30, tzinfo=UTC), D("1.07000"), D("1.07070"), D("1.06990"), D("1.07010")
        ),
    ]


def test_unknown_symbol_404_is_not_covered_for_bars(yahoo, provider):
    yahoo.chart("EURGBP=X", status=404, payload_file="yahoo/chart_not_found.json")

    with pytest.raises(NotCovered):
        provider.bars("EURGBP", "1d", 10)


@pytest.mark.parametrize("interval", ["4h", "2h", "1M", ""], ids=["4h", "2h", "1M", "empty"])
def test_an_interval_yahoo_lacks_is_not_covered_without_a_request(yahoo, provider, interval):
    with pytest.raises(NotCovered):
        provider.bars("EURUSD", interval, 10)
    assert yahoo.requests == []


def test_a_symbol_outside_its_map_is_not_covered_without_a_request(yahoo, provider):
    assert_unmapped_symbols_not_covered(provider)
    assert yahoo.requests == []


FRESH_PROCESS = """
import json, django
django.setup()
from paper_trading.providers.yahoo import YahooProvider
from paper_trading.tests.providers.yahoo_session import RecordedYahoo
yahoo = RecordedYahoo()
yahoo.chart("EURUSD=X", payload_file="yahoo/chart_eurusd_quote.json")
quote = YahooProvider(session=yahoo).quote("EURUSD")
print(json.dumps({"bid": str(quote.bid), "seen": [[r.host, r.path, r.query] for r in yahoo.requests]}))
"""


def test_a_fresh_process_fetches_cookie_and_crumb_first_all_from_the_given_session(tmp_path):
    """yfinance keeps its crumb for the process, so its first-call flow is seen in a new one."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "forex_signal.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "REDIS_URL": "",
        "YAHOO_PROXY": DISCARD_URL,
        "YAHOO_CACHE_DIR": str(tmp_path / "yfinance"),
    }
    run = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout.strip().splitlines()[-1])
    seen = [(host, path) for host, path, _ in out["seen"]]
    chart = (CHART_HOST, "/v8/finance/chart/EURUSD=X")
    # cookie, crumb, yfinance's time-zone lookup, the price request (each after a cookie check)
    cookie, crumb = ("fc.yahoo.com", "/"), ("query1.finance.yahoo.com", "/v1/test/getcrumb")
    assert seen[:3] == [cookie, cookie, crumb]
    assert seen.count(chart) == 2
    assert all(query.get("crumb") == CRUMB for host, path, query in out["seen"] if (host, path) == chart)
    assert out["bid"] == "1.07005"
    assert (tmp_path / "yfinance").is_dir()  # its caches went where YAHOO_CACHE_DIR says
