"""The order path's hand-written SQL (docs/performance.md) answers exactly what the ORM did:
the body of a new order, the account it locks, and the sums of the positions it does not load."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection

from paper_trading.engine import PaperTradingEngine
from paper_trading.models import Account, LedgerEntry, PaperTrade
from paper_trading.persistence import PortfolioSession, summarize_positions

from .support import assert_error, db_state, execute, url

pytestmark = pytest.mark.django_db


def _comparable(body: dict) -> dict:
    """A trade body without the live figures (they follow the quote of the moment)."""
    return {k: v for k, v in body.items() if k not in ("current_price", "unrealized_pips", "unrealized_pnl")}


def test_new_order_body_reads_like_a_fresh_get_including_fills(api, no_limits, eurusd):
    no_limits.commission_per_lot = Decimal("3.5")
    no_limits.save()

    posted = execute(api, lot_size="0.1", stop_loss="1.09")

    assert posted.status_code == 201, posted.content
    fetched = api.get(url(f"trades/{posted.json()['id']}/")).json()
    assert posted.json()["fills"] == fetched["fills"]
    assert posted.json()["fills"][0]["commission"] == "0.35"
    assert posted.json()["fills"][0]["lot_size"] == "0.10"  # stored scale, though "0.1" was sent
    assert posted.json()["fills"][0]["id"] == fetched["fills"][0]["id"]
    # Lots sent as "0.1" are held at the step's scale, so the answer, a later read and the events
    # all say "0.10".
    assert (posted.json()["lot_size"], posted.json()["original_lot_size"]) == ("0.10", "0.10")
    assert _comparable(posted.json()) == _comparable(fetched)
    # The commission (3.5 x 0.10 lots = 0.35) went to the ledger and the balance through the same inserts.
    assert LedgerEntry.objects.filter(account=no_limits, kind="commission").count() == 1
    no_limits.refresh_from_db()
    assert no_limits.balance == Decimal("9999.65")


def test_netted_order_body_lists_every_fill_of_the_position(api, user, eurusd):
    account = PaperTradingEngine(user).create_account(
        mode="netting", max_risk_per_trade_pct=None, max_portfolio_heat_pct=None, max_daily_loss_pct=None
    )
    first = execute(api, account=account.pk, lot_size="0.20")
    assert first.status_code == 201, first.content

    reduced = execute(api, account=account.pk, order_type="sell", lot_size="0.10")

    fetched = api.get(url(f"trades/{reduced.json()['id']}/")).json()
    assert reduced.json()["fills"] == fetched["fills"]


def test_first_order_creates_the_default_account_even_when_refused(api, user):
    assert not Account.objects.filter(user=user).exists()

    assert_error(execute(api, stop_loss="1.09"), 503, "no_price")

    assert Account.objects.filter(user=user, is_default=True).count() == 1


def test_first_order_of_a_new_user_fills_on_the_new_default_account(api, user, eurusd):
    response = execute(api, stop_loss="1.09500")

    assert response.status_code == 201, response.content
    assert response.json()["account"] == Account.objects.get(user=user, is_default=True).pk


def test_order_goes_to_whichever_account_is_default_now(api, user, eurusd):
    first = PaperTradingEngine(user).get_account()
    second = PaperTradingEngine(user).create_account(name="Second", max_risk_per_trade_pct=None)
    Account.objects.filter(pk=first.pk).update(is_default=False)
    Account.objects.filter(pk=second.pk).update(is_default=True)

    response = execute(api, stop_loss="1.09500")

    assert response.status_code == 201, response.content
    assert response.json()["account"] == second.pk


def test_order_on_a_deleted_account_is_404_and_writes_nothing(api, user, eurusd):
    second = PaperTradingEngine(user).create_account(name="Second", max_risk_per_trade_pct=None)
    Account.objects.filter(pk=second.pk).delete()
    before = db_state()

    assert_error(execute(api, account=second.pk, stop_loss="1.09500"), 404, "not_found")

    assert db_state() == before


@pytest.mark.parametrize("account", ["abc", None, 10**12])
def test_engine_refuses_an_account_it_cannot_name(user, eurusd, account):
    from paper_trading.domain.errors import NotFound

    engine = PaperTradingEngine(user)
    if account is None:
        assert engine.place(symbol="EURUSD", side="buy", lot_size="0.01", stop_loss="1.09").created
        return
    with pytest.raises(NotFound):
        engine.place(symbol="EURUSD", side="buy", lot_size="0.01", account=account, stop_loss="1.09")


def _positions(user, tick):
    """Open positions on three symbols, both sides, with and without stops and trailing stops."""
    tick("EURUSD", "1.09990", "1.10000")
    tick("USDJPY", "150.000", "150.020")
    tick("XAUUSD", "2000.00", "2000.50")
    engine = PaperTradingEngine(user)
    account = engine.get_account()
    engine.update_account(
        account.pk,
        {"max_risk_per_trade_pct": None, "max_portfolio_heat_pct": None, "max_daily_loss_pct": None},
    )
    orders = [
        ("EURUSD", "buy", "0.10", {"stop_loss": "1.09"}),
        ("EURUSD", "buy", "0.03", {}),
        ("EURUSD", "sell", "0.07", {"stop_loss": "1.11", "trailing_stop_pips": "30"}),
        ("USDJPY", "buy", "0.13", {"stop_loss": "149.123"}),
        ("USDJPY", "sell", "0.02", {"stop_loss": "151.777"}),
        ("USDJPY", "sell", "0.05", {}),
        ("XAUUSD", "buy", "0.01", {"stop_loss": "1990.10", "trailing_stop_pips": "50"}),
        ("XAUUSD", "sell", "0.04", {"stop_loss": "2010.00"}),
    ]
    for symbol, side, lots, protection in orders:
        engine.place(symbol=symbol, side=side, lot_size=lots, **protection)
    # The trailing stops ratchet on a move in their favour.
    tick("EURUSD", "1.09700", "1.09710")
    tick("XAUUSD", "2020.00", "2020.50")
    return Account.objects.get(pk=account.pk)


def test_summary_of_unloaded_positions_matches_the_python_fold(user, tick):
    account = _positions(user, tick)
    Account.objects.filter(pk=account.pk).update(max_portfolio_heat_pct=Decimal(10))
    account.refresh_from_db()

    session = PortfolioSession(account, focus="GBPUSD")
    expected = summarize_positions(PaperTrade.objects.filter(account=account, status="open"))

    got = sorted(session.portfolio.external, key=lambda e: (e.symbol, e.direction))
    want = sorted(expected, key=lambda e: (e.symbol, e.direction))
    assert [(e.symbol, e.direction) for e in got] == [(e.symbol, e.direction) for e in want]
    for g, w in zip(got, want, strict=True):
        assert (g.lots, g.cost, g.margin, g.risk_units) == (w.lots, w.cost, w.margin, w.risk_units)
        # Python divides at 28 significant digits, PostgreSQL at 40 decimal places.
        assert abs(g.risk_units_per_stop - w.risk_units_per_stop) < Decimal("1e-24")
    assert any(e.risk_units_per_stop for e in got)


def test_without_a_heat_limit_the_summary_leaves_open_risk_unsummed(user, tick):
    account = _positions(user, tick)  # no heat limit
    account.refresh_from_db()

    session = PortfolioSession(account, focus="GBPUSD")
    expected = summarize_positions(PaperTrade.objects.filter(account=account, status="open"))

    got = sorted(session.portfolio.external, key=lambda e: (e.symbol, e.direction))
    want = sorted(expected, key=lambda e: (e.symbol, e.direction))
    assert [(e.symbol, e.direction, e.lots, e.cost, e.margin) for e in got] == [
        (e.symbol, e.direction, e.lots, e.cost, e.margin) for e in want
    ]
    if connection.vendor == "postgresql":  # SQLite folds the rows in Python, risk included
        assert {(e.risk_units, e.risk_units_per_stop) for e in got} == {(None, None)}
        with pytest.raises(ValueError, match="not loaded"):
            session.portfolio.open_risk(None)


def test_focus_loads_the_symbols_positions_unless_hedging(user, tick):
    account = _positions(user, tick)

    hedging = PortfolioSession(account, focus="EURUSD")
    assert hedging.portfolio.tickets == []
    assert {e.symbol for e in hedging.portfolio.external} == {"EURUSD", "USDJPY", "XAUUSD"}

    Account.objects.filter(pk=account.pk).update(mode="netting")
    account.refresh_from_db()
    netting = PortfolioSession(account, focus="EURUSD")
    assert sorted(t.lots for t in netting.portfolio.tickets) == [
        Decimal("0.03"),
        Decimal("0.07"),
        Decimal("0.10"),
    ]
    assert {e.symbol for e in netting.portfolio.external} == {"USDJPY", "XAUUSD"}
    loaded = {t.id: t for t in netting.portfolio.tickets}
    for row in PaperTrade.objects.filter(pk__in=loaded):
        ticket = loaded[row.pk]
        assert (ticket.entry_price, ticket.stop_loss, ticket.trailing_stop_price, ticket.created_at) == (
            row.entry_price,
            row.stop_loss,
            row.trailing_stop_price,
            row.created_at,
        )


# ---- token authentication in one query (paper_trading/api/authentication.py) -------------


def test_token_authenticates_its_user_with_the_token_as_auth(user, eurusd):
    from knox.models import AuthToken
    from rest_framework.test import APIRequestFactory

    from paper_trading.api.authentication import TokenAuthentication

    stored, key = AuthToken.objects.create(user=user)
    request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Token {key}")
    found_user, token = TokenAuthentication().authenticate(request)
    assert (found_user.pk, found_user.username, found_user.is_active) == (user.pk, "alice", True)
    assert token.pk == stored.pk and token.user is found_user


def test_token_and_its_user_are_found_in_one_query(user):
    from django.test.utils import CaptureQueriesContext
    from knox.models import AuthToken

    from paper_trading.api.authentication import TokenAuthentication

    _, key = AuthToken.objects.create(user=user)
    with CaptureQueriesContext(connection) as queries:
        found_user, _ = TokenAuthentication().authenticate_credentials(key.encode())
    assert found_user.pk == user.pk
    assert len(queries.captured_queries) == 1  # knox's own lookup takes two


def test_deleted_token_is_401_on_the_next_request(api, user, no_limits, eurusd):
    from knox.models import AuthToken

    assert execute(api, stop_loss="1.09500").status_code == 201
    AuthToken.objects.filter(user=user).delete()

    response = execute(api, stop_loss="1.09500")

    body = assert_error(response, 401, "authentication_failed")
    assert body["message"] == "Invalid token."
    assert response["WWW-Authenticate"] == "Token"


def test_deactivated_user_is_401_on_the_next_request(api, user, no_limits, eurusd):
    assert api.get(url("trades/")).status_code == 200
    user.is_active = False
    user.save()

    body = assert_error(api.get(url("trades/")), 401, "authentication_failed")

    assert body["message"] == "User inactive or deleted."


def test_replaced_token_only_the_new_one_works(api, user, client_for):
    from knox.models import AuthToken

    AuthToken.objects.filter(user=user).delete()
    fresh = client_for(user)

    assert_error(api.get(url("trades/")), 401, "authentication_failed")
    assert fresh.get(url("trades/")).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_database_failure_mid_order_is_a_503_and_writes_nothing(api, no_limits, eurusd, monkeypatch):
    from django.db import OperationalError

    from paper_trading.models import Fill
    from paper_trading.persistence import sql

    real_insert = sql.insert

    def insert_failing_at_the_fill(objs):
        if objs and isinstance(objs[0], Fill):  # the trade row is already written in this transaction
            raise OperationalError("database is locked")
        real_insert(objs)

    monkeypatch.setattr(sql, "insert", insert_failing_at_the_fill)
    before = db_state()

    response = execute(api, stop_loss="1.09")

    assert_error(response, 503, "service_unavailable")
    assert response["Retry-After"] == "1"
    assert db_state() == before


# ---- prepared statements on PostgreSQL (fast_path.kept_statement_cursor) -------------------
@pytest.mark.skipif(
    connection.vendor != "postgresql" or not settings.FAST_PATH,
    reason="PostgreSQL prepares statements, on the fast path (paper_trading/fast_path.py)",
)
def test_an_orders_token_lock_and_inserts_run_as_prepared_statements(api, no_limits, eurusd):
    def prepared() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return [row[0] for row in cursor.fetchall()]

    before = prepared()
    assert execute(api, stop_loss="1.09").status_code == 201
    new = [s for s in prepared() if s not in before]

    assert any('FROM "knox_authtoken" t' in s for s in new)
    assert any("FOR UPDATE OF a" in s and '"is_default"' in s for s in new)
    assert any(s.startswith('INSERT INTO "paper_trading_papertrade"') for s in new)
    assert any(s.startswith('INSERT INTO "paper_trading_fill"') for s in new)
    # A second order reuses them: nothing new is prepared.
    after_first = prepared()
    assert execute(api, order_type="sell", stop_loss="1.11").status_code == 201
    assert sorted(prepared()) == sorted(after_first)


def test_without_prepared_statements_the_usual_cursor_is_used(monkeypatch):
    from paper_trading.persistence import statement_cursor

    monkeypatch.setitem(connection.settings_dict, "OPTIONS", {**connection.settings_dict["OPTIONS"]})
    connection.settings_dict["OPTIONS"].pop("prepare_threshold", None)  # DB_PREPARED_STATEMENTS=0
    with statement_cursor(connection, "SELECT 1", prepare=True) as cursor, connection.cursor() as usual:
        assert type(cursor.cursor) is type(usual.cursor)


def test_a_many_row_insert_may_pass_the_parameter_limit_of_a_server_bound_statement(user):
    from django.utils import timezone

    from paper_trading.persistence import insert
    from paper_trading.services.accounts import account_ensure_default

    account = account_ensure_default(user=user)
    now = timezone.now()
    entries = [
        LedgerEntry(
            account=account,
            period=account.current_period,
            kind="swap",
            amount=Decimal("-0.01"),
            balance_after=Decimal("10000.00"),
            note="",
            created_at=now,
        )
        for _ in range(8_200)  # 8 columns each: 65,600 parameters, over the protocol's 65,535
    ]

    insert(entries)

    assert len({e.pk for e in entries}) == 8_200
    assert LedgerEntry.objects.filter(account=account, kind="swap").count() == 8_200


def test_insert_stores_what_the_orm_stores_whatever_python_types_the_values_come_in(user):
    """`insert` hands Decimals, strs, bools and aware datetimes to the driver as they are and
    everything else through the field's own conversion: the rows read back as the ORM's do."""
    from datetime import UTC, datetime

    from paper_trading.persistence import insert
    from paper_trading.services.accounts import account_ensure_default

    account = account_ensure_default(user=user)
    when = datetime(2026, 11, 20, 22, 0, tzinfo=UTC)
    variants = [
        {"kind": "swap", "amount": Decimal("-1.25"), "balance_after": Decimal("9998.75"), "note": "as is"},
        # An enum member (a str subclass), text and an int for the decimals: converted, as by save().
        {"kind": LedgerEntry.Kind.SWAP, "amount": "-1.25", "balance_after": 9998, "note": "converted"},
    ]
    written = {}
    for how in ("insert", "save"):
        for values in variants:
            entry = LedgerEntry(account=account, period=account.current_period, created_at=when, **values)
            insert([entry]) if how == "insert" else entry.save()
            written.setdefault(how, []).append(
                LedgerEntry.objects.filter(pk=entry.pk)
                .values("kind", "amount", "balance_after", "note", "created_at", "trade_id")
                .get()
            )

    assert written["insert"] == written["save"]
    assert written["insert"][1] == {
        "kind": "swap",
        "amount": Decimal("-1.25"),
        "balance_after": Decimal("9998.00"),
        "note": "converted",
        "created_at": when,
        "trade_id": None,
    }


def test_the_order_paths_kept_cursors_still_go_through_djangos_query_log_and_serve_every_order(
    api, no_limits, eurusd
):
    """The hand-written statements run on cursors kept from one order to the next
    (fast_path.kept_statement_cursor): each order is still logged like any query, and the orders
    after the first, on the same kept cursors, answer with their own trades."""
    from django.test.utils import CaptureQueriesContext

    bodies = []
    for side, stop in [("buy", "1.09"), ("sell", "1.11"), ("buy", None)]:
        with CaptureQueriesContext(connection) as captured:
            response = execute(api, order_type=side, stop_loss=stop)
        assert response.status_code == 201, response.content
        bodies.append(response.json())
        statements = [q["sql"] for q in captured.captured_queries]
        assert any('FROM "paper_trading_account" a' in s for s in statements)  # the lock
        assert any(s.startswith('INSERT INTO "paper_trading_papertrade"') for s in statements)
        assert any(s.startswith('INSERT INTO "paper_trading_fill"') for s in statements)

    assert [(b["order_type"], b["stop_loss"]) for b in bodies] == [
        ("buy", "1.09000"),
        ("sell", "1.11000"),
        ("buy", None),
    ]
    assert len({b["id"] for b in bodies}) == 3
    assert PaperTrade.objects.filter(account=no_limits, status="open").count() == 3
