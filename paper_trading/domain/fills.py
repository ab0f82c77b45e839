"""The fill model (docs/domain.md, Fills): which side of the quote, slippage, gaps, and triggers.

`next_trigger` looks at one ticket and one quote and says what happens next; the caller
applies it and asks again, so a gap through TP1 and TP2 on one tick is two partial closes.
`trigger_levels` gives the book the price band inside which nothing happens to a ticket.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from .instruments import Instrument
from .orders import EntryType, ExitReason, Side, Status, Ticket
from .quotes import Quote


class Action(StrEnum):
    EXPIRE = "expire"
    FILL_ENTRY = "fill_entry"
    ACTIVATE = "activate"  # a stop_limit's stop fired; it now rests as a limit
    STOP = "stop"
    TAKE_PROFIT = "take_profit"
    TRAIL = "trail"


@dataclass(frozen=True, slots=True)
class Trigger:
    action: Action
    price: Decimal | None = None
    reason: ExitReason | None = None


@dataclass(frozen=True, slots=True)
class Bar:
    """The bar being walked (bid prices), `None` outside replays.

    Its range turns on the SL-first rule. Its open tells a gap from a walk: the ticks of one
    bar stand for a continuous path, so a stop the path crosses after the open fills at its
    level; only a stop already passed at the bar's open fills at the gapped quote.
    """

    low: Decimal
    high: Decimal
    open: Decimal | None = None

    def opened_beyond(self, level: Decimal, direction: int, spread: Decimal) -> bool:
        """Was the stop `level` of a position of `direction` already hit at the open (a buy's bid
        at or below it, a sell's ask at or above it)? Unknown opens count as a gap."""
        if self.open is None:
            return True
        price = self.open if direction > 0 else self.open + spread
        return (price - level) * direction <= 0


def slipped(price: Decimal, direction: int, instrument: Instrument, slippage_pips: Decimal) -> Decimal:
    """Move a fill price against the trader by the account's slippage."""
    if not slippage_pips:
        return price
    return price + direction * slippage_pips * instrument.pip_size


def market_entry_price(side: Side, quote: Quote, instrument: Instrument, slippage_pips: Decimal) -> Decimal:
    """A market buy fills at ask, a sell at bid, then slippage against the trader."""
    base = quote.ask if side is Side.BUY else quote.bid
    return slipped(base, side.direction, instrument, slippage_pips)


def market_exit_price(
    ticket: Ticket, quote: Quote, instrument: Instrument, slippage_pips: Decimal
) -> Decimal:
    """A buy position closes at bid, a sell at ask, then slippage against the trader."""
    base = quote.bid if ticket.direction > 0 else quote.ask
    return slipped(base, -ticket.direction, instrument, slippage_pips)


def within_limit(ticket: Ticket, price: Decimal) -> Decimal:
    """A limit (or a triggered stop_limit) never fills worse than its limit price."""
    if ticket.entry_type is EntryType.LIMIT:
        limit = ticket.price
    elif ticket.entry_type is EntryType.STOP_LIMIT:
        limit = ticket.limit_price
    else:
        return price
    return min(price, limit) if ticket.direction > 0 else max(price, limit)


def entry_side_price(side: Side, quote: Quote) -> Decimal:
    return quote.ask if side is Side.BUY else quote.bid


def is_marketable(ticket: Ticket, quote: Quote) -> bool:
    """Would this pending order fill on `quote` (a stop: triggered; a limit: at or better)?"""
    p = entry_side_price(ticket.side, quote)
    d = ticket.direction
    if ticket.entry_type is EntryType.MARKET:
        return True
    if ticket.entry_type is EntryType.LIMIT or (
        ticket.entry_type is EntryType.STOP_LIMIT and ticket.stop_triggered
    ):
        level = ticket.price if ticket.entry_type is EntryType.LIMIT else ticket.limit_price
        return (p - level) * d <= 0
    return (p - ticket.price) * d >= 0  # stop, or the stop leg of a stop_limit


def next_trigger(
    ticket: Ticket, instrument: Instrument, quote: Quote, bar: Bar | None = None
) -> Trigger | None:
    """What the quote does to the ticket next, or None."""
    if ticket.status is Status.PENDING:
        return _pending_trigger(ticket, quote)
    if ticket.status is Status.OPEN:
        return _position_trigger(ticket, instrument, quote, bar)
    return None


def _pending_trigger(ticket: Ticket, quote: Quote) -> Trigger | None:
    if ticket.expire_at is not None and quote.time >= ticket.expire_at:
        return Trigger(Action.EXPIRE, reason=ExitReason.EXPIRED)
    if not is_marketable(ticket, quote):
        return None
    p = entry_side_price(ticket.side, quote)
    if ticket.entry_type is EntryType.STOP:
        return Trigger(Action.FILL_ENTRY, p)  # gap through the trigger fills at the gapped quote
    if ticket.entry_type is EntryType.STOP_LIMIT and not ticket.stop_triggered:
        return Trigger(Action.ACTIVATE, p)
    level = ticket.price if ticket.entry_type is EntryType.LIMIT else ticket.limit_price
    return Trigger(Action.FILL_ENTRY, level)  # a resting limit fills at its level, never better


def _position_trigger(
    ticket: Ticket, instrument: Instrument, quote: Quote, bar: Bar | None
) -> Trigger | None:
    d = ticket.direction
    p = quote.bid if d > 0 else quote.ask
    stop = ticket.effective_stop
    if stop is not None and (p - stop) * d <= 0:
        if bar is not None and not bar.opened_beyond(stop, d, quote.ask - quote.bid):
            return Trigger(Action.STOP, stop, _stop_reason(ticket))  # crossed inside the bar
        return Trigger(Action.STOP, p, _stop_reason(ticket))
    tp = ticket.next_take_profit
    if tp is not None and (p - tp) * d >= 0:
        if bar is not None and stop is not None and _bar_touches(bar, stop, d, quote):
            # Both levels inside one bar: the stop is taken first (docs/domain.md, Fills), at its level.
            return Trigger(Action.STOP, stop, _stop_reason(ticket))
        reason = (ExitReason.TP1_HIT, ExitReason.TP2_HIT, ExitReason.TP3_HIT)[ticket.tp_levels_hit]
        return Trigger(Action.TAKE_PROFIT, tp, reason)
    if ticket.trailing_stop_pips:
        candidate = instrument.price(p - d * ticket.trailing_stop_pips * instrument.pip_size)
        current = ticket.trailing_stop_price
        if current is None or (candidate - current) * d > 0:
            return Trigger(Action.TRAIL, candidate)
    return None


def _bar_touches(bar: Bar, stop: Decimal, direction: int, quote: Quote) -> bool:
    """Does the bar's range (on the position's closing side) reach the stop?"""
    spread = quote.ask - quote.bid
    if direction > 0:
        return bar.low <= stop
    return bar.high + spread >= stop


def _stop_reason(ticket: Ticket) -> ExitReason:
    trailing = ticket.trailing_stop_price
    if trailing is not None and (
        ticket.stop_loss is None or (trailing - ticket.stop_loss) * ticket.direction > 0
    ):
        return ExitReason.TRAILING_STOP
    return ExitReason.SL_HIT


def trigger_levels(ticket: Ticket, instrument: Instrument) -> tuple[str, Decimal | None, Decimal | None]:
    """(`bid` | `ask`, low, high): nothing happens to the ticket while low < price < high.

    Expiry is time-based and indexed separately by the book.
    """
    d = ticket.direction
    if ticket.status is Status.PENDING:
        side = "ask" if d > 0 else "bid"
        resting_limit = ticket.entry_type is EntryType.LIMIT or (
            ticket.entry_type is EntryType.STOP_LIMIT and ticket.stop_triggered
        )
        if resting_limit:
            level = ticket.price if ticket.entry_type is EntryType.LIMIT else ticket.limit_price
            return (side, level, None) if d > 0 else (side, None, level)
        if ticket.entry_type is EntryType.MARKET:
            return side, None, None
        return (side, None, ticket.price) if d > 0 else (side, ticket.price, None)
    if ticket.status is not Status.OPEN:
        return "bid", None, None
    side = "bid" if d > 0 else "ask"
    stop = ticket.effective_stop
    profit_levels = []
    if (tp := ticket.next_take_profit) is not None:
        profit_levels.append(tp)
    if ticket.trailing_stop_pips:
        distance = ticket.trailing_stop_pips * instrument.pip_size
        if ticket.trailing_stop_price is None:
            profit_levels.append(None)
        else:
            profit_levels.append(ticket.trailing_stop_price + d * (distance + instrument.point))
    if None in profit_levels:  # trailing not yet initialised: every tick matters
        return (side, stop, Decimal(0)) if d > 0 else (side, Decimal("1e12"), stop)
    if d > 0:
        return side, stop, min(profit_levels) if profit_levels else None
    return side, max(profit_levels) if profit_levels else None, stop


def default_expiry(time_in_force, placed_at: datetime, expire_at: datetime | None) -> datetime | None:
    """DAY orders expire at the next 17:00 New York; GTD at `expire_at`; others never."""
    from .orders import TimeInForce
    from .sessions import next_rollover

    if time_in_force == TimeInForce.DAY:
        return next_rollover(placed_at)
    if time_in_force == TimeInForce.GTD:
        return expire_at
    return None
