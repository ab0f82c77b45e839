"""Whole-position actions (docs/api.md, Close all and reverse): close every open trade of an
account (or of one symbol) and reverse a trade, each in one transaction: all or nothing."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from ..domain.errors import StateConflict
from ..domain.instruments import get_instrument
from ..domain.orders import Side
from ..domain.requests import CloseRequest
from ..domain.trading import OrderRequest
from ..market import CachedMarket
from ..models import PaperTrade
from .accounts import account_ensure
from .orders import order_place
from .trades import trade_close


def positions_close(*, user, account_id=None, symbol: str | None = None) -> list[PaperTrade]:
    """Close the account's open trades (on `symbol` only when given) at market, oldest first
    (FIFO, as NFA requires). One refusal — no price for one of the symbols — closes none."""
    account = account_ensure(user=user, account_id=account_id)
    trades = PaperTrade.objects.filter(account=account, status=PaperTrade.Status.OPEN)
    if symbol:
        trades = trades.filter(symbol=symbol)
    closed = []
    with transaction.atomic():
        for trade in trades.order_by("entry_time", "id"):
            closed.append(trade_close(user=user, trade_id=trade.pk, request=CloseRequest()))
    return closed


def trade_reverse(*, user, trade_id: int) -> tuple[PaperTrade, PaperTrade]:
    """Close the user's open trade at market and open the opposite side with the lots it had
    open, as MT5's reverse does; the stop keeps its distance on the new side, the targets are
    not carried over. The open never happens without the close; a refused open undoes the close."""
    with transaction.atomic():
        closed = trade_close(user=user, trade_id=trade_id, request=CloseRequest())
        side = Side.SELL if closed.side == Side.BUY.value else Side.BUY
        request = OrderRequest(
            closed.symbol,
            side,
            _lots_closed(closed),
            stop_loss=_mirrored_stop(closed, side),
            notes=f"reverse of #{closed.pk}",
        )
        opened = order_place(user=user, request=request, account_id=closed.account_id).trade
    return closed, opened


def _mirrored_stop(closed: PaperTrade, side: Side) -> Decimal | None:
    """The old stop's distance from its entry, on the other side of the new entry (the quote's
    fill side): an account with a risk cap needs a stop, and the trader chose that distance."""
    if closed.stop_loss is None or closed.entry_price is None:
        return None
    instrument = get_instrument(closed.symbol)
    quote = CachedMarket().quote(closed.symbol)
    if quote is None:
        return None
    entry = quote.ask if side is Side.BUY else quote.bid
    distance = abs(closed.entry_price - closed.stop_loss)
    return instrument.price(entry - distance if side is Side.BUY else entry + distance)


def _lots_closed(closed: PaperTrade) -> Decimal:
    """The lots the trade had open when reversed: its last fill's (the close of what was left)."""
    last = closed.fills.exclude(kind="entry").order_by("-id").values_list("lot_size", flat=True).first()
    if last is None:
        raise StateConflict("The trade had nothing open to reverse.", code="not_open")
    return Decimal(last)
