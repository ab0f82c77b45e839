"""Trade services: close (whole or part) and modify an open trade or a pending order."""

from __future__ import annotations

from collections.abc import Callable

from django.utils import timezone

from ..domain import trading
from ..domain.errors import NotFound, StateConflict
from ..domain.requests import CloseRequest, ModifyRequest
from ..market import CachedMarket
from ..models import PaperTrade
from .common import after_save, locked_portfolio


def trade_close(*, user, trade_id: int, request: CloseRequest) -> PaperTrade:
    """Close the user's open trade at market, all of it or `request.lots` (docs/api.md, Closing)."""

    def close(pf, market, ticket):
        trading.close_ticket(
            pf,
            market,
            ticket,
            timezone.now(),
            lots=request.lots,
            requested_price=request.requested_price,
            max_deviation_pips=request.max_deviation_pips,
        )

    return trade_change(
        user=user, trade_id=trade_id, operation=close, gone="not_open", message="Trade is {status}, not open."
    )


def trade_modify(*, user, trade_id: int, request: ModifyRequest) -> PaperTrade:
    """Change the user's trade's protective levels and notes, or a pending order's price and
    expiry, validated like a new order (docs/api.md, Modifying)."""
    changes = request.changes()
    return trade_change(
        user=user,
        trade_id=trade_id,
        operation=lambda pf, market, ticket: trading.modify_ticket(
            pf, market, ticket, changes, timezone.now()
        ),
        gone="not_active",
        message="A {status} trade cannot be modified.",
    )


def trade_change(*, user, trade_id, operation: Callable, gone: str, message: str) -> PaperTrade:
    """Lock the trade's account, apply `operation(portfolio, market, ticket)`, save, publish.

    A trade that is no longer active is not loaded, so it answers 409 with `gone`.
    """
    try:
        trade = PaperTrade.objects.get(pk=int(trade_id), user=user)
    except (PaperTrade.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such trade.") from None
    market = CachedMarket()
    with locked_portfolio(trade.account_id, focus=trade.symbol, ticket_ids={trade.pk}) as session:
        ticket = session.portfolio.find(trade.pk)
        if ticket is None:
            status = PaperTrade.objects.values_list("status", flat=True).get(pk=trade.pk)
            raise StateConflict(message.format(status=status), code=gone)
        operation(session.portfolio, market, ticket)
        rows = session.save()
        after_save(session, rows, market=market)
        return session.row_for(trade.pk)
