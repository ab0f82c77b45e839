"""The price worker under faults: it survives, and no fill is lost or doubled."""

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import OperationalError

from paper_trading import events
from paper_trading.data_aggregator import DataAggregator
from paper_trading.engine import PaperTradingEngine
from paper_trading.models import EquitySnapshot, Fill, LedgerEntry, PriceCache
from paper_trading.providers.base import Unavailable
from paper_trading.worker import Coalescer, LiveFeed, PriceWorker

from ..offline import point_providers_nowhere
from .scripted import ScriptedProvider, quote

D = Decimal


class ListFeed:
    """Quotes a test hands the worker, one list per cycle."""

    kind = "test"

    def __init__(self, *rounds):
        self.rounds = list(rounds)

    def quotes(self, symbols, now):
        return iter([(q, None) for q in (self.rounds.pop(0) if self.rounds else [])])


class Recorder:
    def __init__(self, fail=False):
        self.sent, self.fail = [], fail

    def publish(self, event):
        if self.fail:
            raise ConnectionError("channel layer down")
        self.sent.append(event)


@pytest.fixture(autouse=True)
def _release_workers(monkeypatch):
    """Every worker a test makes gives its symbol locks back (Redis locks outlive a test)."""
    made = []
    original = PriceWorker.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(PriceWorker, "__init__", init)
    yield
    for worker in made:
        worker.release()


@pytest.fixture
def recorder():
    rec = Recorder()
    previous = events.set_broadcaster(rec)
    yield rec
    events.set_broadcaster(previous)


@pytest.fixture
def open_buy(user, no_limits, tick):
    """A 0.10 lot EURUSD buy at 1.10000 with TP 1.10100: a tick at bid 1.10100 is worth +10.00."""
    tick("EURUSD", "1.09990", "1.10000")
    return PaperTradingEngine(user).execute_order("EURUSD", "buy", None, "1.09000", "1.10100", "0.10")


def tp_quote():
    return quote("1.10100", "1.10110", time=datetime.now(UTC))


def assert_closed_once(trade):
    trade.refresh_from_db()
    assert (trade.status, trade.exit_reason, trade.profit_loss) == ("closed", "tp1_hit", D("10.00"))
    assert Fill.objects.filter(trade=trade, kind="exit").count() == 1
    assert LedgerEntry.objects.filter(trade=trade, kind="pnl").count() == 1


@pytest.mark.django_db
def test_a_provider_that_raises_does_not_stop_the_worker(settings):
    settings.PROVIDER_PRIORITY = ["first"]
    settings.PROVIDER_BUDGETS = {"first": (None, None)}
    provider = ScriptedProvider("first", script=[Unavailable("first", "503")])
    worker = PriceWorker(["EURUSD"], feed=LiveFeed(DataAggregator([provider])), interval=0.01)
    worker.cycle()
    assert worker.ticks == 0
    provider.script = [quote(time=datetime.now(UTC))]
    worker.cycle()
    assert worker.ticks == 1


@pytest.mark.django_db(transaction=True)
def test_database_error_mid_cycle_loses_and_doubles_no_fill(open_buy, monkeypatch):
    from paper_trading import persistence

    real_save = persistence.PortfolioSession.save
    calls = {"n": 0}

    def flaky_save(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            real_save(self, *args, **kwargs)  # rows written inside the transaction...
            raise OperationalError("server closed the connection unexpectedly")  # ...then it dies
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(persistence.PortfolioSession, "save", flaky_save)
    worker = PriceWorker(["EURUSD"], feed=ListFeed([tp_quote()], [tp_quote()]), interval=0.01)
    worker.cycle()
    assert worker.errors == 1
    open_buy.refresh_from_db()
    assert open_buy.status == "open" and Fill.objects.filter(kind="exit").count() == 0  # rolled back
    worker.cycle()
    assert_closed_once(open_buy)
    worker.release()


@pytest.mark.django_db
def test_a_broken_channel_layer_does_not_stop_fills(open_buy):
    previous = events.set_broadcaster(Recorder(fail=True))
    try:
        worker = PriceWorker(["EURUSD"], feed=ListFeed([tp_quote()]), interval=0.01)
        worker.cycle()
    finally:
        events.set_broadcaster(previous)
    assert worker.errors == 0
    assert_closed_once(open_buy)


@pytest.mark.django_db
def test_two_workers_on_one_symbol_one_processes_the_other_waits():
    first = PriceWorker(["EURUSD"], feed=ListFeed(), interval=0.01)
    second = PriceWorker(["EURUSD"], feed=ListFeed(), interval=0.01)
    first.claim()
    second.claim()
    assert first.owned == ["EURUSD"] and second.owned == []
    first.claim()  # renewing keeps it
    assert first.owned == ["EURUSD"]
    first.release()
    second.claim()
    assert second.owned == ["EURUSD"]
    second.release()


@pytest.mark.django_db
def test_worker_builds_one_minute_bars_from_ticks(settings):
    base = datetime(2025, 1, 6, 10, 0, tzinfo=UTC)
    ticks = [("1.10000", 5), ("1.10050", 20), ("1.09980", 40), ("1.10020", 55), ("1.10030", 65)]
    feed = ListFeed([quote(b, str(D(b) + D("0.0001")), time=base + timedelta(seconds=s)) for b, s in ticks])
    worker = PriceWorker(["EURUSD"], feed=feed, interval=0.01)
    worker.cycle()
    bar = PriceCache.objects.get(symbol="EURUSD", interval="1m", time=base)
    # The 10:00 minute: open 1.10000, high 1.10050, low 1.09980, close 1.10020 (bid side).
    assert (bar.open, bar.high, bar.low, bar.close) == (
        D("1.10000"),
        D("1.10050"),
        D("1.09980"),
        D("1.10020"),
    )
    worker.release()


def test_price_events_are_coalesced_to_ten_per_second():
    clock = [0.0]
    coalescer = Coalescer(rate=10, clock=lambda: clock[0])
    sent = [e for i in range(30) if (e := coalescer.offer("EURUSD", {"n": i})) is not None]
    assert sent == [{"n": i} for i in range(10)]  # 30 ticks in one instant: ten go now
    assert coalescer.offer("GBPUSD", {"n": 0}) == {"n": 0}  # each symbol has its own ten
    assert coalescer.wait() == pytest.approx(1.0)
    clock[0] += 0.5
    assert coalescer.due() == []
    clock[0] += 0.5
    assert coalescer.due() == [{"n": 29}]  # the latest waits for a free slot, the rest are dropped
    assert coalescer.wait() is None


def test_forming_bars_go_out_once_a_second_beside_ten_prices():
    clock = [0.0]
    coalescer = Coalescer(rate=10, clock=lambda: clock[0], rates={"bar:": 1})
    prices = bars = 0
    for i in range(20):  # two seconds at 10 ticks per second
        clock[0] = i * 0.1
        prices += coalescer.offer("EURUSD", {"n": i}) is not None
        bars += coalescer.offer("bar:EURUSD", {"n": i}) is not None
    assert (prices, bars) == (20, 2)
    assert coalescer.pending == {"bar:EURUSD": {"n": 19}}  # the latest candle follows


def test_a_steady_ten_per_second_feed_with_jitter_loses_nothing():
    import random

    rng = random.Random(7)
    clock = [0.0]
    coalescer = Coalescer(rate=10, clock=lambda: clock[0])
    delivered: dict[int, float] = {}

    def flush_until(t):  # what the timer does: send held-back events when their slot frees
        while (wait := coalescer.wait()) is not None and clock[0] + wait <= t:
            clock[0] += wait
            for event in coalescer.due():
                delivered[event["n"]] = clock[0]

    arrivals = [i * 0.1 + rng.uniform(-0.005, 0.005) for i in range(600)]  # one minute
    for i, t in enumerate(arrivals):
        flush_until(t)
        clock[0] = t
        if coalescer.offer("EURUSD", {"n": i}) is not None:
            delivered[i] = t
    flush_until(1e9)
    assert sorted(delivered) == list(range(600))  # nothing replaced, nothing lost
    assert max(delivered[i] - arrivals[i] for i in range(600)) <= 0.011  # held at most ~10 ms


def test_never_more_than_ten_events_in_any_second():
    clock = [0.0]
    coalescer = Coalescer(rate=10, clock=lambda: clock[0])
    times = []
    for i in range(400):  # 200 offers per second, due() polled in between
        clock[0] = i * 0.005
        if coalescer.offer("EURUSD", {"n": i}) is not None or coalescer.due():
            times.append(clock[0])
    assert all(t2 - t1 >= 1.0 - 1e-9 for t1, t2 in zip(times, times[10:], strict=False))
    assert len(times) >= 19  # two seconds: the limit is used, not starved


@pytest.mark.django_db
def test_worker_sends_price_and_bar_events_and_snapshots_equity(open_buy, recorder):
    worker = PriceWorker(
        ["EURUSD"], feed=ListFeed([quote("1.10050", "1.10060", time=datetime.now(UTC))]), interval=0.01
    )
    worker.cycle()
    types = [e["type"] for e in recorder.sent]
    assert "price_update" in types and "bar_update" in types
    price = next(e for e in recorder.sent if e["type"] == "price_update")
    assert (price["symbol"], price["bid"], price["ask"]) == ("EURUSD", "1.10050", "1.10060")
    # 0.10 lots x (1.10050 - 1.10000) x 100000 = +5.00 unrealized
    snapshot = EquitySnapshot.objects.filter(account=open_buy.account).latest("time")
    assert snapshot.equity == snapshot.balance + D("5.00")
    worker.release()


def test_run_price_worker_stops_cleanly_on_sigterm(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'w.sqlite3'}",
        "FEED": "sim",
        "REDIS_URL": "",
    }
    manage = str(Path(django_settings.BASE_DIR) / "manage.py")
    subprocess.run([sys.executable, manage, "migrate", "-v0"], env=env, check=True, timeout=120)
    worker = subprocess.Popen(
        [
            sys.executable,
            manage,
            "run_price_worker",
            "--feed",
            "sim",
            "--interval",
            "0.2",
            "--pairs",
            "EURUSD",
            "--no-broadcast",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    # Signal only once it is working: a SIGTERM during Django's start-up would kill it before the
    # handler exists (that would test Python, not the worker).
    seen = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        line = worker.stdout.readline()
        seen.append(line)
        if "now processes EURUSD" in line or not line:
            break
    time.sleep(1.0)  # a few 0.2 s cycles
    worker.send_signal(signal.SIGTERM)
    rest, _ = worker.communicate(timeout=30)
    output = "".join(seen) + rest
    assert worker.returncode == 0, output
    assert "price worker stopped" in output
    ticks = int(output.split("price worker stopped: ")[1].split()[0])
    assert ticks >= 1


@pytest.mark.django_db(transaction=True)
def test_run_command_falls_back_to_sim_in_one_plain_line_when_no_provider_answers(settings, capsys):
    from paper_trading.worker import start_embedded_worker

    point_providers_nowhere(settings)  # keys stay: every provider is tried and refused
    settings.FEED = "live"
    settings.PRICE_WORKER_PAIRS = ["EURUSD", "BTCUSD"]
    settings.PROVIDER_TIMEOUT = 0.5
    thread = start_embedded_worker()
    try:
        out = capsys.readouterr().out
        assert out.strip() == "No live market-data provider answered: running on simulated prices (FEED=sim)."
        assert settings.FEED == "sim" and thread.worker.feed.kind == "sim"
    finally:
        thread.worker.stop()
        thread.join(timeout=10)


@pytest.mark.django_db
def test_manual_feed_sends_the_price_it_held_back_once_the_second_is_up(recorder):
    from paper_trading.domain.quotes import make_quote
    from paper_trading.manual_feed import manual_feed

    feed = manual_feed()
    now = datetime.now(UTC)
    for n in range(12):  # a burst: ten go at once, the eleventh is replaced by the twelfth
        bid = D("1.10000") + D("0.00001") * n
        feed.push(make_quote("EURUSD", bid, bid + D("0.00010"), now, "manual"))
    prices = lambda: [e["bid"] for e in recorder.sent if e["type"] == "price_update"]  # noqa: E731
    assert prices() == [str(D("1.10000") + D("0.00001") * n) for n in range(10)]
    deadline = time.monotonic() + 3
    while len(prices()) < 11 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert prices()[10:] == ["1.10011"]  # the latest, sent by the flusher when the window freed


@pytest.mark.django_db(transaction=True)
def test_manual_feed_still_expires_orders_and_snapshots_equity_without_ticks(
    settings, user, no_limits, monkeypatch
):
    """FEED=manual has no quotes to poll, but a GTD order must expire at its time and the equity
    curve must grow while nobody pushes a price."""
    from django.utils import timezone

    from paper_trading import worker as worker_module
    from paper_trading.models import PaperTrade
    from paper_trading.worker import start_embedded_worker

    settings.FEED = "manual"
    settings.PRICE_WORKER_PAIRS = ["EURUSD"]
    monkeypatch.setattr(worker_module, "CHORES_EVERY", 0.1)
    engine = PaperTradingEngine(user)
    engine.process_tick("EURUSD", D("1.09990"), D("1.10000"))
    engine.execute_order("EURUSD", "buy", lot_size=D("0.10"))
    order = engine.place_order(
        "EURUSD",
        "buy",
        "limit",
        "0.10",
        price="1.09000",
        time_in_force="GTD",
        expire_at=timezone.now() + timedelta(seconds=1),
    )
    thread = start_embedded_worker()
    try:
        assert thread is not None and thread.worker.feed.kind == "manual"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            order.refresh_from_db()
            if order.status != PaperTrade.Status.PENDING:
                break
            time.sleep(0.1)
        assert (order.status, order.exit_reason) == ("cancelled", "expired")
        # Open buy 0.10 at the ask 1.10000, valued at the bid 1.09990: -1 pip x 0.10 lots = -1.00.
        taken = EquitySnapshot.objects.filter(account__user=user, time__gte=order.created_at)
        assert {(s.balance, s.equity) for s in taken} == {(D("10000.00"), D("9999.00"))}
    finally:
        thread.worker.stop()
        thread.join(timeout=10)


@pytest.mark.django_db
def test_a_lease_not_renewed_runs_out_by_itself_and_the_next_holder_is_named():
    """The worker's lock (Redis with REDIS_URL, else the WorkerLease row) with a 0.5 s lease:
    renewed it stays; left alone it is free after the lease and the old owner's renew says lost."""
    from paper_trading.locks import symbol_lock

    first, second = symbol_lock("first-owner", ttl=0.5), symbol_lock("second-owner", ttl=0.5)
    try:
        assert first.acquire("EURUSD") and not second.acquire("EURUSD")
        who, left = second.holder("EURUSD")
        assert who == "first-owner" and 0 < left <= 0.5
        time.sleep(0.3)
        assert first.renew(["EURUSD"]) == {"EURUSD"}  # the heartbeat: another 0.5 s from now
        time.sleep(0.3)
        assert not second.acquire("EURUSD")  # 0.6 s after taking it, still held thanks to the renewal
        time.sleep(0.6)
        assert second.acquire("EURUSD")  # nobody renewed it: free
        assert first.renew(["EURUSD"]) == set()
        assert second.holder("EURUSD")[0] == "second-owner"
    finally:
        first.release("EURUSD")  # not ours any more: a no-op
        assert second.holder("EURUSD")[0] == "second-owner"
        second.release("EURUSD")
    assert second.holder("EURUSD") is None
