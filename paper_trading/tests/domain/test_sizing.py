"""Risk-based lot sizing, with every figure worked by hand in the comments."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paper_trading.domain.errors import InvalidInput, NoPrice
from paper_trading.domain.instruments import get_instrument
from paper_trading.domain.numbers import is_multiple
from paper_trading.domain.quotes import Quote, QuoteBoard
from paper_trading.domain.sizing import confidence_scaled, lots_for_risk, risk_per_lot

D = Decimal
NOW = datetime(2024, 3, 4, 12, 0, tzinfo=UTC)
EURUSD = get_instrument("EURUSD")
USDJPY = get_instrument("USDJPY")
XAUUSD = get_instrument("XAUUSD")
EURGBP = get_instrument("EURGBP")


def board(*quotes: tuple[str, str, str]) -> QuoteBoard:
    return QuoteBoard({symbol: Quote(symbol, D(bid), D(ask), NOW) for symbol, bid, ask in quotes})


def size(instrument, *, equity="10000", risk_pct="1", entry, stop_loss, market=None) -> Decimal:
    return lots_for_risk(
        instrument,
        equity=D(equity),
        risk_pct=D(risk_pct),
        entry=D(entry),
        stop_loss=D(stop_loss),
        account_currency="USD",
        market=market or board(),
    )


def test_eurusd_one_pct_of_10000_with_50_pip_stop_sizes_020_lots():
    # Budget 10000 x 1 % = 100.00; one lot loses 0.00500 x 100000 = 500.00 USD; 100 / 500 = 0.20.
    assert size(EURUSD, entry="1.10000", stop_loss="1.09500") == D("0.20")


def test_sell_with_stop_above_entry_sizes_like_a_buy():
    # |1.10000 - 1.10500| = 0.00500, the same 500.00 per lot as the buy: 0.20 lots.
    assert size(EURUSD, entry="1.10000", stop_loss="1.10500") == D("0.20")


def test_usdjpy_converts_yen_risk_at_the_stop_price_and_floors():
    # One lot loses 0.500 x 100000 = 50000 JPY = 50000 / 149.500 = 334.448 USD.
    # 100 / 334.448 = 0.2990 lots, floored (not rounded) to 0.29.
    assert size(USDJPY, entry="150.000", stop_loss="149.500") == D("0.29")


def test_xauusd_two_pct_with_ten_dollar_stop_sizes_020_lots():
    # Budget 10000 x 2 % = 200.00; one lot (100 oz) loses 10.00 x 100 = 1000.00; 200 / 1000 = 0.20.
    assert size(XAUUSD, risk_pct="2", entry="2000.00", stop_loss="1990.00") == D("0.20")


def test_eurgbp_on_usd_account_converts_through_gbpusd_mid():
    # One lot loses 0.00200 x 100000 = 200 GBP x GBPUSD mid 1.25000 = 250.00 USD; 100 / 250 = 0.40.
    market = board(("GBPUSD", "1.24995", "1.25005"))
    assert size(EURGBP, entry="0.85000", stop_loss="0.84800", market=market) == D("0.40")


def test_eurgbp_without_a_gbpusd_quote_raises_no_price():
    with pytest.raises(NoPrice):
        size(EURGBP, entry="0.85000", stop_loss="0.84800")


def test_budget_below_min_lot_returns_zero():
    # Budget 100 x 1 % = 1.00; one lot loses 500.00; 1 / 500 = 0.002 < min lot 0.01 -> 0.
    assert size(EURUSD, equity="100", entry="1.10000", stop_loss="1.09500") == 0


def test_budget_of_exactly_min_lot_returns_min_lot():
    # Budget 500 x 1 % = 5.00; one lot loses 500.00; 5 / 500 = 0.01 = min lot.
    assert size(EURUSD, equity="500", entry="1.10000", stop_loss="1.09500") == D("0.01")


def test_budget_above_max_lot_is_capped_at_max_lot():
    # Budget 10,000,000 x 10 % = 1,000,000; one lot loses 0.00100 x 100000 = 100.00 -> 10000 lots -> 100.
    lots = size(EURUSD, equity="10000000", risk_pct="10", entry="1.10000", stop_loss="1.09900")
    assert lots == EURUSD.max_lot == D("100")


def test_stop_equal_to_entry_raises_invalid_input_on_stop_loss():
    with pytest.raises(InvalidInput) as caught:
        size(EURUSD, entry="1.10000", stop_loss="1.10000")
    assert caught.value.field == "stop_loss"


def test_zero_risk_pct_raises_invalid_input_on_risk_pct():
    with pytest.raises(InvalidInput) as caught:
        size(EURUSD, risk_pct="0", entry="1.10000", stop_loss="1.09500")
    assert caught.value.field == "risk_pct"


@given(
    equity=st.decimals(min_value=D("10"), max_value=D("1000000"), places=2),
    risk_pct=st.decimals(min_value=D("0.1"), max_value=D("10"), places=1),
    stop_pips=st.integers(min_value=1, max_value=2000),
)
def test_sized_lots_are_on_the_grid_and_never_risk_more_than_the_budget(equity, risk_pct, stop_pips):
    entry = D("1.10000")
    stop = entry - stop_pips * EURUSD.pip_size
    lots = size(EURUSD, equity=equity, risk_pct=risk_pct, entry=entry, stop_loss=stop)
    per_lot = risk_per_lot(EURUSD, entry=entry, stop_loss=stop, account_currency="USD", market=board())
    assert lots == 0 or EURUSD.min_lot <= lots <= EURUSD.max_lot
    assert is_multiple(lots, EURUSD.lot_step) or lots == 0
    assert lots * per_lot <= equity * risk_pct / 100


def scaled(lots: str, confidence, min_confidence: str = "75") -> Decimal:
    value = None if confidence is None else D(confidence)
    return confidence_scaled(EURUSD, D(lots), confidence=value, min_confidence=D(min_confidence))


@pytest.mark.parametrize(
    "lots, confidence, expected",
    [
        # Share 50 % at min confidence 75: 0.20 x 0.5 = 0.10.
        pytest.param("0.20", "75", D("0.10"), id="confidence_at_minimum_halves_the_lots"),
        pytest.param("0.20", "100", D("0.20"), id="full_confidence_keeps_the_lots"),
        # 87.5 is half-way from 75 to 100: share 0.5 + 0.5 x 12.5 / 25 = 0.75; 0.20 x 0.75 = 0.15.
        pytest.param("0.20", "87.5", D("0.15"), id="confidence_midway_scales_to_75_pct"),
        # Share 0.5 + 0.5 x (90 - 75) / 25 = 0.80; 0.33 x 0.80 = 0.264 -> floored to 0.26.
        pytest.param("0.33", "90", D("0.26"), id="scaled_lots_are_floored_to_the_lot_step"),
        # 60 < 75 is clamped to 75: the caller decides whether a weak signal trades at all.
        pytest.param("0.20", "60", D("0.10"), id="confidence_below_minimum_is_clamped_to_half_size"),
        pytest.param("0.20", "120", D("0.20"), id="confidence_above_100_is_clamped_to_full_size"),
        # 0.01 x 0.5 = 0.005 floors to 0.00, but 0.01 already fit the budget, so min lot stays.
        pytest.param("0.01", "75", D("0.01"), id="scaling_never_drops_below_min_lot"),
        pytest.param("0", "90", 0, id="zero_lots_stay_zero_when_scaled"),
        pytest.param("0.20", None, D("0.20"), id="missing_confidence_leaves_lots_unchanged"),
    ],
)
def test_confidence_scales_the_lots(lots, confidence, expected):
    assert scaled(lots, confidence) == expected


def test_min_confidence_of_100_keeps_full_size():
    # No range to scale across: a signal that passed the bar trades at full size.
    assert scaled("0.20", "100", min_confidence="100") == D("0.20")
