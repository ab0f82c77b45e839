"""Trailing stops (docs/domain.md, Fills): a distance in pips that ratchets only in the trader's favour."""

from paper_trading.domain.orders import ExitReason, Status

from .factories import D, at, fills_of, order, placed, tick


def _trail_after(ex, trade, price: str, *, minutes: float):
    """The trade's trailing stop after one EURUSD quote at `price` (bid == ask), `minutes` after T0."""
    tick(ex, "EURUSD", price, time=at(minutes))
    return trade.trailing_stop_price


def test_buy_trailing_stop_starts_its_distance_below_entry():
    # 1.10000 - 20 x 0.0001 = 1.09800
    ex, acct, trade = placed(order(side="buy", trailing_stop_pips="20"))
    assert trade.trailing_stop_price == D("1.09800")


def test_buy_trailing_stop_ratchets_up_and_never_down():
    ex, acct, trade = placed(order(side="buy", trailing_stop_pips="20"))
    # Bid 1.10500: 1.10500 - 0.00200 = 1.10300.
    assert _trail_after(ex, trade, "1.10500", minutes=1) == D("1.10300")
    # Bid falls to 1.10400: 1.10200 would loosen the stop; it stays at 1.10300.
    assert _trail_after(ex, trade, "1.10400", minutes=2) == D("1.10300")
    # A one-point rise to 1.10501 moves it one point: 1.10301.
    assert _trail_after(ex, trade, "1.10501", minutes=3) == D("1.10301")


def test_buy_trailing_stop_closes_with_reason_trailing_stop():
    # Trail to 1.10300 at bid 1.10500, then bid 1.10300: (1.10300 - 1.10000) x 100000 = +300.00, +30 pips.
    ex, acct, trade = placed(order(side="buy", trailing_stop_pips="20"))
    tick(ex, "EURUSD", "1.10500", time=at(1))
    tick(ex, "EURUSD", "1.10300", time=at(2))
    assert trade.status is Status.CLOSED
    assert trade.exit_reason == ExitReason.TRAILING_STOP
    (exit_fill,) = fills_of(ex, trade, "exit")
    assert exit_fill.price == D("1.10300")
    assert exit_fill.pnl == D("300.00")
    assert exit_fill.pips == 30


def test_sell_trailing_stop_ratchets_down_and_never_up():
    ex, acct, trade = placed(order(side="sell", trailing_stop_pips="20"))
    # 1.10000 + 0.00200 = 1.10200 at entry.
    assert trade.trailing_stop_price == D("1.10200")
    # Ask 1.09500: 1.09500 + 0.00200 = 1.09700.
    assert _trail_after(ex, trade, "1.09500", minutes=1) == D("1.09700")
    # Ask back up to 1.09600 (1.09800 would loosen it): stays 1.09700.
    assert _trail_after(ex, trade, "1.09600", minutes=2) == D("1.09700")


def test_sell_trailing_stop_closes_at_the_ask_with_reason_trailing_stop():
    # Trail 1.09700; ask 1.09700: (1.09700 - 1.10000) x -1 x 100000 = +300.00.
    ex, acct, trade = placed(order(side="sell", trailing_stop_pips="20"))
    tick(ex, "EURUSD", "1.09500", time=at(1))
    tick(ex, "EURUSD", "1.09680", "1.09700", time=at(2))
    assert trade.exit_reason == ExitReason.TRAILING_STOP
    assert fills_of(ex, trade, "exit")[0].price == D("1.09700")
    assert trade.realized_pnl == D("300.00")


def test_trailing_stop_gapped_through_fills_at_the_gapped_quote():
    # Trail 1.10300; bid gaps to 1.10200: (1.10200 - 1.10000) x 100000 = +200.00.
    ex, acct, trade = placed(order(side="buy", trailing_stop_pips="20"))
    tick(ex, "EURUSD", "1.10500", time=at(1))
    tick(ex, "EURUSD", "1.10200", time=at(2))
    assert fills_of(ex, trade, "exit")[0].price == D("1.10200")
    assert trade.realized_pnl == D("200.00")


def test_fixed_stop_tighter_than_the_trail_closes_as_sl_hit():
    # SL 1.09900 is above the trail 1.09800: the fixed stop is the effective one.
    ex, acct, trade = placed(order(side="buy", stop_loss="1.09900", trailing_stop_pips="20"))
    assert trade.effective_stop == D("1.09900")
    tick(ex, "EURUSD", "1.09900", time=at(1))
    assert trade.exit_reason == ExitReason.SL_HIT


def test_trail_that_overtakes_the_fixed_stop_closes_as_trailing_stop():
    # SL 1.09900; trail moves to 1.10300 at bid 1.10500 and becomes the effective stop.
    ex, acct, trade = placed(order(side="buy", stop_loss="1.09900", trailing_stop_pips="20"))
    tick(ex, "EURUSD", "1.10500", time=at(1))
    assert trade.effective_stop == D("1.10300")
    tick(ex, "EURUSD", "1.10300", time=at(2))
    assert trade.exit_reason == ExitReason.TRAILING_STOP


def test_trailing_stop_on_gold_uses_its_pip_size():
    # XAUUSD pip 0.1: 50 pips = 5.00. Entry 2000.00 -> trail 1995.00; bid 2010.00 -> 2005.00.
    ex, acct, trade = placed(order(symbol="XAUUSD", side="buy", trailing_stop_pips="50"), "2000.00")
    assert trade.trailing_stop_price == D("1995.00")
    tick(ex, "XAUUSD", "2010.00", time=at(1))
    assert trade.trailing_stop_price == D("2005.00")


def test_trailing_stop_added_by_modify_starts_from_the_current_bid():
    # Bid 1.10100 when the 20-pip trail is added: 1.10100 - 0.00200 = 1.09900.
    ex, acct, trade = placed(order(side="buy"))
    tick(ex, "EURUSD", "1.10100", time=at(1))
    ex.modify(acct.id, trade.id, {"trailing_stop_pips": D("20")})
    assert trade.trailing_stop_price == D("1.09900")
    tick(ex, "EURUSD", "1.10300", time=at(2))
    assert trade.trailing_stop_price == D("1.10100")
