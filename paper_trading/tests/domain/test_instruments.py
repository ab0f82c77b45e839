"""The instrument registry (docs/domain.md, Instruments) and quote construction (docs/domain.md, Fills)."""

from datetime import datetime
from decimal import Decimal

import pytest

from paper_trading.domain.errors import InvalidInput, UnknownSymbol
from paper_trading.domain.instruments import (
    DATA_FILE,
    REGISTRY,
    InstrumentDataError,
    get_instrument,
    load_instruments,
    normalize_symbol,
    provider_codes,
    provider_proxies,
)
from paper_trading.domain.quotes import make_quote, quote_from_price

from .factories import T0, D


@pytest.mark.parametrize(
    "symbol, pip, digits, contract, quote_ccy",
    [
        ("EURUSD", "0.0001", 5, 100000, "USD"),
        ("GBPUSD", "0.0001", 5, 100000, "USD"),
        ("AUDUSD", "0.0001", 5, 100000, "USD"),
        ("NZDUSD", "0.0001", 5, 100000, "USD"),
        ("USDJPY", "0.01", 3, 100000, "JPY"),
        ("EURJPY", "0.01", 3, 100000, "JPY"),
        ("GBPJPY", "0.01", 3, 100000, "JPY"),
        ("USDCHF", "0.0001", 5, 100000, "CHF"),
        ("USDCAD", "0.0001", 5, 100000, "CAD"),
        ("EURGBP", "0.0001", 5, 100000, "GBP"),
        ("XAUUSD", "0.1", 2, 100, "USD"),
        ("XAGUSD", "0.01", 3, 5000, "USD"),
        ("BTCUSD", "1", 2, 1, "USD"),
        ("ETHUSD", "0.1", 2, 1, "USD"),
    ],
)
def test_registry_holds_the_contract_table(symbol, pip, digits, contract, quote_ccy):
    instrument = REGISTRY[symbol]
    assert instrument.pip_size == D(pip)
    assert instrument.digits == digits
    assert instrument.contract_size == contract
    assert instrument.quote_currency == quote_ccy


@pytest.mark.parametrize("symbol", ["EURUSD", "USDJPY", "XAUUSD", "XAGUSD"])
def test_fx_and_metals_trade_in_hundredths_of_a_lot(symbol):
    instrument = get_instrument(symbol)
    assert instrument.min_lot == D("0.01")
    assert instrument.lot_step == D("0.01")


@pytest.mark.parametrize("spelling", ["EURUSD", "eurusd", "EUR/USD", "EUR_USD", " eur-usd "])
def test_symbol_spellings_normalize_to_the_registry_key(spelling):
    assert normalize_symbol(spelling) == "EURUSD"
    assert get_instrument(spelling).symbol == "EURUSD"


@pytest.mark.parametrize("symbol", ["EURXYZ", "", "DOGEUSD"])
def test_unknown_symbol_is_rejected(symbol):
    with pytest.raises(UnknownSymbol) as err:
        get_instrument(symbol)
    assert err.value.code == "unknown_symbol"
    assert err.value.status == 400


def test_non_string_symbol_is_rejected():
    with pytest.raises(InvalidInput):
        get_instrument(None)


@pytest.mark.parametrize("lots", ["0.015", "0.001", "0", "-1", "101"])
def test_off_grid_or_out_of_range_lots_are_refused_not_rounded(lots):
    with pytest.raises(InvalidInput) as err:
        get_instrument("EURUSD").validate_lots(D(lots))
    assert err.value.field == "lot_size"


@pytest.mark.parametrize(
    ("lots", "held"),
    [("0.01", "0.01"), ("0.37", "0.37"), ("0.1", "0.10"), ("0.500", "0.50"), ("100", "100.00")],
)
def test_on_grid_lots_are_accepted_at_the_steps_scale(lots, held):
    accepted = get_instrument("EURUSD").validate_lots(D(lots))
    assert accepted == D(lots) and str(accepted) == held


def test_one_price_provider_gets_the_default_spread_around_it():
    # EURUSD default spread 1.0 pip = 0.00010: 1.10000 -/+ 0.00005.
    q = quote_from_price(get_instrument("EURUSD"), D("1.10000"), T0, "test")
    assert (q.bid, q.ask) == (D("1.09995"), D("1.10005"))
    # XAUUSD default spread 3.0 pips x 0.1 = 0.30: 2000.00 -/+ 0.15.
    q = quote_from_price(get_instrument("XAUUSD"), D("2000.00"), T0, "test")
    assert (q.bid, q.ask) == (D("1999.85"), D("2000.15"))


def test_quote_mid_and_spread():
    q = make_quote("EURUSD", D("1.10000"), D("1.10020"), T0)
    # (1.10000 + 1.10020) / 2 = 1.10010; 1.10020 - 1.10000 = 0.00020
    assert q.mid == D("1.10010")
    assert q.spread == D("0.00020")


@pytest.mark.parametrize(
    "bid, ask, time",
    [
        ("1.10020", "1.10000", T0),  # crossed
        ("0", "1.10000", T0),
        ("-1", "1.10000", T0),
        ("1.10000", "1.10020", datetime(2025, 1, 14, 12, 0)),  # naive time
    ],
)
def test_make_quote_rejects_crossed_nonpositive_or_naive(bid, ask, time):
    with pytest.raises(InvalidInput):
        make_quote("EURUSD", D(bid), D(ask), time)


# The registry is data (docs/domain.md, Instruments): instruments.toml, loaded and checked here.

EURCHF_ROW = """
[[instrument]]
symbol = "EURCHF"
description = "Euro vs Swiss Franc"
asset_class = "fx"
base_currency = "EUR"
quote_currency = "CHF"
pip_size = "0.0001"
digits = 5
contract_size = "100000"
default_spread_pips = "1.7"
max_leverage = 50
swap_long_points = "-4.1"
swap_short_points = "0.3"
min_price = "0.5"
max_price = "2.5"
start_price = "0.94000"
providers = { yahoo = "EURCHF=X", twelvedata = "EUR/CHF" }
"""


def write(tmp_path, text):
    path = tmp_path / "instruments.toml"
    path.write_text(text)
    return path


def test_the_shipped_file_is_the_registry():
    assert load_instruments(DATA_FILE) == REGISTRY
    assert list(REGISTRY) == [
        *("EURUSD", "GBPUSD", "AUDUSD", "NZDUSD", "USDJPY", "EURJPY", "GBPJPY"),
        *("USDCHF", "USDCAD", "EURGBP", "XAUUSD", "XAGUSD", "BTCUSD", "ETHUSD"),
    ]


def test_file_values_arrive_as_the_same_decimals_by_hand():
    eurusd, xauusd, usdjpy, btcusd = (REGISTRY[s] for s in ("EURUSD", "XAUUSD", "USDJPY", "BTCUSD"))

    assert (eurusd.pip_size, eurusd.digits, eurusd.contract_size) == (D("0.0001"), 5, D("100000"))
    assert eurusd.point == D("0.00001")
    assert (eurusd.swap_long_points, eurusd.swap_short_points) == (D("-7.2"), D("2.1"))
    assert (eurusd.min_price, eurusd.max_price, eurusd.start_price) == (D("0.5"), D("2.5"), D("1.085"))
    assert (xauusd.pip_size, xauusd.digits, xauusd.contract_size) == (D("0.1"), 2, D("100"))
    assert (xauusd.max_leverage, xauusd.default_spread_pips) == (20, D("3.0"))
    assert usdjpy.pip_size == D("0.01") and usdjpy.max_leverage == 50
    assert (btcusd.max_lot, btcusd.trades_weekends) == (D("50"), True)
    assert isinstance(eurusd.pip_size, Decimal) and str(eurusd.default_spread_pips) == "1.0"


def test_provider_codes_come_from_the_file():
    assert REGISTRY["EURUSD"].providers == {
        "yahoo": "EURUSD=X",
        "twelvedata": "EUR/USD",
        "finnhub": "OANDA:EUR_USD",
        "alphavantage": "EUR/USD",
    }
    assert provider_codes("yahoo")["USDJPY"] == "JPY=X"
    assert provider_codes("binance") == {"BTCUSD": "BTCUSDT", "ETHUSD": "ETHUSDT"}
    assert provider_proxies("yahoo") == {"XAUUSD": "futures proxy", "XAGUSD": "futures proxy"}
    assert "XAUUSD" not in provider_codes("alphavantage")  # absent = not covered


def test_adding_a_row_adds_the_instrument_with_its_provider_codes(tmp_path):
    registry = load_instruments(write(tmp_path, DATA_FILE.read_text() + EURCHF_ROW))

    eurchf = registry["EURCHF"]
    assert len(registry) == len(REGISTRY) + 1
    assert (eurchf.pip_size, eurchf.digits, eurchf.contract_size) == (D("0.0001"), 5, D("100000"))
    # Omitted keys take the documented defaults.
    assert (eurchf.min_lot, eurchf.lot_step, eurchf.max_lot) == (D("0.01"), D("0.01"), D("100"))
    assert (eurchf.max_leverage, eurchf.trades_weekends) == (50, False)  # 50 from the row
    assert provider_codes("yahoo", registry)["EURCHF"] == "EURCHF=X"
    assert provider_codes("twelvedata", registry)["EURCHF"] == "EUR/CHF"
    assert "EURCHF" not in provider_codes("finnhub", registry)


@pytest.mark.parametrize(
    "change, complaint",
    [
        (('pip_size = "0.0001"', "pip_size = 0.0001"), "pip_size must be a decimal written as a string"),
        (('pip_size = "0.0001"', 'pip_size = "one pip"'), "pip_size must be a decimal"),
        (('pip_size = "0.0001"', 'pip_size = "NaN"'), "pip_size must be a decimal"),
        (('pip_size = "0.0001"', 'pip_size = "0"'), "pip_size must be positive"),
        (("digits = 5", 'digits = "5"'), "digits must be a non-negative integer"),
        (('pip_size = "0.0001"\n', ""), "missing key(s) pip_size"),
        (('start_price = "0.94000"\n', ""), "missing key(s) start_price"),
        (("max_leverage = 50\n", ""), "missing key(s) max_leverage"),
        (("digits = 5", 'digits = 5\npip = "0.0001"'), "unknown key(s) pip"),
        (('start_price = "0.94000"', 'start_price = "9.4"'), "start_price is outside"),
        (('yahoo = "EURCHF=X"', 'yahoo = ""'), "providers must be a table"),
        (('max_price = "2.5"', 'max_price = "2.5"\nproxies = { finnhub = "x" }'), "proxies name"),
    ],
)
def test_a_malformed_row_is_refused_naming_its_symbol(tmp_path, change, complaint):
    old, new = change
    assert old in EURCHF_ROW
    path = write(tmp_path, DATA_FILE.read_text() + EURCHF_ROW.replace(old, new))

    with pytest.raises(InstrumentDataError) as err:
        load_instruments(path)
    assert "'EURCHF'" in str(err.value)
    assert complaint in str(err.value)


@pytest.mark.parametrize(
    "text, complaint",
    [
        (EURCHF_ROW + EURCHF_ROW, "'EURCHF': listed twice"),
        (EURCHF_ROW.replace('"EURCHF"', '"eur/chf"'), "'eur/chf': symbol must be upper case"),
        (EURCHF_ROW.replace('symbol = "EURCHF"\n', ""), "instrument #1: missing key(s) symbol"),
        ("[[instrument]\n", "not valid TOML"),
        ("", "no [[instrument]] rows"),
        ("version = 1\n" + EURCHF_ROW, "unknown top-level key(s) version"),
    ],
)
def test_a_malformed_file_is_refused(tmp_path, text, complaint):
    with pytest.raises(InstrumentDataError) as err:
        load_instruments(write(tmp_path, text))
    assert complaint in str(err.value)
