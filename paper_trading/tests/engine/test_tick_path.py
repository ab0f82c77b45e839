"""The engine's tick path against the database: what a worker or manual tick does to rows,
the trigger book's sync with rows written elsewhere, and events only after commit."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import transaction

from paper_trading.engine import PaperTradingEngine
from paper_trading.market import STATE
from paper_trading.models import Account, Fill, LedgerEntry, PaperTrade
from paper_trading.services.accounts import account_ensure_default

D = Decimal


@pytest.fixture
def engine(user, no_limits):
    return PaperTradingEngine(user)


def test_buy_limit_fills_at_its_level_when_ask_trades_through(engine, tick):
    tick("EURUSD", "1.09990", "1.10000")
    order = engine.place_order("EURUSD", "buy", "limit", "0.10", price="1.09800")
    assert order.status == "pending"
    # Ask gaps from 1.10000 to 1.09750, through the 1.09800 limit: a resting limit fills at its level.
    tick("EURUSD", "1.09740", "1.09750")
    order.refresh_from_db()
    assert order.status == "open"
    assert order.entry_price == D("1.09800")
    assert Fill.objects.filter(trade=order, kind="entry").get().price == D("1.09800")


def test_sell_position_stop_hit_on_ask_gap_books_loss_in_ledger(engine, user, tick):
    tick("EURUSD", "1.09990", "1.10000")
    trade = engine.execute_order("EURUSD", "sell", None, "1.10500", None, "1.00")  # sells at bid 1.09990
    # Ask gaps to 1.10600, beyond the 1.10500 stop: the sell closes at the gapped ask.
    # P&L = (1.10600 - 1.09990) x -1 x 1 x 100000 = -610.00
    result = tick("EURUSD", "1.10590", "1.10600")
    trade.refresh_from_db()
    assert (trade.status, trade.exit_reason, trade.exit_price) == ("closed", "sl_hit", D("1.10600"))
    assert trade.profit_loss == D("-610.00")
    assert result.triggered[0]["reason"] == "sl_hit"
    account = Account.objects.get(user=user)
    assert account.balance == D("9390.00")
    assert LedgerEntry.objects.filter(account=account, kind="pnl").get().amount == D("-610.00")


def test_quiet_tick_changes_nothing(engine, tick):
    tick("EURUSD", "1.09990", "1.10000")
    engine.execute_order("EURUSD", "buy", None, "1.09500", "1.10500", "0.10")
    before = (Fill.objects.count(), LedgerEntry.objects.count())
    assert tick("EURUSD", "1.10100", "1.10110").triggered == []
    assert (Fill.objects.count(), LedgerEntry.objects.count()) == before


def test_book_syncs_trades_written_by_another_process(user, no_limits, tick):
    """A fresh book (a worker that just started, or one that missed a write) loads rows by itself."""
    tick("EURUSD", "1.09990", "1.10000")
    trade = PaperTradingEngine(user).execute_order("EURUSD", "buy", None, None, "1.10100", "0.10")
    STATE.reset()  # this process forgets everything it knew
    tick("EURUSD", "1.10100", "1.10110")
    trade.refresh_from_db()
    assert (trade.status, trade.exit_reason, trade.profit_loss) == ("closed", "tp1_hit", D("10.00"))


def test_tp_ladder_partial_closes_post_one_ledger_entry_each(engine, tick):
    tick("EURUSD", "1.09990", "1.10000")
    trade = engine.execute_order(
        "EURUSD", "buy", None, "1.09500", "1.10100", "1.00", take_profit_2="1.10200", take_profit_3="1.10300"
    )
    tick("EURUSD", "1.10100", "1.10110")  # TP1: 0.50 lots x 0.00100 x 100000 = 50.00
    tick("EURUSD", "1.10200", "1.10210")  # TP2: 0.30 lots x 0.00200 x 100000 = 60.00
    tick("EURUSD", "1.10300", "1.10310")  # TP3: 0.20 lots x 0.00300 x 100000 = 60.00
    trade.refresh_from_db()
    assert trade.status == "closed" and trade.exit_reason == "tp3_hit"
    amounts = list(LedgerEntry.objects.filter(trade=trade, kind="pnl").values_list("amount", flat=True))
    assert amounts == [D("50.00"), D("60.00"), D("60.00")]
    assert trade.profit_loss == D("170.00")
    # pips = 0.5 x 10 + 0.3 x 20 + 0.2 x 30 = 17.0
    assert trade.pips_gained == D("17.0")


def test_stop_out_closes_most_losing_trade_first(user, tick):
    account = account_ensure_default(user=user)
    Account.objects.filter(pk=account.pk).update(
        max_risk_per_trade_pct=None, max_portfolio_heat_pct=None, max_daily_loss_pct=None, leverage=100
    )
    tick("EURUSD", "1.09990", "1.10000")
    tick("XAUUSD", "2000.00", "2000.30")
    engine = PaperTradingEngine(user)
    # Margin: EURUSD 5 lots x 100000 x 1.10000 / 100 = 5500.00; XAUUSD 1 lot x 100 x 2000.30 / 100 = 2000.30
    eur = engine.execute_order("EURUSD", "buy", None, None, None, "5.00")
    gold = engine.execute_order("XAUUSD", "buy", None, None, None, "1.00")
    # EURUSD bid falls 130 pips to 1.08700: EURUSD -6500.00, gold -30.00 (bid 2000.00 vs 2000.30),
    # equity 10000 - 6530 = 3470.00, margin 7500.30 -> level 46.27 % <= 50 %: stop-out.
    # The most losing position (EURUSD) goes first: equity 3470.00 over margin 2000.30 = 173 %: stop.
    result = tick("EURUSD", "1.08700", "1.08710")
    eur.refresh_from_db()
    gold.refresh_from_db()
    assert (eur.status, eur.exit_reason, eur.profit_loss) == ("closed", "stop_out", D("-6500.00"))
    assert gold.status == "open"
    kinds = [t["event"] for t in result.triggered]
    assert kinds.index("margin_call") < kinds.index("trade_closed")


def test_events_are_published_after_commit_and_never_for_a_rollback(engine, tick, recorder):
    tick("EURUSD", "1.09990", "1.10000")
    with pytest.raises(RuntimeError), transaction.atomic():
        engine.execute_order("EURUSD", "buy", None, "1.09500", None, "0.10")
        raise RuntimeError("the caller's transaction fails after the order")
    assert PaperTrade.objects.count() == 0
    assert recorder == []


@pytest.mark.django_db(transaction=True)
def test_events_arrive_after_commit_with_trade_and_account(user, tick, recorder):
    account = account_ensure_default(user=user)
    tick("EURUSD", "1.09990", "1.10000")
    trade = PaperTradingEngine(user).execute_order("EURUSD", "buy", None, "1.09500", "1.10100", "0.10")
    types = [e["type"] for e in recorder]
    assert types == ["trade_execution", "account_update"]
    assert recorder[0]["trade"]["id"] == trade.pk and recorder[0]["user_id"] == user.pk
    assert recorder[1]["account"]["id"] == account.pk
    recorder.clear()
    tick("EURUSD", "1.10100", "1.10110")
    assert [e["type"] for e in recorder] == ["trade_closed", "account_update"]
    assert recorder[0]["reason"] == "tp1_hit" and recorder[1]["account"]["balance"] == "10010.00"


def _long_one_lot_since(engine, tick, when):
    """1 lot EURUSD bought at ask 1.10000 at `when`, its entry time stored as `when`."""
    tick("EURUSD", "1.09990", "1.10000", when)
    trade = engine.place(symbol="EURUSD", side="buy", lot_size=D("1.00"), stop_loss="1.09000", now=when).trade
    PaperTrade.objects.filter(pk=trade.pk).update(entry_time=when)
    return trade


def test_swap_booked_at_rollover_through_the_tick_path(engine, user, tick):
    # Tuesday 2025-01-14 20:00 UTC (15:00 New York); the 17:00 NY rollover is 22:00 UTC.
    tuesday = datetime(2025, 1, 14, 20, 0, tzinfo=UTC)
    trade = _long_one_lot_since(engine, tick, tuesday)
    tick("EURUSD", "1.09990", "1.10000", datetime(2025, 1, 14, 22, 30, tzinfo=UTC))
    # EURUSD long swap -7.2 points x 0.00001 x 100000 x 1 lot = -7.20 for one night.
    entry = LedgerEntry.objects.get(account__user=user, kind="swap")
    assert entry.amount == D("-7.20")
    trade.refresh_from_db()
    assert trade.swap == D("-7.20")


def test_process_tick_rejects_crossed_quote(tick):
    from paper_trading.domain.errors import InvalidInput

    with pytest.raises(InvalidInput):
        tick("EURUSD", "1.10010", "1.10000")


def test_gtd_order_expires_without_a_tick_of_its_symbol(engine, tick):
    from datetime import timedelta

    from django.utils import timezone

    tick("EURUSD", "1.09990", "1.10000")
    soon = timezone.now() + timedelta(minutes=5)
    order = engine.place_order(
        "EURUSD", "buy", "limit", "0.10", price="1.09000", time_in_force="GTD", expire_at=soon
    )
    assert engine.expire_orders(soon - timedelta(seconds=1)) == 0
    assert engine.expire_orders(soon + timedelta(seconds=1)) == 1
    order.refresh_from_db()
    assert (order.status, order.exit_reason) == ("cancelled", "expired")


def test_marketable_limit_with_slippage_never_fills_beyond_its_limit(user, no_limits, tick):
    Account.objects.filter(pk=no_limits.pk).update(slippage_pips=D("2"))
    tick("EURUSD", "1.09990", "1.10000")
    # Ask 1.10000 + 2 pips slippage = 1.10020, but the buy limit is 1.10010: it fills at 1.10010.
    order = PaperTradingEngine(user).place_order("EURUSD", "buy", "limit", "0.10", price="1.10010")
    assert (order.status, order.entry_price) == ("open", D("1.10010"))


def test_nfa_resting_order_that_would_hedge_is_cancelled_when_it_triggers(user, no_limits, tick):
    Account.objects.filter(pk=no_limits.pk).update(mode="nfa")
    tick("EURUSD", "1.09990", "1.10000")
    engine = PaperTradingEngine(user)
    sell_limit = engine.place_order("EURUSD", "sell", "limit", "0.10", price="1.10200")
    engine.execute_order("EURUSD", "buy", None, None, None, "0.10")
    tick("EURUSD", "1.10200", "1.10210")
    sell_limit.refresh_from_db()
    assert sell_limit.status == "cancelled" and "hedging" in sell_limit.notes
    assert PaperTrade.objects.filter(status="open").count() == 1


def test_netting_flip_is_checked_for_margin_on_the_new_exposure(user, no_limits, tick):
    from paper_trading.domain.errors import BusinessRefusal

    Account.objects.filter(pk=no_limits.pk).update(mode="netting")
    tick("EURUSD", "1.09990", "1.10000")
    engine = PaperTradingEngine(user)
    engine.execute_order("EURUSD", "buy", None, None, None, "0.01")
    # Selling 50 lots closes 0.01 and opens 49.99 short: margin 49.99 x 100000 x 1.0999 / 100
    # = 54,984.00 > free margin ~10,000: refused, and the long stays open.
    with pytest.raises(BusinessRefusal) as refused:
        engine.execute_order("EURUSD", "sell", None, None, None, "50.00")
    assert refused.value.code == "insufficient_margin"
    assert PaperTrade.objects.get(status="open").side == "buy"


def test_swap_owed_for_a_rollover_passed_while_no_process_ran_is_booked_at_the_first_quote(
    engine, user, tick
):
    from paper_trading.market import STATE

    # Monday 2025-01-13 20:00 UTC; that evening's 17:00 New York rollover is 22:00 UTC.
    monday = datetime(2025, 1, 13, 20, 0, tzinfo=UTC)
    trade = _long_one_lot_since(engine, tick, monday)
    STATE.reset()  # the process stops; a new one sees its first quote on Tuesday afternoon
    tick("XAUUSD", "2000.00", "2000.50", datetime(2025, 1, 14, 15, 0, tzinfo=UTC))
    tick("EURUSD", "1.09990", "1.10000", datetime(2025, 1, 14, 15, 0, tzinfo=UTC))
    # Monday night, one night: -7.2 points x 0.00001 x 100000 x 1 lot = -7.20, booked once.
    entries = LedgerEntry.objects.filter(account__user=user, kind="swap")
    assert [e.amount for e in entries] == [D("-7.20")]
    trade.refresh_from_db()
    assert (trade.swap, trade.last_swap_at) == (D("-7.20"), datetime(2025, 1, 13, 22, 0, tzinfo=UTC))


@pytest.mark.django_db(transaction=True)
def test_account_update_after_a_reset_carries_the_new_period(user, tick, recorder):
    account = account_ensure_default(user=user)
    tick("EURUSD", "1.09990", "1.10000")
    PaperTradingEngine(user).execute_order("EURUSD", "buy", None, "1.09500", None, "0.10")
    assert [e["account"]["period"] for e in recorder if e["type"] == "account_update"] == [1]
    recorder.clear()

    PaperTradingEngine(user).reset_account(account.pk)

    updates = [e["account"] for e in recorder if e["type"] == "account_update"]
    assert updates and updates[-1]["period"] == 2 and updates[-1]["balance"] == "10000.00"
