"""Money and numbers (docs/domain.md, Numbers, Pips and P&L): Decimal parsing, cents half-even,
pips, P&L, margin."""

from decimal import Decimal

import pytest

from paper_trading.domain import positions
from paper_trading.domain.errors import InvalidInput, NoPrice
from paper_trading.domain.instruments import get_instrument
from paper_trading.domain.numbers import money, to_decimal
from paper_trading.domain.quotes import conversion_rate, to_account_currency

from .factories import D, at, board, fills_of, ledger_of, order, quote, tick, venue

EURUSD = get_instrument("EURUSD")
XAUUSD = get_instrument("XAUUSD")
USDJPY = get_instrument("USDJPY")
EURGBP = get_instrument("EURGBP")


# ---- to_decimal --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("1.10450", D("1.10450")),
        ("  2000.5 ", D("2000.5")),
        (3, D(3)),
        (1.1, D("1.1")),  # through the float's shortest repr, not its binary expansion
        (D("0.01"), D("0.01")),
        ("-0.5", D("-0.5")),
    ],
)
def test_to_decimal_accepts_numbers_and_numeric_text(value, expected):
    assert to_decimal(value) == expected
    assert isinstance(to_decimal(value), Decimal)


@pytest.mark.parametrize(
    "value",
    [
        "NaN",
        "nan",
        "sNaN",
        D("NaN"),
        float("nan"),
        "inf",
        "-Infinity",
        D("Infinity"),
        float("inf"),
        float("-inf"),
    ],
)
def test_to_decimal_rejects_nan_and_infinities(value):
    with pytest.raises(InvalidInput) as err:
        to_decimal(value, field="price")
    assert err.value.code == "validation_error"
    assert err.value.field == "price"


@pytest.mark.parametrize(
    "value", ["abc", "1.2.3", "1,5", "0x10", "--1", " ", "1" * 41, [1], {"a": 1}, object()]
)
def test_to_decimal_rejects_non_numeric_values(value):
    with pytest.raises(InvalidInput):
        to_decimal(value)


@pytest.mark.parametrize("value", [True, False])
def test_to_decimal_rejects_booleans(value):
    with pytest.raises(InvalidInput):
        to_decimal(value)


@pytest.mark.parametrize("value", ["1e12", "-1e12", "1E+999999", "9" * 13, "1e-21", "1E-999999", 10**13])
def test_to_decimal_rejects_absurd_magnitudes_and_exponents(value):
    with pytest.raises(InvalidInput):
        to_decimal(value)


def test_to_decimal_empty_is_required_unless_allowed():
    with pytest.raises(InvalidInput):
        to_decimal(None)
    with pytest.raises(InvalidInput):
        to_decimal("")
    assert to_decimal(None, allow_none=True) is None
    assert to_decimal("", allow_none=True) is None


# ---- money -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "amount, cents",
    [
        ("0.125", "0.12"),  # tie, 2 is even: down
        ("0.135", "0.14"),  # tie, 3 is odd: up
        ("-0.125", "-0.12"),  # symmetric for losses
        ("2.675", "2.68"),
        ("332.2259136", "332.23"),
        ("100", "100.00"),
    ],
)
def test_money_quantizes_to_cents_half_even(amount, cents):
    result = money(D(amount))
    assert result == D(cents)
    assert result.as_tuple().exponent == -2


def test_commission_half_cent_is_posted_half_even():
    # 0.50 lot x 2.25 per lot = 1.125 -> 1.12 (half-even; half-up would give 1.13).
    ex, acct = venue(commission_per_lot=D("2.25"))
    tick(ex, "EURUSD", "1.10000")
    ex.place(acct.id, order(lots="0.5"))
    assert ledger_of(ex, acct.id, "commission") == [D("-1.12")]


# ---- pips and P&L: the worked examples of docs/domain.md, Pips and P&L ----------------------------


def test_pips_eurusd_buy_ten_pips():
    # (1.10100 - 1.10000) x 1 / 0.0001 = 10
    assert positions.pips_between(EURUSD, D("1.10000"), D("1.10100"), 1) == 10


def test_pips_sell_losing_move_is_negative():
    # (1.10100 - 1.10000) x -1 / 0.0001 = -10
    assert positions.pips_between(EURUSD, D("1.10000"), D("1.10100"), -1) == -10


def test_pips_xauusd_buy_one_dollar_is_ten_pips():
    # (2001.00 - 2000.00) / 0.1 = 10
    assert positions.pips_between(XAUUSD, D("2000.00"), D("2001.00"), 1) == 10


def test_pips_usdjpy_half_yen_is_fifty_pips():
    # (150.500 - 150.000) / 0.01 = 50
    assert positions.pips_between(USDJPY, D("150.000"), D("150.500"), 1) == 50


def test_pnl_quote_is_move_times_lots_times_contract_size():
    # (1.10100 - 1.10000) x 1 x 0.5 x 100000 = 50 USD
    assert positions.pnl_quote(EURUSD, D("1.10000"), D("1.10100"), 1, D("0.5")) == 50


def _one_lot_round_trip(symbol: str, bought_at: str, sold_at: str):
    """1 lot of `symbol` bought and closed a minute later, zero spread; (ex, acct, trade, its one exit)."""
    ex, acct = venue()
    tick(ex, symbol, bought_at)
    trade = ex.place(acct.id, order(symbol, "buy", "1"))
    tick(ex, symbol, sold_at, time=at(1))
    ex.close(acct.id, trade.id)
    (exit_fill,) = fills_of(ex, trade, "exit")
    return ex, acct, trade, exit_fill


def test_close_eurusd_buy_ten_pips_books_one_hundred_dollars():
    # (1.10100 - 1.10000) x 1 lot x 100000 = 100.00 USD; quote currency == account currency.
    ex, acct, trade, exit_fill = _one_lot_round_trip("EURUSD", "1.10000", "1.10100")
    assert exit_fill.pips == 10
    assert exit_fill.pnl == D("100.00")
    assert ledger_of(ex, acct.id, "pnl") == [D("100.00")]
    assert acct.balance == D("10100.00")


def test_close_xauusd_buy_one_dollar_books_one_hundred_dollars():
    # (2001.00 - 2000.00) x 1 lot x 100 oz = 100.00 USD; 1.00 / 0.1 = 10 pips.
    ex, acct, trade, exit_fill = _one_lot_round_trip("XAUUSD", "2000.00", "2001.00")
    assert exit_fill.pips == 10
    assert exit_fill.pnl == D("100.00")
    assert trade.realized_pnl == D("100.00")


def test_close_usdjpy_buy_divides_yen_by_closing_price():
    # (150.500 - 150.000) x 1 x 100000 = 50000 JPY; base == account, so / 150.500
    # = 332.2259... -> 332.23 USD. 50 pips.
    ex, acct, trade, exit_fill = _one_lot_round_trip("USDJPY", "150.000", "150.500")
    assert exit_fill.pips == 50
    assert exit_fill.pnl == D("332.23")
    assert acct.balance == D("10332.23")


def test_close_eurgbp_buy_converts_through_gbpusd_mid():
    # (0.85100 - 0.85000) x 1 x 100000 = 100 GBP; GBPUSD mid (1.26990 + 1.27010) / 2 = 1.27000;
    # 100 x 1.27 = 127.00 USD.
    ex, acct = venue()
    tick(ex, "GBPUSD", "1.26990", "1.27010")
    tick(ex, "EURGBP", "0.85000")
    trade = ex.place(acct.id, order("EURGBP", "buy", "1"))
    tick(ex, "EURGBP", "0.85100", time=at(1))
    ex.close(acct.id, trade.id)
    assert fills_of(ex, trade, "exit")[0].pnl == D("127.00")


def test_pnl_eurusd_on_eur_account_divides_by_closing_price():
    # 100 USD on a EUR account: base == account, so 100 / 1.10100 = 90.8265... -> 90.83 EUR.
    amount = positions.pnl_account(EURUSD, D("1.10000"), D("1.10100"), 1, D(1), "EUR", board())
    assert money(amount) == D("90.83")


def test_conversion_rate_uses_the_inverse_pair_when_needed():
    # JPY -> USD through USDJPY mid 150.000: 1 / 150 per yen; 15000 JPY = 100.00 USD.
    market = board(quote("USDJPY", "149.990", "150.010"))
    assert money(D(15000) * conversion_rate("JPY", "USD", market)) == D("100.00")


def test_conversion_without_a_quote_raises_no_price():
    with pytest.raises(NoPrice):
        to_account_currency(D(100), EURGBP, "USD", board(), price=D("0.85"))


# ---- margin -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "symbol, lots, price, leverage, expected",
    [
        # 1 x 100000 x 1.10000 / 100 = 1100.00
        ("EURUSD", "1", "1.10000", 100, "1100.00"),
        # 0.5 x 100000 x 1.10000 / 30 = 1833.333... -> 1833.33
        ("EURUSD", "0.5", "1.10000", 30, "1833.33"),
        # 1 x 100 x 2000.00 / 100 = 2000.00
        ("XAUUSD", "1", "2000.00", 100, "2000.00"),
        # 1 x 100000 x 150.000 / 100 = 150000 JPY; base == account: / 150.000 = 1000.00 USD
        ("USDJPY", "1", "150.000", 100, "1000.00"),
    ],
)
def test_margin_is_lots_times_contract_times_price_over_leverage(symbol, lots, price, leverage, expected):
    instrument = get_instrument(symbol)
    result = positions.margin_for(instrument, D(lots), D(price), leverage, "USD", board())
    assert money(result) == D(expected)


def test_margin_eurgbp_converted_at_gbpusd_mid():
    # 1 x 100000 x 0.85000 = 85000 GBP x 1.27000 = 107950 USD / 100 = 1079.50
    market = board(quote("GBPUSD", "1.26990", "1.27010"))
    assert money(positions.margin_for(EURGBP, D(1), D("0.85000"), 100, "USD", market)) == D("1079.50")


def test_open_position_holds_margin_at_entry_price():
    # Buy fills at ask 1.10020: 1 x 100000 x 1.10020 / 100 = 1100.20
    ex, acct = venue()
    tick(ex, "EURUSD", "1.10000", "1.10020")
    trade = ex.place(acct.id, order())
    assert money(trade.margin) == D("1100.20")
    assert money(ex.portfolios[acct.id].margin_used()) == D("1100.20")


def test_margin_level_is_equity_over_margin_used_and_none_without_margin():
    ex, acct = venue()
    tick(ex, "EURUSD", "1.10000")
    pf = ex.portfolios[acct.id]
    assert pf.margin_level(ex.market) is None
    ex.place(acct.id, order())
    # equity 10000, margin 1100: 10000 / 1100 x 100 = 909.0909...
    assert pf.margin_level(ex.market).quantize(D("0.01")) == D("909.09")
