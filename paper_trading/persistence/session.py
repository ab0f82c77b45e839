"""The unit of work of the order path: a portfolio loaded under the account's row lock, and what the
domain did to it written back in the caller's transaction."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from ..domain.trading import Portfolio
from ..models import Account, AccountPeriod, Fill, PaperTrade
from . import sql
from .mapping import (
    ACTIVE,
    ATTNAMES,
    SWAP_COLUMNS,
    UPDATABLE,
    account_state,
    as_stored,
    check_storable,
    copy_ticket_to_row,
    fill_row,
    ledger_row,
    new_row,
    ticket_reader,
)

_SWAP_COLUMNS = tuple(SWAP_COLUMNS)


class PortfolioSession:
    """A portfolio loaded under the account's row lock, and how to write it back.

    Active trades are read as plain values (an account may hold hundreds); model instances
    are made only for the rows an operation changes. With `focus` (the symbol an order or a
    close is about), open positions on other symbols are only summarized (`Exposure`).
    """

    def __init__(
        self,
        account: Account,
        period: AccountPeriod | None = None,
        *,
        focus: str | None = None,
        ticket_ids: set[int] | frozenset[int] = frozenset(),
        positions_only: bool = False,
        preloaded: list[tuple] | None = None,
    ):
        self.account = account
        self.period = period or account.current_period
        # `positions_only`: a rollover books swap on open positions and never touches orders.
        statuses = (PaperTrade.Status.OPEN,) if positions_only else ACTIVE
        external = []
        # A rollover reads (and later writes) only what swap needs; rows it makes are deferred.
        self._columns = _SWAP_COLUMNS if positions_only else ATTNAMES
        if preloaded is not None:
            values = preloaded
        elif focus is not None and not positions_only:
            # Netting and NFA rules look at every position on the symbol; hedging looks at none.
            values, external = sql.load_focus(account, statuses, focus, ticket_ids)
        else:
            active = PaperTrade.objects.filter(account=account, status__in=statuses)
            if focus is not None:  # a rollover's columns; no caller asks for both today
                needed = Q(status=PaperTrade.Status.PENDING) | Q(pk__in=list(ticket_ids))
                if account.mode != Account.Mode.HEDGING:
                    needed |= Q(symbol=focus)
                external = sql.summarize_positions(
                    active.filter(status=PaperTrade.Status.OPEN).exclude(needed)
                )
                active = active.filter(needed)
            values = active.order_by("id").values_list(*self._columns)
        self._values: dict[int, tuple] = {v[0]: v for v in values}
        self.rows: dict[int, PaperTrade] = {}
        read = ticket_reader(self._columns)
        self.portfolio = Portfolio(account_state(account), [read(v) for v in self._values.values()], external)
        self.saved_rows: list[PaperTrade] = []
        self.created_ids: set[int] = set()  # tickets this session inserted
        self.fills: list[Fill] = []  # the fills this session wrote, with their ids
        self.rendered: dict[int, dict] = {}  # trade id -> its body, once rendered for an event
        self.wrote = False  # whether `save` has written anything (a refusal before it left no trace)

    def fills_of_new(self, ticket_id: int) -> list[Fill] | None:
        """Every fill of a ticket this session created (all it has, in the order a query by
        time and id returns them), valued as stored; None for a ticket that existed before."""
        if ticket_id not in self.created_ids:
            return None
        return sorted(
            (as_stored(f) for f in self.fills if f.trade_id == ticket_id), key=lambda f: (f.time, f.pk)
        )

    def row_for(self, ticket_id: int) -> PaperTrade:
        row = self.rows.get(ticket_id)
        if row is None:
            row = self.rows[ticket_id] = PaperTrade.from_db("default", self._columns, self._values[ticket_id])
        return row

    def save(self, *, extra_hash: str = "", fields: list[str] | None = None) -> list[PaperTrade]:
        """Write tickets, fills, ledger and account; returns the rows of changed tickets."""
        pf, account = self.portfolio, self.account
        changed: dict[int, PaperTrade] = {}
        created = []
        for ticket in pf.new_tickets:
            row = new_row(ticket, account, self.period)
            row.client_order_hash = extra_hash if ticket.client_order_id else ""
            created.append(row)
        check_storable(created)
        self.wrote = True
        sql.insert(created)
        for ticket, row in zip(pf.new_tickets, created, strict=True):
            ticket.id = row.pk
            self.rows[row.pk] = row
            changed[row.pk] = row
        self.created_ids.update(changed)
        pf.new_tickets.clear()
        touched = {t.id: t for t in pf.tickets if t.dirty}
        for record in pf.fills:
            touched[record.ticket.id] = record.ticket
        updated = []
        for ticket in touched.values():
            ticket.dirty = False
            if ticket.id in changed:  # created above with its final state
                continue
            row = self.row_for(ticket.id)
            copy_ticket_to_row(ticket, row)
            row.updated_at = timezone.now()
            updated.append(row)
            changed[ticket.id] = row
        check_storable(updated)
        fields = fields or UPDATABLE  # a caller that knows what changed (swap) writes only that
        if len(updated) == 1:
            updated[0].save(update_fields=fields)
        elif updated:  # a rollover or a stop-out touches many rows
            sql.update_rows(updated, fields)
        now = timezone.now()
        fills = [fill_row(f, account) for f in pf.fills]
        check_storable(fills)
        sql.insert(fills)
        self.fills.extend(fills)
        ledger = [ledger_row(entry, account, self.period, now) for entry in pf.ledger]
        check_storable(ledger)
        sql.insert(ledger)
        state = pf.account
        if pf.ledger or state.margin_call != account.margin_call:
            account.balance = state.balance
            account.realized_today = state.realized_today
            account.realized_day = state.day
            account.margin_call = state.margin_call
            check_storable([account])
            account.save(
                update_fields=["balance", "realized_today", "realized_day", "margin_call", "updated_at"]
            )
        for row in changed.values():
            row.account = account  # rendering needs the currency; spare a query per row
        self.saved_rows = list(changed.values())
        return self.saved_rows
