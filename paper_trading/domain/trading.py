"""Operations on one account's portfolio: place, fill, close, cancel, modify, tick, margin,
swap and reset. Pure: the engine loads a `Portfolio` from rows, calls these, and persists
`portfolio.fills`, `portfolio.ledger`, the dirty tickets and `portfolio.events`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from . import fills, positions, risk
from .errors import BusinessRefusal, InvalidInput, NoPrice, StateConflict
from .instruments import Instrument, get_instrument
from .numbers import ZERO, money
from .orders import TP_FRACTIONS, EntryType, ExitReason, Side, Status, Ticket, TimeInForce, stop_level
from .quotes import Market, Quote, require_quote, to_account_currency
from .sessions import is_trading_rollover, start_of_utc_day, swap_multiplier

log = logging.getLogger(__name__)
MAX_STEPS_PER_TICK = 16
STOP_OUT_LEVEL = Decimal(50)
MARGIN_CALL_LEVEL = Decimal(100)
AVERAGE_PRICE_STEP = Decimal("1e-8")  # netted average entry keeps sub-point precision


class PortfolioIncomplete(Exception):
    """An operation needs every position as a ticket, but some are only summarized (`external`)."""


@dataclass(slots=True)
class AccountState:
    id: int
    balance: Decimal
    currency: str = "USD"
    leverage: int = 100
    mode: str = "hedging"  # hedging | netting | nfa
    slippage_pips: Decimal = ZERO
    commission_per_lot: Decimal = ZERO
    commission_pct: Decimal = ZERO
    max_risk_per_trade_pct: Decimal | None = Decimal(2)
    max_portfolio_heat_pct: Decimal | None = Decimal(10)
    max_daily_loss_pct: Decimal | None = Decimal(5)
    realized_today: Decimal = ZERO  # net cash booked since 00:00 UTC of `day`
    day: date | None = None
    margin_call: bool = False


@dataclass(slots=True)
class FillRecord:
    ticket: Ticket
    kind: str  # entry | exit
    side: Side
    lots: Decimal
    price: Decimal
    time: datetime
    reason: str
    pnl: Decimal = ZERO  # realized, account currency, at cents
    pips: Decimal = ZERO
    commission: Decimal = ZERO


@dataclass(slots=True)
class LedgerRecord:
    kind: str  # deposit | pnl | commission | swap | reset
    amount: Decimal
    balance_after: Decimal
    time: datetime
    ticket: Ticket | None = None
    note: str = ""


@dataclass(slots=True)
class Event:
    type: str  # trade_execution | trade_updated | trade_closed | margin_call
    ticket: Ticket | None = None
    reason: str | None = None


@dataclass(slots=True)
class OrderRequest:
    symbol: str
    side: Side
    lots: Decimal
    entry_type: EntryType = EntryType.MARKET
    price: Decimal | None = None
    limit_price: Decimal | None = None
    stop_loss: Decimal | None = None
    take_profit_1: Decimal | None = None
    take_profit_2: Decimal | None = None
    take_profit_3: Decimal | None = None
    trailing_stop_pips: Decimal | None = None
    breakeven_after_tp1: bool = False
    time_in_force: TimeInForce = TimeInForce.GTC
    expire_at: datetime | None = None
    oco_with: int | None = None
    client_order_id: str | None = None
    requested_price: Decimal | None = None
    max_deviation_pips: Decimal | None = None
    signal_id: str | None = None
    signal_type: str | None = None
    signal_source: str | None = None
    notes: str = ""


@dataclass(frozen=True, slots=True)
class Exposure:
    """Open positions on one (symbol, side) summarized, for the ones an operation did not load.

    `cost` is sum(lots x entry); `risk_units` sum(lots x stop distance) over positions whose stop
    is still on the losing side; `risk_units_per_stop` the same divided by each stop (the
    conversion when the account currency is the base currency). Both risk sums are None when
    they were not loaded (an account without a heat limit never sums its open risk).
    """

    symbol: str
    direction: int
    lots: Decimal
    cost: Decimal
    margin: Decimal
    risk_units: Decimal | None = ZERO
    risk_units_per_stop: Decimal | None = ZERO


def exposures(rows) -> list[Exposure]:
    """Fold (symbol, side, lots, entry, margin, stop loss, trailing stop) rows of open positions into
    one `Exposure` per (symbol, side), their risk by `positions.risk_units`."""
    sums: dict[tuple[str, int], list[Decimal]] = {}
    for symbol, side, lots, entry, margin, stop_loss, trailing in rows:
        direction = 1 if side == Side.BUY else -1
        acc = sums.setdefault((symbol, direction), [ZERO, ZERO, ZERO, ZERO, ZERO])
        acc[0] += lots
        acc[1] += lots * entry
        acc[2] += margin
        stop = stop_level(direction, stop_loss, trailing)
        if stop is not None:
            units, per_stop = positions.risk_units(entry, stop, direction, lots)
            acc[3] += units
            acc[4] += per_stop
    return [Exposure(symbol, d, *acc) for (symbol, d), acc in sums.items()]


@dataclass
class Portfolio:
    """One account with its active (pending and open) tickets, and what happened to it.

    `external` summarizes open positions that were not loaded as tickets (an order on EURUSD
    needs the account's equity, not each of its gold positions). Operations that may close any
    position (ticks, stop-out, reset) load everything and leave `external` empty.
    """

    account: AccountState
    tickets: list[Ticket] = field(default_factory=list)
    external: list[Exposure] = field(default_factory=list)
    fills: list[FillRecord] = field(default_factory=list)
    ledger: list[LedgerRecord] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    new_tickets: list[Ticket] = field(default_factory=list)

    # ---- views -------------------------------------------------------------------------
    def open_tickets(self, symbol: str | None = None) -> list[Ticket]:
        return [t for t in self.tickets if t.status is Status.OPEN and (symbol is None or t.symbol == symbol)]

    def pending_tickets(self) -> list[Ticket]:
        return [t for t in self.tickets if t.status is Status.PENDING]

    def margin_used(self) -> Decimal:
        loaded = sum((t.margin for t in self.tickets if t.status is Status.OPEN), ZERO)
        return loaded + sum((e.margin for e in self.external), ZERO)

    def units_by_symbol(self) -> dict[str, Decimal]:
        """Open lots x contract size per symbol, both sides together."""
        units: dict[str, Decimal] = {}
        for symbol, lots in [(t.symbol, t.lots) for t in self.open_tickets()] + [
            (e.symbol, e.lots) for e in self.external
        ]:
            units[symbol] = units.get(symbol, ZERO) + lots * get_instrument(symbol).contract_size
        return units

    def unrealized(self, market: Market) -> Decimal:
        """Unrealized P&L of every open position in the account currency.

        Summed per (symbol, side) first, so an account with hundreds of positions converts a
        handful of amounts: sum(dir x lots x (mark - entry)) = dir x (mark x sum(lots) - sum(lots x entry)).
        """
        sums: dict[tuple[str, int], list[Decimal]] = {
            (e.symbol, e.direction): [e.lots, e.cost] for e in self.external
        }
        for t in self.tickets:
            if t.status is Status.OPEN:
                acc = sums.setdefault((t.symbol, t.direction), [ZERO, ZERO])
                acc[0] += t.lots
                acc[1] += t.lots * t.entry_price
        total = ZERO
        for (symbol, direction), (lots, cost) in sums.items():
            instrument = get_instrument(symbol)
            quote = require_quote(market, symbol)
            mark = quote.bid if direction > 0 else quote.ask
            amount = direction * (mark * lots - cost) * instrument.contract_size
            total += to_account_currency(amount, instrument, self.account.currency, market, price=mark)
        return total

    def equity(self, market: Market) -> Decimal:
        return self.account.balance + self.unrealized(market)

    def margin_level(self, market: Market) -> Decimal | None:
        used = self.margin_used()
        if not used:
            return None
        return self.equity(market) / used * 100

    def open_risk(self, market: Market) -> Decimal:
        total = ZERO
        for t in self.open_tickets():
            amount = positions.risk_amount(
                get_instrument(t.symbol),
                t.entry_price,
                t.effective_stop,
                t.direction,
                t.lots,
                self.account.currency,
                market,
            )
            total += amount or ZERO
        for e in self.external:
            if e.risk_units is None or e.risk_units_per_stop is None:
                raise ValueError(f"open risk of the {e.symbol} positions was not loaded")
            total += positions.risk_of_units(
                get_instrument(e.symbol), e.risk_units, e.risk_units_per_stop, self.account.currency, market
            )
        return total

    def find(self, ticket_id: int) -> Ticket | None:
        return next((t for t in self.tickets if t.id == ticket_id), None)

    # ---- bookkeeping ---------------------------------------------------------------------
    def post(self, kind: str, amount: Decimal, now: datetime, ticket: Ticket | None = None, note: str = ""):
        """Post a cash movement (quantized to cents) and keep balance == sum(ledger)."""
        amount = money(amount)
        self.account.balance += amount
        if kind in ("pnl", "commission", "swap"):
            day = start_of_utc_day(now).date()
            if self.account.day != day:
                self.account.day, self.account.realized_today = day, ZERO
            self.account.realized_today += amount
        record = LedgerRecord(kind, amount, self.account.balance, now, ticket, note)
        self.ledger.append(record)
        return record

    def emit(self, type_: str, ticket: Ticket | None = None, reason: str | None = None) -> None:
        self.events.append(Event(type_, ticket, reason))


# ---- validation -------------------------------------------------------------------------


def validate_protection(
    side: Side,
    reference: Decimal,
    *,
    stop_loss: Decimal | None,
    take_profits: list[tuple[str, Decimal | None]],
) -> None:
    """SL below the reference for a buy (above for a sell); TPs on the profit side, in order."""
    d = side.direction
    if stop_loss is not None and (stop_loss <= 0 or (reference - stop_loss) * d <= 0):
        word = "below" if d > 0 else "above"
        raise InvalidInput(f"Stop loss must be {word} {reference} for a {side}.", field="stop_loss")
    previous = reference
    for name, level in take_profits:
        if level is None:
            continue
        if level <= 0 or (level - previous) * d <= 0:
            word = "above" if d > 0 else "below"
            raise InvalidInput(f"Take profit must be {word} {previous} for a {side}.", field=name)
        previous = level


def _validate_request(req: OrderRequest, instrument: Instrument, now: datetime) -> None:
    req.lots = instrument.validate_lots(req.lots)
    if req.entry_type is EntryType.MARKET:
        if req.price is not None or req.limit_price is not None:
            raise InvalidInput("A market order takes no price.", field="price")
    else:
        if req.price is None or req.price <= 0:
            raise InvalidInput("A positive price is required for this order type.", field="price")
        if req.entry_type is EntryType.STOP_LIMIT and (req.limit_price is None or req.limit_price <= 0):
            raise InvalidInput("A stop_limit order needs a positive limit_price.", field="limit_price")
    if req.time_in_force is TimeInForce.GTD:
        if req.expire_at is None:
            raise InvalidInput("GTD orders need expire_at.", field="expire_at")
        if req.expire_at <= now:
            raise InvalidInput("expire_at must be in the future.", field="expire_at")
    elif req.expire_at is not None:
        raise InvalidInput("expire_at is only valid with time_in_force GTD.", field="expire_at")
    if req.trailing_stop_pips is not None and req.trailing_stop_pips <= 0:
        raise InvalidInput("Trailing stop distance must be positive.", field="trailing_stop_pips")
    if req.max_deviation_pips is not None and req.max_deviation_pips < 0:
        raise InvalidInput("max_deviation_pips must not be negative.", field="max_deviation_pips")


def _protection_of(obj) -> list[tuple[str, Decimal | None]]:
    return [(f"take_profit_{i}", getattr(obj, f"take_profit_{i}")) for i in (1, 2, 3)]


# ---- placing orders -----------------------------------------------------------------------


def place_order(pf: Portfolio, market: Market, req: OrderRequest, now: datetime) -> Ticket:
    """Validate, apply the account's rules, and fill (market or marketable) or rest the order.

    Returns the ticket that represents the result (in netting mode, the netted position).
    """
    instrument = get_instrument(req.symbol)
    _validate_request(req, instrument, now)
    quote = require_quote(market, instrument.symbol)
    acct = pf.account

    if req.entry_type is EntryType.MARKET:
        reference = fills.market_entry_price(req.side, quote, instrument, acct.slippage_pips)
    elif req.entry_type is EntryType.STOP_LIMIT:
        reference = req.limit_price
    else:
        reference = req.price
    validate_protection(req.side, reference, stop_loss=req.stop_loss, take_profits=_protection_of(req))

    if req.requested_price is not None and req.max_deviation_pips is not None:
        moved = abs(reference - req.requested_price) / instrument.pip_size
        if req.entry_type is EntryType.MARKET and moved > req.max_deviation_pips:
            raise BusinessRefusal(
                f"Price moved {moved:.1f} pips from {req.requested_price} (max {req.max_deviation_pips}).",
                code="price_moved",
            )

    symbol_open = pf.open_tickets(instrument.symbol)
    if acct.mode == "nfa" and any(t.side is not req.side for t in symbol_open):
        raise BusinessRefusal(
            "US (NFA) accounts cannot hedge: close the opposite position.", code="hedging_not_allowed"
        )
    # In netting mode an opposite order first closes the position; only what is left over (a
    # flip) adds exposure, with the closed position's margin already released.
    opposite = [t for t in symbol_open if t.side is not req.side] if acct.mode == "netting" else []
    adding = req.lots - sum((t.lots for t in opposite), ZERO)
    if adding > 0:
        released = sum((t.margin for t in opposite), ZERO)
        _check_exposure_rules(
            pf, market, instrument, req.side, adding, reference, req.stop_loss, now, released_margin=released
        )

    ticket = Ticket(
        account_id=acct.id,
        symbol=instrument.symbol,
        side=req.side,
        lots=req.lots,
        entry_type=req.entry_type,
        status=Status.PENDING,
        price=req.price,
        limit_price=req.limit_price,
        time_in_force=req.time_in_force,
        expire_at=fills.default_expiry(req.time_in_force, now, req.expire_at),
        oco_with=req.oco_with,
        client_order_id=req.client_order_id,
        requested_price=req.requested_price,
        created_at=now,
        stop_loss=req.stop_loss,
        take_profit_1=req.take_profit_1,
        take_profit_2=req.take_profit_2,
        take_profit_3=req.take_profit_3,
        breakeven_after_tp1=req.breakeven_after_tp1,
        trailing_stop_pips=req.trailing_stop_pips,
        signal_id=req.signal_id,
        signal_type=req.signal_type,
        signal_source=req.signal_source,
        notes=req.notes,
        dirty=True,
    )
    pf.tickets.append(ticket)
    pf.new_tickets.append(ticket)

    if req.entry_type is EntryType.MARKET:
        return _fill_entry(pf, market, instrument, ticket, reference, now, raise_on_margin=True)
    if req.entry_type is EntryType.STOP_LIMIT and fills.is_marketable(ticket, quote):
        ticket.stop_triggered = True
    if fills.is_marketable(ticket, quote):
        # Marketable on arrival: fills at the quote (price improvement), like Alpaca; slippage
        # never takes a limit beyond its limit price.
        price = fills.market_entry_price(req.side, quote, instrument, acct.slippage_pips)
        return _fill_entry(
            pf, market, instrument, ticket, fills.within_limit(ticket, price), now, raise_on_margin=True
        )
    if req.time_in_force in (TimeInForce.IOC, TimeInForce.FOK):
        cancel_ticket(pf, ticket, now, reason=ExitReason.CANCELLED)
        return ticket
    pf.emit("trade_execution", ticket)
    return ticket


def _check_exposure_rules(
    pf, market, instrument, side, lots, price, stop_loss, now, *, released_margin: Decimal = ZERO
) -> None:
    """The order-time checks for an order that adds exposure, in the order of docs/domain.md,
    Risk rules at order time."""
    acct = pf.account
    unrealized = pf.unrealized(market)
    equity = acct.balance + unrealized
    new_risk = positions.risk_amount(
        instrument, price, stop_loss, side.direction, lots, acct.currency, market
    )
    risk.check_risk_per_trade(new_risk, equity, acct.max_risk_per_trade_pct)
    if acct.max_portfolio_heat_pct is not None:
        risk.check_portfolio_heat(pf.open_risk(market), new_risk, equity, acct.max_portfolio_heat_pct)
    if acct.max_daily_loss_pct is not None:
        realized = acct.realized_today if acct.day == start_of_utc_day(now).date() else ZERO
        risk.check_daily_loss(-(realized + unrealized), acct.balance - realized, acct.max_daily_loss_pct)
    leverage = risk.effective_leverage(acct.leverage, instrument, acct.mode)
    required = positions.margin_for(instrument, lots, price, leverage, acct.currency, market)
    risk.check_free_margin(required, equity - (pf.margin_used() - released_margin))


def _commission(
    pf: Portfolio, market: Market, instrument: Instrument, lots: Decimal, price: Decimal
) -> Decimal:
    acct = pf.account
    amount = acct.commission_per_lot * lots
    if acct.commission_pct:
        notional = positions.notional_account(instrument, lots, price, acct.currency, market)
        amount += notional * acct.commission_pct / 100
    return money(amount)


def _charge_commission(pf, market, instrument, ticket, lots, price, now) -> Decimal:
    fee = _commission(pf, market, instrument, lots, price)
    if fee:
        ticket.commission += fee
        pf.post("commission", -fee, now, ticket)
    return fee


def _fill_entry(pf, market, instrument, ticket, price, now, *, raise_on_margin=False) -> Ticket:
    """Turn a pending ticket into a position at `price` (netting it against an opposite one)."""
    acct = pf.account
    if acct.mode == "netting":
        netted = _net_against(pf, market, instrument, ticket, price, now)
        if netted is not None:
            _cancel_oco_sibling(pf, ticket, now)  # the order filled, into the netted position
            return netted
    if acct.mode == "nfa" and any(t.side is not ticket.side for t in pf.open_tickets(ticket.symbol)):
        # A resting order must not open a hedge on a US account when it triggers.
        if raise_on_margin:
            raise BusinessRefusal("US (NFA) accounts cannot hedge.", code="hedging_not_allowed")
        cancel_ticket(pf, ticket, now, reason=ExitReason.CANCELLED, note="hedging not allowed (NFA)")
        return ticket
    leverage = risk.effective_leverage(acct.leverage, instrument, acct.mode)
    margin = positions.margin_for(instrument, ticket.lots, price, leverage, acct.currency, market)
    if not raise_on_margin and margin > _free_margin_at_trigger(pf, market, ticket):
        cancel_ticket(pf, ticket, now, reason=ExitReason.CANCELLED, note="insufficient margin at trigger")
        return ticket
    ticket.transition(Status.OPEN)
    ticket.entry_price = price
    ticket.entry_time = now
    ticket.margin = margin
    ticket.initial_risk = positions.risk_amount(
        instrument, price, ticket.stop_loss, ticket.direction, ticket.lots, acct.currency, market
    )
    if ticket.trailing_stop_pips:
        ticket.trailing_stop_price = instrument.price(
            price - ticket.direction * ticket.trailing_stop_pips * instrument.pip_size
        )
    fee = _charge_commission(pf, market, instrument, ticket, ticket.lots, price, now)
    pf.fills.append(
        FillRecord(ticket, "entry", ticket.side, ticket.lots, price, now, "entry", commission=fee)
    )
    pf.emit("trade_execution", ticket)
    _cancel_oco_sibling(pf, ticket, now)
    return ticket


def _free_margin_at_trigger(pf: Portfolio, market: Market, ticket: Ticket) -> Decimal:
    """Free margin for a resting order that triggers. When another symbol the account holds has
    no price anywhere the check is skipped (logged): the ticked symbol's triggers always apply."""
    try:
        return pf.equity(market) - pf.margin_used()
    except NoPrice as exc:
        log.warning("margin check of order %s skipped at its trigger: %s", ticket.id, exc)
        return Decimal("Infinity")


def _net_against(pf, market, instrument, ticket, price, now) -> Ticket | None:
    """Netting mode: one position per symbol. Same side adds (average price); the opposite
    side reduces and may flip. Returns the resulting position, or None to open normally."""
    existing = pf.open_tickets(instrument.symbol)
    if not existing:
        return None
    position = existing[0]
    if position.side is ticket.side:
        total = position.lots + ticket.lots
        average = (position.entry_price * position.lots + price * ticket.lots) / total
        position.entry_price = average.quantize(AVERAGE_PRICE_STEP)
        position.lots = total
        position.original_lots += ticket.lots
        leverage = risk.effective_leverage(pf.account.leverage, instrument, pf.account.mode)
        position.margin += positions.margin_for(
            instrument, ticket.lots, price, leverage, pf.account.currency, market
        )
        position.dirty = True
        fee = _charge_commission(pf, market, instrument, position, ticket.lots, price, now)
        pf.fills.append(
            FillRecord(position, "entry", ticket.side, ticket.lots, price, now, "netting", commission=fee)
        )
        _discard_absorbed(pf, ticket, position, now)
        pf.emit("trade_updated", position)
        return position
    reduce = min(position.lots, ticket.lots)
    close_ticket(
        pf, market, position, now, lots=reduce, price=price, reason=ExitReason.MANUAL, fill_reason="netting"
    )
    remainder = ticket.lots - reduce
    if not remainder:
        _discard_absorbed(pf, ticket, position, now)
        return position
    ticket.lots = ticket.original_lots = remainder
    return None


def _discard_absorbed(pf: Portfolio, ticket: Ticket, position: Ticket, now: datetime) -> None:
    """Retire an order that netting absorbed into `position` (whose fills now record it).

    One created by this operation is dropped. A resting order saved earlier is cancelled with a
    note instead: left pending, it would fill again on every later quote at its level.
    """
    if ticket not in pf.new_tickets and ticket.status is Status.PENDING:
        note = f"filled into netted position #{position.id}"
        cancel_ticket(pf, ticket, now, reason=ExitReason.CANCELLED, note=note)
        return
    if ticket in pf.new_tickets:
        pf.new_tickets.remove(ticket)
    if ticket in pf.tickets:
        pf.tickets.remove(ticket)
    pf.events = [e for e in pf.events if e.ticket is not ticket]


def _cancel_oco_sibling(pf: Portfolio, ticket: Ticket, now: datetime) -> None:
    for other in pf.pending_tickets():
        linked = (ticket.oco_with is not None and other.id == ticket.oco_with) or (
            ticket.id is not None and other.oco_with == ticket.id
        )
        if other is not ticket and linked:
            cancel_ticket(pf, other, now, reason=ExitReason.CANCELLED, note="OCO sibling filled")


# ---- closing, cancelling, modifying ---------------------------------------------------------


def close_ticket(
    pf: Portfolio,
    market: Market,
    ticket: Ticket,
    now: datetime,
    *,
    lots: Decimal | None = None,
    price: Decimal | None = None,
    reason: ExitReason = ExitReason.MANUAL,
    fill_reason: str | None = None,
    requested_price: Decimal | None = None,
    max_deviation_pips: Decimal | None = None,
) -> Ticket:
    """Close the whole position or `lots` of it at `price` (default: market, docs/domain.md, Fills)."""
    if ticket.status is not Status.OPEN:
        raise StateConflict(f"Trade is {ticket.status}, not open.", code="not_open")
    instrument = get_instrument(ticket.symbol)
    if lots is None:
        lots = ticket.lots
    else:
        lots = instrument.validate_lots(lots)
        if lots > ticket.lots:
            raise InvalidInput(f"Cannot close {lots} lots of a {ticket.lots} lot position.", field="lot_size")
    if reason is ExitReason.MANUAL and fill_reason is None and pf.account.mode == "nfa":
        older = [t for t in pf.open_tickets(ticket.symbol) if _opened_before(t, ticket)]
        if older:
            raise BusinessRefusal(
                "US (NFA) accounts close the oldest position on a symbol first.", code="fifo_violation"
            )
    if price is None:
        quote = require_quote(market, ticket.symbol)
        price = fills.market_exit_price(ticket, quote, instrument, pf.account.slippage_pips)
        if requested_price is not None and max_deviation_pips is not None:
            moved = abs(price - requested_price) / instrument.pip_size
            if moved > max_deviation_pips:
                raise BusinessRefusal(
                    f"Price moved {moved:.1f} pips from {requested_price}.", code="price_moved"
                )
    pnl = positions.pnl_account(
        instrument, ticket.entry_price, price, ticket.direction, lots, pf.account.currency, market
    )
    pips = positions.pips_between(instrument, ticket.entry_price, price, ticket.direction)
    booked = pf.post("pnl", pnl, now, ticket).amount
    fee = _charge_commission(pf, market, instrument, ticket, lots, price, now)
    pf.fills.append(
        FillRecord(
            ticket,
            "exit",
            ticket.side.opposite,
            lots,
            price,
            now,
            fill_reason or str(reason),
            pnl=booked,
            pips=pips,
            commission=fee,
        )
    )
    previous = ticket.lots
    ticket.lots = previous - lots
    ticket.margin = ticket.margin * ticket.lots / previous
    ticket.realized_pnl += booked
    ticket.pips_gained += pips * lots / ticket.original_lots
    ticket.exit_price = price
    ticket.exit_time = now
    if ticket.lots == 0:
        ticket.transition(Status.CLOSED)
        ticket.exit_reason = str(reason)
        pf.emit("trade_closed", ticket, str(reason))
    else:
        ticket.transition(Status.OPEN)
        pf.emit("trade_updated", ticket, str(reason))
    return ticket


def _opened_before(a: Ticket, b: Ticket) -> bool:
    key_a = (a.entry_time, a.id or 0)
    key_b = (b.entry_time, b.id or 0)
    return a is not b and key_a < key_b


def cancel_ticket(
    pf: Portfolio, ticket: Ticket, now: datetime, *, reason=ExitReason.CANCELLED, note=""
) -> Ticket:
    if ticket.status is not Status.PENDING:
        raise StateConflict(
            f"Only pending orders can be cancelled; this one is {ticket.status}.", code="not_pending"
        )
    ticket.transition(Status.CANCELLED)
    ticket.exit_reason = str(reason)
    ticket.exit_time = now
    if note:
        ticket.notes = (ticket.notes + "\n" + note).strip()
    pf.emit("trade_closed", ticket, str(reason))
    return ticket


MODIFIABLE = {
    "stop_loss",
    "take_profit_1",
    "take_profit_2",
    "take_profit_3",
    "trailing_stop_pips",
    "breakeven_after_tp1",
    "notes",
    "price",
    "expire_at",
}


def modify_ticket(pf: Portfolio, market: Market, ticket: Ticket, changes: dict, now: datetime) -> Ticket:
    """Change SL/TP/trailing/notes (and price/expiry of a pending order), validated like a new order."""
    if not ticket.is_active:
        raise StateConflict(f"A {ticket.status} trade cannot be modified.", code="not_active")
    unknown = set(changes) - MODIFIABLE
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidInput("This field cannot be modified.", field=name)
    if ticket.status is Status.OPEN and ({"price", "expire_at"} & set(changes)):
        name = "price" if "price" in changes else "expire_at"
        raise InvalidInput("Only pending orders can change price or expiry.", field=name)
    instrument = get_instrument(ticket.symbol)
    merged = {name: getattr(ticket, name) for name in MODIFIABLE}
    merged.update(changes)
    if merged["trailing_stop_pips"] is not None and merged["trailing_stop_pips"] <= 0:
        raise InvalidInput("Trailing stop distance must be positive.", field="trailing_stop_pips")
    if "expire_at" in changes and changes["expire_at"] is not None and changes["expire_at"] <= now:
        raise InvalidInput("expire_at must be in the future.", field="expire_at")
    if ticket.status is Status.OPEN:
        quote = require_quote(market, ticket.symbol)
        reference = fills.market_exit_price(ticket, quote, instrument, ZERO)
    else:
        if merged["price"] is None or merged["price"] <= 0:
            raise InvalidInput("A positive price is required.", field="price")
        reference = ticket.limit_price if ticket.entry_type is EntryType.STOP_LIMIT else merged["price"]
    # Levels already passed on the ladder are history; validate the ones still ahead.
    ladder = [(f"take_profit_{i}", merged[f"take_profit_{i}"]) for i in (1, 2, 3)]
    ladder = ladder[ticket.tp_levels_hit :] if ticket.status is Status.OPEN else ladder
    validate_protection(ticket.side, reference, stop_loss=merged["stop_loss"], take_profits=ladder)
    for name, value in changes.items():
        setattr(ticket, name, value)
    if "trailing_stop_pips" in changes:
        if changes["trailing_stop_pips"] is None:
            ticket.trailing_stop_price = None
        elif ticket.status is Status.OPEN:
            ticket.trailing_stop_price = instrument.price(
                reference - ticket.direction * changes["trailing_stop_pips"] * instrument.pip_size
            )
    ticket.dirty = True
    pf.emit("trade_updated", ticket)
    return ticket


# ---- market events ------------------------------------------------------------------------


def apply_quote(
    pf: Portfolio, market: Market, quote: Quote, tickets: list[Ticket], *, bar: fills.Bar | None = None
) -> None:
    """Apply every trigger the quote fires on `tickets` (those of this account on this symbol)."""
    instrument = get_instrument(quote.symbol)
    now = quote.time
    slip = pf.account.slippage_pips
    for ticket in tickets:
        for _ in range(MAX_STEPS_PER_TICK):
            trigger = fills.next_trigger(ticket, instrument, quote, bar)
            if trigger is None:
                break
            action = trigger.action
            if action is fills.Action.EXPIRE:
                cancel_ticket(pf, ticket, now, reason=ExitReason.EXPIRED)
            elif action is fills.Action.FILL_ENTRY:
                price = trigger.price
                if ticket.entry_type is EntryType.STOP:
                    price = fills.slipped(price, ticket.direction, instrument, slip)
                _fill_entry(pf, market, instrument, ticket, price, now)
            elif action is fills.Action.ACTIVATE:
                ticket.stop_triggered = True
                ticket.dirty = True
                if fills.is_marketable(ticket, quote):
                    price = fills.slipped(trigger.price, ticket.direction, instrument, slip)
                    _fill_entry(pf, market, instrument, ticket, fills.within_limit(ticket, price), now)
                else:
                    pf.emit("trade_updated", ticket)
            elif action is fills.Action.STOP:
                price = fills.slipped(trigger.price, -ticket.direction, instrument, slip)
                close_ticket(pf, market, ticket, now, price=price, reason=trigger.reason)
            elif action is fills.Action.TAKE_PROFIT:
                _take_profit(pf, market, instrument, ticket, trigger, now)
            elif action is fills.Action.TRAIL:
                ticket.trailing_stop_price = trigger.price
                ticket.dirty = True
                pf.emit("trade_updated", ticket)


def tp_close_lots(ticket: Ticket, instrument: Instrument) -> Decimal:
    """Lots the next TP level closes: 50/30/20 % of the original size with three levels, 50/rest
    with two, all with one; rounded down to the lot step, at least one min lot, the last closes the rest."""
    levels = ticket.take_profits
    index = ticket.tp_levels_hit
    if index >= len(levels) - 1:
        return ticket.lots
    fraction = TP_FRACTIONS[len(levels)][index]
    lots = (ticket.original_lots * fraction / instrument.lot_step).to_integral_value(rounding="ROUND_DOWN")
    lots = max(lots * instrument.lot_step, instrument.min_lot)
    return min(lots, ticket.lots)


def _take_profit(pf, market, instrument, ticket, trigger, now) -> None:
    lots = tp_close_lots(ticket, instrument)
    ticket.tp_levels_hit += 1
    close_ticket(pf, market, ticket, now, lots=lots, price=trigger.price, reason=trigger.reason)
    if ticket.status is Status.OPEN and ticket.tp_levels_hit == 1 and ticket.breakeven_after_tp1:
        stop = ticket.stop_loss
        if stop is None or (ticket.entry_price - stop) * ticket.direction > 0:
            ticket.stop_loss = ticket.entry_price
            pf.emit("trade_updated", ticket, "breakeven")


def expire_due(pf: Portfolio, now: datetime) -> list[Ticket]:
    """Cancel pending orders whose DAY/GTD expiry has passed, without waiting for a tick."""
    due = [t for t in pf.pending_tickets() if t.expire_at is not None and t.expire_at <= now]
    for ticket in due:
        cancel_ticket(pf, ticket, now, reason=ExitReason.EXPIRED)
    return due


def check_margin(pf: Portfolio, market: Market, now: datetime) -> Decimal | None:
    """Margin call at level <= 100 % (once per episode), then stop-out at <= 50 %: close the
    most losing position first until the level recovers. Returns the final level."""
    level = pf.margin_level(market)
    if level is None or level > MARGIN_CALL_LEVEL:
        pf.account.margin_call = False
        return level
    if not pf.account.margin_call:
        pf.account.margin_call = True
        pf.emit("margin_call")
    if level <= STOP_OUT_LEVEL and pf.external:
        raise PortfolioIncomplete("stop-out picks among every position: load them all")
    while level is not None and level <= STOP_OUT_LEVEL:
        worst = min(pf.open_tickets(), key=lambda t: _unrealized_of(pf, market, t))
        close_ticket(pf, market, worst, now, reason=ExitReason.STOP_OUT)
        level = pf.margin_level(market)
    if level is None or level > MARGIN_CALL_LEVEL:
        pf.account.margin_call = False
    return level


def _unrealized_of(pf: Portfolio, market: Market, ticket: Ticket) -> Decimal:
    quote = require_quote(market, ticket.symbol)
    return positions.unrealized(ticket, get_instrument(ticket.symbol), quote, pf.account.currency, market)[1]


def apply_rollover(pf: Portfolio, market: Market, rollover: datetime) -> list[LedgerRecord]:
    """Swap for positions held over a 17:00 New York rollover; triple on Wednesday."""
    booked = []
    for ticket in pf.open_tickets():
        if ticket.entry_time is None or ticket.entry_time >= rollover:
            continue
        if ticket.last_swap_at is not None and ticket.last_swap_at >= rollover:
            continue
        instrument = get_instrument(ticket.symbol)
        if not is_trading_rollover(rollover, weekends=instrument.trades_weekends):
            continue
        points = instrument.swap_long_points if ticket.direction > 0 else instrument.swap_short_points
        nights = swap_multiplier(rollover, weekends=instrument.trades_weekends)
        amount_quote = ticket.lots * instrument.contract_size * points * instrument.point * nights
        quote = require_quote(market, ticket.symbol)
        amount = to_account_currency(
            amount_quote, instrument, pf.account.currency, market, price=positions.mark_price(ticket, quote)
        )
        ticket.last_swap_at = rollover
        ticket.dirty = True
        if money(amount):
            record = pf.post("swap", amount, rollover, ticket, note=f"{nights} night(s)")
            ticket.swap += record.amount
            booked.append(record)
    return booked


def close_everything(pf: Portfolio, market: Market, now: datetime, reason=ExitReason.RESET) -> None:
    """Reset: close open trades at market and cancel pending ones (history is kept)."""
    for ticket in list(pf.tickets):
        if ticket.status is Status.OPEN:
            close_ticket(pf, market, ticket, now, reason=reason)
        elif ticket.status is Status.PENDING:
            cancel_ticket(pf, ticket, now, reason=reason)
