"""The ticket (one trade: pending -> open -> closed, or cancelled) and its state machine."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from .errors import IllegalTransition, InvalidInput
from .numbers import ZERO


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"

    @property
    def direction(self) -> int:
        return 1 if self is Side.BUY else -1

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY

    @classmethod
    def parse(cls, value, *, field: str = "side") -> Side:
        text = str(value).strip().lower() if isinstance(value, str) else ""
        text = {"long": "buy", "short": "sell"}.get(text, text)
        try:
            return cls(text)
        except ValueError:
            raise InvalidInput("Must be 'buy' or 'sell'.", field=field) from None


class EntryType(StrEnum):
    MARKET = "market"
    LIMIT = "limit"
    STOP = "stop"
    STOP_LIMIT = "stop_limit"


class TimeInForce(StrEnum):
    GTC = "GTC"
    DAY = "DAY"
    GTD = "GTD"
    IOC = "IOC"
    FOK = "FOK"


class Status(StrEnum):
    PENDING = "pending"
    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class ExitReason(StrEnum):
    MANUAL = "manual"
    SL_HIT = "sl_hit"
    TP1_HIT = "tp1_hit"
    TP2_HIT = "tp2_hit"
    TP3_HIT = "tp3_hit"
    TRAILING_STOP = "trailing_stop"
    STOP_OUT = "stop_out"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    FIFO = "fifo"
    RESET = "reset"


# The transition table (nautilus-style): anything not listed raises.
_TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.PENDING: frozenset({Status.OPEN, Status.CANCELLED}),
    Status.OPEN: frozenset({Status.OPEN, Status.CLOSED}),
    Status.CLOSED: frozenset(),
    Status.CANCELLED: frozenset(),
}


def check_transition(current: Status, target: Status) -> None:
    if target not in _TRANSITIONS[current]:
        raise IllegalTransition(f"A {current} trade cannot become {target}.")


def stop_level(direction: int, stop_loss: Decimal | None, trailing_stop: Decimal | None) -> Decimal | None:
    """The stop that takes the position out first: the higher of the fixed and the trailing stop for
    a buy, the lower for a sell; None without either."""
    if stop_loss is None or trailing_stop is None:
        return trailing_stop if stop_loss is None else stop_loss
    return max(stop_loss, trailing_stop) if direction > 0 else min(stop_loss, trailing_stop)


TP_FRACTIONS = {
    3: (Decimal("0.5"), Decimal("0.3"), Decimal("0.2")),
    2: (Decimal("0.5"), Decimal("0.5")),
    1: (Decimal("1"),),
}


@dataclass(eq=False, slots=True)
class Ticket:
    """One trade ticket. Prices and lots are Decimal; `lots` is the open (or unfilled) size."""

    account_id: int
    symbol: str
    side: Side
    lots: Decimal
    entry_type: EntryType = EntryType.MARKET
    status: Status = Status.PENDING
    id: int | None = None
    original_lots: Decimal = ZERO
    price: Decimal | None = None  # limit price or stop trigger of a pending order
    limit_price: Decimal | None = None  # the limit of a stop_limit
    stop_triggered: bool = False  # a stop_limit whose stop has fired rests as a limit
    time_in_force: TimeInForce = TimeInForce.GTC
    expire_at: datetime | None = None
    oco_with: int | None = None
    client_order_id: str | None = None
    requested_price: Decimal | None = None
    entry_price: Decimal | None = None
    entry_time: datetime | None = None
    created_at: datetime | None = None
    stop_loss: Decimal | None = None
    take_profit_1: Decimal | None = None
    take_profit_2: Decimal | None = None
    take_profit_3: Decimal | None = None
    tp_levels_hit: int = 0
    breakeven_after_tp1: bool = False
    trailing_stop_pips: Decimal | None = None
    trailing_stop_price: Decimal | None = None
    exit_price: Decimal | None = None
    exit_time: datetime | None = None
    exit_reason: str | None = None
    realized_pnl: Decimal = ZERO  # gross, account currency, sum of closing fills
    pips_gained: Decimal = ZERO  # lot-weighted over closing fills, in pips of the full size
    commission: Decimal = ZERO
    swap: Decimal = ZERO
    margin: Decimal = ZERO  # account currency, for the open lots, at the entry price
    initial_risk: Decimal | None = None  # account currency, |entry - SL| at entry
    signal_id: str | None = None
    signal_type: str | None = None
    signal_source: str | None = None
    notes: str = ""
    last_swap_at: datetime | None = None
    dirty: bool = field(default=False, compare=False)

    def __post_init__(self):
        if not self.original_lots:
            self.original_lots = self.lots

    @property
    def direction(self) -> int:
        return self.side.direction

    @property
    def is_active(self) -> bool:
        return self.status in (Status.PENDING, Status.OPEN)

    @property
    def take_profits(self) -> list[Decimal]:
        return [tp for tp in (self.take_profit_1, self.take_profit_2, self.take_profit_3) if tp is not None]

    @property
    def next_take_profit(self) -> Decimal | None:
        levels = self.take_profits
        return levels[self.tp_levels_hit] if self.tp_levels_hit < len(levels) else None

    @property
    def effective_stop(self) -> Decimal | None:
        """The tighter of the fixed stop and the trailing stop."""
        return stop_level(self.direction, self.stop_loss, self.trailing_stop_price)

    @property
    def net_pnl(self) -> Decimal:
        return self.realized_pnl - self.commission + self.swap

    def transition(self, target: Status) -> None:
        check_transition(self.status, target)
        self.status = target
        self.dirty = True
