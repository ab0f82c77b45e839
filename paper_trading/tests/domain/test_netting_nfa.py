"""Account modes (docs/domain.md, Account modes): netting (one position per symbol) and NFA (no hedging, FIFO,
leverage caps), against the default hedging mode."""

import pytest

from paper_trading.domain.errors import BusinessRefusal
from paper_trading.domain.numbers import money
from paper_trading.domain.orders import Status

from .factories import D, at, fills_of, ledger_of, order, placed, tick, venue

# ---- hedging (default) ---------------------------------------------------------------------


def test_hedging_keeps_opposite_trades_side_by_side():
    ex, acct, buy = placed(order(side="buy"))
    sell = ex.place(acct.id, order(side="sell"))
    assert buy is not sell
    assert {t.status for t in (buy, sell)} == {Status.OPEN}
    assert len(ex.portfolios[acct.id].open_tickets("EURUSD")) == 2


# ---- netting -------------------------------------------------------------------------------


def test_netting_same_side_adds_at_the_average_price():
    # 1 lot at 1.10000 + 1 lot at 1.10200: (1.10000 + 1.10200) / 2 = 1.10100 on 2 lots.
    ex, acct, first = placed(order(side="buy", lots="1"), mode="netting")
    tick(ex, "EURUSD", "1.10200", time=at(1))
    second = ex.place(acct.id, order(side="buy", lots="1"))
    assert second is first
    assert first.lots == D("2")
    assert first.original_lots == D("2")
    assert first.entry_price == D("1.10100")
    assert [f.lots for f in fills_of(ex, first, "entry")] == [D("1"), D("1")]
    assert len(ex.portfolios[acct.id].open_tickets("EURUSD")) == 1


def test_netting_average_is_weighted_by_lots():
    # (1 x 1.10000 + 3 x 1.10100) / 4 = (1.10000 + 3.30300) / 4 = 1.10075
    ex, acct, position = placed(order(lots="1"), mode="netting")
    tick(ex, "EURUSD", "1.10100", time=at(1))
    ex.place(acct.id, order(lots="3"))
    assert position.entry_price == D("1.10075")
    # Closing all 4 lots at 1.10175: 0.00100 x 4 x 100000 = 400.00
    tick(ex, "EURUSD", "1.10175", time=at(2))
    ex.close(acct.id, position.id)
    assert ledger_of(ex, acct.id, "pnl") == [D("400.00")]


def test_netting_added_lots_add_their_margin():
    # 1 x 100000 x 1.10000 / 100 = 1100 plus 1 x 100000 x 1.10200 / 100 = 1102: 2202.00
    ex, acct, position = placed(order(lots="1"), mode="netting")
    tick(ex, "EURUSD", "1.10200", time=at(1))
    ex.place(acct.id, order(lots="1"))
    assert money(position.margin) == D("2202.00")


def test_netting_opposite_order_reduces_the_position():
    # Buy 1 at 1.10000, sell 0.4 at 1.10100: closes 0.4 lot, 0.00100 x 0.4 x 100000 = 40.00.
    ex, acct, position = placed(order(side="buy", lots="1"), mode="netting")
    tick(ex, "EURUSD", "1.10100", time=at(1))
    result = ex.place(acct.id, order(side="sell", lots="0.4"))
    assert result is position
    assert position.status is Status.OPEN
    assert position.lots == D("0.6")
    (exit_fill,) = fills_of(ex, position, "exit")
    assert (exit_fill.lots, exit_fill.pnl, exit_fill.reason) == (D("0.4"), D("40.00"), "netting")
    assert len(ex.active()) == 1


def test_netting_equal_opposite_order_closes_the_position():
    ex, acct, position = placed(order(side="buy", lots="1"), mode="netting")
    tick(ex, "EURUSD", "1.10100", time=at(1))
    ex.place(acct.id, order(side="sell", lots="1"))
    assert position.status is Status.CLOSED
    assert ex.active() == []
    assert acct.balance == D("10100.00")


def test_netting_larger_opposite_order_flips_the_position():
    # Buy 1 at 1.10000; sell 1.5 at 1.10100: the buy closes (+100.00), a 0.5 lot sell opens at 1.10100.
    ex, acct, long = placed(order(side="buy", lots="1"), mode="netting")
    tick(ex, "EURUSD", "1.10100", time=at(1))
    short = ex.place(acct.id, order(side="sell", lots="1.5"))
    assert long.status is Status.CLOSED
    assert long.realized_pnl == D("100.00")
    assert short is not long
    assert (short.side, short.status, short.lots, short.entry_price) == (
        "sell",
        Status.OPEN,
        D("0.5"),
        D("1.10100"),
    )
    assert [t.id for t in ex.portfolios[acct.id].open_tickets("EURUSD")] == [short.id]


def test_netting_resting_limit_fills_into_the_position_once():
    # Buy 1 at 1.10000, then a buy limit 1 lot at 1.09900 fills into it: 2 lots at 1.09950.
    # Later quotes at and through the limit must not add to the position again.
    ex, acct, position = placed(order(side="buy", lots="1"), mode="netting")
    limit = ex.place(acct.id, order(side="buy", lots="1", entry_type="limit", price="1.09900"))
    tick(ex, "EURUSD", "1.09900", time=at(1))
    assert position.lots == D("2")
    assert position.entry_price == D("1.09950")
    assert not limit.is_active
    tick(ex, "EURUSD", "1.10000", time=at(2))
    tick(ex, "EURUSD", "1.09800", time=at(3))
    assert position.lots == D("2")
    assert len(fills_of(ex, position, "entry")) == 2
    assert ex.active() == [position]


def test_netting_resting_opposite_limit_reduces_once():
    # Buy 1 at 1.10000; a sell limit 0.5 at 1.10100 reduces it to 0.5 lot (+50.00), once.
    ex, acct, position = placed(order(side="buy", lots="1"), mode="netting")
    ex.place(acct.id, order(side="sell", lots="0.5", entry_type="limit", price="1.10100"))
    tick(ex, "EURUSD", "1.10100", time=at(1))
    tick(ex, "EURUSD", "1.10000", time=at(2))
    tick(ex, "EURUSD", "1.10150", time=at(3))
    assert position.lots == D("0.5")
    assert ledger_of(ex, acct.id, "pnl") == [D("50.00")]


# ---- NFA -----------------------------------------------------------------------------------


def test_nfa_opposite_order_is_refused_as_hedging():
    ex, acct = venue(mode="nfa")
    tick(ex, "EURUSD", "1.10000")
    ex.place(acct.id, order(side="buy"))
    with pytest.raises(BusinessRefusal) as err:
        ex.place(acct.id, order(side="sell"))
    assert err.value.code == "hedging_not_allowed"
    assert err.value.status == 422
    assert len(ex.active()) == 1


def test_nfa_same_side_orders_open_separate_trades():
    ex, acct, first = placed(order(side="buy"), mode="nfa")
    second = ex.place(acct.id, order(side="buy"))
    assert first is not second
    assert len(ex.active()) == 2


def test_nfa_closing_the_newer_trade_first_is_a_fifo_violation():
    ex, acct, older = placed(order(side="buy"), mode="nfa")
    tick(ex, "EURUSD", "1.10010", time=at(1))
    newer = ex.place(acct.id, order(side="buy"))
    with pytest.raises(BusinessRefusal) as err:
        ex.close(acct.id, newer.id)
    assert err.value.code == "fifo_violation"
    assert (older.status, newer.status) == (Status.OPEN, Status.OPEN)
    assert fills_of(ex, newer, "exit") == []


def test_nfa_closing_oldest_first_is_allowed_then_the_next():
    ex, acct, older = placed(order(side="buy"), mode="nfa")
    tick(ex, "EURUSD", "1.10010", time=at(1))
    newer = ex.place(acct.id, order(side="buy"))
    ex.close(acct.id, older.id)
    ex.close(acct.id, newer.id)
    assert older.status is Status.CLOSED
    assert newer.status is Status.CLOSED


def test_nfa_fifo_is_per_symbol():
    ex, acct = venue(mode="nfa")
    tick(ex, "EURUSD", "1.10000")
    tick(ex, "GBPUSD", "1.27000")
    ex.place(acct.id, order("EURUSD"))
    tick(ex, "GBPUSD", "1.27010", time=at(1))
    gbp = ex.place(acct.id, order("GBPUSD"))
    ex.close(acct.id, gbp.id)
    assert gbp.status is Status.CLOSED


def test_nfa_caps_metal_leverage_at_20():
    # Account leverage 100, NFA: XAUUSD capped at 20:1. 0.5 x 100 x 2000.00 / 20 = 5000.00
    # (a hedging account at 100:1 holds 0.5 x 100 x 2000 / 100 = 1000.00).
    ex, acct, trade = placed(order("XAUUSD", lots="0.5"), "2000.00", mode="nfa", leverage=100)
    assert money(trade.margin) == D("5000.00")
    hx, hacct = venue(leverage=100)
    tick(hx, "XAUUSD", "2000.00")
    assert money(hx.place(hacct.id, order("XAUUSD", lots="0.5")).margin) == D("1000.00")


def test_nfa_caps_major_pair_leverage_at_50():
    # 1 x 100000 x 1.10000 / 50 = 2200.00
    ex, acct = venue(mode="nfa", leverage=100)
    tick(ex, "EURUSD", "1.10000")
    assert money(ex.place(acct.id, order("EURUSD")).margin) == D("2200.00")


def test_nfa_keeps_an_account_leverage_below_the_cap():
    # min(10, 50) = 10: 0.1 x 100000 x 1.10000 / 10 = 1100.00
    ex, acct = venue(mode="nfa", leverage=10)
    tick(ex, "EURUSD", "1.10000")
    assert money(ex.place(acct.id, order("EURUSD", lots="0.1")).margin) == D("1100.00")


def test_nfa_leverage_cap_can_make_margin_insufficient():
    # Balance 5000: gold 1 lot needs 1 x 100 x 2000 / 20 = 10000.00 > 5000 in NFA.
    ex, acct = venue("5000", mode="nfa", leverage=100)
    tick(ex, "XAUUSD", "2000.00")
    with pytest.raises(BusinessRefusal) as err:
        ex.place(acct.id, order("XAUUSD", lots="1"))
    assert err.value.code == "insufficient_margin"


def test_netting_resting_order_absorbed_into_the_position_is_no_longer_pending():
    ex, acct, position = placed(order(side="buy", lots="1"), mode="netting")
    limit = ex.place(acct.id, order(side="buy", lots="1", entry_type="limit", price="1.09900"))
    tick(ex, "EURUSD", "1.09900", time=at(1))
    assert limit.status is Status.CANCELLED
    assert f"#{position.id}" in limit.notes
    assert fills_of(ex, limit) == []


def test_netting_oco_order_filling_into_the_position_cancels_its_sibling():
    ex, acct, position = placed(order(side="buy", lots="1"), mode="netting")
    first = ex.place(acct.id, order(side="buy", lots="0.5", entry_type="limit", price="1.09900"))
    second = ex.place(
        acct.id, order(side="sell", lots="0.5", entry_type="limit", price="1.10100", oco_with=first.id)
    )
    tick(ex, "EURUSD", "1.09900", time=at(1))
    assert position.lots == D("1.5")
    assert second.status is Status.CANCELLED
    tick(ex, "EURUSD", "1.10100", time=at(2))
    assert position.lots == D("1.5")
