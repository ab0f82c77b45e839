"""A tick is applied account by account, each in its own transaction: one account's failure is
logged, reported under `failed` with a code, rolls that account back completely (rows, events,
the trigger book) and never stops the accounts after it (docs/market-data.md)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import DataError, connection, transaction

from paper_trading.bars import upsert_bars
from paper_trading.domain.bars import Bar
from paper_trading.engine import PaperTradingEngine
from paper_trading.market import QUOTE_KEY, STATE, CachedMarket
from paper_trading.models import Account, Fill, LedgerEntry, PaperTrade
from paper_trading.selectors import account_figures
from paper_trading.services.ticks import TickPath, failure_code

D = Decimal
# numeric(20, 2) keeps money below 10^18: 10,000.00 short of it, a 100-lot take-profit of 10 pips
# (100 x 100000 x 0.00100 = 10,000.00) cannot be stored.
AT_THE_LIMIT = D("999999999999990000.00")
HUGE_LOTS = "100.00"


@pytest.fixture
def trader(make_user):
    """An engine for a new user whose default account has the risk limits off."""

    def make(name, *, balance=None):
        engine = PaperTradingEngine(make_user(name))
        if balance is None:
            account = engine.get_account()
        else:
            account = engine.create_account(name="big", initial_balance=balance)
        Account.objects.filter(pk=account.pk).update(
            max_risk_per_trade_pct=None, max_portfolio_heat_pct=None, max_daily_loss_pct=None
        )
        return engine, account

    return make


def buy_with_tp(engine, account, lots):
    return engine.place(
        symbol="EURUSD", side="buy", lot_size=D(lots), take_profit_1="1.10100", account=account.pk
    ).trade


def snapshot(account):
    """What the tick may write for an account: its balance, its trades, fills and ledger."""
    account.refresh_from_db()
    return (
        account.balance,
        account.margin_call,
        sorted(PaperTrade.objects.filter(account=account).values_list("id", "status", "lot_size")),
        Fill.objects.filter(account=account).count(),
        LedgerEntry.objects.filter(account=account).count(),
    )


def test_an_account_whose_balance_overflows_the_database_rolls_back_alone(trader, tick, caplog):
    """A real failure: the second account's take-profit would book a balance numeric(20, 2)
    cannot hold (PostgreSQL: numeric field overflow; SQLite: Django's digits check)."""
    tick("EURUSD", "1.09990", "1.10000")
    first, a = trader("first")
    huge, b = trader("huge", balance=AT_THE_LIMIT)
    third, c = trader("third")
    trades = [buy_with_tp(first, a, "0.10"), buy_with_tp(huge, b, HUGE_LOTS), buy_with_tp(third, c, "0.10")]
    before = snapshot(b)

    result = tick("EURUSD", "1.10100", "1.10110")  # every TP at 1.10100

    # The others close: (1.10100 - 1.10000) x 0.10 x 100000 = +10.00 each.
    for trade, account in [(trades[0], a), (trades[2], c)]:
        trade.refresh_from_db()
        account.refresh_from_db()
        assert (trade.status, trade.exit_reason, trade.profit_loss) == ("closed", "tp1_hit", D("10.00"))
        assert account.balance == D("10010.00")
    assert result.applied == [a.pk, c.pk]
    assert [(f["account"], f["code"]) for f in result.failed] == [(b.pk, "numeric_overflow")]
    assert {t["account"] for t in result.triggered} == {a.pk, c.pk}
    assert snapshot(b) == before  # nothing of the huge account was written
    assert f"failed for account {b.pk}" in caplog.text and "Traceback" in caplog.text


def test_a_failed_account_keeps_its_triggers_in_the_book(trader, tick):
    """The rollback undid the close the book had already learned: the trade is back in the
    book, so once the account can be written the next tick at the level closes it."""
    tick("EURUSD", "1.09990", "1.10000")
    huge, b = trader("huge", balance=AT_THE_LIMIT)
    trade = buy_with_tp(huge, b, HUGE_LOTS)
    assert tick("EURUSD", "1.10100", "1.10110").failed[0]["code"] == "numeric_overflow"
    assert trade.pk in STATE.open_ids

    Account.objects.filter(pk=b.pk).update(balance=D("500000.00"))
    result = tick("EURUSD", "1.10100", "1.10110")

    trade.refresh_from_db()
    assert (result.applied, result.failed) == ([b.pk], [])
    assert (trade.status, trade.profit_loss) == ("closed", D("10000.00"))


class FailingAfterWrites(TickPath):
    """Fails one account after its whole tick has been applied and saved (any exception in a
    per-account step: a bug, a broken row), to show no half of it survives."""

    def __init__(self, victim: int):
        super().__init__()
        self.victim = victim

    def apply_tick_to_account(self, account_id, trade_ids, quote, market, *, bar=None):
        triggered = super().apply_tick_to_account(account_id, trade_ids, quote, market, bar=bar)
        if account_id == self.victim:
            raise RuntimeError("boom after the writes")
        return triggered


def test_an_exception_after_an_account_is_saved_undoes_it_and_sends_nothing(
    trader, tick, recorder, django_capture_on_commit_callbacks
):
    tick("EURUSD", "1.09990", "1.10000")
    first, a = trader("first")
    second, b = trader("second")
    third, c = trader("third")
    trades = [buy_with_tp(first, a, "0.10"), buy_with_tp(second, b, "0.10"), buy_with_tp(third, c, "0.10")]
    before = snapshot(b)
    recorder.clear()

    with django_capture_on_commit_callbacks(execute=True):
        result = FailingAfterWrites(victim=b.pk).process_tick("EURUSD", D("1.10100"), D("1.10110"))

    assert result.applied == [a.pk, c.pk]
    assert result.failed == [
        {
            "account": b.pk,
            "code": "processing_error",
            "message": "Processing this account failed; see the server log.",
        }
    ]
    assert snapshot(b) == before
    closed = {e["trade"]["id"] for e in recorder if e["type"] == "trade_closed"}
    assert closed == {trades[0].pk, trades[2].pk}  # no event for the rolled-back account
    assert {e["account"]["id"] for e in recorder if e["type"] == "account_update"} == {a.pk, c.pk}
    # Its take-profit is still in the book: a plain engine closes it at the next tick.
    tick("EURUSD", "1.10100", "1.10110")
    trades[1].refresh_from_db()
    assert (trades[1].status, trades[1].profit_loss) == ("closed", D("10.00"))


# ---- another symbol without a price (docs/domain.md, margin call and stop-out) ---------------


def _gold_and_euro(trader, tick, name):
    """An account long 1 lot XAUUSD (ask 2000.30) and 1 lot EURUSD (ask 1.10000, TP 1.10100),
    leverage 100: margin 2000.30 + 1100.00."""
    tick("EURUSD", "1.09990", "1.10000")
    tick("XAUUSD", "2000.00", "2000.30")
    engine, account = trader(name)
    gold = engine.place(symbol="XAUUSD", side="buy", lot_size=D("1.00"), account=account.pk).trade
    euro = buy_with_tp(engine, account, "1.00")
    return account, gold, euro


def forget_gold():
    """No XAUUSD quote anywhere: not in the cache, and no bar stored."""
    cache.delete(QUOTE_KEY.format(symbol="XAUUSD"))


def test_a_missing_quote_for_another_symbol_does_not_block_the_take_profit(trader, tick, caplog):
    account, gold, euro = _gold_and_euro(trader, tick, "gold")
    other, other_account = trader("other")
    other_trade = buy_with_tp(other, other_account, "0.10")
    forget_gold()

    result = tick("EURUSD", "1.10100", "1.10110")

    euro.refresh_from_db()
    other_trade.refresh_from_db()
    gold.refresh_from_db()
    assert result.failed == []
    assert (euro.status, euro.exit_reason, euro.profit_loss) == ("closed", "tp1_hit", D("100.00"))
    assert (other_trade.status, other_trade.profit_loss) == ("closed", D("10.00"))
    assert gold.status == "open"
    account.refresh_from_db()
    assert account.balance == D("10100.00") and account.margin_call is False
    assert f"margin check of account {account.pk} skipped" in caplog.text
    assert "No price for XAUUSD" in caplog.text


def test_margin_uses_the_last_stored_bar_of_a_symbol_without_a_cached_quote(
    trader, tick, recorder, django_capture_on_commit_callbacks
):
    account, gold, euro = _gold_and_euro(trader, tick, "gold")
    forget_gold()
    # The last stored XAUUSD bar closes at 1919.00: with the default 3-pip (0.30) spread that is
    # bid 1918.85 / ask 1919.15.
    moment = euro.entry_time.replace(second=0, microsecond=0)
    upsert_bars("XAUUSD", "1m", [Bar(moment, D("1925"), D("1926"), D("1918"), D("1919.00"), D(0))], "sim")
    recorder.clear()

    with django_capture_on_commit_callbacks(execute=True):
        result = tick("EURUSD", "1.10100", "1.10110")

    # EURUSD TP: +100.00, balance 10100.00. Gold marked at bid 1918.85: (1918.85 - 2000.30) x 100
    # = -8145.00; equity 1955.00 over margin 2000.30 = 97.735 % <= 100 %: a margin call, > 50 %:
    # no stop-out.
    assert [t["event"] for t in result.triggered] == ["trade_closed", "margin_call"]
    account.refresh_from_db()
    assert account.margin_call is True
    gold.refresh_from_db()
    assert gold.status == "open"
    figures = account_figures(account, CachedMarket(stored=True))
    assert (figures["equity"], figures["margin_used"], figures["margin_level"]) == (
        D("1955.00"),
        D("2000.30"),
        D("97.74"),
    )
    [call] = [e for e in recorder if e["type"] == "margin_call"]
    assert (call["account"]["equity"], call["account"]["margin_level"]) == ("1955.00", "97.74")


def test_a_resting_order_fills_when_another_held_symbol_has_no_price(trader, tick, caplog):
    """The fill's free-margin check needs equity, hence the gold price: skipped and logged."""
    account, gold, euro = _gold_and_euro(trader, tick, "gold")
    engine = PaperTradingEngine(account.user)
    order = engine.place(
        symbol="EURUSD",
        side="buy",
        entry_type="limit",
        price="1.09800",
        lot_size=D("0.10"),
        account=account.pk,
    ).trade
    forget_gold()

    result = tick("EURUSD", "1.09790", "1.09800")

    order.refresh_from_db()
    assert result.failed == []
    assert (order.status, order.entry_price) == ("open", D("1.09800"))
    assert f"margin check of order {order.pk} skipped" in caplog.text


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own overflow error")
def test_postgresql_numeric_overflow_is_reported_with_its_code(trader):
    """Behind the storable check, the database's own refusal (SQLSTATE 22003) maps the same way."""
    _, account = trader("first")
    with pytest.raises(DataError) as caught, transaction.atomic():
        Account.objects.filter(pk=account.pk).update(balance=D("1000000000000000000.00"))
    assert failure_code(caught.value)[0] == "numeric_overflow"


def test_a_swap_that_cannot_be_stored_skips_that_account_and_not_the_others(trader, tick):
    """Rollover is part of the tick: one account's swap failing must neither stop the others'
    nor fail the tick (which would retry, and fail, at every later tick)."""
    tuesday = datetime(2025, 1, 14, 20, 0, tzinfo=UTC)  # the 17:00 New York rollover is 22:00 UTC
    tick("EURUSD", "1.09990", "1.10000", tuesday)
    normal, a = trader("normal")
    # 1,000.00 short of 10^18 (15 significant digits, all SQLite keeps): five 100-lot shorts earn
    # 5 x 100 x 100000 x 2.1 points x 0.00001 = +1,050.00 swap, which cannot be stored.
    huge, b = trader("huge", balance=D("999999999999999000.00"))
    long = normal.place(symbol="EURUSD", side="buy", lot_size=D("1.00"), account=a.pk, now=tuesday).trade
    shorts = [
        huge.place(symbol="EURUSD", side="sell", lot_size=D("100.00"), account=b.pk, now=tuesday).trade
        for _ in range(5)
    ]
    PaperTrade.objects.filter(pk__in=[long.pk, *(t.pk for t in shorts)]).update(entry_time=tuesday)
    before = snapshot(b)

    result = tick("EURUSD", "1.09990", "1.10000", datetime(2025, 1, 14, 22, 30, tzinfo=UTC))

    assert result.failed == []  # the tick itself went through
    # EURUSD long swap -7.2 points x 0.00001 x 100000 x 1 lot = -7.20.
    assert LedgerEntry.objects.get(account=a, kind="swap").amount == D("-7.20")
    assert snapshot(b) == before
