"""An in-memory venue over the domain: accounts, quotes and the trigger book.

The backtest, the engine benchmark and the property tests drive it. It is the in-memory store
of the tick processor (`domain.ticks`); the database store (`services.ticks`) runs the same
processor against rows.
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from itertools import count

from . import fills, trading
from .book import Book
from .errors import NotFound
from .instruments import get_instrument
from .margin import band_key, band_levels
from .orders import Status, Ticket
from .quotes import Quote, QuoteBoard, make_quote
from .sessions import next_rollover
from .ticks import TickProcessor
from .trading import AccountState, Event, FillRecord, LedgerRecord, OrderRequest, Portfolio


def ticket_levels(ticket: Ticket):
    """The four book levels (bid_low, bid_high, ask_low, ask_high) of a ticket."""
    side, low, high = fills.trigger_levels(ticket, get_instrument(ticket.symbol))
    return (low, high, None, None) if side == "bid" else (None, None, low, high)


@dataclass(slots=True)
class Held:
    """An account as the in-memory store hands it to the tick processor."""

    portfolio: Portfolio


_UNLOCKED = nullcontext()


class Exchange:
    """Accounts, their tickets and the trigger book in memory; implements `domain.ticks.TickStore`.

    One thread drives it, and nothing is written anywhere: a failing account stops the tick."""

    def __init__(self, *, start: datetime | None = None):
        self.market = QuoteBoard()
        self.book = Book()
        self.portfolios: dict[int, Portfolio] = {}
        self.ledgers: dict[int, list[LedgerRecord]] = defaultdict(list)
        self.fills: list[FillRecord] = []
        self.events: list[Event] = []
        self.history: list[Ticket] = []
        self._tickets: dict[int, Ticket] = {}
        self._ticket_ids = count(1)
        self._account_ids = count(1)
        self._next_rollover = next_rollover(start or datetime(2000, 1, 1, tzinfo=UTC))
        self.processor = TickProcessor(self)
        self.tick_lock = None  # one thread drives it; a `with` would cost a third of a quiet tick

    # ---- accounts and orders ---------------------------------------------------------
    def open_account(self, balance: Decimal = Decimal("10000.00"), now: datetime | None = None, **settings):
        account = AccountState(id=next(self._account_ids), balance=Decimal(0), **settings)
        pf = self.portfolios[account.id] = Portfolio(account)
        pf.post("deposit", Decimal(balance), now or datetime.now(UTC))
        self._commit(pf)
        return account

    def place(self, account_id: int, req: OrderRequest, now: datetime | None = None) -> Ticket:
        pf = self.portfolios[account_id]
        return self._run(pf, lambda: trading.place_order(pf, self.market, req, now or self._now(req.symbol)))

    def close(self, account_id: int, ticket_id: int, lots: Decimal | None = None, now=None) -> Ticket:
        pf = self.portfolios[account_id]
        ticket = self._ticket(pf, ticket_id)
        return self._run(
            pf,
            lambda: trading.close_ticket(pf, self.market, ticket, now or self._now(ticket.symbol), lots=lots),
        )

    def cancel(self, account_id: int, ticket_id: int, now=None) -> Ticket:
        pf = self.portfolios[account_id]
        ticket = self._ticket(pf, ticket_id)
        return self._run(pf, lambda: trading.cancel_ticket(pf, ticket, now or self._now(ticket.symbol)))

    def modify(self, account_id: int, ticket_id: int, changes: dict, now=None) -> Ticket:
        pf = self.portfolios[account_id]
        ticket = self._ticket(pf, ticket_id)
        return self._run(
            pf,
            lambda: trading.modify_ticket(pf, self.market, ticket, changes, now or self._now(ticket.symbol)),
        )

    def equity(self, account_id: int) -> Decimal:
        return self.portfolios[account_id].equity(self.market)

    # ---- market events ----------------------------------------------------------------
    def tick(
        self, symbol: str, bid, ask, time: datetime, *, bar: fills.Bar | None = None, source: str = "sim"
    ) -> int:
        """Apply one quote; returns how many book entries it triggered."""
        quote = (
            make_quote(symbol, Decimal(bid), Decimal(ask), time, source)
            if not isinstance(bid, Decimal)
            else Quote(symbol, bid, ask, time, source)
        )
        return self.apply(quote, bar=bar)

    def apply(self, quote: Quote, *, bar: fills.Bar | None = None) -> int:
        """Apply one quote through the tick processor; returns how many book entries it triggered."""
        return self.processor.process(quote, bar=bar)

    def naive_apply(self, quote: Quote) -> int:
        """The same tick by scanning every active ticket (the benchmark's baseline)."""
        self.market.update(quote)
        instrument = get_instrument(quote.symbol)
        hits = 0
        for ticket in self._tickets.values():
            if ticket.symbol == quote.symbol and fills.next_trigger(ticket, instrument, quote) is not None:
                hits += 1
        return hits

    # ---- internals ----------------------------------------------------------------------
    def _run(self, pf: Portfolio, operation):
        try:
            result = operation()
        except Exception:
            self._rollback(pf)
            raise
        self._commit(pf)
        return result

    def _rollback(self, pf: Portfolio) -> None:
        # Domain operations validate before they change anything; nothing to undo but scratch.
        for ticket in pf.new_tickets:
            if ticket in pf.tickets:
                pf.tickets.remove(ticket)
        pf.new_tickets.clear()
        pf.fills.clear()
        pf.ledger.clear()
        pf.events.clear()

    def _commit(self, pf: Portfolio, market=None) -> None:
        for ticket in pf.new_tickets:
            ticket.id = next(self._ticket_ids)
        pf.new_tickets.clear()
        touched = {id(t): t for t in pf.tickets if t.dirty}
        for record in pf.fills:
            touched[id(record.ticket)] = record.ticket
        for ticket in touched.values():
            ticket.dirty = False
            if ticket.is_active:
                self._tickets[ticket.id] = ticket
                self.book.for_symbol(ticket.symbol).upsert(ticket.id, ticket_levels(ticket), ticket.expire_at)
            else:
                self._tickets.pop(ticket.id, None)
                self.book.for_symbol(ticket.symbol).remove(ticket.id)
                if ticket in pf.tickets:
                    pf.tickets.remove(ticket)
                    self.history.append(ticket)
        self.ledgers[pf.account.id].extend(pf.ledger)
        self.fills.extend(pf.fills)
        self.events.extend(pf.events)
        pf.ledger, pf.fills, pf.events = [], [], []
        self._reband(pf, market or self.market)

    def _reband(self, pf: Portfolio, market) -> None:
        key = band_key(pf.account.id)
        self.book.remove_everywhere(key)
        for symbol, levels in band_levels(pf, market).items():
            self.book.for_symbol(symbol).upsert(key, levels)

    # ---- the store (domain.ticks.TickStore) ---------------------------------------------------
    def receive(self, quote: Quote) -> None:
        self.market.update(quote)  # the book is this object's own: always up to date

    def due_rollover(self, now: datetime) -> datetime | None:
        return self._next_rollover if self._next_rollover <= now else None

    @contextmanager
    def holders(self, moment: datetime):
        yield [Held(pf) for pf in self.portfolios.values() if pf.open_tickets()], self.market

    def save_swap(self, unit: Held, market, moment: datetime) -> None:
        self._commit(unit.portfolio, market)

    def rolled_over(self, moment: datetime) -> None:
        self._next_rollover = next_rollover(moment)

    def triggered(self, quote: Quote) -> set:
        return self.book.for_symbol(quote.symbol).triggered(quote.bid, quote.ask, quote.time)

    def accounts_of(self, symbol: str, ticket_ids) -> dict[int, int]:
        found = {}
        for ticket_id in ticket_ids:
            ticket = self._tickets.get(ticket_id)
            if ticket is None:
                self.forget(symbol, ticket_id)
            else:
                found[ticket_id] = ticket.account_id
        return found

    def snapshot(self, quote: Quote, account_ids) -> QuoteBoard:
        return self.market

    def account_transaction(self):
        return _UNLOCKED

    def load(self, account_id: int, *, focus: str | None, ticket_ids: set[int]) -> Held:
        return Held(self.portfolios[account_id])  # every ticket is loaded already

    def load_whole(self, unit: Held) -> Held:
        return unit

    def forget(self, symbol: str, ticket_id: int) -> None:
        self.book.for_symbol(symbol).remove(ticket_id)

    def save(self, unit: Held, market) -> None:
        self._commit(unit.portfolio, market)

    def failed(self, account_id: int, quote: Quote, market, exc: Exception) -> dict:
        raise exc  # nothing to roll back to: the portfolio changed in place

    def _ticket(self, pf: Portfolio, ticket_id: int) -> Ticket:
        ticket = pf.find(ticket_id)
        if ticket is None:
            raise NotFound("No such trade.")
        return ticket

    def _now(self, symbol: str) -> datetime:
        quote = self.market.quote(get_instrument(symbol).symbol)
        return quote.time if quote else datetime.now(UTC)

    def active(self) -> list[Ticket]:
        return [t for t in self._tickets.values() if t.status in (Status.OPEN, Status.PENDING)]
