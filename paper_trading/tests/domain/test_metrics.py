"""Performance statistics, with every figure worked by hand in the comments."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paper_trading.domain.errors import InvalidInput
from paper_trading.domain.metrics import (
    ClosedTrade,
    daily_returns,
    max_consecutive_losses,
    max_drawdown,
    performance_report,
    sharpe_ratio,
    sortino_ratio,
)

D = Decimal
T0 = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
DOCUMENTED_KEYS = {
    "total_trades",
    "winning_trades",
    "losing_trades",
    "breakeven_trades",
    "win_rate",
    "total_pips",
    "total_pnl",
    "gross_profit",
    "gross_loss",
    "profit_factor",
    "expectancy",
    "avg_win",
    "avg_loss",
    "avg_rr",
    "avg_r_multiple",
    "max_drawdown",
    "max_drawdown_pct",
    "sharpe",
    "sortino",
    "best_trade",
    "worst_trade",
    "avg_holding_seconds",
    "max_consecutive_losses",
    "current_balance",
    "equity",
    "by_symbol",
    "by_source",
}


def trade(pnl, *, pips="0", symbol="EURUSD", source=None, entry=T0, held=HOUR, risk=None, rr=None):
    return ClosedTrade(
        symbol=symbol,
        source=source,
        side="buy",
        entry_time=entry,
        exit_time=entry + held,
        pips=D(pips),
        pnl=D(pnl),
        initial_risk=None if risk is None else D(risk),
        planned_rr=None if rr is None else D(rr),
    )


def daily(*equities) -> list:
    """One equity point per UTC day, starting on T0's day; balance = equity."""
    return [(T0 + n * DAY, D(e), D(e)) for n, e in enumerate(equities)]


def report(trades, *, series=None, initial="10000", balance="10075", equity="10075"):
    return performance_report(
        trades,
        initial_balance=D(initial),
        current_balance=D(balance),
        equity=D(equity),
        equity_series=series,
    )


# +100 (EURUSD, ema_cross, held 1 h, risk 50, planned 2), -50 (USDJPY, no source, held 2 h, risk 50),
# +25 (EURUSD, ema_cross, held 30 min, risk 25, planned 1.5); all closed on 2024-03-04.
THREE = [
    trade("100", pips="20.0", source="ema_cross", entry=T0, held=HOUR, risk="50", rr="2"),
    trade("-50", pips="-10.0", symbol="USDJPY", entry=T0 + 2 * HOUR, held=2 * HOUR, risk="50"),
    trade("25", pips="5.5", source="ema_cross", entry=T0 + 5 * HOUR, held=HOUR / 2, risk="25", rr="1.5"),
]


def test_report_has_exactly_the_contract_keys():
    assert set(report(THREE)) == DOCUMENTED_KEYS
    assert set(report([])) == DOCUMENTED_KEYS


def test_three_trades_counts_and_win_rate():
    # 2 of 3 trades won: 2 / 3 x 100 = 66.666... -> 66.67.
    result = report(THREE)
    assert (result["total_trades"], result["winning_trades"], result["losing_trades"]) == (3, 2, 1)
    assert result["breakeven_trades"] == 0
    assert result["win_rate"] == D("66.67")


def test_three_trades_money_figures():
    # Gross profit 100 + 25 = 125.00; gross loss 50.00; profit factor 125 / 50 = 2.50;
    # total 75.00; expectancy 75 / 3 = 25.00; avg win 125 / 2 = 62.50; avg loss 50.00.
    result = report(THREE)
    assert result["gross_profit"] == D("125.00")
    assert result["gross_loss"] == D("50.00")
    assert result["profit_factor"] == D("2.50")
    assert result["total_pnl"] == D("75.00")
    assert result["expectancy"] == D("25.00")
    assert result["avg_win"] == D("62.50")
    assert result["avg_loss"] == D("50.00")
    assert (result["best_trade"], result["worst_trade"]) == (D("100.00"), D("-50.00"))


def test_three_trades_pips_r_multiples_and_holding_time():
    # Pips 20.0 - 10.0 + 5.5 = 15.5. R multiples 100/50 = 2, -50/50 = -1, 25/25 = 1 -> mean 2/3 = 0.67.
    # Planned RR only where set: (2 + 1.5) / 2 = 1.75. Holding (3600 + 7200 + 1800) / 3 = 4200 s.
    result = report(THREE)
    assert result["total_pips"] == D("15.5")
    assert result["avg_r_multiple"] == D("0.67")
    assert result["avg_rr"] == D("1.75")
    assert result["avg_holding_seconds"] == 4200
    assert result["max_consecutive_losses"] == 1


def test_three_trades_without_series_draw_down_on_closed_balances():
    # Balances 10000 -> 10100 -> 10050 -> 10075: peak 10100, trough 10050, drawdown 50.00,
    # 50 / 10100 x 100 = 0.495... -> 0.50 %. All on one UTC day: no daily return, no Sharpe.
    result = report(THREE)
    assert result["max_drawdown"] == D("50.00")
    assert result["max_drawdown_pct"] == D("0.50")
    assert result["sharpe"] is None and result["sortino"] is None


def test_three_trades_breakdown_by_symbol_and_source():
    # EURUSD: +100, +25 -> 2 trades, 2 wins, 100.00 %, 125.00, 25.5 pips. USDJPY: -50 -> 0 wins.
    # The USDJPY trade has no source: it is the trader's own ("manual").
    eurusd = {"trades": 2, "wins": 2, "win_rate": D("100.00"), "pnl": D("125.00"), "pips": D("25.5")}
    usdjpy = {"trades": 1, "wins": 0, "win_rate": D("0.00"), "pnl": D("-50.00"), "pips": D("-10.0")}
    result = report(THREE)
    assert result["by_symbol"] == {"EURUSD": eurusd, "USDJPY": usdjpy}
    assert result["by_source"] == {"ema_cross": eurusd, "manual": usdjpy}


def test_balance_and_equity_are_quantized_to_cents():
    result = report(THREE, balance="10075.005", equity="10080.015")
    assert (result["current_balance"], result["equity"]) == (D("10075.00"), D("10080.02"))


def test_money_rounds_half_even():
    # 0.125 -> 0.12 and 0.135 -> 0.14: ties go to the even cent, as the ledger posts them.
    assert report([trade("0.125")])["total_pnl"] == D("0.12")
    assert report([trade("0.135")])["total_pnl"] == D("0.14")


def test_no_trades_reports_zero_counts_and_undefined_ratios_as_none():
    result = report([], balance="10000", equity="10000")
    assert result["total_trades"] == 0
    assert result["total_pnl"] == D("0.00") and result["total_pips"] == D("0.0")
    for key in ("win_rate", "profit_factor", "expectancy", "avg_win", "avg_loss", "avg_rr"):
        assert result[key] is None, key
    for key in ("avg_r_multiple", "best_trade", "worst_trade", "avg_holding_seconds", "sharpe", "sortino"):
        assert result[key] is None, key
    assert result["max_drawdown"] == D("0.00") and result["max_drawdown_pct"] == D("0.00")
    assert result["max_consecutive_losses"] == 0
    assert result["by_symbol"] == {} and result["by_source"] == {}


def test_only_winners_leave_profit_factor_and_avg_loss_none():
    result = report([trade("10"), trade("30")])
    assert result["profit_factor"] is None
    assert result["avg_loss"] is None
    assert result["gross_loss"] == D("0.00")


def test_zero_pnl_trade_counts_as_breakeven_not_loss():
    # +10, 0, -10: one win, one loss, one break-even; win rate 1 / 3 = 33.33.
    result = report([trade("10"), trade("0"), trade("-10")])
    assert (result["winning_trades"], result["losing_trades"], result["breakeven_trades"]) == (1, 1, 1)
    assert result["win_rate"] == D("33.33")


def test_trades_without_risk_are_left_out_of_avg_r_multiple():
    # Only the first trade has a risk: 40 / 20 = 2.00.
    assert report([trade("40", risk="20"), trade("-30")])["avg_r_multiple"] == D("2.00")


def test_report_uses_the_given_series_for_drawdown_and_ratios():
    # 10000 -> 10500 -> 9450 -> 10200: peak 10500, trough 9450, 1050.00 = 1050 / 10500 = 10.00 %.
    result = report(THREE, series=daily("10000", "10500", "9450", "10200"))
    assert result["max_drawdown"] == D("1050.00")
    assert result["max_drawdown_pct"] == D("10.00")
    assert result["sharpe"] is not None


def test_max_drawdown_series_example():
    assert max_drawdown(daily("10000", "10500", "9450", "10200")) == (D("1050.00"), D("10.00"))


def test_max_drawdown_reports_largest_money_and_largest_percent_separately():
    # 100 -> 50 falls 50 = 50 % of its peak; 1000 -> 900 falls 100 = 10 %.
    # The largest fall in money is 100.00, the largest in percent 50.00.
    assert max_drawdown(daily("100", "50", "1000", "900")) == (D("100.00"), D("50.00"))


def test_max_drawdown_of_rising_or_empty_series_is_zero():
    assert max_drawdown(daily("100", "110", "120")) == (D("0.00"), D("0.00"))
    assert max_drawdown([]) == (D("0.00"), D("0.00"))


def test_daily_returns_take_the_last_point_of_each_utc_day():
    # 2024-03-05 03:00 at +05:00 is 2024-03-04 22:00 UTC, so it closes 4 March at 10100.
    # 5 March closes at 10201: 10201 / 10100 - 1 = 0.01.
    plus5 = timezone(timedelta(hours=5))
    series = [
        (datetime(2024, 3, 4, 10, tzinfo=UTC), D("10000"), D("10000")),
        (datetime(2024, 3, 5, 3, tzinfo=plus5), D("10100"), D("10100")),
        (datetime(2024, 3, 5, 12, tzinfo=UTC), D("10201"), D("10201")),
    ]
    assert daily_returns(series) == [D("0.01")]
    assert daily_returns(list(reversed(series))) == [D("0.01")]


def test_daily_returns_skip_a_day_after_zero_equity():
    # 100 -> 0 is -100 %; the day after 0 has no defined return.
    assert daily_returns(daily("100", "0", "50")) == [D("-1")]


def test_daily_returns_reject_naive_times():
    with pytest.raises(InvalidInput):
        daily_returns([(datetime(2024, 3, 4, 10), D("1"), D("1"))])


def test_sharpe_and_sortino_of_alternating_one_pct_days():
    # Equity 10000 -> 10100 -> 9999 -> 10098.99: returns a, -a, a with a = 0.01.
    # mean = a/3; sample variance = ((2a/3)^2 + (4a/3)^2 + (2a/3)^2) / 2 = 4a^2/3; stdev = 2a/sqrt(3).
    # Sharpe = (a/3) / (2a/sqrt(3)) x sqrt(252) = sqrt(756) / 6 = 27.4955 / 6 = 4.5826 -> 4.58.
    # Downside deviation = sqrt((0 + a^2 + 0) / 3) = a/sqrt(3);
    # Sortino = (a/3) / (a/sqrt(3)) x sqrt(252) = sqrt(756) / 3 = 9.1652 -> 9.17.
    series = daily("10000", "10100", "9999", "10098.99")
    assert daily_returns(series) == [D("0.01"), D("-0.01"), D("0.01")]
    result = report([], series=series)
    assert (result["sharpe"], result["sortino"]) == (D("4.58"), D("9.17"))


def test_sharpe_and_sortino_need_two_returns():
    assert sharpe_ratio([D("0.01")]) is None
    assert sortino_ratio([D("-0.01")]) is None


def test_sharpe_is_none_without_variation():
    assert sharpe_ratio([D("0.01"), D("0.01"), D("0.01")]) is None


def test_sortino_is_none_without_a_losing_day():
    assert sortino_ratio([D("0.01"), D("0.02"), D("0")]) is None


def test_max_consecutive_losses_counts_the_longest_run_and_breakeven_ends_it():
    # -10, -20 (run 2), 0 ends it, -5, -5, -5 (run 3), +10.
    pnls = ["-10", "-20", "0", "-5", "-5", "-5", "10"]
    assert max_consecutive_losses([trade(p) for p in pnls]) == 3


def test_report_orders_trades_by_exit_time_for_streaks():
    # Given out of order, by exit time the pnl sequence is -1, -1, +1: a streak of 2.
    loss_1 = trade("-1", entry=T0)
    loss_2 = trade("-1", entry=T0 + HOUR)
    win = trade("1", entry=T0 + 2 * HOUR)
    assert report([loss_1, win, loss_2])["max_consecutive_losses"] == 2


@given(st.lists(st.decimals(min_value=-1000, max_value=1000, places=2), max_size=30))
def test_trade_counts_add_up_and_total_pnl_is_profit_minus_loss(pnls):
    result = report([trade(p, entry=T0 + n * HOUR) for n, p in enumerate(pnls)])
    assert result["winning_trades"] + result["losing_trades"] + result["breakeven_trades"] == len(pnls)
    assert result["total_pnl"] == result["gross_profit"] - result["gross_loss"]
    assert result["max_drawdown"] >= 0
