"""The provider chain's policies: rotation, budgets, breaker, retries, cache, fallback, sanity."""

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from paper_trading.data_aggregator import Breaker, BudgetExhausted, DataAggregator, reserve
from paper_trading.domain.errors import NoPrice
from paper_trading.domain.sanity import InsaneQuote, check_quote
from paper_trading.market import current_quote
from paper_trading.models import APIUsageTracker, PriceCache
from paper_trading.providers.base import BadPayload, NotCovered, RateLimited, Unavailable

from .scripted import ScriptedProvider, bars, quote, stored_bar

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _policy(settings):
    settings.PROVIDER_PRIORITY = ["first", "second", "third"]
    settings.PROVIDER_BUDGETS = {"first": (100, 100), "second": (100, 100), "third": (100, 100)}
    settings.PROVIDER_BREAKER_FAILURES = 3
    settings.PROVIDER_BREAKER_COOLOFF = 60.0
    settings.QUOTE_MAX_AGE = 120.0
    from django.core.cache import cache

    cache.delete_many([f"breaker:{n}" for n in ("first", "second", "third")] + ["bars:EURUSD:1m:3"])


def usage(name):
    row = APIUsageTracker.objects.filter(provider=name).first()
    return 0 if row is None else row.requests


def test_providers_are_tried_in_priority_order_and_the_first_good_answer_wins():
    third = ScriptedProvider("third", script=[quote("1.30000", "1.30010")])
    first = ScriptedProvider("first", script=[NotCovered("first", "no")])
    second = ScriptedProvider("second", script=[quote("1.20000", "1.20010", source="second")])
    answer = DataAggregator([third, second, first]).quote("EURUSD")
    assert (answer.value.bid, answer.source, answer.stale) == (Decimal("1.20000"), "second", False)
    assert (first.calls, second.calls, third.calls) == (1, 1, 0)
    assert current_quote("EURUSD").bid == Decimal("1.20000")  # published for every process


def test_providers_not_carrying_the_symbol_or_not_configured_are_skipped():
    gold_only = ScriptedProvider("first", symbols=("XAUUSD",), script=[quote()])
    no_key = ScriptedProvider("second", configured=False, script=[quote()])
    third = ScriptedProvider("third", script=[quote(source="third")])
    assert DataAggregator([gold_only, no_key, third]).quote("EURUSD").source == "third"
    assert gold_only.calls == no_key.calls == 0


def test_transient_errors_are_retried_and_every_attempt_is_counted():
    flaky = ScriptedProvider(
        "first", script=[Unavailable("first", "503"), Unavailable("first", "503"), quote()]
    )
    assert DataAggregator([flaky]).quote("EURUSD").stale is False
    assert flaky.calls == 3 and usage("first") == 3


def test_rate_limit_is_not_retried_and_the_next_provider_answers():
    limited = ScriptedProvider("first", script=[RateLimited("first", "429")])
    second = ScriptedProvider("second", script=[quote(source="second")])
    assert DataAggregator([limited, second]).quote("EURUSD").source == "second"
    assert limited.calls == 1 and usage("first") == 1


def test_budget_per_minute_is_never_exceeded(settings):
    settings.PROVIDER_BUDGETS = {"first": (None, 2)}
    moment = datetime(2025, 1, 6, 10, 0, 5, tzinfo=UTC)
    reserve("first", now=moment)
    reserve("first", now=moment)
    with pytest.raises(BudgetExhausted):
        reserve("first", now=moment + timedelta(seconds=30))
    reserve("first", now=moment + timedelta(seconds=60))  # a new minute


def test_budget_per_day_is_never_exceeded_and_the_chain_moves_on(settings):
    settings.PROVIDER_BUDGETS = {"first": (2, None), "second": (100, 100)}
    first = ScriptedProvider("first", script=[quote(source="first")])
    second = ScriptedProvider("second", script=[quote(source="second")])
    chain = DataAggregator([first, second])
    assert [chain.quote("EURUSD").source for _ in range(3)] == ["first", "first", "second"]
    assert first.calls == 2 and usage("first") == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the in-memory SQLite test database has table locks"
)
def test_budget_holds_under_concurrent_callers(settings):
    settings.PROVIDER_BUDGETS = {"first": (1000, 7)}
    moment = datetime.now(UTC).replace(second=1)
    reserve("first", now=moment)  # the row exists before the race
    granted = []

    def call():
        try:
            reserve("first", now=moment)
            granted.append(1)
        except BudgetExhausted:
            pass
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(granted) == 6  # 7 per minute, one taken before the race
    assert usage("first") == 7


def test_breaker_opens_after_repeated_failures_and_recovers_after_cool_off(settings, monkeypatch):
    import paper_trading.data_aggregator as agg

    clock = [1000.0]
    monkeypatch.setattr(agg.time, "time", lambda: clock[0])
    broken = ScriptedProvider("first", script=[BadPayload("first", "garbage")])
    backup = ScriptedProvider("second", script=[quote(source="second")])
    chain = DataAggregator([broken, backup])
    for _ in range(3):
        chain.quote("EURUSD")
    assert broken.calls == 3 and Breaker("first").is_open()
    chain.quote("EURUSD")
    assert broken.calls == 3  # skipped while open
    clock[0] += 61
    broken.script = [quote(source="first")]
    assert chain.quote("EURUSD").source == "first"  # half-open trial succeeds
    assert not Breaker("first").is_open() and Breaker("first").state()["failures"] == 0


def test_bars_cache_hit_serves_without_a_provider_call():
    provider = ScriptedProvider("first", script=[bars(3)])
    chain = DataAggregator([provider])
    first = chain.bars("EURUSD", "1m", 3)
    again = chain.bars("EURUSD", "1m", 3)
    assert provider.calls == 1 and again.value == first.value and again.source == "first"
    assert PriceCache.objects.filter(symbol="EURUSD", interval="1m").count() == 3  # persisted


def test_every_provider_failing_serves_the_stored_bar_marked_stale():
    moment = datetime.now(UTC) - timedelta(minutes=10)
    stored_bar("1m", moment, "1.1", "1.1", "1.1", "1.10500")
    down = ScriptedProvider("first", script=[Unavailable("first", "timeout")])
    answer = DataAggregator([down]).quote("EURUSD")
    assert answer.stale is True
    assert answer.value.mid == Decimal("1.10500")  # default 1-pip spread around the stored close
    assert 590 <= answer.age_seconds <= 700


def test_nothing_anywhere_is_no_price():
    with pytest.raises(NoPrice):
        DataAggregator([ScriptedProvider("first", script=[Unavailable("first", "down")])]).quote("EURUSD")


def test_insane_quote_counts_as_the_providers_failure_and_the_next_answers():
    crossed = ScriptedProvider("first", script=[quote("1.10020", "1.10000")])
    second = ScriptedProvider("second", script=[quote(source="second")])
    assert DataAggregator([crossed, second]).quote("EURUSD").source == "second"
    assert Breaker("first").state()["failures"] == 1


NOW = datetime(2025, 1, 6, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("bid", "ask", "time", "reason"),
    [
        ("0", "1.10000", NOW, "not positive"),
        ("-1.1", "1.10000", NOW, "not positive"),
        ("NaN", "1.10000", NOW, "not a finite"),
        ("1.10020", "1.10000", NOW, "above ask"),
        ("1.10000", "1.10010", NOW - timedelta(minutes=5), "older than"),
        ("1.10000", "1.10010", NOW + timedelta(minutes=5), "future"),
        ("1E-20", "1.10000", NOW, "outside the sane range"),  # EURUSD 0.5-2.5
        ("999999999999", "999999999999", NOW, "outside the sane range"),
    ],
)
def test_sanity_checks_reject_each_bad_quote(bid, ask, time, reason):
    with pytest.raises(InsaneQuote) as refused:
        check_quote(quote(bid, ask, time=time), now=NOW, max_age=timedelta(seconds=120))
    assert reason in refused.value.reason


def test_sanity_accepts_a_normal_quote():
    good = quote("1.10100", "1.10110", time=NOW - timedelta(seconds=3))
    assert check_quote(good, now=NOW, max_age=timedelta(seconds=120)) is good
