"""The take-profit ladder (docs/domain.md, Fills): fixed fractions of the original size, each partial close
its own fill with its own realized P&L, and break-even after TP1 when asked."""

from paper_trading.domain.instruments import get_instrument
from paper_trading.domain.orders import ExitReason, Status
from paper_trading.domain.trading import tp_close_lots

from .factories import D, at, events_of, fills_of, ledger_of, order, tick, ticket, venue

LADDER = {"take_profit_1": "1.10100", "take_profit_2": "1.10200", "take_profit_3": "1.10300"}


def _buy(ex, acct, lots="1", **fields):
    tick(ex, "EURUSD", "1.10000")
    return ex.place(acct.id, order(side="buy", lots=lots, **fields))


def test_three_levels_close_50_30_20_percent_each_with_its_own_pnl():
    # 1 lot from 1.10000, all at the levels, no costs:
    # TP1 0.50 lot x 0.00100 x 100000 = 50.00; TP2 0.30 x 0.00200 x 100000 = 60.00;
    # TP3 0.20 x 0.00300 x 100000 = 60.00.
    ex, acct = venue()
    trade = _buy(ex, acct, stop_loss="1.09900", **LADDER)
    tick(ex, "EURUSD", "1.10100", time=at(1))
    assert (trade.status, trade.lots, trade.tp_levels_hit) == (Status.OPEN, D("0.5"), 1)
    tick(ex, "EURUSD", "1.10200", time=at(2))
    assert (trade.lots, trade.tp_levels_hit) == (D("0.2"), 2)
    tick(ex, "EURUSD", "1.10300", time=at(3))
    assert trade.status is Status.CLOSED
    assert trade.exit_reason == ExitReason.TP3_HIT
    exits = fills_of(ex, trade, "exit")
    assert [(f.lots, f.price, f.pnl, f.reason) for f in exits] == [
        (D("0.5"), D("1.10100"), D("50.00"), "tp1_hit"),
        (D("0.3"), D("1.10200"), D("60.00"), "tp2_hit"),
        (D("0.2"), D("1.10300"), D("60.00"), "tp3_hit"),
    ]
    assert ledger_of(ex, acct.id, "pnl") == [D("50.00"), D("60.00"), D("60.00")]
    # 50 + 60 + 60 = 170.00
    assert trade.realized_pnl == D("170.00")
    assert acct.balance == D("10170.00")
    # Pips weighted by lots of the original size: 10 x 0.5 + 20 x 0.3 + 30 x 0.2 = 17.
    assert trade.pips_gained == 17


def test_two_levels_close_half_then_the_rest():
    # 1 lot: TP1 0.50 x 0.00100 x 100000 = 50.00; TP2 the remaining 0.50 x 0.00200 x 100000 = 100.00.
    ex, acct = venue()
    trade = _buy(ex, acct, take_profit_1="1.10100", take_profit_2="1.10200")
    tick(ex, "EURUSD", "1.10100", time=at(1))
    tick(ex, "EURUSD", "1.10200", time=at(2))
    assert [(f.lots, f.pnl) for f in fills_of(ex, trade, "exit")] == [
        (D("0.5"), D("50.00")),
        (D("0.5"), D("100.00")),
    ]
    assert trade.exit_reason == ExitReason.TP2_HIT


def test_one_level_closes_everything():
    # 0.7 lot x 0.00100 x 100000 = 70.00
    ex, acct = venue()
    trade = _buy(ex, acct, lots="0.7", take_profit_1="1.10100")
    tick(ex, "EURUSD", "1.10100", time=at(1))
    assert [(f.lots, f.pnl) for f in fills_of(ex, trade, "exit")] == [(D("0.7"), D("70.00"))]
    assert trade.status is Status.CLOSED
    assert trade.exit_reason == ExitReason.TP1_HIT


def test_gap_through_two_levels_takes_both_at_their_levels():
    # Bid gaps to 1.10250: TP1 0.5 lot at 1.10100 (+50.00), TP2 0.3 lot at 1.10200 (+60.00); TP3 waits.
    ex, acct = venue()
    trade = _buy(ex, acct, **LADDER)
    tick(ex, "EURUSD", "1.10250", time=at(1))
    assert [(f.lots, f.price, f.pnl) for f in fills_of(ex, trade, "exit")] == [
        (D("0.5"), D("1.10100"), D("50.00")),
        (D("0.3"), D("1.10200"), D("60.00")),
    ]
    assert trade.lots == D("0.2")
    assert trade.status is Status.OPEN


def test_sell_ladder_closes_fractions_at_its_levels():
    # Sell 1 lot at 1.10000: TP1 1.09900 0.5 lot -> 50.00; TP2 1.09800 0.3 -> 60.00; TP3 1.09700 0.2 -> 60.00.
    ex, acct = venue()
    tick(ex, "EURUSD", "1.10000")
    trade = ex.place(
        acct.id,
        order(side="sell", take_profit_1="1.09900", take_profit_2="1.09800", take_profit_3="1.09700"),
    )
    tick(ex, "EURUSD", "1.09600", time=at(1))
    assert [(f.lots, f.price, f.pnl) for f in fills_of(ex, trade, "exit")] == [
        (D("0.5"), D("1.09900"), D("50.00")),
        (D("0.3"), D("1.09800"), D("60.00")),
        (D("0.2"), D("1.09700"), D("60.00")),
    ]
    assert trade.status is Status.CLOSED


def test_each_partial_close_charges_commission_for_its_lots():
    # 10.00 per lot: entry 1 lot -10.00; TP1 0.5 -5.00; TP2 0.3 -3.00; TP3 0.2 -2.00.
    ex, acct = venue(commission_per_lot=D("10"))
    trade = _buy(ex, acct, **LADDER)
    tick(ex, "EURUSD", "1.10300", time=at(1))
    assert ledger_of(ex, acct.id, "commission") == [D("-10.00"), D("-5.00"), D("-3.00"), D("-2.00")]
    assert [f.commission for f in fills_of(ex, trade, "exit")] == [D("5.00"), D("3.00"), D("2.00")]
    # 10000 + 170 - 20 = 10150.00
    assert acct.balance == D("10150.00")


def test_breakeven_after_tp1_moves_the_stop_to_entry():
    # After TP1 (0.5 lot, +50.00) the stop goes to 1.10000; back at 1.10000 the rest closes at 0.00.
    ex, acct = venue()
    trade = _buy(ex, acct, stop_loss="1.09900", breakeven_after_tp1=True, **LADDER)
    tick(ex, "EURUSD", "1.10100", time=at(1))
    assert trade.stop_loss == D("1.10000")
    assert any(e.reason == "breakeven" for e in events_of(ex, "trade_updated"))
    tick(ex, "EURUSD", "1.10000", time=at(2))
    assert trade.status is Status.CLOSED
    assert trade.exit_reason == ExitReason.SL_HIT
    assert [(f.lots, f.pnl) for f in fills_of(ex, trade, "exit")] == [
        (D("0.5"), D("50.00")),
        (D("0.5"), D("0")),
    ]
    assert trade.realized_pnl == D("50.00")


def test_breakeven_after_tp1_sets_a_stop_when_there_was_none():
    ex, acct = venue()
    tick(ex, "EURUSD", "1.10000")
    trade = ex.place(
        acct.id,
        order(side="sell", breakeven_after_tp1=True, take_profit_1="1.09900", take_profit_2="1.09800"),
    )
    tick(ex, "EURUSD", "1.09900", time=at(1))
    assert trade.stop_loss == D("1.10000")


def test_without_breakeven_flag_the_stop_stays_after_tp1():
    # TP1 +50.00 on 0.5 lot; then the original SL 1.09900 closes the rest: 0.5 x -0.00100 x 100000 = -50.00.
    ex, acct = venue()
    trade = _buy(ex, acct, stop_loss="1.09900", **LADDER)
    tick(ex, "EURUSD", "1.10100", time=at(1))
    assert trade.stop_loss == D("1.09900")
    tick(ex, "EURUSD", "1.10000", time=at(2))
    assert trade.status is Status.OPEN
    tick(ex, "EURUSD", "1.09900", time=at(3))
    assert [f.pnl for f in fills_of(ex, trade, "exit")] == [D("50.00"), D("-50.00")]
    assert trade.realized_pnl == D("0.00")


def test_breakeven_never_loosens_a_stop_already_in_profit():
    # The stop was moved to 1.10050 before TP1; break-even (1.10000) would loosen it, so it stays.
    ex, acct = venue()
    trade = _buy(ex, acct, stop_loss="1.09900", breakeven_after_tp1=True, **LADDER)
    tick(ex, "EURUSD", "1.10080", time=at(1))
    ex.modify(acct.id, trade.id, {"stop_loss": D("1.10050")})
    tick(ex, "EURUSD", "1.10100", time=at(2))
    assert trade.stop_loss == D("1.10050")


def test_tp_close_lots_rounds_down_to_the_lot_step():
    # 0.05 lot with three levels: 0.025 -> 0.02, then 0.015 -> 0.01, the last takes the rest 0.02.
    eurusd = get_instrument("EURUSD")
    trade = ticket(
        lots="0.05", status=Status.OPEN, take_profit_1="1.101", take_profit_2="1.102", take_profit_3="1.103"
    )
    assert tp_close_lots(trade, eurusd) == D("0.02")
    trade.tp_levels_hit, trade.lots = 1, D("0.03")
    assert tp_close_lots(trade, eurusd) == D("0.01")
    trade.tp_levels_hit, trade.lots = 2, D("0.02")
    assert tp_close_lots(trade, eurusd) == D("0.02")


def test_tp_close_lots_of_a_minimum_lot_closes_it_all_at_tp1():
    # 0.01 lot x 50 % = 0.005 rounds down to 0; at least one min lot (0.01), i.e. everything.
    eurusd = get_instrument("EURUSD")
    trade = ticket(lots="0.01", status=Status.OPEN, take_profit_1="1.101", take_profit_2="1.102")
    assert tp_close_lots(trade, eurusd) == D("0.01")


def test_minimum_lot_with_a_ladder_closes_once_and_only_once():
    ex, acct = venue()
    trade = _buy(ex, acct, lots="0.01", **LADDER)
    tick(ex, "EURUSD", "1.10400", time=at(1))
    assert trade.status is Status.CLOSED
    assert [f.lots for f in fills_of(ex, trade, "exit")] == [D("0.01")]
