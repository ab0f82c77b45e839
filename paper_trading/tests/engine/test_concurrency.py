"""Races on PostgreSQL row locks (STYLE lesson 3): many threads hit one account at once and the
result is what one-at-a-time would give: one close, margin never overdrawn, one trade per
client_order_id. Each thread has its own database connection and closes it when done."""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from paper_trading.domain.errors import BusinessRefusal, StateConflict
from paper_trading.domain.quotes import make_quote
from paper_trading.engine import PaperTradingEngine
from paper_trading.market import publish_quote
from paper_trading.models import Fill, LedgerEntry, PaperTrade
from paper_trading.selectors import account_figures

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def run_together(count: int, action) -> tuple[list, list[Exception]]:
    """Start `count` threads that call `action(i)` at the same moment; (results, errors)."""
    barrier = threading.Barrier(count)

    def worker(i):
        try:
            barrier.wait(timeout=30)
            return True, action(i)
        except Exception as exc:  # noqa: BLE001 - collected and asserted on by the test
            return False, exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        outcomes = list(pool.map(worker, range(count)))
    return [value for ok, value in outcomes if ok], [value for ok, value in outcomes if not ok]


def assert_ledger_matches_balance(account):
    account.refresh_from_db()
    total = sum(
        LedgerEntry.objects.filter(account=account, period=account.current_period).values_list(
            "amount", flat=True
        )
    )
    assert total == account.balance


def test_twenty_threads_closing_one_trade_close_it_once(user, no_limits, tick):
    tick("EURUSD", "1.09990", "1.10000")
    trade = PaperTradingEngine(user).execute_order("EURUSD", "BUY", lot_size=Decimal("1.00"))
    tick("EURUSD", "1.10100", "1.10110")

    closed, errors = run_together(20, lambda i: PaperTradingEngine(user).close_position(trade.pk))

    assert len(closed) == 1
    assert len(errors) == 19
    assert all(isinstance(e, StateConflict) and e.code == "not_open" for e in errors), errors
    assert Fill.objects.filter(trade=trade, kind="exit").count() == 1
    assert LedgerEntry.objects.filter(trade=trade, kind="pnl").count() == 1
    trade.refresh_from_db()
    # (1.10100 - 1.10000) x 1.00 x 100000 = +100.00, booked once.
    assert (trade.status, trade.profit_loss) == ("closed", Decimal("100.00"))
    no_limits.refresh_from_db()
    assert no_limits.balance == Decimal("10100.00")
    assert_ledger_matches_balance(no_limits)


def test_twenty_orders_racing_for_margin_never_overdraw_it(user, no_limits, tick):
    tick("EURUSD", "1.09990", "1.10000")
    # Each buy of 1.80 lots needs 1.80 x 100000 x 1.10000 / 100 = 1980.00 margin, about 1/5 of
    # the 10000.00 free. Each fill also costs 1.80 x 100000 x 0.0001 = 18.00 of spread in equity.
    # After 4 fills: equity 9928.00, used 7920.00, free 2008.00 >= 1980.00, so a 5th fits;
    # after 5: equity 9910.00, used 9900.00, free 10.00, so every later one is refused.

    placed, errors = run_together(
        20, lambda i: PaperTradingEngine(user).execute_order("EURUSD", "BUY", lot_size=Decimal("1.80"))
    )

    assert len(placed) == 5
    assert all(isinstance(e, BusinessRefusal) and e.code == "insufficient_margin" for e in errors), errors
    assert PaperTrade.objects.filter(account=no_limits, status="open").count() == 5
    assert PaperTrade.objects.filter(account=no_limits).count() == 5
    assert Fill.objects.filter(account=no_limits).count() == 5
    no_limits.refresh_from_db()
    figures = account_figures(no_limits)
    assert figures["margin_used"] == Decimal("9900.00")
    assert figures["equity"] == Decimal("9910.00")
    assert figures["free_margin"] == Decimal("10.00")
    assert figures["free_margin"] >= 0
    assert_ledger_matches_balance(no_limits)


def test_ten_retries_of_one_client_order_id_make_one_trade(user, no_limits, tick):
    tick("EURUSD", "1.09990", "1.10000")

    results, errors = run_together(
        10,
        lambda i: PaperTradingEngine(user).place(
            symbol="EURUSD",
            side="buy",
            lot_size=Decimal("0.10"),
            stop_loss=Decimal("1.09500"),
            client_order_id="retry-1",
        ),
    )

    assert errors == []
    assert len({r.trade.pk for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert PaperTrade.objects.filter(client_order_id="retry-1").count() == 1
    assert PaperTrade.objects.count() == 1
    assert Fill.objects.count() == 1


def test_a_tick_and_manual_closes_racing_close_the_trade_once(user, no_limits, tick):
    tick("EURUSD", "1.09990", "1.10000")
    trade = PaperTradingEngine(user).execute_order(
        "EURUSD", "BUY", take_profit_1=Decimal("1.10100"), lot_size=Decimal("0.50")
    )

    # The new quote is in the cache before the race, so a close that wins the lock before any
    # tick still closes at 1.10100 (otherwise it would rightly close at the old bid, 1.09990).
    publish_quote(make_quote("EURUSD", Decimal("1.10100"), Decimal("1.10110"), timezone.now(), "manual"))

    def act(i):
        if i % 2:
            return PaperTradingEngine().process_tick("EURUSD", Decimal("1.10100"), Decimal("1.10110"))
        return PaperTradingEngine(user).close_position(trade.pk)

    _results, errors = run_together(10, act)

    assert all(isinstance(e, StateConflict) for e in errors), errors
    assert Fill.objects.filter(trade=trade, kind="exit").count() == 1
    assert LedgerEntry.objects.filter(trade=trade, kind="pnl").count() == 1
    trade.refresh_from_db()
    # Manual close at bid or TP1 at its level: both 1.10100, so 0.00100 x 0.50 x 100000 = +50.00.
    assert (trade.status, trade.profit_loss) == ("closed", Decimal("50.00"))
    assert_ledger_matches_balance(no_limits)
