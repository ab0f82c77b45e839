"""Rows <-> domain objects: load a `Portfolio` from the database and persist what the
domain did to it (tickets, fills, ledger) inside the caller's transaction."""

from __future__ import annotations

import functools
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from operator import attrgetter

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.models import Field, Q
from django.utils import timezone

from .domain.errors import BusinessRefusal, NotFound
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


# ---- hand-written SQL for the order path ------------------------------------------------------
# Compiling a queryset costs more CPU than PostgreSQL spends answering it (docs/performance.md),
# so the statements every order runs are written once per backend and their columns converted
# with the ORM's own converters (none on PostgreSQL; SQLite returns floats and text). They use
# the connection object itself: each attribute read through the `connection` proxy is a
# context-local lookup, which adds up over fifty columns.
_SQL: dict[tuple, str] = {}
_CONVERTERS: dict[tuple, tuple] = {}
_INSERT_FIELDS: dict[type, list] = {}


def _db():
    return connections[DEFAULT_DB_ALIAS]


def _converters(db, fields: tuple) -> list:
    # Keyed by identity: hashing fifty `Field`s per lookup cost more than the lookup saved.
    # Callers pass module-level tuples, so the ids stay valid.
    key = (db.vendor, id(fields))
    found = _CONVERTERS.get(key)
    if found is None or found[0] is not fields:  # (an id can be reused by a new tuple)
        converters = []
        for index, field in enumerate(fields):
            col = field.get_col(field.model._meta.db_table)
            functions = db.ops.get_db_converters(col) + field.get_db_converters(db)
            if functions:
                converters.append((index, functions, col))
        found = _CONVERTERS[key] = (fields, converters)
    return found[1]


def fetch(sql: str, params, fields: tuple, *, prepare: bool = False) -> list[tuple]:
    """Rows of a hand-written SELECT whose columns are `fields` (a module-level tuple), valued
    as the ORM would value them. `prepare`: see `statement_cursor`."""
    db = _db()
    with statement_cursor(db, sql, prepare=prepare) as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return _convert(db, rows, fields)


@contextmanager
def statement_cursor(db, sql: str, *, prepare: bool = False):
    """The cursor that runs the order path's statement `sql` (one of the module's cached strings)
    on this pooled PostgreSQL connection, kept open from one execution to the next and wrapped
    by Django as any cursor is (query logging, error translation). Other databases get
    `db.cursor()`.

    psycopg keeps a cursor's adapters (the dumpers of the parameters, the loaders of the result
    columns, timestamps through Django's Python loader) only while the cursor runs the same query
    object again; a new cursor per statement rebuilt them for the fifty to seventy columns every
    time.

    `prepare`, for the order path's fixed statements: Django binds parameters on the client, so
    PostgreSQL parses and plans every statement anew; for the token, account-lock and INSERT
    statements of an order that was a third of their server time (pg_stat_statements). This
    cursor then binds on the server and has psycopg prepare the statement once per pooled
    connection; their generic plans are the custom ones (unique keys, no parameter in an index
    condition). With DB_PREPARED_STATEMENTS=0 the usual cursor runs it."""
    if db.vendor != "postgresql":
        with db.cursor() as cursor:
            yield cursor
        return
    prepare = prepare and db.settings_dict["OPTIONS"].get("prepare_threshold") is not None
    db.close_if_health_check_failed()
    db.ensure_connection()
    with db.wrap_database_errors:
        kept = db.connection.__dict__.setdefault("_paper_trading_cursors", {})
        cursor = kept.get((prepare, sql))
        if cursor is None or cursor.closed:
            cursor = kept[prepare, sql] = (
                _prepared_cursor_class()(db.connection) if prepare else db.create_cursor()
            )
        # Django's own cursor preparation (thread check, query logging when DEBUG) on our cursor.
        wrapped = db._prepare_cursor(cursor)
    yield wrapped


@functools.cache
def _prepared_cursor_class():
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparedCursor(ServerBindingCursor):
        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

        def _convert_query(self, query, params=None):
            # psycopg records the statement only when it sends it unprepared; Django's query log
            # (DEBUG, tests) reads it from here, and logged None for every prepared statement.
            self._query = converted = super()._convert_query(query, params)
            return converted

    return PreparedCursor


def _convert(db, rows: list[tuple], fields: tuple) -> list[tuple]:
    converters = _converters(db, fields)
    if not converters:
        return rows
    converted = []
    for row in rows:
        row = list(row)
        for index, functions, col in converters:
            value = row[index]
            for function in functions:
                value = function(value, col, db)
            row[index] = value
        converted.append(tuple(row))
    return converted


def insert(objs: list) -> None:
    """INSERT new instances of one model in one statement and set their ids: what `save()` and
    `bulk_create` write (auto_now fields included, no signals are connected), without compiling."""
    if not objs:
        return
    model = type(objs[0])
    db = _db()
    if not db.features.can_return_columns_from_insert:  # pragma: no cover - old SQLite
        model.objects.bulk_create(objs)
        return
    fields = _INSERT_FIELDS.get((db.vendor, model))
    if fields is None:
        fields = _INSERT_FIELDS[db.vendor, model] = [
            # Only fields that override `pre_save` (auto_now dates) compute their value there.
            (f, type(f).pre_save is not Field.pre_save, _as_is_type(db, f))
            for f in model._meta.concrete_fields
            if not f.primary_key
        ]
    key = ("insert", db.vendor, model, len(objs))
    sql = _SQL.get(key)
    if sql is None:
        qn = db.ops.quote_name
        row = "({})".format(", ".join(["%s"] * len(fields)))
        sql = _SQL[key] = "INSERT INTO {} ({}) VALUES {} RETURNING {}".format(
            qn(model._meta.db_table),
            ", ".join(qn(f.column) for f, _, _ in fields),
            ", ".join([row] * len(objs)),
            qn(model._meta.pk.column),
        )
    params = []
    append = params.append
    for obj in objs:
        for f, auto, as_is in fields:
            value = f.pre_save(obj, True) if auto else getattr(obj, f.attname)
            if as_is is not None and (value is None or type(value) is as_is):
                if as_is is datetime and value is not None and value.tzinfo is None:
                    value = f.get_db_prep_save(value, db)  # warns about the naive datetime
                append(value)
            else:
                append(f.get_db_prep_save(value, db))
    # One row (an order's trade, its fill): prepared. Many rows (a stop-out, a rollover) vary in
    # count and could pass the 65,535 parameters a server-bound statement may carry.
    with statement_cursor(db, sql, prepare=True) if len(objs) == 1 else db.cursor() as cursor:
        cursor.execute(sql, params)
        ids = cursor.fetchall()
    for obj, (pk,) in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = db.alias


# The Python types that `get_db_prep_save` hands to psycopg unchanged, per field type: on
# PostgreSQL a Decimal, a str, a bool and an aware datetime (and None) go through it as they are.
# Integers do not: Django wraps them in psycopg's sized int types, so a prepared statement keeps
# one parameter type. Calling it for the fifty columns of a trade was a tenth of an order's CPU.
_AS_IS = {
    models.DecimalField: Decimal,
    models.CharField: str,
    models.TextField: str,
    models.BooleanField: bool,
    models.DateTimeField: datetime,
}


def _as_is_type(db, field) -> type | None:
    """The type whose values `field` (exactly one of Django's own classes) stores unchanged."""
    return _AS_IS.get(type(field)) if db.vendor == "postgresql" else None


def as_stored(obj):
    """Give a just-inserted instance's decimals the scale the database returns them with, so a
    body rendered from it reads exactly like one rendered from a fresh query."""
    for field in obj._meta.concrete_fields:
        decimals = getattr(field, "decimal_places", None)
        value = getattr(obj, field.attname)
        if decimals is not None and value is not None:
            setattr(obj, field.attname, value.quantize(Decimal(1).scaleb(-decimals)))
    return obj


_ACCOUNT_FIELDS = tuple(Account._meta.concrete_fields)
_PERIOD_FIELDS = tuple(AccountPeriod._meta.concrete_fields)
_LOCK_FIELDS = _ACCOUNT_FIELDS + _PERIOD_FIELDS
_ACCOUNT_NAMES = [f.attname for f in _ACCOUNT_FIELDS]
_PERIOD_NAMES = [f.attname for f in _PERIOD_FIELDS]


def _can_be_key(db, value: int) -> bool:
    """Whether `value` fits the models' keys (BigAutoField). One that does not names no row: the
    ORM answers such lookups with no match, and SQLite cannot even bind it (OverflowError)."""
    low, high = db.ops.integer_field_range("BigAutoField")
    return low <= value <= high


def lock_account(*, account_id: int | None = None, user_id: int | None = None) -> Account:
    """The account row, locked (FOR UPDATE) with its current period: by id, by id and owner, or
    the owner's default account. One round trip; `NotFound` when there is no such row."""
    db = _db()
    if account_id is not None and not _can_be_key(db, account_id):
        raise NotFound("No such account.")
    if account_id is None:
        by, params = ("user_id", "is_default"), [user_id]
    elif user_id is None:
        by, params = ("id",), [account_id]
    else:
        by, params = ("id", "user_id"), [account_id, user_id]
    key = ("lock", db.vendor, by)
    sql = _SQL.get(key)
    if sql is None:
        qn = db.ops.quote_name
        lock = ""
        if db.features.has_select_for_update:
            lock = " FOR UPDATE OF a" if db.features.has_select_for_update_of else " FOR UPDATE"
        sql = _SQL[key] = "SELECT {}, {} FROM {} a LEFT OUTER JOIN {} p ON p.{} = a.{} WHERE {}{}".format(
            ", ".join("a." + qn(f.column) for f in _ACCOUNT_FIELDS),
            ", ".join("p." + qn(f.column) for f in _PERIOD_FIELDS),
            qn(Account._meta.db_table),
            qn(AccountPeriod._meta.db_table),
            qn("id"),
            qn("period_id"),
            # The default flag is written out, not a parameter: a prepared statement's plan can
            # then use the partial unique index on (user) WHERE is_default.
            " AND ".join(
                f"a.{qn(column)} = %s" if column != "is_default" else f"a.{qn(column)}" for column in by
            ),
            lock,
        )
    rows = fetch(sql, params, _LOCK_FIELDS, prepare=True)
    if not rows:
        raise NotFound("No such account.")
    values = rows[0]
    split = len(_ACCOUNT_FIELDS)
    account = Account.from_db(db.alias, _ACCOUNT_NAMES, values[:split])
    if values[split] is not None:
        period = AccountPeriod.from_db(db.alias, _PERIOD_NAMES, values[split:])
        Account.period.field.set_cached_value(account, period)
    return account


_TRADE_FIELDS = tuple(PaperTrade._meta.concrete_fields)
_EXPOSURE_FIELDS = tuple(PaperTrade._meta.get_field(name) for name in _EXPOSURE_COLUMNS)


def _focus_sql(
    db, statuses: int, ticket_ids: int, hedging: bool, with_risk: bool
) -> tuple[str, str, str, str]:
    """The SELECT of the rows an operation on one symbol needs (pending orders, the named tickets,
    and unless the account hedges every position on the symbol), and of the other open positions,
    raw and summarized (`with_risk`: their open risk too); last the rows and the summary as one
    string, for one round trip. Parameters: account, statuses, PENDING, ids, [symbol] / account,
    OPEN, ..."""
    key = ("focus", db.vendor, statuses, ticket_ids, hedging, with_risk)
    found = _SQL.get(key)
    if found is not None:
        return found
    qn = db.ops.quote_name
    table = qn(PaperTrade._meta.db_table)
    parts = [f"{qn('status')} = %s"]
    if ticket_ids:
        parts.append("{} IN ({})".format(qn("id"), ", ".join(["%s"] * ticket_ids)))
    if not hedging:
        parts.append(f"{qn('symbol')} = %s")
    needed = "(" + " OR ".join(parts) + ")"
    rows = "SELECT {} FROM {} WHERE {} = %s AND {} IN ({}) AND {} ORDER BY {}".format(
        ", ".join(qn(f.column) for f in _TRADE_FIELDS),
        table,
        qn("account_id"),
        qn("status"),
        ", ".join(["%s"] * statuses),
        needed,
        qn("id"),
    )
    others = f"{qn('account_id')} = %s AND {qn('status')} = %s AND NOT {needed}"
    raw = "SELECT {} FROM {} WHERE {}".format(
        ", ".join(qn(f.column) for f in _EXPOSURE_FIELDS), table, others
    )
    summary = _summary_sql(qn, table, others, with_risk)
    found = _SQL[key] = (rows, raw, summary, f"{rows}; {summary}")
    return found


def _load_focus(account: Account, statuses, focus: str, ticket_ids) -> tuple[list[tuple], list[Exposure]]:
    """The rows an operation on `focus` needs, and the other open positions summed per side."""
    db = _db()
    hedging = account.mode == Account.Mode.HEDGING
    # Open risk is only ever summed against a portfolio heat limit; without one the sums skip
    # the per-row stop arithmetic (half the statement's time with a few hundred positions open).
    with_risk = account.max_portfolio_heat_pct is not None
    rows_sql, raw_sql, summary_sql, both_sql = _focus_sql(
        db, len(statuses), len(ticket_ids), hedging, with_risk
    )
    needed = [PaperTrade.Status.PENDING.value, *sorted(ticket_ids)]
    if not hedging:
        needed.append(focus)
    params = [account.pk, *statuses, *needed]
    others = [account.pk, PaperTrade.Status.OPEN.value, *needed]
    if db.vendor != "postgresql":
        rows = fetch(rows_sql, params, _TRADE_FIELDS)
        return rows, summarize(fetch(raw_sql, others, _EXPOSURE_FIELDS))
    if db.settings_dict["OPTIONS"].get("server_side_binding"):
        with db.cursor() as cursor:
            cursor.execute(rows_sql, params)
            rows = cursor.fetchall()
            cursor.execute(summary_sql, others)
            sums = cursor.fetchall()
    else:  # client-side binding sends both statements in one round trip
        with statement_cursor(db, both_sql) as cursor:
            cursor.execute(both_sql, params + others)
            rows = cursor.fetchall()
            cursor.nextset()
            sums = cursor.fetchall()
    return _convert(db, rows, _TRADE_FIELDS), [
        Exposure(symbol, 1 if side == "buy" else -1, lots, cost, margin, units, per_stop)
        for symbol, side, lots, cost, margin, units, per_stop in sums
    ]


def _summary_sql(qn, table: str, where: str, with_risk: bool = True) -> str:
    """`summarize` computed by PostgreSQL: the same sums, exact in `numeric` (the division per
    position is carried to 40 decimal places, finer than Python's 28 significant digits), so an
    order does not fetch and add up every open position of the account. Without `with_risk` the
    two risk sums are NULL (`Exposure` then says it does not know them)."""
    columns = {name: qn(name) for name in _EXPOSURE_COLUMNS}
    names = {
        "symbol": columns["symbol"],
        "side": columns["side"],
        "lots": columns["lot_size"],
        "entry": columns["entry_price"],
        "margin": columns["margin"],
        "table": table,
        "where": where,
    }
    sums = "SELECT {symbol}, {side}, SUM({lots}), SUM({lots} * {entry}), SUM({margin}), "
    grouped = " GROUP BY {symbol}, {side} ORDER BY {symbol}, {side}"
    if not with_risk:
        return (sums + "NULL, NULL FROM {table} WHERE {where}" + grouped).format(**names)
    stop = "CASE WHEN {side} = 'buy' THEN GREATEST({sl}, {ts}) ELSE LEAST({sl}, {ts}) END".format(
        side=columns["side"], sl=columns["stop_loss"], ts=columns["trailing_stop_price"]
    )
    distance = "CASE WHEN {side} = 'buy' THEN {entry} - stop_level ELSE stop_level - {entry} END".format(
        side=columns["side"], entry=columns["entry_price"]
    )
    return (
        sums + "COALESCE(SUM(CASE WHEN distance > 0 THEN distance * {lots} END), 0), "
        "COALESCE(SUM(CASE WHEN distance > 0 THEN "
        "CAST(distance * {lots} AS numeric(80, 40)) / stop_level END), 0) "
        "FROM (SELECT *, {distance} AS distance FROM "
        "(SELECT {symbol}, {side}, {lots}, {entry}, {margin}, "
        "{stop} AS stop_level FROM {table} WHERE {where}) AS positions) AS rows" + grouped
    ).format(**names, stop=stop, distance=distance)


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
        self._columns = SWAP_COLUMNS if positions_only else _ATTNAMES
        if preloaded is not None:
            values = preloaded
        elif focus is not None and not positions_only:
            # Netting and NFA rules look at every position on the symbol; hedging looks at none.
            values, external = _load_focus(account, statuses, focus, ticket_ids)
        else:
            active = PaperTrade.objects.filter(account=account, status__in=statuses)
            if focus is not None:  # a rollover's columns; no caller asks for both today
                needed = Q(status=PaperTrade.Status.PENDING) | Q(pk__in=list(ticket_ids))
                if account.mode != Account.Mode.HEDGING:
                    needed |= Q(symbol=focus)
                external = summarize_positions(active.filter(status=PaperTrade.Status.OPEN).exclude(needed))
                active = active.filter(needed)
            values = active.order_by("id").values_list(*self._columns)
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
        self.created_ids: set[int] = set()  # tickets this session inserted
        self.fills: list[Fill] = []  # the fills this session wrote, with their ids
        self.rendered: dict[int, dict] = {}  # trade id -> its body, once rendered for an event

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
        insert(created)
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
        fields = fields or _UPDATABLE  # a caller that knows what changed (swap) writes only that
        if len(updated) == 1:
            updated[0].save(update_fields=fields)
        elif updated:  # a rollover or a stop-out touches many rows
            update_rows(updated, fields)
        now = timezone.now()
        fills = [
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
        ]
        check_storable(fills)
        insert(fills)
        self.fills.extend(fills)
        ledger = [
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
        ]
        check_storable(ledger)
        insert(ledger)
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
