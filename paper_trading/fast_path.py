"""Where the code leans on a dependency's undocumented behaviour for speed, each use named once,
behind `settings.FAST_PATH` (on by default); off, each falls back to the dependency's ordinary
public behaviour. tests/persistence/test_fast_path.py checks every use against the installed
dependency (docs/architecture.md, "Persistence")."""

from __future__ import annotations

import functools
import weakref
from contextlib import contextmanager

from django.conf import settings

# ---- persistence: the order path's kept statement cursors (paper_trading/persistence) ---------
# Relied on: psycopg keeps a cursor's parameter dumpers and column loaders while the cursor runs
# the same query object again, and a Django backend wraps a cursor it did not open itself with the
# steps of its own `cursor()` (`validate_thread_sharing`, `make_cursor`, `make_debug_cursor`,
# `create_cursor`: public names, not a documented API). Off: `db.cursor()` for every statement.

# psycopg connection -> {(prepare, sql): its cursor}, for as long as the pooled connection lives.
_kept_cursors: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@contextmanager
def kept_statement_cursor(db, sql: str, *, prepare: bool = False):
    """A Django cursor (query logging, error translation) that runs the fixed statement `sql` on
    this PostgreSQL connection, the same one from one execution to the next; with `prepare`,
    psycopg prepares it on its first run (not while Django logs queries, whose log reads the
    statement psycopg records only when it sends it unprepared). Off, or on another database:
    `db.cursor()`."""
    if not settings.FAST_PATH or db.vendor != "postgresql":
        with db.cursor() as cursor:
            yield cursor
        return
    prepare = (
        prepare and not db.queries_logged and db.settings_dict["OPTIONS"].get("prepare_threshold") is not None
    )
    db.close_if_health_check_failed()
    db.ensure_connection()
    with db.wrap_database_errors:
        kept = _kept_cursors.get(db.connection)
        if kept is None:
            kept = _kept_cursors[db.connection] = {}
        cursor = kept.get((prepare, sql))
        if cursor is None or cursor.closed:
            cursor = kept[prepare, sql] = (
                preparing_cursor_class()(db.connection) if prepare else db.create_cursor()
            )
    db.validate_thread_sharing()
    yield db.make_debug_cursor(cursor) if db.queries_logged else db.make_cursor(cursor)


@functools.cache
def preparing_cursor_class() -> type:
    """psycopg's server-binding cursor, asking psycopg (its public `prepare=True`) to prepare every
    statement it runs: Django's cursor wrapper calls `execute(sql, params)` without it."""
    import psycopg

    class PreparingCursor(psycopg.Cursor):
        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

    return PreparingCursor
