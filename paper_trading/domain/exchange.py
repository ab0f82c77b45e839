"""An in-memory venue over the domain: accounts, quotes and the trigger book.

The backtest, the engine benchmark and the property tests drive it; the database engine
(`paper_trading.engine`) drives the same `trading` operations against rows instead.
"""

from __future__ import annotations

from collections import defaultdict
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
from .trading import AccountState, Event, FillRecord, LedgerRecord, OrderRequest, Portfolio


def ticket_levels(ticket: Ticket):
    """The four book levels (bid_low, bid_high, ask_low, ask_high) of a ticket."""
    side, low, high = fills.trigger_levels(ticket, get_instrument(ticket.symbol))
    return (low, high, None, None) if side == "bid" else (None, None, low, high)


class Exchange:
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
        self.market.update(quote)
        if quote.time >= self._next_rollover:
            self._rollover(quote.time)
        keys = self.book.for_symbol(quote.symbol).triggered(quote.bid, quote.ask, quote.time)
        if not keys:
            return 0
        by_account: dict[int, list[Ticket]] = defaultdict(list)
        margin_accounts: set[int] = set()
        for key in keys:
            if isinstance(key, tuple):
                margin_accounts.add(key[1])
            else:
                ticket = self._tickets.get(key)
                if ticket is not None:
                    by_account[ticket.account_id].append(ticket)
        for account_id in by_account.keys() | margin_accounts:
            pf = self.portfolios[account_id]
            tickets = sorted(by_account.get(account_id, ()), key=lambda t: t.id)
            trading.apply_quote(pf, self.market, quote, tickets, bar=bar)
            trading.check_margin(pf, self.market, quote.time)
            self._commit(pf)
        return len(keys)

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

    def _commit(self, pf: Portfolio) -> None:
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
        self._reband(pf)

    def _reband(self, pf: Portfolio) -> None:
        key = band_key(pf.account.id)
        self.book.remove_everywhere(key)
        for symbol, levels in band_levels(pf, self.market).items():
            self.book.for_symbol(symbol).upsert(key, levels)

    def _rollover(self, now: datetime) -> None:
        while self._next_rollover <= now:
            moment = self._next_rollover
            for pf in self.portfolios.values():
                if pf.open_tickets():
                    trading.apply_rollover(pf, self.market, moment)
                    self._commit(pf)
            self._next_rollover = next_rollover(moment)

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
