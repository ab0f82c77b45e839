"""Performance statistics over closed trades and an equity series (docs/api.md, Reports `performance/`).

Pure functions: the engine, the backtest and the daily PerformanceMetrics job feed them plain
records, so every report is computed the same way. A statistic that is undefined for the input
(a win rate without trades, a profit factor without losses) is None, never a made-up 0.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal

from .errors import InvalidInput
from .numbers import ZERO, money

PIP_STEP = Decimal("0.1")
RATIO_STEP = Decimal("0.01")
HUNDRED = Decimal(100)
TRADING_DAYS = 252
ANNUALIZER = Decimal(TRADING_DAYS).sqrt()
# Trades that no signal source opened are the trader's own clicks.
NO_SOURCE = "manual"

# (time, balance, equity) as the `equity_curve/` endpoint serves it.
EquityPoint = tuple[datetime, Decimal, Decimal]


@dataclass(frozen=True, slots=True)
class ClosedTrade:
    """One closed ticket as the statistics see it; `pnl` is realized, net of costs, in account currency."""

    symbol: str
    source: str | None
    side: str
    entry_time: datetime
    exit_time: datetime
    pips: Decimal
    pnl: Decimal
    # Money at risk at entry (|entry - SL| x lots x contract_size, converted); None without a stop.
    initial_risk: Decimal | None = None
    planned_rr: Decimal | None = None

    @property
    def r_multiple(self) -> Decimal | None:
        """Realized P&L in units of the initial risk; None when nothing was at risk."""
        if self.initial_risk is None or self.initial_risk <= 0:
            return None
        return self.pnl / self.initial_risk

    @property
    def holding_seconds(self) -> float:
        return (self.exit_time - self.entry_time).total_seconds()


def pips(value: Decimal) -> Decimal:
    """Quantize a pip count to one decimal, half-even."""
    return value.quantize(PIP_STEP, rounding=ROUND_HALF_EVEN)


def ratio(value: Decimal) -> Decimal:
    """Quantize a ratio or percentage to two decimals, half-even."""
    return value.quantize(RATIO_STEP, rounding=ROUND_HALF_EVEN)


def _mean(values: Sequence[Decimal]) -> Decimal | None:
    return sum(values, ZERO) / len(values) if values else None


def _optional(value: Decimal | None, quantize) -> Decimal | None:
    return None if value is None else quantize(value)


def win_rate(wins: int, total: int) -> Decimal | None:
    """Winning trades as a percentage (0-100, 2 dp) of all trades; None without trades."""
    return ratio(Decimal(wins) * HUNDRED / total) if total else None


def max_drawdown(series: Iterable[EquityPoint]) -> tuple[Decimal, Decimal]:
    """Largest peak-to-trough fall of equity: (money, percent of the peak it fell from).

    Each figure is its own maximum, like MT5's maximal and relative drawdowns: a 50 % fall from a
    small peak and a larger fall in money from a higher peak are both reported. (0, 0) for an
    empty or never-falling series.
    """
    peak: Decimal | None = None
    worst_money = ZERO
    worst_pct = ZERO
    for _time, _balance, equity in series:
        if peak is None or equity > peak:
            peak = equity
            continue
        fall = peak - equity
        worst_money = max(worst_money, fall)
        if peak > 0:
            worst_pct = max(worst_pct, fall * HUNDRED / peak)
    return money(worst_money), ratio(worst_pct)


def daily_equity(series: Iterable[EquityPoint]) -> list[tuple[date, Decimal]]:
    """The last equity of each UTC day, oldest first (points are sorted by time first)."""
    last: dict[date, Decimal] = {}
    for time, _balance, equity in sorted(series, key=lambda point: point[0]):
        if time.tzinfo is None:
            raise InvalidInput("Equity times must be timezone-aware.", field="time")
        last[time.astimezone(UTC).date()] = equity
    return sorted(last.items())


def daily_returns(series: Iterable[EquityPoint]) -> list[Decimal]:
    """Simple returns between consecutive UTC days' closing equity: r_d = e_d / e_{d-1} - 1.

    A day following a zero or negative equity has no defined return and is skipped.
    """
    closes = [equity for _day, equity in daily_equity(series)]
    return [
        today / yesterday - 1 for yesterday, today in zip(closes, closes[1:], strict=False) if yesterday > 0
    ]


def sharpe_ratio(returns: Sequence[Decimal]) -> Decimal | None:
    """Annualized Sharpe ratio (risk-free rate 0): mean / sample stdev x sqrt(252).

    None with fewer than two returns or no variation, where the ratio means nothing.
    """
    if len(returns) < 2:
        return None
    mean = _mean(returns)
    variance = sum(((r - mean) ** 2 for r in returns), ZERO) / (len(returns) - 1)
    if variance == 0:
        return None
    return ratio(mean / variance.sqrt() * ANNUALIZER)


def sortino_ratio(returns: Sequence[Decimal]) -> Decimal | None:
    """Annualized Sortino ratio (target 0): mean / downside deviation x sqrt(252).

    Downside deviation = sqrt(mean over all days of min(r, 0)^2), as empyrical computes it.
    None with fewer than two returns or no losing day.
    """
    if len(returns) < 2:
        return None
    downside = sum((min(r, ZERO) ** 2 for r in returns), ZERO) / len(returns)
    if downside == 0:
        return None
    return ratio(_mean(returns) / downside.sqrt() * ANNUALIZER)


def max_consecutive_losses(trades: Iterable[ClosedTrade]) -> int:
    """Longest run of losing trades (pnl < 0) in the given order; a break-even trade ends a run."""
    longest = run = 0
    for trade in trades:
        run = run + 1 if trade.pnl < 0 else 0
        longest = max(longest, run)
    return longest


def balance_series(trades: Sequence[ClosedTrade], initial_balance: Decimal) -> list[EquityPoint]:
    """Balance after each closed trade (equity = balance), starting from the initial balance.

    Stands in for the equity series when none is recorded (e.g. a backtest without snapshots).
    """
    ordered = sorted(trades, key=lambda trade: trade.exit_time)
    if not ordered:
        return []
    points: list[EquityPoint] = [(ordered[0].entry_time, initial_balance, initial_balance)]
    balance = initial_balance
    for trade in ordered:
        balance += trade.pnl
        points.append((trade.exit_time, balance, balance))
    return points


def breakdown(trades: Iterable[ClosedTrade], key) -> dict[str, dict]:
    """Per-group figures ({trades, wins, win_rate, pnl, pips}) keyed by `key(trade)`, sorted by name."""
    groups: dict[str, list[ClosedTrade]] = defaultdict(list)
    for trade in trades:
        groups[key(trade)].append(trade)
    result = {}
    for name in sorted(groups):
        members = groups[name]
        wins = sum(1 for trade in members if trade.pnl > 0)
        result[name] = {
            "trades": len(members),
            "wins": wins,
            "win_rate": win_rate(wins, len(members)),
            "pnl": money(sum((trade.pnl for trade in members), ZERO)),
            "pips": pips(sum((trade.pips for trade in members), ZERO)),
        }
    return result


def performance_report(
    trades: Sequence[ClosedTrade],
    *,
    initial_balance: Decimal,
    current_balance: Decimal,
    equity: Decimal,
    equity_series: Sequence[EquityPoint] | None = None,
) -> dict:
    """The `performance/` figures (docs/api.md, Reports) for closed trades and an equity series.

    Drawdown, Sharpe and Sortino come from `equity_series`; without one (None or empty) they
    come from the balance after each closed trade. `gross_loss` and `avg_loss` are positive
    magnitudes; `worst_trade` keeps its sign. Undefined figures are None.
    """
    ordered = sorted(trades, key=lambda trade: trade.exit_time)
    total = len(ordered)
    wins = [trade.pnl for trade in ordered if trade.pnl > 0]
    losses = [-trade.pnl for trade in ordered if trade.pnl < 0]
    gross_profit = sum(wins, ZERO)
    gross_loss = sum(losses, ZERO)
    total_pnl = sum((trade.pnl for trade in ordered), ZERO)
    planned = [trade.planned_rr for trade in ordered if trade.planned_rr is not None]
    r_multiples = [r for trade in ordered if (r := trade.r_multiple) is not None]

    series = list(equity_series) if equity_series else balance_series(ordered, initial_balance)
    drawdown, drawdown_pct = max_drawdown(series)
    returns = daily_returns(series)

    return {
        "total_trades": total,
        "winning_trades": len(wins),
        "losing_trades": len(losses),
        "breakeven_trades": total - len(wins) - len(losses),
        "win_rate": win_rate(len(wins), total),
        "total_pips": pips(sum((trade.pips for trade in ordered), ZERO)),
        "total_pnl": money(total_pnl),
        "gross_profit": money(gross_profit),
        "gross_loss": money(gross_loss),
        "profit_factor": ratio(gross_profit / gross_loss) if gross_loss else None,
        "expectancy": money(total_pnl / total) if total else None,
        "avg_win": _optional(_mean(wins), money),
        "avg_loss": _optional(_mean(losses), money),
        "avg_rr": _optional(_mean(planned), ratio),
        "avg_r_multiple": _optional(_mean(r_multiples), ratio),
        "max_drawdown": drawdown,
        "max_drawdown_pct": drawdown_pct,
        "sharpe": sharpe_ratio(returns),
        "sortino": sortino_ratio(returns),
        "best_trade": money(max(trade.pnl for trade in ordered)) if total else None,
        "worst_trade": money(min(trade.pnl for trade in ordered)) if total else None,
        "avg_holding_seconds": round(sum(t.holding_seconds for t in ordered) / total) if total else None,
        "max_consecutive_losses": max_consecutive_losses(ordered),
        "current_balance": money(current_balance),
        "equity": money(equity),
        "by_symbol": breakdown(ordered, lambda trade: trade.symbol),
        "by_source": breakdown(ordered, lambda trade: trade.source or NO_SOURCE),
    }
