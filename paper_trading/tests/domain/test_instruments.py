"""The instrument registry (docs/domain.md, Instruments) and quote construction (docs/domain.md, Fills)."""

from datetime import datetime

import pytest

from paper_trading.domain.errors import InvalidInput, UnknownSymbol
from paper_trading.domain.instruments import REGISTRY, get_instrument, normalize_symbol
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
