"""Plain-dict views of trades and accounts: the REST body and the WebSocket event payload
are the same object (docs/websocket.md), so both are built here."""

from __future__ import annotations

from decimal import Decimal

from .domain import positions
from .domain.instruments import get_instrument
from .domain.numbers import money
from .domain.quotes import Market
from .models import Account, PaperTrade
from .persistence import ticket_from_row


def _s(value) -> str | None:
    return None if value is None else str(value)


def format_price(value, digits: int) -> str | None:
    """A price at the instrument's digits (more only when it really has more, e.g. a netted average)."""
    if value is None:
        return None
    rounded = value.quantize(Decimal(1).scaleb(-digits))
    return str(rounded) if rounded == value else str(value.normalize())


def _pct(value) -> str | None:
    """A percentage without storage padding: 2.000 -> "2", 0.50 -> "0.5"."""
    return None if value is None else format(value.normalize(), "f")


def iso(value) -> str | None:
    """An aware datetime as ISO 8601 with a Z, the form every response and event uses."""
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def trade_dict(row: PaperTrade, market: Market, *, fills=None) -> dict:
    instrument = get_instrument(row.symbol)
    digits = instrument.digits
    risk_reward = None
    if row.entry_price is not None or row.price is not None:
        reference = row.entry_price if row.entry_price is not None else (row.limit_price or row.price)
        rr = positions.reward_risk(
            reference, row.stop_loss, row.take_profit_1, 1 if row.side == "buy" else -1
        )
        risk_reward = None if rr is None else str(rr.quantize(Decimal("0.01")))
    r_multiple = None
    if row.status == PaperTrade.Status.CLOSED and row.initial_risk:
        r_multiple = str((row.profit_loss / row.initial_risk).quantize(Decimal("0.01")))
    data = {
        "id": row.pk,
        "account": row.account_id,
        "pair": row.symbol,
        "symbol": row.symbol,
        "order_type": row.side,
        "side": row.side,
        "entry_type": row.entry_type,
        "status": row.status,
        "lot_size": _s(row.lot_size),
        "original_lot_size": _s(row.original_lot_size),
        "price": format_price(row.price, digits),
        "limit_price": format_price(row.limit_price, digits),
        "time_in_force": row.time_in_force,
        "expire_at": iso(row.expire_at),
        "oco_with": row.oco_with_id,
        "client_order_id": row.client_order_id,
        "requested_price": format_price(row.requested_price, digits),
        "entry_price": format_price(row.entry_price, digits),
        "stop_loss": format_price(row.stop_loss, digits),
        "take_profit_1": format_price(row.take_profit_1, digits),
        "take_profit_2": format_price(row.take_profit_2, digits),
        "take_profit_3": format_price(row.take_profit_3, digits),
        "tp_levels_hit": row.tp_levels_hit,
        "breakeven_after_tp1": row.breakeven_after_tp1,
        "trailing_stop_pips": _s(row.trailing_stop_pips),
        "trailing_stop_price": format_price(row.trailing_stop_price, digits),
        "entry_time": iso(row.entry_time),
        "exit_time": iso(row.exit_time),
        "exit_price": format_price(row.exit_price, digits),
        "exit_reason": row.exit_reason or None,
        "pips_gained": str(row.pips_gained.quantize(Decimal("0.1"))),
        "profit_loss": str(money(row.profit_loss)),
        "realized_pnl": str(money(row.realized_pnl)),
        "commission": str(money(row.commission)),
        "swap": str(money(row.swap)),
        "risk_reward_ratio": risk_reward,
        "r_multiple": r_multiple,
        "signal_id": row.signal_id or None,
        "signal_type": row.signal_type or None,
        "signal_source": row.signal_source or None,
        "notes": row.notes,
        "created_at": iso(row.created_at),
    }
    if fills is not None:
        data["fills"] = [
            {
                "id": f.pk,
                "kind": f.kind,
                "side": f.side,
                "lot_size": str(f.lot_size),
                "price": format_price(f.price, digits),
                "time": iso(f.time),
                "reason": f.reason,
                "pnl": str(f.pnl),
                "pips": str(f.pips.quantize(Decimal("0.1"))),
                "commission": str(f.commission),
            }
            for f in fills
        ]
    if row.status == PaperTrade.Status.OPEN:
        quote = market.quote(row.symbol)
        data["current_price"] = data["unrealized_pips"] = data["unrealized_pnl"] = None
        if quote is not None:
            ticket = ticket_from_row(row)
            try:
                pips, pnl = positions.unrealized(ticket, instrument, quote, account_currency(row), market)
            except Exception:  # noqa: BLE001 - a missing conversion quote leaves the figure unknown
                pips, pnl = None, None
            data["current_price"] = format_price(positions.mark_price(ticket, quote), digits)
            data["unrealized_pips"] = None if pips is None else str(pips.quantize(Decimal("0.1")))
            data["unrealized_pnl"] = None if pnl is None else str(money(pnl))
    return data


def account_currency(row: PaperTrade) -> str:
    account = row._state.fields_cache.get("account")
    return (
        account.currency
        if account is not None
        else Account.objects.values_list("currency", flat=True).get(pk=row.account_id)
    )


def account_dict(account: Account, figures: dict) -> dict:
    """Account fields (docs/api.md, Accounts); `figures` carries equity, unrealized, margin
    (computed live)."""
    return {
        "id": account.pk,
        "name": account.name,
        "currency": account.currency,
        "initial_balance": str(account.initial_balance),
        "balance": str(account.balance),
        "equity": _s(figures.get("equity")),
        "unrealized_pnl": _s(figures.get("unrealized_pnl")),
        "margin_used": _s(figures.get("margin_used")),
        "free_margin": _s(figures.get("free_margin")),
        "margin_level": _s(figures.get("margin_level")),
        "leverage": account.leverage,
        "mode": account.mode,
        "slippage_pips": str(account.slippage_pips),
        "commission_per_lot": str(account.commission_per_lot),
        "commission_pct": _pct(account.commission_pct),
        "max_risk_per_trade_pct": _pct(account.max_risk_per_trade_pct),
        "max_portfolio_heat_pct": _pct(account.max_portfolio_heat_pct),
        "max_daily_loss_pct": _pct(account.max_daily_loss_pct),
        "auto_execute_signals": account.auto_execute_signals,
        "min_signal_confidence": _pct(account.min_signal_confidence),
        "default_risk_pct": _pct(account.default_risk_pct),
        "is_default": account.is_default,
        "margin_call": account.margin_call,
        # The current period's number (GET accounts/{id}/periods/): it changes on a reset, so a
        # screen that hears it change knows its trade lists are of the old period.
        "period": account.period.number if account.period_id else None,
        "created_at": iso(account.created_at),
    }
