"""Rows <-> domain objects. The trade's columns are the ticket's attributes: which ones, and how a
value crosses (an enum as its text, a missing text as blank), follows from `Ticket`'s fields and
`PaperTrade._meta`; only what they cannot say is written here."""

from __future__ import annotations

import dataclasses
import functools
import typing
from decimal import Decimal
from enum import Enum
from operator import attrgetter

from django.db import models

from ..domain.errors import BusinessRefusal
from ..domain.numbers import money
from ..domain.orders import Ticket
from ..domain.trading import AccountState, FillRecord, LedgerRecord
from ..models import Account, AccountPeriod, Fill, LedgerEntry, PaperTrade

ACTIVE = (PaperTrade.Status.PENDING, PaperTrade.Status.OPEN)

# Ticket attributes stored under another name (an FK under its column, `oco_with_id`).
_COLUMN_OF = {"lots": "lot_size", "original_lots": "original_lot_size", "oco_with": "oco_with_id"}
# Assigned by the database (id, created_at) or fixed when the order is placed: written once, by
# the INSERT, and never in an UPDATE.
_READ_ONLY = frozenset({"id", "created_at"})
_FIXED = frozenset(
    {
        "account_id",
        "symbol",
        "side",
        "entry_type",
        "time_in_force",
        "signal_id",
        "signal_type",
        "signal_source",
    }
)
# Figures the domain computes by division: stored at their column's scale.
_QUANTIZED = frozenset({"pips_gained", "margin", "initial_risk"})
# Columns of the row alone: its owner and period, the idempotency hash, the net P&L it shows.
ROW_ONLY_COLUMNS = frozenset({"user_id", "period_id", "client_order_hash", "profit_loss", "updated_at"})

_TRADE_META = PaperTrade._meta
_HINTS = typing.get_type_hints(Ticket)
TICKET_COLUMNS: tuple[tuple[str, str], ...] = tuple(
    (f.name, _COLUMN_OF.get(f.name, f.name))
    for f in dataclasses.fields(Ticket)
    if _COLUMN_OF.get(f.name, f.name) in {c.attname for c in _TRADE_META.concrete_fields}
)
ATTNAMES = tuple(f.attname for f in _TRADE_META.concrete_fields)


def _blank_as_none(value):
    return value or None


def _none_as_blank(value):
    return value or ""


def _reader(attribute: str, column: str):
    """How a column's value becomes the ticket's: an enum from its text, blank text as None."""
    hint = _HINTS[attribute]
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint
    if hint == str | None and not _TRADE_META.get_field(column).null:
        return _blank_as_none
    return None


def _writer(attribute: str, column: str):
    """How a ticket's value becomes the column's: the reverse of `_reader`, at the column's scale."""
    hint = _HINTS[attribute]
    if isinstance(hint, type) and issubclass(hint, Enum):
        return str
    if hint == str | None and not _TRADE_META.get_field(column).null:
        return _none_as_blank
    if column in _QUANTIZED:
        step = Decimal(1).scaleb(-_TRADE_META.get_field(column).decimal_places)
        return lambda value: None if value is None else value.quantize(step)
    return None


_READ = tuple((attribute, column, _reader(attribute, column)) for attribute, column in TICKET_COLUMNS)
_WRITE = tuple(
    (attribute, column, _writer(attribute, column))
    for attribute, column in TICKET_COLUMNS
    if attribute not in _READ_ONLY
)
_UPDATE = tuple(spec for spec in _WRITE if spec[1] not in _FIXED)
_INSERT = tuple(spec for spec in _WRITE if spec[1] in _FIXED)
# The fields an UPDATE of a trade writes: what the domain may change, and the row's own figures.
UPDATABLE = [_TRADE_META.get_field(column).name for _, column, _ in _UPDATE] + ["profit_loss", "updated_at"]
# What a rollover reads of each open position: the columns a ticket is named and totalled by, and
# the ones swap reads; the rest keep the ticket's defaults, and the row defers them.
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

_ACCOUNT_STATE = tuple(
    (f.name, "realized_day" if f.name == "day" else f.name) for f in dataclasses.fields(AccountState)
)


def account_state(row: Account) -> AccountState:
    values = row.__dict__
    return AccountState(**{attribute: values[column] for attribute, column in _ACCOUNT_STATE})


@functools.cache
def ticket_reader(columns: tuple[str, ...]):
    """A function making a ticket of a row's values in `columns` order (a `values_list` row or a
    hand-written SELECT's); a column not among them keeps the ticket's default."""
    at = {column: index for index, column in enumerate(columns)}
    spec = tuple((attribute, at[column], read) for attribute, column, read in _READ if column in at)

    def read(values) -> Ticket:
        return Ticket(
            **{
                attribute: values[index] if convert is None else convert(values[index])
                for attribute, index, convert in spec
            }
        )

    return read


def ticket_from_row(row: PaperTrade) -> Ticket:
    values = row.__dict__
    return Ticket(
        **{
            attribute: values[column] if convert is None else convert(values[column])
            for attribute, column, convert in _READ
            if column in values
        }
    )


def _write(ticket: Ticket, row: PaperTrade, spec) -> None:
    for attribute, column, convert in spec:
        value = getattr(ticket, attribute)
        setattr(row, column, value if convert is None else convert(value))


def copy_ticket_to_row(ticket: Ticket, row: PaperTrade) -> None:
    """What the domain may have changed on `ticket`, onto its row."""
    _write(ticket, row, _UPDATE)
    row.profit_loss = money(ticket.net_pnl)


def new_row(ticket: Ticket, account: Account, period: AccountPeriod) -> PaperTrade:
    row = PaperTrade(user_id=account.user_id, account=account, period=period)
    _write(ticket, row, _INSERT)
    copy_ticket_to_row(ticket, row)
    return row


def _step(model: type, name: str) -> Decimal:
    return Decimal(1).scaleb(-model._meta.get_field(name).decimal_places)


_FILL_PRICE, _FILL_PIPS = _step(Fill, "price"), _step(Fill, "pips")


def fill_row(record: FillRecord, account: Account) -> Fill:
    return Fill(
        trade_id=record.ticket.id,
        account=account,
        kind=record.kind,
        side=str(record.side),
        lot_size=record.lots,
        price=record.price.quantize(_FILL_PRICE),
        time=record.time,
        reason=record.reason,
        pnl=record.pnl,
        pips=record.pips.quantize(_FILL_PIPS),
        commission=record.commission,
    )


def ledger_row(record: LedgerRecord, account: Account, period: AccountPeriod, now) -> LedgerEntry:
    return LedgerEntry(
        account=account,
        period=period,
        kind=record.kind,
        amount=record.amount,
        balance_after=record.balance_after,
        trade_id=record.ticket.id if record.ticket else None,
        note=record.note,
        created_at=record.time or now,
    )


def as_stored(obj):
    """Give a just-inserted instance's decimals the scale the database returns them with, so a
    body rendered from it reads exactly like one rendered from a fresh query."""
    for field in obj._meta.concrete_fields:
        decimals = getattr(field, "decimal_places", None)
        value = getattr(obj, field.attname)
        if decimals is not None and value is not None:
            setattr(obj, field.attname, value.quantize(Decimal(1).scaleb(-decimals)))
    return obj


class NumericOverflow(BusinessRefusal):
    """A figure beyond its column's digits (money keeps 18 before the point, prices 14)."""

    code = "numeric_overflow"


_DIGIT_LIMITS: dict[type, tuple] = {}


def _digit_limits(model: type) -> tuple:
    """(getter of every decimal field, their names, the bound each value must stay below)."""
    fields = [f for f in model._meta.concrete_fields if isinstance(f, models.DecimalField)]
    names = tuple(f.attname for f in fields)
    limits = tuple(Decimal(10) ** (f.max_digits - f.decimal_places) for f in fields)
    return attrgetter(*names), names, limits


def check_storable(objs) -> None:
    """Refuse a figure beyond its column's digits before it is written: PostgreSQL would fail the
    statement with a numeric overflow, and SQLite would store a value it cannot read back."""
    for obj in objs:
        model = type(obj)
        spec = _DIGIT_LIMITS.get(model) or _DIGIT_LIMITS.setdefault(model, _digit_limits(model))
        getter, names, limits = spec
        for value, limit, name in zip(getter(obj), limits, names, strict=True):
            if value is not None and abs(value) >= limit:
                raise NumericOverflow(f"{model.__name__} {name} {value} exceeds what the database can store.")
