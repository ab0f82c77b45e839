"""Rows <-> domain objects: load a `Portfolio` from the database and persist what the
domain did to it (tickets, fills, ledger) inside the caller's transaction."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from .domain.numbers import ZERO, money
from .domain.orders import EntryType, Side, Status, Ticket, TimeInForce
from .domain.trading import AccountState, Exposure, Portfolio
from .models import Account, AccountPeriod, Fill, LedgerEntry, PaperTrade

ACTIVE = (PaperTrade.Status.PENDING, PaperTrade.Status.OPEN)
PIPS_STEP = Decimal("0.0001")
PRICE_STEP = Decimal("1e-10")

_TICKET_FIELDS = (
    "price",
    "limit_price",
    "stop_triggered",
    "expire_at",
    "client_order_id",
    "requested_price",
    "entry_price",
    "entry_time",
    "stop_loss",
    "take_profit_1",
    "take_profit_2",
    "take_profit_3",
    "tp_levels_hit",
    "breakeven_after_tp1",
    "trailing_stop_pips",
    "trailing_stop_price",
    "exit_price",
    "exit_time",
    "commission",
    "swap",
    "margin",
    "initial_risk",
    "last_swap_at",
    "notes",
)


_UPDATABLE = [
    *_TICKET_FIELDS,
    "status",
    "lot_size",
    "original_lot_size",
    "oco_with",
    "exit_reason",
    "realized_pnl",
    "pips_gained",
    "profit_loss",
    "updated_at",
]


def account_state(row: Account) -> AccountState:
    return AccountState(
        id=row.pk,
        balance=row.balance,
        currency=row.currency,
        leverage=row.leverage,
        mode=row.mode,
        slippage_pips=row.slippage_pips,
        commission_per_lot=row.commission_per_lot,
        commission_pct=row.commission_pct,
        max_risk_per_trade_pct=row.max_risk_per_trade_pct,
        max_portfolio_heat_pct=row.max_portfolio_heat_pct,
        max_daily_loss_pct=row.max_daily_loss_pct,
        realized_today=row.realized_today,
        day=row.realized_day,
        margin_call=row.margin_call,
    )


def ticket_from_values(v: dict) -> Ticket:
    """A ticket from a row's attribute dict (a model's `__dict__` or a `.values()` row)."""
    ticket = Ticket(
        account_id=v["account_id"],
        symbol=v["symbol"],
        side=Side(v["side"]),
        lots=v["lot_size"],
        entry_type=EntryType(v["entry_type"]),
        status=Status(v["status"]),
        id=v["id"],
        original_lots=v["original_lot_size"],
        time_in_force=TimeInForce(v["time_in_force"]),
        oco_with=v["oco_with_id"],
        created_at=v["created_at"],
        exit_reason=v["exit_reason"] or None,
        realized_pnl=v["realized_pnl"],
        pips_gained=v["pips_gained"],
        signal_id=v["signal_id"] or None,
        signal_type=v["signal_type"] or None,
        signal_source=v["signal_source"] or None,
    )
    for name in _TICKET_FIELDS:
        setattr(ticket, name, v[name])
    return ticket


def ticket_from_row(row: PaperTrade) -> Ticket:
    return ticket_from_values(row.__dict__)


def copy_ticket_to_row(ticket: Ticket, row: PaperTrade) -> None:
    for name in _TICKET_FIELDS:
        setattr(row, name, getattr(ticket, name))
    row.status = str(ticket.status)
    row.lot_size = ticket.lots
    row.original_lot_size = ticket.original_lots
    row.oco_with_id = ticket.oco_with
    row.exit_reason = ticket.exit_reason or ""
    row.realized_pnl = ticket.realized_pnl
    row.pips_gained = ticket.pips_gained.quantize(PIPS_STEP)
    row.profit_loss = money(ticket.net_pnl)
    row.margin = ticket.margin.quantize(PRICE_STEP)
    if ticket.initial_risk is not None:
        row.initial_risk = ticket.initial_risk.quantize(PRICE_STEP)


def new_row(ticket: Ticket, account: Account, period: AccountPeriod) -> PaperTrade:
    row = PaperTrade(
        user_id=account.user_id,
        account=account,
        period=period,
        symbol=ticket.symbol,
        side=str(ticket.side),
        entry_type=str(ticket.entry_type),
        time_in_force=str(ticket.time_in_force),
        signal_id=ticket.signal_id or "",
        signal_type=ticket.signal_type or "",
        signal_source=ticket.signal_source or "",
    )
    copy_ticket_to_row(ticket, row)
    return row


_ATTNAMES = [f.attname for f in PaperTrade._meta.concrete_fields]
_DEFAULTS = {
    f.attname: (f.get_default() if f.has_default() else None) for f in PaperTrade._meta.concrete_fields
}
SWAP_COLUMNS = [
    "id",
    "account_id",
    "symbol",
    "side",
    "lot_size",
    "original_lot_size",
    "entry_type",
    "status",
    "time_in_force",
    "entry_price",
    "entry_time",
    "last_swap_at",
    "swap",
    "margin",
    "realized_pnl",
    "commission",
    "pips_gained",
    "exit_reason",
    "signal_id",
    "signal_type",
    "signal_source",
    "created_at",
    "oco_with_id",
    "notes",
]
_EXPOSURE_COLUMNS = (
    "symbol",
    "side",
    "lot_size",
    "entry_price",
    "margin",
    "stop_loss",
    "trailing_stop_price",
)


def summarize_positions(queryset) -> list[Exposure]:
    """`summarize` over a queryset of open trades."""
    return summarize(queryset.values_list(*_EXPOSURE_COLUMNS))


def summarize(rows) -> list[Exposure]:
    """Fold (symbol, side, lots, entry, margin, stop, trailing stop) rows into one `Exposure`
    per (symbol, side), with the same stop-distance arithmetic as `positions.risk_amount`."""
    sums: dict[tuple[str, int], list[Decimal]] = {}
    for symbol, side, lots, entry, margin, stop_loss, trailing in rows:
        direction = 1 if side == "buy" else -1
        acc = sums.setdefault((symbol, direction), [ZERO, ZERO, ZERO, ZERO, ZERO])
        acc[0] += lots
        acc[1] += lots * entry
        acc[2] += margin
        stops = [x for x in (stop_loss, trailing) if x is not None]
        if stops:
            stop = max(stops) if direction > 0 else min(stops)
            distance = (entry - stop) * direction
            if distance > 0:
                acc[3] += distance * lots
                acc[4] += distance * lots / stop
    return [Exposure(symbol, d, *acc) for (symbol, d), acc in sums.items()]


def update_rows(rows: list[PaperTrade], fields: list[str]) -> None:
    """UPDATE many trades in one `executemany` (Django's bulk_update builds a CASE expression
    per cell: measured ten times slower for a rollover over a hundred positions)."""
    model_fields = [PaperTrade._meta.get_field(name) for name in fields]
    qn = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        qn(PaperTrade._meta.db_table),
        ", ".join(f"{qn(f.column)} = %s" for f in model_fields),
        qn(PaperTrade._meta.pk.column),
    )
    params = [
        [f.get_db_prep_save(getattr(row, f.attname), connection) for f in model_fields] + [row.pk]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


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
        active = PaperTrade.objects.filter(account=account, status__in=statuses)
        external = []
        if focus is not None:
            # Netting and NFA rules look at every position on the symbol; hedging looks at none.
            needed = Q(status=PaperTrade.Status.PENDING) | Q(pk__in=list(ticket_ids))
            if account.mode != Account.Mode.HEDGING:
                needed |= Q(symbol=focus)
            others = active.filter(status=PaperTrade.Status.OPEN).exclude(needed)
            external = summarize_positions(others)
            active = active.filter(needed)
        # A rollover reads (and later writes) only what swap needs; rows it makes are deferred.
        self._columns = SWAP_COLUMNS if positions_only else _ATTNAMES
        values = preloaded if preloaded is not None else active.order_by("id").values_list(*self._columns)
        self._values: dict[int, tuple] = {v[0]: v for v in values}
        self.rows: dict[int, PaperTrade] = {}
        self.portfolio = Portfolio(
            account_state(account),
            [
                ticket_from_values({**_DEFAULTS, **dict(zip(self._columns, v, strict=True))})
                for v in self._values.values()
            ],
            external,
        )
        self.saved_rows: list[PaperTrade] = []

    def row_for(self, ticket_id: int) -> PaperTrade:
        row = self.rows.get(ticket_id)
        if row is None:
            row = self.rows[ticket_id] = PaperTrade.from_db("default", self._columns, self._values[ticket_id])
        return row

    def save(self, *, extra_hash: str = "", fields: list[str] | None = None) -> list[PaperTrade]:
        """Write tickets, fills, ledger and account; returns the rows of changed tickets."""
        pf, account = self.portfolio, self.account
        changed: dict[int, PaperTrade] = {}
        for ticket in pf.new_tickets:
            row = new_row(ticket, account, self.period)
            row.client_order_hash = extra_hash if ticket.client_order_id else ""
            row.save()
            ticket.id = row.pk
            self.rows[row.pk] = row
            changed[row.pk] = row
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
        fields = fields or _UPDATABLE  # a caller that knows what changed (swap) writes only that
        if len(updated) == 1:
            updated[0].save(update_fields=fields)
        elif updated:  # a rollover or a stop-out touches many rows
            update_rows(updated, fields)
        now = timezone.now()
        Fill.objects.bulk_create(
            Fill(
                trade_id=f.ticket.id,
                account=account,
                kind=f.kind,
                side=str(f.side),
                lot_size=f.lots,
                price=f.price.quantize(PRICE_STEP),
                time=f.time,
                reason=f.reason,
                pnl=f.pnl,
                pips=f.pips.quantize(PIPS_STEP),
                commission=f.commission,
            )
            for f in pf.fills
        )
        LedgerEntry.objects.bulk_create(
            LedgerEntry(
                account=account,
                period=self.period,
                kind=entry.kind,
                amount=entry.amount,
                balance_after=entry.balance_after,
                trade_id=entry.ticket.id if entry.ticket else None,
                note=entry.note,
                created_at=entry.time or now,
            )
            for entry in pf.ledger
        )
        state = pf.account
        if pf.ledger or state.margin_call != account.margin_call:
            account.balance = state.balance
            account.realized_today = state.realized_today
            account.realized_day = state.day
            account.margin_call = state.margin_call
            account.save(
                update_fields=["balance", "realized_today", "realized_day", "margin_call", "updated_at"]
            )
        for row in changed.values():
            row.account = account  # rendering needs the currency; spare a query per row
        self.saved_rows = list(changed.values())
        return self.saved_rows
