"""Order-time rules in account currency (docs/domain.md, Risk rules at order time): risk, heat,
daily loss, margin, NFA."""

from decimal import Decimal

from .errors import BusinessRefusal
from .instruments import Instrument


def effective_leverage(account_leverage: int, instrument: Instrument, mode: str) -> int:
    """NFA accounts are capped at the instrument's NFA leverage (50:1 majors, 20:1 others)."""
    if mode == "nfa":
        return min(account_leverage, instrument.max_leverage)
    return account_leverage


def check_risk_per_trade(risk: Decimal | None, equity: Decimal, max_pct: Decimal | None) -> None:
    if max_pct is None:
        return
    if risk is None:
        raise BusinessRefusal(
            "This account requires a stop loss on every order (max risk per trade is set).",
            code="stop_loss_required",
        )
    cap = equity * max_pct / 100
    if risk > cap:
        raise BusinessRefusal(
            f"Risk {risk:.2f} exceeds the per-trade cap {cap:.2f} ({max_pct}% of equity).",
            code="risk_per_trade_exceeded",
        )


def check_portfolio_heat(open_risk: Decimal, new_risk: Decimal | None, equity: Decimal, max_pct) -> None:
    if max_pct is None:
        return
    cap = equity * max_pct / 100
    total = open_risk + (new_risk or 0)
    if total > cap:
        raise BusinessRefusal(
            f"Open risk would be {total:.2f}, above the portfolio heat cap {cap:.2f} ({max_pct}% of equity).",
            code="portfolio_heat_exceeded",
        )


def check_daily_loss(loss_today: Decimal, day_start_balance: Decimal, max_pct) -> None:
    """`loss_today` is positive for a loss: -(realized since 00:00 UTC + unrealized)."""
    if max_pct is None or day_start_balance <= 0:
        return
    cap = day_start_balance * max_pct / 100
    if loss_today >= cap:
        raise BusinessRefusal(
            f"Today's loss {loss_today:.2f} has reached the daily limit {cap:.2f}.",
            code="daily_loss_limit_reached",
        )


def check_free_margin(required: Decimal, free_margin: Decimal) -> None:
    if required > free_margin:
        raise BusinessRefusal(
            f"Required margin {required:.2f} exceeds free margin {free_margin:.2f}.",
            code="insufficient_margin",
        )
