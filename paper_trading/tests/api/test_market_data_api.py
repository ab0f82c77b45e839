"""Market-data REST (docs/api.md, Bars and providers, issue 3 §6): which providers carry each symbol, provider
status, and when `price/realtime/` and `price/ohlc/` may call a provider — once when nobody polls
the symbol under FEED=live, never while a worker's heartbeat is present.

Real providers are pointed at a loopback HTTP server (no test touches the internet); the
aggregator's policy with scripted answers is used where a failure has to be injected."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from paper_trading.bars import upsert_bars
from paper_trading.data_aggregator import BudgetExhausted, DataAggregator, reserve
from paper_trading.domain.errors import NoPrice
from paper_trading.market import current_quote
from paper_trading.models import APIUsageTracker, PriceCache
from paper_trading.providers.base import RateLimited
from paper_trading.providers.registry import get_provider
from paper_trading.tests.marketdata.scripted import ScriptedProvider, bars, quote, stored_bar
from paper_trading.tests.providers.conftest import no_internet  # noqa: F401

from ..offline import providers_offline
from .support import assert_error, url

pytestmark = pytest.mark.django_db

# docs/api.md, Bars and providers: what each row of GET providers/ carries.
DOCUMENTED_FIELDS = set(
    "name configured priority requests_today daily_limit per_minute_limit last_success last_error state "
    "held_quotes".split()
)
DEFAULT_PRIORITY = ["binance", "twelvedata", "finnhub", "alphavantage", "yahoo"]
BUDGETS = {
    "twelvedata": (800, 8),
    "finnhub": (None, 60),
    "alphavantage": (25, 5),
    "binance": (None, 600),
    "yahoo": (2000, 30),
    "first": (100, 100),
}
BTC_SOURCE = "binance:BTCUSDT (USDT for USD)"


@pytest.fixture(autouse=True)
def _providers_offline(settings):
    """Known priority and budgets, no keys, every provider pointed at a dead loopback port, and
    no leftover read marker or cached bars from another test."""
    settings.PROVIDER_PRIORITY = list(DEFAULT_PRIORITY)
    settings.PROVIDER_BUDGETS = dict(BUDGETS)
    settings.PROVIDER_BREAKER_FAILURES = 5
    settings.PROVIDER_BREAKER_COOLOFF = 300.0
    settings.PROVIDER_TIMEOUT = 2.0
    settings.QUOTE_MAX_AGE = 120.0
    providers_offline(settings)
    keys = [f"realtime:asked:{s}" for s in ("EURUSD", "BTCUSD")]
    keys += [f"bars:{s}:{i}:{n}" for s in ("EURUSD", "BTCUSD") for i in ("1m", "1h") for n in (2, 3)]
    cache.delete_many(keys)
    yield
    cache.delete_many(keys)


@pytest.fixture
def live(settings):
    settings.FEED = "live"
    return settings


@pytest.fixture
def chain(monkeypatch):
    """Make the REST views build their DataAggregator on one ScriptedProvider "first"."""

    def install(*script, provider=None):
        provider = provider or ScriptedProvider("first", symbols=("EURUSD", "BTCUSD"), script=list(script))
        factory = lambda: DataAggregator([provider])  # noqa: E731
        monkeypatch.setattr("paper_trading.api.views.DataAggregator", factory)
        monkeypatch.setattr("paper_trading.api.market_views.DataAggregator", factory)
        return provider

    return install


def heartbeat(symbol):
    """What a running price worker keeps alive for each symbol it polls."""
    cache.set(f"worker:alive:{symbol}", "x", 30)


# ---- symbols/ -------------------------------------------------------------------------------


def test_symbols_list_the_providers_carrying_each_symbol_and_the_offline_feeds(api):
    response = api.get(url("symbols/"))

    assert response.status_code == 200, response.content
    rows = {r["symbol"]: r for r in response.json()["results"]}
    assert rows["EURUSD"]["providers"] == ["twelvedata", "finnhub", "alphavantage", "yahoo"]
    assert rows["BTCUSD"]["providers"] == ["binance", "twelvedata", "finnhub", "alphavantage", "yahoo"]
    assert rows["ETHUSD"]["providers"] == rows["BTCUSD"]["providers"]
    # Alpha Vantage has no spot metals.
    assert rows["XAUUSD"]["providers"] == ["twelvedata", "finnhub", "yahoo"]
    assert {s for s, r in rows.items() if "binance" in r["providers"]} == {"BTCUSD", "ETHUSD"}
    assert all(r["feeds"] == ["sim", "replay", "manual"] for r in rows.values())
    # The registry fields are still there.
    assert (rows["EURUSD"]["pip_size"], rows["EURUSD"]["digits"]) == ("0.0001", 5)


def test_symbols_list_providers_in_the_configured_priority(api, settings):
    settings.PROVIDER_PRIORITY = ["yahoo", "finnhub"]  # the others follow in their default order

    rows = {r["symbol"]: r for r in api.get(url("symbols/")).json()["results"]}

    assert rows["EURUSD"]["providers"] == ["yahoo", "finnhub", "twelvedata", "alphavantage"]


# ---- providers/ -----------------------------------------------------------------------------


def test_providers_shows_exactly_the_contract_fields_in_priority_order(api, settings):
    settings.TWELVE_DATA_API_KEY = "td-key"  # Finnhub and Alpha Vantage keep an empty key

    response = api.get(url("providers/"))

    assert response.status_code == 200, response.content
    page = response.json()
    assert (page["count"], page["next"], page["previous"], page["feed"]) == (5, None, None, "manual")
    rows = page["results"]
    assert all(set(r) == DOCUMENTED_FIELDS for r in rows)
    assert [(r["name"], r["priority"]) for r in rows] == [
        ("binance", 1),
        ("twelvedata", 2),
        ("finnhub", 3),
        ("alphavantage", 4),
        ("yahoo", 5),
    ]
    by_name = {r["name"]: r for r in rows}
    assert by_name["twelvedata"] == {
        "name": "twelvedata",
        "configured": True,
        "priority": 2,
        "requests_today": 0,
        "daily_limit": 800,
        "per_minute_limit": 8,
        "last_success": None,
        "last_error": None,
        "state": "ok",
        "held_quotes": 0,
    }
    # An empty key setting: not configured, shown as disabled.
    for name in ("finnhub", "alphavantage"):
        assert (by_name[name]["configured"], by_name[name]["state"]) == (False, "disabled")
    assert (by_name["finnhub"]["daily_limit"], by_name["finnhub"]["per_minute_limit"]) == (None, 60)
    # Binance and Yahoo need no key.
    assert (by_name["binance"]["configured"], by_name["binance"]["state"]) == (True, "ok")
    assert (by_name["yahoo"]["configured"], by_name["yahoo"]["state"]) == (True, "ok")


def test_providers_needs_authentication(client):
    assert_error(client.get(url("providers/")), 401, "not_authenticated")


def test_a_spent_daily_budget_shows_the_limit_reached_and_rate_limited(api, settings):
    settings.TWELVE_DATA_API_KEY = "td-key"
    settings.PROVIDER_BUDGETS = {**BUDGETS, "twelvedata": (2, 8)}
    reserve("twelvedata")
    reserve("twelvedata")
    with pytest.raises(BudgetExhausted):
        reserve("twelvedata")  # the third attempt is refused before any request

    row = {r["name"]: r for r in api.get(url("providers/")).json()["results"]}["twelvedata"]

    assert (row["requests_today"], row["daily_limit"]) == (2, 2)
    assert row["state"] == "rate_limited"
    assert row["last_error"] is None  # a refused attempt is not the provider's error


def test_a_spent_minute_budget_shows_rate_limited(api, settings):
    import time

    if timezone.now().second >= 58:  # keep the three attempts and the read in one UTC minute
        time.sleep(2.5)
    settings.FINNHUB_API_KEY = "fh-key"
    settings.PROVIDER_BUDGETS = {**BUDGETS, "finnhub": (None, 2)}
    reserve("finnhub")
    reserve("finnhub")
    with pytest.raises(BudgetExhausted):
        reserve("finnhub")

    row = {r["name"]: r for r in api.get(url("providers/")).json()["results"]}["finnhub"]

    assert (row["requests_today"], row["daily_limit"], row["per_minute_limit"]) == (2, None, 2)
    assert row["state"] == "rate_limited"


def test_an_open_breaker_shows_failing_with_the_last_error(api, settings, server):
    settings.FINNHUB_API_KEY = "fh-key"
    settings.FINNHUB_BASE_URL = server.url
    settings.PROVIDER_BREAKER_FAILURES = 1
    server.route("/quote", body="{not json")

    with pytest.raises(NoPrice):  # nothing cached, nothing stored
        DataAggregator([get_provider("finnhub")]).quote("EURUSD")

    row = {r["name"]: r for r in api.get(url("providers/")).json()["results"]}["finnhub"]
    assert len(server.hits("/quote")) == 1  # malformed JSON is not retried
    assert row["state"] == "failing"
    assert row["requests_today"] == 1
    assert "malformed JSON" in row["last_error"]
    assert row["last_success"] is None


def test_a_success_is_shown_with_its_time(api, settings, server):
    server.route("/api/v3/ticker/bookTicker", payload_file="binance/book_ticker_btcusdt.json")
    settings.BINANCE_BASE_URL = server.url
    before = timezone.now()

    DataAggregator([get_provider("binance")]).quote("BTCUSD")

    row = {r["name"]: r for r in api.get(url("providers/")).json()["results"]}["binance"]
    assert (row["requests_today"], row["state"], row["last_error"]) == (1, "ok", None)
    seen = datetime.fromisoformat(row["last_success"].replace("Z", "+00:00"))
    assert before <= seen <= timezone.now()


# ---- price/realtime/ ------------------------------------------------------------------------


def test_realtime_without_a_worker_asks_a_real_provider_once(api, live, server):
    server.route("/api/v3/ticker/bookTicker", payload_file="binance/book_ticker_btcusdt.json")
    live.BINANCE_BASE_URL = server.url

    response = api.get(url("price/realtime/?symbol=BTCUSD"))

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["bid"], body["ask"]) == ("66012.34", "66012.35")
    assert body["mid"] == "66012.345"  # (66012.34 + 66012.35) / 2
    assert body["spread_pips"] == "0.0"  # 0.01 / 1 (BTCUSD pip = 1), one decimal
    assert (body["source"], body["stale"]) == (BTC_SOURCE, False)
    assert 0 <= body["age_seconds"] < 5
    assert len(server.requests) == 1
    assert server.last.query == {"symbol": "BTCUSDT"}
    assert current_quote("BTCUSD").bid == Decimal("66012.34")  # published for every reader

    # A worker starts polling BTCUSD: reads serve the shared cache, the provider is not asked.
    heartbeat("BTCUSD")
    cache.delete("realtime:asked:BTCUSD")
    assert api.get(url("price/realtime/?symbol=BTCUSD")).json()["bid"] == "66012.34"
    assert len(server.requests) == 1


def test_realtime_without_a_worker_makes_exactly_one_provider_call(api, live, chain):
    provider = chain(quote("1.10000", "1.10010", source="first"))

    body = api.get(url("price/realtime/?symbol=EURUSD")).json()

    assert provider.calls == 1
    assert (body["bid"], body["ask"], body["mid"], body["spread_pips"]) == (
        "1.10000",
        "1.10010",
        "1.10005",  # (1.10000 + 1.10010) / 2
        "1.0",  # 0.00010 / 0.0001
    )
    assert (body["source"], body["stale"]) == ("first", False)
    # A second read within the interval is served from the shared cache.
    assert api.get(url("price/realtime/?symbol=EURUSD")).json()["bid"] == "1.10000"
    assert provider.calls == 1
    # Once the interval has passed (its marker expired), the next read asks again.
    cache.delete("realtime:asked:EURUSD")
    api.get(url("price/realtime/?symbol=EURUSD"))
    assert provider.calls == 2


def test_realtime_with_a_worker_heartbeat_makes_no_provider_call(api, live, chain, eurusd):
    provider = chain(quote("1.20000", "1.20010", source="first"))
    heartbeat("EURUSD")

    body = api.get(url("price/realtime/?symbol=EURUSD")).json()

    assert provider.calls == 0
    assert (body["bid"], body["ask"], body["stale"]) == ("1.09990", "1.10000", False)


@pytest.mark.parametrize("feed", ["sim", "replay", "manual"])
def test_realtime_never_asks_a_provider_unless_the_feed_is_live(api, settings, chain, eurusd, feed):
    settings.FEED = feed
    provider = chain(quote("1.20000", "1.20010", source="first"))

    assert api.get(url("price/realtime/?symbol=EURUSD")).json()["bid"] == "1.09990"
    assert provider.calls == 0


def test_realtime_database_fallback_is_stale_with_its_age(api, live, chain):
    three_hours_ago = timezone.now() - timedelta(hours=3)
    stored_bar("1h", three_hours_ago, "1.08400", "1.08600", "1.08300", "1.08500")
    provider = chain(RateLimited("first", "HTTP 429"))

    response = api.get(url("price/realtime/?symbol=EURUSD"))

    assert response.status_code == 200, response.content
    body = response.json()
    assert provider.calls == 1
    # The stored close with the default 1.0-pip spread around it: 1.08500 -/+ 0.00005.
    assert (body["bid"], body["ask"], body["mid"]) == ("1.08495", "1.08505", "1.08500")
    assert (body["source"], body["stale"]) == ("twelvedata (stored)", True)
    assert 3 * 3600 <= body["age_seconds"] < 3 * 3600 + 60


def test_realtime_cached_quote_is_stale_when_the_chain_failed(api, live, chain, eurusd):
    provider = chain(RateLimited("first", "HTTP 429"))

    body = api.get(url("price/realtime/?symbol=EURUSD")).json()

    assert provider.calls == 1
    # The quote is only seconds old, but no provider could confirm it.
    assert (body["bid"], body["source"], body["stale"]) == ("1.09990", "manual", True)
    assert 0 <= body["age_seconds"] < 60


def test_realtime_with_no_provider_and_nothing_stored_is_503(api, live, chain):
    provider = chain(RateLimited("first", "HTTP 429"))

    assert_error(api.get(url("price/realtime/?symbol=EURUSD")), 503, "no_price")
    assert provider.calls == 1


def test_realtime_provider_crash_is_not_a_500(api, live, chain, eurusd):
    provider = chain(RuntimeError("adapter bug"))

    response = api.get(url("price/realtime/?symbol=EURUSD"))

    assert response.status_code == 200, response.content
    assert (response.json()["bid"], response.json()["stale"]) == ("1.09990", True)
    assert provider.calls == 1


# ---- price/ohlc/ ----------------------------------------------------------------------------


BTC_BARS = [
    # From binance/klines_btcusdt_1h.json: 1718370000000 ms = 2024-06-14 13:00 UTC, then hourly;
    # BTCUSD has 2 digits; volumes at the 4 places PriceCache keeps (812.44311 -> 812.4431,
    # 1307.90852 -> 1307.9085, 954.10077 -> 954.1008).
    {
        "time": 1718370000,
        "open": "66420.01",
        "high": "66655.00",
        "low": "66310.50",
        "close": "66512.88",
        "volume": "812.4431",
    },
    {
        "time": 1718373600,
        "open": "66512.88",
        "high": "66530.00",
        "low": "65950.00",
        "close": "66104.72",
        "volume": "1307.9085",
    },
    {
        "time": 1718377200,
        "open": "66104.71",
        "high": "66180.00",
        "low": "65875.10",
        "close": "66012.35",
        "volume": "954.1008",
    },
]


def test_ohlc_with_nothing_stored_fetches_once_then_serves_the_database(api, live, server):
    server.route("/api/v3/klines", payload_file="binance/klines_btcusdt_1h.json")
    live.BINANCE_BASE_URL = server.url

    first = api.get(url("price/ohlc/?symbol=BTCUSD&interval=1h&limit=3"))

    assert first.status_code == 200, first.content
    assert first.json() == {
        "symbol": "BTCUSD",
        "interval": "1h",
        "source": BTC_SOURCE,
        "next_before": None,  # the three bars the chain gave are all that is stored
        "data": BTC_BARS,
    }
    assert len(server.requests) == 1
    assert server.last.query == {"symbol": "BTCUSDT", "interval": "1h", "limit": "3"}
    stored = PriceCache.objects.filter(symbol="BTCUSD", interval="1h")
    assert stored.count() == 3
    assert set(stored.values_list("source", flat=True)) == {BTC_SOURCE}

    # The second read finds the persisted bars: no provider call, the same answer.
    assert api.get(url("price/ohlc/?symbol=BTCUSD&interval=1h&limit=3")).json() == first.json()
    # So does a smaller window of them (the two latest).
    two = api.get(url("price/ohlc/?symbol=BTCUSD&interval=1h&limit=2")).json()
    assert two["data"] == BTC_BARS[1:]
    assert len(server.requests) == 1


def test_ohlc_with_a_worker_running_makes_no_provider_call(api, live, server):
    server.route("/api/v3/klines", payload_file="binance/klines_btcusdt_1h.json")
    live.BINANCE_BASE_URL = server.url
    heartbeat("BTCUSD")

    body = api.get(url("price/ohlc/?symbol=BTCUSD&interval=1h&limit=3")).json()

    assert body == {"symbol": "BTCUSD", "interval": "1h", "source": "none", "next_before": None, "data": []}
    assert server.requests == []


def test_ohlc_makes_no_provider_call_unless_the_feed_is_live(api, settings, chain):
    settings.FEED = "sim"
    provider = chain(bars())

    body = api.get(url("price/ohlc/?symbol=EURUSD&interval=1m&limit=3")).json()

    assert (body["source"], body["data"]) == ("none", [])
    assert provider.calls == 0


@pytest.mark.parametrize("failure", [RateLimited("first", "HTTP 429"), RuntimeError("adapter bug")])
def test_ohlc_provider_failure_with_nothing_stored_is_an_empty_200(api, live, chain, failure):
    provider = chain(failure)

    response = api.get(url("price/ohlc/?symbol=EURUSD&interval=1m&limit=3"))

    assert response.status_code == 200, response.content
    assert response.json() == {
        "symbol": "EURUSD",
        "interval": "1m",
        "source": "none",
        "next_before": None,
        "data": [],
    }
    assert provider.calls == 1


class StoredMeanwhile(ScriptedProvider):
    """Another process stores bars while this provider fails: the chain falls back to them."""

    def bars(self, symbol, interval, limit):
        self.calls += 1
        upsert_bars(symbol, interval, bars(3), "twelvedata")
        raise RateLimited(self.name, "HTTP 429")


def test_ohlc_marks_a_stored_fallback_stale(api, live, chain):
    provider = chain(provider=StoredMeanwhile("first", symbols=("EURUSD",)))

    body = api.get(url("price/ohlc/?symbol=EURUSD&interval=1m&limit=3")).json()

    assert provider.calls == 1
    # scripted bars(3): 2025-01-06 10:00 UTC (1736157600) and the two minutes after, opening
    # 1.10000, 1.10010, 1.10020, high +0.0002, low -0.0002, close = open, no volume.
    assert body == {
        "symbol": "EURUSD",
        "interval": "1m",
        "source": "twelvedata",
        "next_before": None,  # a stale fallback is no page of history
        "stale": True,
        "data": [
            {
                "time": 1736157600 + 60 * i,
                "open": o,
                "high": h,
                "low": lo,
                "close": o,
                "volume": "0",
            }
            for i, (o, h, lo) in enumerate(
                [
                    ("1.10000", "1.10020", "1.09980"),
                    ("1.10010", "1.10030", "1.09990"),
                    ("1.10020", "1.10040", "1.10000"),
                ]
            )
        ],
    }
    assert datetime.fromtimestamp(1736157600, UTC) == datetime(2025, 1, 6, 10, tzinfo=UTC)


def test_ohlc_live_answer_is_not_marked_stale(api, live, chain):
    provider = chain(bars(3))

    body = api.get(url("price/ohlc/?symbol=EURUSD&interval=1m&limit=3")).json()

    assert provider.calls == 1
    assert "stale" not in body
    assert body["source"] == "first"
    assert [b["open"] for b in body["data"]] == ["1.10000", "1.10010", "1.10020"]
    assert APIUsageTracker.objects.get(provider="first").requests == 1
