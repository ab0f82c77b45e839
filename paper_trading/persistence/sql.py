"""The order path's SQL: the statements every order, close and tick runs, written out once per
backend, their rows valued as the ORM values them, and the focused load of a portfolio (the rows
an operation needs, the other open positions summed per side)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.models import Field

from ..domain.errors import NotFound
from ..domain.trading import Exposure, exposures
from ..fast_path import kept_statement_cursor as statement_cursor
from ..fast_path import orm_values
from ..models import Account, AccountPeriod, PaperTrade

# The columns `domain.trading.exposures` folds, in its order.
EXPOSURE_COLUMNS = ("symbol", "side", "lot_size", "entry_price", "margin", "stop_loss", "trailing_stop_price")


def summarize_positions(queryset) -> list[Exposure]:
    """`exposures` of a queryset of open trades."""
    return exposures(queryset.values_list(*EXPOSURE_COLUMNS))


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
_INSERT_FIELDS: dict[type, list] = {}
_UPDATES: dict[tuple, tuple[str, list]] = {}


def _db():
    return connections[DEFAULT_DB_ALIAS]


def fetch(sql: str, params, fields: tuple, *, prepare: bool = False) -> list[tuple]:
    """Rows of a hand-written SELECT whose columns are `fields` (a module-level tuple), valued
    as the ORM would value them. `prepare`: see `fast_path.kept_statement_cursor`."""
    db = _db()
    with statement_cursor(db, sql, prepare=prepare) as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return orm_values(db, rows, fields)


def insert(objs: list, *, skip_conflict: bool = False) -> bool:
    """INSERT new instances of one model in one statement and set their ids: what `save()` and
    `bulk_create` write (auto_now fields included, no signals are connected), without compiling.

    `skip_conflict` (one instance): a row that would break a unique constraint is not written
    (`ON CONFLICT DO NOTHING`, which waits for a concurrent insert of the same key to commit or
    roll back); returns False then, True when written."""
    if not objs:
        return True
    model = type(objs[0])
    db = _db()
    if skip_conflict and len(objs) != 1:
        raise ValueError("skip_conflict inserts one row")
    if not db.features.can_return_columns_from_insert:  # pragma: no cover - old SQLite
        model.objects.bulk_create(objs, ignore_conflicts=skip_conflict)
        return True
    fields = _INSERT_FIELDS.get((db.vendor, model))
    if fields is None:
        fields = _INSERT_FIELDS[db.vendor, model] = [
            # Only fields that override `pre_save` (auto_now dates) compute their value there.
            (f, type(f).pre_save is not Field.pre_save, _as_is_type(db, f))
            for f in model._meta.concrete_fields
            if not f.primary_key
        ]
    key = ("insert", db.vendor, model, len(objs), skip_conflict)
    sql = _SQL.get(key)
    if sql is None:
        qn = db.ops.quote_name
        row = "({})".format(", ".join(["%s"] * len(fields)))
        sql = _SQL[key] = "INSERT INTO {} ({}) VALUES {}{} RETURNING {}".format(
            qn(model._meta.db_table),
            ", ".join(qn(f.column) for f, _, _ in fields),
            ", ".join([row] * len(objs)),
            " ON CONFLICT DO NOTHING" if skip_conflict else "",
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
    if skip_conflict and not ids:
        return False
    for obj, (pk,) in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = db.alias
    return True


def update(obj, fields: tuple[str, ...]) -> None:
    """UPDATE `fields` of one saved instance, as `save(update_fields=...)` writes them (auto_now
    fields among them included), without compiling: one prepared statement per model and fields."""
    model = type(obj)
    db = _db()
    key = ("update", db.vendor, model, fields)
    cached = _UPDATES.get(key)
    if cached is None:
        qn = db.ops.quote_name
        model_fields = [model._meta.get_field(name) for name in fields]
        sql = "UPDATE {} SET {} WHERE {} = %s".format(
            qn(model._meta.db_table),
            ", ".join(f"{qn(f.column)} = %s" for f in model_fields),
            qn(model._meta.pk.column),
        )
        cached = _UPDATES[key] = (sql, model_fields)
    sql, model_fields = cached
    params = [f.get_db_prep_save(f.pre_save(obj, False), db) for f in model_fields] + [obj.pk]
    with statement_cursor(db, sql, prepare=True) as cursor:
        cursor.execute(sql, params)


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
        account.period = period
    return account


_TRADE_FIELDS = tuple(PaperTrade._meta.concrete_fields)
_EXPOSURE_FIELDS = tuple(PaperTrade._meta.get_field(name) for name in EXPOSURE_COLUMNS)


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


def load_focus(account: Account, statuses, focus: str, ticket_ids) -> tuple[list[tuple], list[Exposure]]:
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
        return rows, exposures(fetch(raw_sql, others, _EXPOSURE_FIELDS))
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
    return orm_values(db, rows, _TRADE_FIELDS), [
        Exposure(symbol, 1 if side == "buy" else -1, lots, cost, margin, units, per_stop)
        for symbol, side, lots, cost, margin, units, per_stop in sums
    ]


def _summary_sql(qn, table: str, where: str, with_risk: bool = True) -> str:
    """`domain.trading.exposures` computed by PostgreSQL, so an order does not fetch and add up
    every open position of the account: the same sums, their risk terms those of
    `positions.risk_units` at the stop of `orders.stop_level` (GREATEST and LEAST skip a NULL as
    it does), exact in `numeric` (the division per position is carried to 40 decimal places, finer
    than Python's 28 significant digits). The money they stand for is the domain's to compute
    (`positions.risk_of_units`). Without `with_risk` the two risk sums are NULL (`Exposure` then
    says it does not know them)."""
    columns = {name: qn(name) for name in EXPOSURE_COLUMNS}
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


def fetch_with_related(model, *, by: str, value, related: tuple[str, ...] = ()):
    """The one row of `model` whose unique column `by` is `value`, with the rows its foreign keys
    `related` point at (joined, set on it as `select_related` sets them), or None: one prepared
    statement, no compiling."""
    db = _db()
    key = ("related", db.vendor, model, by, related)
    cached = _RELATED.get(key)
    if cached is None:
        qn = db.ops.quote_name
        parts = [(model, "t0", None)]
        joins = []
        for i, name in enumerate(related, start=1):
            field = model._meta.get_field(name)
            target = field.related_model
            parts.append((target, f"t{i}", name))
            joins.append(
                f" INNER JOIN {qn(target._meta.db_table)} t{i} ON t{i}.{qn(target._meta.pk.column)}"
                f" = t0.{qn(field.column)}"
            )
        fields = tuple(f for m, _, _ in parts for f in m._meta.concrete_fields)
        sql = "SELECT {} FROM {} t0{} WHERE t0.{} = %s".format(
            ", ".join(f"{alias}.{qn(f.column)}" for m, alias, _ in parts for f in m._meta.concrete_fields),
            qn(model._meta.db_table),
            "".join(joins),
            qn(model._meta.get_field(by).column),
        )
        layout = [(m, name, [f.attname for f in m._meta.concrete_fields]) for m, _, name in parts]
        cached = _RELATED[key] = (sql, fields, layout)
    sql, fields, layout = cached
    rows = fetch(sql, [value], fields, prepare=True)
    if not rows:
        return None
    values, start, found = rows[0], 0, None
    for m, name, names in layout:
        instance = m.from_db(db.alias, names, values[start : start + len(names)])
        start += len(names)
        if found is None:
            found = instance
        else:
            setattr(found, name, instance)
    return found


_RELATED: dict[tuple, tuple] = {}


def values_where(model, columns: tuple[str, ...], *, by: str, value, latest: bool = False) -> list[tuple]:
    """`columns` of the rows of `model` whose `by` is `value` (`latest`: only the newest, by id),
    valued as the ORM values them: one prepared statement, no compiling (reads every signal makes:
    the owner's symbol aliases, the journal's previous hash)."""
    db = _db()
    key = ("values", db.vendor, model, columns, by, latest)
    cached = _RELATED.get(key)
    if cached is None:
        qn = db.ops.quote_name
        fields = tuple(model._meta.get_field(name) for name in columns)
        sql = "SELECT {} FROM {} WHERE {} = %s{}".format(
            ", ".join(qn(f.column) for f in fields),
            qn(model._meta.db_table),
            qn(model._meta.get_field(by).column),
            f" ORDER BY {qn(model._meta.pk.column)} DESC LIMIT 1" if latest else "",
        )
        cached = _RELATED[key] = (sql, fields)
    sql, fields = cached
    return fetch(sql, [value], fields, prepare=True)


def latest_value(model, column: str, *, by: str, value):
    """`column` of the newest row (highest id) of `model` whose `by` is `value`, or None. (Not a
    subquery of the account's lock: after waiting for the lock, PostgreSQL would still answer it
    from the snapshot taken before the wait, without the row the lock's holder just appended.)"""
    rows = values_where(model, (column,), by=by, value=value, latest=True)
    return rows[0][0] if rows else None
