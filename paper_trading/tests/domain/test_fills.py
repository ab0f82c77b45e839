"""The fill model (docs/domain.md, Fills): quote sides, slippage, commission, gaps, and the bar walk."""

from decimal import Decimal

import pytest

from paper_trading.domain.fills import Bar
from paper_trading.domain.orders import ExitReason, Side, Status

from .factories import D, at, bar_ticks, fills_of, ledger_of, order, placed, tick, venue, walk_bar

# ---- market orders and closes --------------------------------------------------------------


def test_market_buy_fills_at_ask():
    ex, acct, trade = placed(order(side="buy"), "1.10000", "1.10020")
    assert trade.status is Status.OPEN
    assert trade.entry_price == D("1.10020")


def test_market_sell_fills_at_bid():
    ex, acct, trade = placed(order(side="sell"), "1.10000", "1.10020")
    assert trade.entry_price == D("1.10000")


def test_close_buy_fills_at_bid():
    # In at ask 1.10020, out at bid 1.10000 on the same quote: -0.00020 x 100000 = -20.00 (the spread).
    ex, acct, trade = placed(order(side="buy"), "1.10000", "1.10020")
    ex.close(acct.id, trade.id)
    (exit_fill,) = fills_of(ex, trade, "exit")
    assert exit_fill.price == D("1.10000")
    assert exit_fill.pnl == D("-20.00")


def test_close_sell_fills_at_ask():
    # In at bid 1.10000, out at ask 1.10020: (1.10020 - 1.10000) x -1 x 100000 = -20.00.
    ex, acct, trade = placed(order(side="sell"), "1.10000", "1.10020")
    ex.close(acct.id, trade.id)
    (exit_fill,) = fills_of(ex, trade, "exit")
    assert exit_fill.price == D("1.10020")
    assert exit_fill.pnl == D("-20.00")


def test_open_buy_is_valued_at_bid_and_sell_at_ask():
    ex, acct = venue()
    tick(ex, "EURUSD", "1.10000")
    ex.place(acct.id, order(side="buy"))
    ex.place(acct.id, order(side="sell"))
    tick(ex, "EURUSD", "1.10050", "1.10070", time=at(1))
    # buy: (1.10050 - 1.10000) x 100000 = +50; sell: (1.10070 - 1.10000) x -1 x 100000 = -70.
    assert ex.equity(acct.id) == D("10000") + D("50") - D("70")


def test_partial_close_books_its_own_fill_and_keeps_the_rest_open():
    # Close 0.40 of 1 lot at 1.10100: 0.001 x 0.4 x 100000 = 40.00; 0.60 lot stays open.
    ex, acct, trade = placed(order(lots="1"))
    tick(ex, "EURUSD", "1.10100", time=at(1))
    ex.close(acct.id, trade.id, lots=D("0.4"))
    assert trade.status is Status.OPEN
    assert trade.lots == D("0.6")
    assert trade.original_lots == D("1")
    assert ledger_of(ex, acct.id, "pnl") == [D("40.00")]


# ---- slippage ------------------------------------------------------------------------------


def test_slippage_moves_market_buy_up_and_sell_down():
    # 0.5 pip = 0.00005 against the trader: buy 1.10020 + 0.00005, sell 1.10000 - 0.00005.
    ex, acct, buy = placed(order(side="buy"), "1.10000", "1.10020", slippage_pips=D("0.5"))
    sell = ex.place(acct.id, order(side="sell"))
    assert buy.entry_price == D("1.10025")
    assert sell.entry_price == D("1.09995")


def test_slippage_moves_closes_against_the_trader():
    # Close buy at bid 1.10000 - 0.00005; close sell at ask 1.10020 + 0.00005.
    ex, acct, buy = placed(order(side="buy"), "1.10000", "1.10020", slippage_pips=D("0.5"))
    sell = ex.place(acct.id, order(side="sell"))
    ex.close(acct.id, buy.id)
    ex.close(acct.id, sell.id)
    assert fills_of(ex, buy, "exit")[0].price == D("1.09995")
    assert fills_of(ex, sell, "exit")[0].price == D("1.10025")


# ---- commission ----------------------------------------------------------------------------


def test_commission_per_lot_is_posted_at_entry_and_at_exit():
    # 7.00 per lot per side, 1 lot: -7.00 on entry, -7.00 on exit; P&L 0.001 x 100000 = 100.00.
    ex, acct, trade = placed(order(lots="1"), commission_per_lot=D("7"))
    assert [(e.kind, e.amount) for e in ex.ledgers[acct.id]] == [
        ("deposit", D("10000.00")),
        ("commission", D("-7.00")),
    ]
    tick(ex, "EURUSD", "1.10100", time=at(1))
    ex.close(acct.id, trade.id)
    assert [(e.kind, e.amount) for e in ex.ledgers[acct.id]][2:] == [
        ("pnl", D("100.00")),
        ("commission", D("-7.00")),
    ]
    assert trade.commission == D("14.00")
    # 10000 - 7 + 100 - 7 = 10086.00
    assert acct.balance == D("10086.00")
    assert [f.commission for f in fills_of(ex, trade)] == [D("7.00"), D("7.00")]


def test_commission_pct_is_charged_on_the_notional_of_each_fill():
    # 0.01 %: entry 1 x 100000 x 1.10000 = 110000 x 0.0001 = 11.00;
    # exit 1 x 100000 x 1.10100 = 110100 x 0.0001 = 11.01.
    ex, acct, trade = placed(order(lots="1"), commission_pct=D("0.01"))
    tick(ex, "EURUSD", "1.10100", time=at(1))
    ex.close(acct.id, trade.id)
    assert ledger_of(ex, acct.id, "commission") == [D("-11.00"), D("-11.01")]


def test_commission_on_partial_close_is_for_the_closed_lots_only():
    # 5.00 per lot: entry 1 lot -5.00, partial 0.3 lot -1.50, rest 0.7 lot -3.50.
    ex, acct, trade = placed(order(lots="1"), commission_per_lot=D("5"))
    ex.close(acct.id, trade.id, lots=D("0.3"))
    ex.close(acct.id, trade.id)
    assert ledger_of(ex, acct.id, "commission") == [D("-5.00"), D("-1.50"), D("-3.50")]


# ---- stop losses: at or through the level, gaps fill at the gapped quote ---------------------


def test_close_buy_at_gap_fills_at_gap_price():
    # SL 1.09900; bid gaps to 1.09800: filled at 1.09800, worse than the level.
    # (1.09800 - 1.10000) x 100000 = -200.00, -20 pips.
    ex, acct, trade = placed(order(side="buy", stop_loss="1.09900"))
    tick(ex, "EURUSD", "1.09800", time=at(1))
    assert trade.status is Status.CLOSED
    assert trade.exit_reason == ExitReason.SL_HIT
    (exit_fill,) = fills_of(ex, trade, "exit")
    assert exit_fill.price == D("1.09800")
    assert exit_fill.pnl == D("-200.00")
    assert exit_fill.pips == -20


def test_close_sell_at_gap_fills_at_gap_ask():
    # Sell SL 1.10100; ask gaps to 1.10250: (1.10250 - 1.10000) x -1 x 100000 = -250.00.
    ex, acct, trade = placed(order(side="sell", stop_loss="1.10100"))
    tick(ex, "EURUSD", "1.10250", time=at(1))
    assert trade.exit_reason == ExitReason.SL_HIT
    assert fills_of(ex, trade, "exit")[0].price == D("1.10250")
    assert trade.realized_pnl == D("-250.00")


def test_stop_loss_touched_exactly_fills_at_the_level():
    # (1.09900 - 1.10000) x 100000 = -100.00
    ex, acct, trade = placed(order(side="buy", stop_loss="1.09900"))
    tick(ex, "EURUSD", "1.09901", time=at(1))
    assert trade.status is Status.OPEN
    tick(ex, "EURUSD", "1.09900", time=at(2))
    assert fills_of(ex, trade, "exit")[0].price == D("1.09900")
    assert trade.realized_pnl == D("-100.00")


def test_buy_stop_loss_triggers_on_bid_not_ask():
    # Bid 1.09890 is through SL 1.09900 even though ask 1.09910 is above it.
    ex, acct, trade = placed(order(side="buy", stop_loss="1.09900"))
    tick(ex, "EURUSD", "1.09905", "1.09925", time=at(1))
    assert trade.status is Status.OPEN
    tick(ex, "EURUSD", "1.09890", "1.09910", time=at(2))
    assert trade.status is Status.CLOSED
    assert fills_of(ex, trade, "exit")[0].price == D("1.09890")


def test_sell_stop_loss_triggers_on_ask_not_bid():
    # Ask 1.10110 is through SL 1.10100 while bid 1.10090 is still below it.
    ex, acct, trade = placed(order(side="sell", stop_loss="1.10100"))
    tick(ex, "EURUSD", "1.10090", "1.10110", time=at(1))
    assert trade.status is Status.CLOSED
    assert fills_of(ex, trade, "exit")[0].price == D("1.10110")


def test_stop_loss_gap_fill_also_takes_slippage():
    # Gapped bid 1.09800, then 1 pip against the buyer: 1.09790.
    # Entry at ask 1.10000 + 0.00010 = 1.10010.
    ex, acct, trade = placed(order(side="buy", stop_loss="1.09900"), slippage_pips=D("1"))
    assert trade.entry_price == D("1.10010")
    tick(ex, "EURUSD", "1.09800", time=at(1))
    assert fills_of(ex, trade, "exit")[0].price == D("1.09790")


# ---- take profits: at the level, never better ----------------------------------------------


def test_take_profit_buy_gapped_beyond_fills_at_the_level():
    # TP 1.10100, bid gaps to 1.10300: filled at 1.10100 -> 0.001 x 100000 = +100.00.
    ex, acct, trade = placed(order(side="buy", take_profit_1="1.10100"))
    tick(ex, "EURUSD", "1.10300", time=at(1))
    assert trade.status is Status.CLOSED
    assert trade.exit_reason == ExitReason.TP1_HIT
    assert fills_of(ex, trade, "exit")[0].price == D("1.10100")
    assert trade.realized_pnl == D("100.00")


def test_take_profit_sell_gapped_beyond_fills_at_the_level():
    # Sell TP 1.09900, ask gaps to 1.09700: filled at 1.09900 -> (1.09900 - 1.10000) x -1 x 100000 = +100.00.
    ex, acct, trade = placed(order(side="sell", take_profit_1="1.09900"))
    tick(ex, "EURUSD", "1.09700", time=at(1))
    assert fills_of(ex, trade, "exit")[0].price == D("1.09900")
    assert trade.realized_pnl == D("100.00")


def test_take_profit_fills_at_the_level_without_slippage():
    # A limit fills at its level; slippage only applies to market and stop fills.
    ex, acct, trade = placed(order(side="buy", take_profit_1="1.10100"), slippage_pips=D("2"))
    tick(ex, "EURUSD", "1.10150", time=at(1))
    assert fills_of(ex, trade, "exit")[0].price == D("1.10100")


def test_sell_take_profit_waits_for_the_ask():
    # Bid 1.09890 is past TP 1.09900 but ask 1.09910 is not: a sell closes at ask.
    ex, acct, trade = placed(order(side="sell", take_profit_1="1.09900"))
    tick(ex, "EURUSD", "1.09890", "1.09910", time=at(1))
    assert trade.status is Status.OPEN
    tick(ex, "EURUSD", "1.09880", "1.09900", time=at(2))
    assert trade.status is Status.CLOSED


def test_quote_between_stop_and_target_does_nothing():
    ex, acct, trade = placed(order(side="buy", stop_loss="1.09900", take_profit_1="1.10100"))
    assert tick(ex, "EURUSD", "1.10050", time=at(1)) == 0
    assert trade.status is Status.OPEN
    assert fills_of(ex, trade, "exit") == []


# ---- replaying bars: the walk and the SL-first rule -----------------------------------------


def test_bar_ticks_walks_bullish_bar_open_low_high_close():
    assert bar_ticks("1.1000", "1.1020", "1.0990", "1.1010") == [
        D("1.1000"),
        D("1.0990"),
        D("1.1020"),
        D("1.1010"),
    ]


def test_bar_ticks_walks_bearish_bar_open_high_low_close():
    assert bar_ticks("1.1000", "1.1020", "1.0990", "1.0995") == [
        D("1.1000"),
        D("1.1020"),
        D("1.0990"),
        D("1.0995"),
    ]


def test_bearish_bar_with_buy_sl_and_tp_inside_takes_the_sl_first():
    # Buy at 1.10000, SL 1.09900, TP 1.10100. Bearish bar O 1.10000 H 1.10150 L 1.09850 C 1.09950
    # is walked O->H->L->C: the TP is reached first on the H tick, but both levels lie in the bar,
    # so the SL is taken, at its level: (1.09900 - 1.10000) x 100000 = -100.00.
    ex, acct, trade = placed(order(side="buy", stop_loss="1.09900", take_profit_1="1.10100"))
    walk_bar(ex, "EURUSD", "1.10000", "1.10150", "1.09850", "1.09950", at(1))
    assert trade.status is Status.CLOSED
    assert trade.exit_reason == ExitReason.SL_HIT
    (exit_fill,) = fills_of(ex, trade, "exit")
    assert exit_fill.price == D("1.09900")
    assert trade.realized_pnl == D("-100.00")


def test_bullish_bar_with_buy_sl_and_tp_inside_takes_the_sl_on_the_low_tick():
    # Bullish bar O 1.10000 H 1.10150 L 1.09850 C 1.10050 is walked O->L->H->C: the first quote
    # at or through SL 1.09900 is the L tick 1.09850, where the stop fills (gap rule):
    # (1.09850 - 1.10000) x 100000 = -150.00. The TP is never touched.
    ex, acct, trade = placed(order(side="buy", stop_loss="1.09900", take_profit_1="1.10100"))
    walk_bar(ex, "EURUSD", "1.10000", "1.10150", "1.09850", "1.10050", at(1))
    assert trade.exit_reason == ExitReason.SL_HIT
    (exit_fill,) = fills_of(ex, trade, "exit")
    assert exit_fill.price == D("1.09850")
    assert trade.realized_pnl == D("-150.00")


def test_bullish_bar_with_sell_sl_and_tp_inside_takes_the_sl_first():
    # Sell at 1.10000, SL 1.10100, TP 1.09900. Bullish bar walked O->L->H->C reaches the TP on the
    # L tick 1.09850, but the bar's high 1.10150 reaches the SL: SL at its level,
    # (1.10100 - 1.10000) x -1 x 100000 = -100.00.
    ex, acct, trade = placed(order(side="sell", stop_loss="1.10100", take_profit_1="1.09900"))
    walk_bar(ex, "EURUSD", "1.10000", "1.10150", "1.09850", "1.10050", at(1))
    assert trade.exit_reason == ExitReason.SL_HIT
    assert [f.price for f in fills_of(ex, trade, "exit")] == [D("1.10100")]
    assert trade.realized_pnl == D("-100.00")


def test_sl_first_rule_with_explicit_bar_on_the_tp_tick():
    # One tick at the TP, told that the bar's low 1.09850 reached the SL 1.09900: SL first.
    ex, acct, trade = placed(order(side="buy", stop_loss="1.09900", take_profit_1="1.10100"))
    tick(ex, "EURUSD", "1.10150", time=at(1), bar=Bar(low=D("1.09850"), high=D("1.10150")))
    assert trade.exit_reason == ExitReason.SL_HIT
    assert fills_of(ex, trade, "exit")[0].price == D("1.09900")


def test_bar_reaching_only_the_tp_takes_the_tp():
    # Bar L 1.09950 stays above SL 1.09900: TP 1.10100 at its level, +100.00.
    ex, acct, trade = placed(order(side="buy", stop_loss="1.09900", take_profit_1="1.10100"))
    walk_bar(ex, "EURUSD", "1.10000", "1.10150", "1.09950", "1.09960", at(1))
    assert trade.exit_reason == ExitReason.TP1_HIT
    assert trade.realized_pnl == D("100.00")


def test_sell_sl_first_rule_counts_the_spread_on_the_bar_high():
    # Bid bar high 1.10090 + spread 0.00020 = ask high 1.10110 >= SL 1.10100: the SL is taken.
    ex, acct, trade = placed(
        order(side="sell", stop_loss="1.10100", take_profit_1="1.09900"), "1.10000", "1.10020"
    )
    assert trade.entry_price == D("1.10000")
    walk_bar(ex, "EURUSD", "1.10000", "1.10090", "1.09850", "1.10050", at(1), spread="0.00020")
    assert trade.exit_reason == ExitReason.SL_HIT
    assert fills_of(ex, trade, "exit")[0].price == D("1.10100")


@pytest.mark.parametrize("side", [Side.BUY, Side.SELL])
def test_no_trade_is_touched_by_a_bar_inside_its_levels(side):
    ex, acct = venue()
    tick(ex, "EURUSD", "1.10000")
    sl, tp = ("1.09900", "1.10100") if side is Side.BUY else ("1.10100", "1.09900")
    trade = ex.place(acct.id, order(side=str(side), stop_loss=sl, take_profit_1=tp))
    walk_bar(ex, "EURUSD", "1.10000", "1.10050", "1.09950", "1.10010", at(1))
    assert trade.status is Status.OPEN
    assert trade.realized_pnl == Decimal(0)
