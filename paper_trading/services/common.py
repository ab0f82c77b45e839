"""What every write shares: the account lock and the after-save step (trigger book, margin
bands, snapshots, daily metrics, events after commit). The live figures are a read:
`selectors.account_figures`."""

from __future__ import annotations

import threading
from contextlib import contextmanager, nullcontext
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from .. import events, representations
from ..domain.exchange import ticket_levels
from ..domain.margin import band_key, band_levels
from ..domain.trading import Portfolio
from ..market import STATE, CachedMarket
from ..models import Account, EquitySnapshot, Fill, PaperTrade, PerformanceMetrics
from ..persistence import ACTIVE, PortfolioSession, lock_account, ticket_from_row
from ..selectors import account_figures

# SQLite has no row locks: serialize the embedded default's writers in-process instead.
_SQLITE_WRITE_LOCK = threading.RLock()


def write_lock():
    """The in-process lock SQLite's writers share; nothing on PostgreSQL (the row locks do it)."""
    return _SQLITE_WRITE_LOCK if connection.vendor == "sqlite" else nullcontext()


@contextmanager
def locked_portfolio(
    account_id: int, *, focus: str | None = None, ticket_ids=frozenset(), positions_only=False
):
    """Lock the account row and load its active tickets (`focus`: see PortfolioSession)."""
    with write_lock(), transaction.atomic():
        account = lock_account(account_id=account_id)
        session = PortfolioSession(account, focus=focus, ticket_ids=ticket_ids, positions_only=positions_only)
        yield session


def index_row(row: PaperTrade) -> None:
    """Register an active trade's trigger levels in this process's book, or drop a finished one."""
    if row.status in ACTIVE:
        ticket = ticket_from_row(row)
        STATE.upsert(row.symbol, row.pk, ticket_levels(ticket), ticket.expire_at)
    else:
        STATE.remove(row.symbol, row.pk)
    STATE.indexed[row.pk] = row.updated_at
    if row.status == PaperTrade.Status.OPEN:
        STATE.open_ids.add(row.pk)
    else:
        STATE.open_ids.discard(row.pk)


def reband(pf: Portfolio, market) -> None:
    """Re-register the account's margin band (docs/architecture.md, Margin bands) in the book."""
    key = band_key(pf.account.id)
    STATE.remove_everywhere(key)
    for symbol, levels in band_levels(pf, market).items():
        STATE.upsert(symbol, key, levels)


def after_save(session: PortfolioSession, rows: list[PaperTrade], market=None) -> None:
    """After a write's save: index the changed trades, re-band, snapshot and record the day's
    closes, and queue the events for after commit."""
    market = market or CachedMarket()
    pf = session.portfolio
    account = session.account
    for row in rows:
        index_row(row)
    reband(pf, market)
    outgoing = []
    closed_today = [r for r in rows if r.status == PaperTrade.Status.CLOSED and r.exit_time]
    if rows or pf.events:
        figures = account_figures(account, market, portfolio=pf)
        if figures["equity"] is not None and closed_today:
            EquitySnapshot.objects.create(
                account=account, time=timezone.now(), balance=account.balance, equity=figures["equity"]
            )
        if closed_today:
            _record_daily(account, closed_today, figures)
        by_id = {r.pk: r for r in rows}
        fills = _event_fills(session, pf.events)
        for event in pf.events:
            if event.type == "margin_call":
                outgoing.append(
                    {
                        "type": "margin_call",
                        "user_id": account.user_id,
                        "account": representations.account_dict(account, figures),
                    }
                )
                continue
            row = by_id.get(event.ticket.id) or session.rows.get(event.ticket.id)
            if row is None:
                continue
            outgoing.append(
                {
                    "type": event.type,
                    "user_id": account.user_id,
                    "account_id": account.pk,
                    "symbol": row.symbol,
                    "reason": event.reason,
                    "trade": _rendered(session, row, market, fills.get(row.pk, [])),
                }
            )
        outgoing.append(
            {
                "type": "account_update",
                "user_id": account.user_id,
                "account": representations.account_dict(account, figures),
            }
        )
    pf.events.clear()
    events.publish_on_commit(outgoing)


def _rendered(session: PortfolioSession, row: PaperTrade, market, fills: list) -> dict:
    """The trade as events and the REST answer show it, rendered once per operation."""
    body = session.rendered.get(row.pk)
    if body is None:
        body = session.rendered[row.pk] = representations.trade_dict(row, market, fills=fills)
    return body


def _event_fills(session: PortfolioSession, portfolio_events) -> dict[int, list[Fill]]:
    """The fills of every trade an event carries (events show the REST trade, fills
    included): a new trade's from the session, the others' in one query."""
    ids = {e.ticket.id for e in portfolio_events if e.type != "margin_call" and e.ticket is not None}
    found: dict[int, list[Fill]] = {}
    older = []
    for trade_id in ids:
        new = session.fills_of_new(trade_id)
        if new is None:
            older.append(trade_id)
        else:
            found[trade_id] = new
    if older:
        for fill in Fill.objects.filter(trade_id__in=older).order_by("time", "id"):
            found.setdefault(fill.trade_id, []).append(fill)
    return found


def _record_daily(account: Account, closed: list[PaperTrade], figures: dict) -> None:
    today = timezone.now().date()
    row, _ = PerformanceMetrics.objects.get_or_create(account=account, date=today)
    wins = sum(1 for r in closed if r.profit_loss > 0)
    losses = sum(1 for r in closed if r.profit_loss < 0)
    PerformanceMetrics.objects.filter(pk=row.pk).update(
        trades_closed=F("trades_closed") + len(closed),
        winning_trades=F("winning_trades") + wins,
        losing_trades=F("losing_trades") + losses,
        pnl=F("pnl") + sum((r.profit_loss for r in closed), Decimal(0)),
        pips=F("pips") + sum((r.pips_gained for r in closed), Decimal(0)),
        balance=account.balance,
        equity=figures["equity"] if figures["equity"] is not None else account.balance,
    )


def publish_account(account: Account, figures: dict | None = None) -> None:
    """Queue the account's `account_update` event for after commit."""
    events.publish_on_commit(
        [
            {
                "type": "account_update",
                "user_id": account.user_id,
                "account": representations.account_dict(account, figures or account_figures(account)),
            }
        ]
    )
