"""The persistence section of `paper_trading/fast_path.py`: what it relies on in Django and psycopg
is still there, and with FAST_PATH off the order path's statements give the same answers through
`db.cursor()` (docs/architecture.md, "Persistence")."""

import dataclasses
import inspect
from decimal import Decimal

import pytest
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from knox.models import AuthToken

from paper_trading import fast_path
from paper_trading.engine import PaperTradingEngine
from paper_trading.models import PaperTrade
from paper_trading.persistence import PortfolioSession, lock_account, statement_cursor, token_and_user

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the shim serves PostgreSQL")


def _parameters(function) -> list[str]:
    return list(inspect.signature(function).parameters)


# ---- what the shim relies on -------------------------------------------------------------------
def test_django_still_wraps_a_cursor_with_the_steps_of_its_own_cursor():
    assert _parameters(BaseDatabaseWrapper.validate_thread_sharing) == ["self"]
    assert _parameters(BaseDatabaseWrapper.make_cursor) == ["self", "cursor"]
    assert _parameters(BaseDatabaseWrapper.make_debug_cursor) == ["self", "cursor"]
    assert _parameters(BaseDatabaseWrapper.create_cursor) == ["self", "name"]
    assert callable(BaseDatabaseWrapper.ensure_connection)  # (pytest-django wraps it in tests)
    assert _parameters(BaseDatabaseWrapper.close_if_health_check_failed) == ["self"]
    assert isinstance(BaseDatabaseWrapper.queries_logged, property)
    assert hasattr(connection.wrap_database_errors, "__enter__")


def test_psycopg_cursors_still_take_prepare_and_connections_weak_references():
    psycopg = pytest.importorskip("psycopg")

    execute = inspect.signature(psycopg.Cursor.execute).parameters
    assert execute["prepare"].kind is inspect.Parameter.KEYWORD_ONLY
    assert execute["binary"].kind is inspect.Parameter.KEYWORD_ONLY
    assert "__weakref__" in dir(psycopg.Connection)
    assert issubclass(fast_path.preparing_cursor_class(), psycopg.Cursor)


@postgresql_only
def test_a_statement_runs_on_the_same_kept_cursor_each_time(settings):
    settings.FAST_PATH = True
    with statement_cursor(connection, "SELECT 1") as first:
        first.execute("SELECT 1")
    with statement_cursor(connection, "SELECT 1") as second:
        second.execute("SELECT 1")
        assert second.fetchall() == [(1,)]

    assert first.cursor is second.cursor
    assert fast_path._kept_cursors[connection.connection][False, "SELECT 1"] is second.cursor


@postgresql_only
def test_a_prepared_statement_is_prepared_on_its_first_run(settings):
    settings.FAST_PATH = True
    sql = "SELECT 2 AS kept_and_prepared"
    with statement_cursor(connection, sql, prepare=True) as cursor:
        cursor.execute(sql)
    with connection.cursor() as usual:
        usual.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in usual.fetchall()]

    assert any("kept_and_prepared" in statement for statement in prepared)


def test_with_fast_path_off_every_statement_gets_a_new_django_cursor(settings):
    settings.FAST_PATH = False
    with statement_cursor(connection, "SELECT 1", prepare=True) as first, connection.cursor() as usual:
        assert type(first.cursor) is type(usual.cursor)
    with statement_cursor(connection, "SELECT 1", prepare=True) as second:
        assert second.cursor is not first.cursor


# ---- same answers with it off ------------------------------------------------------------------
def _portfolio(account_id: int, focus: str) -> tuple:
    account = lock_account(account_id=account_id)
    portfolio = PortfolioSession(account, focus=focus).portfolio
    tickets = [dataclasses.asdict(t) for t in portfolio.tickets]
    return account.balance, account.current_period.pk, tickets, portfolio.external


def _stored(trade_id: int) -> dict:
    skip = {"id", "created_at", "updated_at", "entry_time", "client_order_id"}
    values = PaperTrade.objects.filter(pk=trade_id).values().get()
    return {name: value for name, value in values.items() if name not in skip}


def test_the_order_path_answers_the_same_with_fast_path_off(settings, user, tick):
    settings.FAST_PATH = True
    tick("EURUSD", "1.09990", "1.10000")
    tick("USDJPY", "150.000", "150.020")
    engine = PaperTradingEngine(user)
    account = engine.get_account()
    engine.update_account(account.pk, {"max_risk_per_trade_pct": None})
    engine.place(symbol="USDJPY", side="buy", lot_size="0.10", stop_loss="149.5")
    engine.place(symbol="EURUSD", side="sell", lot_size="0.20", entry_type="limit", price="1.105")
    _, key = AuthToken.objects.create(user=user)

    def reads():
        return _portfolio(account.pk, "EURUSD"), token_and_user(key)[0].pk

    on = reads()
    settings.FAST_PATH = False
    off = reads()
    settings.FAST_PATH = True
    placed_on = engine.place(symbol="EURUSD", side="buy", lot_size="0.05", stop_loss="1.09").trade
    settings.FAST_PATH = False
    placed_off = engine.place(symbol="EURUSD", side="buy", lot_size="0.05", stop_loss="1.09").trade

    assert on == off
    (_, _, tickets, external), _ = on
    assert [t["entry_type"] for t in tickets] == ["limit"]  # the pending order, loaded
    assert [(e.symbol, e.lots) for e in external] == [("USDJPY", Decimal("0.10"))]  # summed
    assert _stored(placed_on.pk) == _stored(placed_off.pk)


# ---- orm_values: raw rows valued by the ORM's converters ---------------------------------------
def test_django_fields_still_give_their_column_and_converters():
    field = PaperTrade._meta.get_field("entry_price")
    col = field.get_col(PaperTrade._meta.db_table)
    assert col.target is field
    assert isinstance(connection.ops.get_db_converters(col), list)
    assert isinstance(field.get_db_converters(connection), list)


_VALUED = (PaperTrade._meta.get_field("entry_price"), PaperTrade._meta.get_field("status"))


def test_raw_rows_come_back_as_the_orm_values_them(user, tick):
    tick("EURUSD", "1.10000", "1.10020")
    trade = PaperTradingEngine(user).execute_order("EURUSD", "buy", stop_loss="1.09900", lot_size="0.10")
    with connection.cursor() as cursor:
        cursor.execute("SELECT entry_price, status FROM paper_trading_papertrade WHERE id = %s", [trade.pk])
        rows = cursor.fetchall()
    # SQLite hands back the decimal column as a float (not equal to the Decimal); the ORM's
    # converter makes it a Decimal, as PostgreSQL gives it.
    ((price, status),) = fast_path.orm_values(connection, rows, _VALUED)
    assert type(price) is Decimal and price == Decimal("1.10020")
    assert status == "open"
