"""The registry of live providers and their symbol maps against the instrument registry and docs."""

from pathlib import Path

import pytest

from paper_trading.domain.instruments import REGISTRY
from paper_trading.providers.registry import PROVIDER_CLASSES, get_provider, live_providers, providers_for
from paper_trading.providers.sim import START_PRICES, SimFeed

DOCS = Path(__file__).resolve().parents[3] / "docs" / "providers.md"


def test_one_instance_of_each_live_provider():
    names = [p.name for p in live_providers()]

    assert sorted(names) == ["alphavantage", "binance", "finnhub", "twelvedata", "yahoo"]
    assert live_providers()[0] is live_providers()[0]  # instances (and sessions) are reused


def test_order_follows_provider_priority(settings):
    settings.PROVIDER_PRIORITY = ["yahoo", "finnhub"]

    assert [p.name for p in live_providers()] == [
        "yahoo",
        "finnhub",
        "binance",
        "twelvedata",
        "alphavantage",
    ]


def test_every_registry_symbol_has_a_provider():
    for symbol in REGISTRY:
        assert providers_for(symbol), symbol


@pytest.mark.parametrize("cls", PROVIDER_CLASSES, ids=lambda cls: cls.name)
def test_symbol_maps_hold_only_registry_symbols(cls):
    assert set(cls.symbol_map) <= set(REGISTRY)
    assert set(cls.proxies) <= set(cls.symbol_map)


@pytest.mark.parametrize("name", ["twelvedata", "finnhub", "yahoo"])
def test_full_range_providers_carry_every_registry_symbol(name):
    assert set(get_provider(name).symbol_map) == set(REGISTRY)


def test_providers_for_accepts_any_spelling_and_keeps_priority(settings):
    settings.PROVIDER_PRIORITY = ["binance", "twelvedata", "finnhub", "alphavantage", "yahoo"]

    assert [p.name for p in providers_for("xau/usd")] == ["twelvedata", "finnhub", "yahoo"]
    assert [p.name for p in providers_for("BTC_USD")] == [
        "binance",
        "twelvedata",
        "finnhub",
        "alphavantage",
        "yahoo",
    ]
    assert providers_for("DOGEUSD") == []


def test_spot_gold_is_spot_where_the_provider_has_it():
    assert get_provider("twelvedata").symbol_map["XAUUSD"] == "XAU/USD"
    assert get_provider("finnhub").symbol_map["XAUUSD"] == "OANDA:XAU_USD"
    assert get_provider("yahoo").source_for("XAUUSD") == "yahoo:GC=F (futures proxy)"
    assert get_provider("twelvedata").source_for("XAUUSD") == "twelvedata"


def test_configured_follows_the_keys(settings):
    settings.TWELVE_DATA_API_KEY = ""
    settings.FINNHUB_API_KEY = "k"

    configured = {p.name: p.configured for p in live_providers()}

    assert configured == {
        "binance": True,
        "twelvedata": False,
        "finnhub": True,
        "alphavantage": False,
        "yahoo": True,
    }


def test_docs_list_every_provider_code():
    text = DOCS.read_text()
    for cls in PROVIDER_CLASSES:
        for symbol, code in cls.symbol_map.items():
            assert f"`{code}`" in text, f"docs/providers.md does not list {cls.name} {symbol} -> {code}"


@pytest.mark.parametrize("cls", PROVIDER_CLASSES, ids=lambda cls: cls.name)
def test_symbol_maps_and_proxies_are_read_from_the_instrument_file(cls):
    """No provider keeps its own map: adding a row to instruments.toml is the whole change."""
    assert cls.symbol_map == {
        s: i.providers[cls.name] for s, i in REGISTRY.items() if cls.name in i.providers
    }
    assert cls.proxies == {s: i.proxies[cls.name] for s, i in REGISTRY.items() if cls.name in i.proxies}


@pytest.mark.parametrize(
    "name, symbol, code",
    [
        ("yahoo", "EURUSD", "EURUSD=X"),
        ("yahoo", "USDJPY", "JPY=X"),
        ("yahoo", "XAUUSD", "GC=F"),
        ("twelvedata", "EURUSD", "EUR/USD"),
        ("twelvedata", "XAGUSD", "XAG/USD"),
        ("finnhub", "EURUSD", "OANDA:EUR_USD"),
        ("finnhub", "BTCUSD", "COINBASE:BTC-USD"),
        ("alphavantage", "USDCAD", "USD/CAD"),
        ("binance", "ETHUSD", "ETHUSDT"),
    ],
)
def test_provider_codes_are_the_ones_the_providers_always_used(name, symbol, code):
    assert get_provider(name).instrument(symbol) == (REGISTRY[symbol], code)


def test_alphavantage_and_binance_do_not_carry_what_the_file_omits():
    assert set(get_provider("alphavantage").symbol_map) == set(REGISTRY) - {"XAUUSD", "XAGUSD"}
    assert set(get_provider("binance").symbol_map) == {"BTCUSD", "ETHUSD"}


def test_the_sim_starts_each_symbol_at_the_files_start_price():
    feed = SimFeed(["EURUSD", "USDJPY", "XAUUSD", "BTCUSD"])

    assert feed.prices == {"EURUSD": 1.085, "USDJPY": 150.0, "XAUUSD": 2000.0, "BTCUSD": 60000.0}
    assert START_PRICES == {s: i.start_price for s, i in REGISTRY.items()}
