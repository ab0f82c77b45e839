"""The price worker: turns quotes into fills, bars, equity snapshots and events.

One `PriceWorker` serves the `run_price_worker` command and, as a thread, the run command's
embedded default. Every quote goes through `PaperTradingEngine.process_quote` (the same path as
the manual feed). The worker owns a symbol only while it holds that symbol's lock, and it
survives provider errors, database errors and a broken channel layer: each is logged and the
next cycle tries again. `stop()` (SIGTERM) lets the current tick finish.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, close_old_connections, connection, connections
from django.utils import timezone

from . import events
from .domain.bars import BarBuilder
from .domain.instruments import REGISTRY, get_instrument
from .domain.quotes import Quote
from .domain.ticks import TickResult
from .engine import PaperTradingEngine
from .locks import symbol_lock, worker_identity
from .market import HEARTBEAT, last_known_quote
from .providers.base import ProviderError
from .representations import iso

TICK = Decimal(1)  # bars count tick volume, as MT5 shows for FX: one per quote
log = logging.getLogger(__name__)
SNAPSHOT_EVERY = 60.0  # seconds between equity snapshots
CHORES_EVERY = 5.0  # FEED=manual: seconds between the chores (order expiry, snapshots)
PRICE_EVENTS_PER_SECOND = 10
# The forming candle once a second: prices (10/s) already carry its close, and every bar frame
# costs the server as much as a price frame (docs/websocket.md, docs/performance.md).
BAR_EVENTS_PER_SECOND = 1


class Coalescer:
    """At most `rate` events per key in any one-second window (docs/websocket.md: 10 prices per
    second per symbol).

    A sliding window, not a fixed gap: a steady 10/s feed whose ticks reach the server bunched
    by network or server jitter passes untouched (a fixed 100 ms gap would hold back every tick
    that arrives early and drop the one after it). An event that has to wait is held as the
    key's latest and sent by `due` when the window frees; an older held-back event is replaced,
    so a client always ends on the latest price.
    """

    def __init__(
        self,
        rate: int = PRICE_EVENTS_PER_SECOND,
        clock=time.monotonic,
        *,
        rates: dict[str, int] | None = None,
    ):
        self.rate = rate
        self.rates = rates or {}  # key prefix -> its own rate (e.g. "bar:" -> 1)
        self.clock = clock
        self.sent: dict[str, deque[float]] = {}
        self.pending: dict[str, dict] = {}

    def rate_of(self, key: str) -> int:
        return next((rate for prefix, rate in self.rates.items() if key.startswith(prefix)), self.rate)

    def _free_at(self, key: str) -> float:
        times = self.sent.get(key)
        if times is None or len(times) < times.maxlen:
            return float("-inf")
        return times[0] + 1.0

    def _mark(self, key: str, now: float) -> None:
        self.sent.setdefault(key, deque(maxlen=self.rate_of(key))).append(now)

    def offer(self, key: str, event: dict) -> dict | None:
        now = self.clock()
        if now >= self._free_at(key):
            self._mark(key, now)
            self.pending.pop(key, None)
            return event
        self.pending[key] = event
        return None

    def release(self, key: str) -> dict | None:
        """The event held back for `key`, to send now (it takes a slot)."""
        event = self.pending.pop(key, None)
        if event is not None:
            self._mark(key, self.clock())
        return event

    def due(self) -> list[dict]:
        now = self.clock()
        out = []
        for key in [k for k in self.pending if now >= self._free_at(k)]:
            self._mark(key, now)
            out.append(self.pending.pop(key))
        return out

    def wait(self) -> float | None:
        """Seconds until the first held-back event may go (None: nothing is held back)."""
        if not self.pending:
            return None
        return max(0.0, min(self._free_at(k) for k in self.pending) - self.clock())


def price_event(quote: Quote) -> dict:
    return {
        "type": "price_update",
        "symbol": quote.symbol,
        "bid": str(quote.bid),
        "ask": str(quote.ask),
        "mid": str(quote.mid),
        "time": iso(quote.time),
        "source": quote.source,
    }


def bar_event(symbol: str, bar) -> dict:
    return {
        "type": "bar_update",
        "symbol": symbol,
        "interval": "1m",
        "bar": {
            "time": int(bar.time.timestamp()),
            "open": str(bar.open),
            "high": str(bar.high),
            "low": str(bar.low),
            "close": str(bar.close),
            "volume": str(bar.volume),
        },
    }


class LiveFeed:
    """One poll per symbol per cycle through the provider chain (every user shares it)."""

    kind = "live"

    def __init__(self, aggregator=None):
        from .data_aggregator import DataAggregator

        self.aggregator = aggregator or DataAggregator()

    def quotes(self, symbols: list[str], now: datetime) -> Iterator[tuple[Quote, object]]:
        for symbol in symbols:
            try:
                answer = self.aggregator.quote(symbol)
            except ProviderError as exc:
                log.warning("no quote for %s: %s", symbol, exc)
                continue
            except Exception as exc:  # noqa: BLE001 - NoPrice and friends: try again next cycle
                log.warning("no quote for %s: %s", symbol, exc)
                continue
            if answer.stale or answer.held is not None:
                continue  # nothing new, or a spike waiting for the next poll to confirm it
            if answer.confirmed is not None:
                yield answer.confirmed, None  # the held quote first: the market was there
            yield answer.value, None


class SimulatedFeed:
    """The seeded sim, resuming each symbol from its last known price (the shared cache, then
    the last stored bar) so a restart does not jump back to the seed's start price and fill
    stops and orders on the way; a symbol with nothing known starts at the sim's own price."""

    kind = "sim"

    def __init__(self, symbols: list[str], seed: int, *, progress=None):
        from .bars import backfill_history
        from .providers.sim import SimFeed

        backfill_history(
            symbols,
            end=datetime.now(UTC),
            count=settings.SIM_HISTORY_BARS,
            seed=seed,
            progress=progress or _history_progress(len(symbols)),
        )
        starts = {}
        for symbol in symbols:
            instrument = get_instrument(symbol)
            last = last_known_quote(instrument.symbol)
            if last is not None:
                starts[instrument.symbol] = instrument.price(last.mid)
        self.sim = SimFeed(symbols, seed=seed, start_prices=starts)

    def quotes(self, symbols: list[str], now: datetime) -> Iterator[tuple[Quote, object]]:
        for quote in self.sim.step(now):
            if quote.symbol in symbols:
                yield quote, None


def _history_progress(total: int):
    """Prints one line per symbol that got history: the backfill takes a few seconds each."""
    done = 0

    def report(symbol: str, written: int) -> None:
        nonlocal done
        done += 1
        if written:
            print(f"sim history: {symbol} {written:,} bars ({done}/{total})", flush=True)

    return report


def sim_symbols() -> list[str]:
    """What the sim quotes: `SIM_PAIRS`, or every symbol of the registry."""
    return [get_instrument(s).symbol for s in settings.SIM_PAIRS] or list(REGISTRY)


class PriceWorker:
    def __init__(
        self,
        symbols: list[str],
        *,
        feed,
        interval: float = 5.0,
        engine: PaperTradingEngine | None = None,
        broadcast: bool = True,
        lock_ttl: float | None = None,
        build_bars: bool = True,
    ):
        self.symbols = [get_instrument(s).symbol for s in symbols]
        self.feed = feed
        self.interval = interval
        self.engine = engine or PaperTradingEngine()
        self.broadcast = broadcast
        self.build_bars = build_bars  # off for replay: the stored bars are the source
        self.owner = worker_identity()
        self.lock_ttl = lock_ttl or settings.WORKER_LOCK_TTL
        self.lock = symbol_lock(self.owner, ttl=self.lock_ttl)
        self.owned: list[str] = []
        self._owned_guard = threading.Lock()  # claim() and the heartbeat both change `owned`
        self.waiting_since: dict[str, float] = {}  # symbol -> when this worker began to wait
        self.waiting_logged: dict[str, float] = {}
        self.builders = {s: BarBuilder() for s in self.symbols}
        self.coarser: dict[str, list[str]] = {}  # stored intervals above 1m, per symbol
        self.coalescer = Coalescer(rates={"bar:": BAR_EVENTS_PER_SECOND})
        self.stopping = threading.Event()
        self.last_snapshot = 0.0
        self.ticks = 0
        self.errors = 0

    # ---- the loop ------------------------------------------------------------------------
    def run(self, *, cycles: int | None = None) -> None:
        log.info(
            "price worker %s: %s feed for %s every %.1fs",
            self.owner,
            self.feed.kind,
            ",".join(self.symbols),
            self.interval,
        )
        beating = threading.Event()
        heartbeat = threading.Thread(
            target=self._heartbeat, args=(beating,), name="price-worker-heartbeat", daemon=True
        )
        heartbeat.start()
        done = 0
        try:
            while not self.stopping.is_set():
                started = time.monotonic()
                self.cycle()
                done += 1
                if cycles is not None and done >= cycles:
                    break
                self._pause(started)
        finally:
            beating.set()
            heartbeat.join(timeout=self.lock_ttl)
            self.release()

    def _pause(self, started: float) -> None:
        """Wait out the interval; while a symbol is held elsewhere, try its lock every fifth of
        the lease, so a dead holder's symbol is taken over soon after its lease runs out."""
        retry = self.lock_ttl / 5
        while not self.stopping.is_set():
            left = self.interval - (time.monotonic() - started)
            if left <= 0:
                return
            if len(self.owned) == len(self.symbols):
                self.stopping.wait(left)
                return
            self.stopping.wait(min(left, retry))
            before = len(self.owned)
            self._guarded(self.claim, "claiming symbols")
            if len(self.owned) > before:
                return  # a symbol was taken over: process it now

    def _heartbeat(self, stop: threading.Event) -> None:
        """Renew the owned symbols' leases every third of the lease, however long a cycle takes;
        the thread dies with the process, and the leases with it."""
        try:
            while not stop.wait(self.lock_ttl / 3):
                owned = list(self.owned)
                if not owned:
                    continue
                try:
                    kept = self.lock.renew(owned)
                except Exception as exc:  # noqa: BLE001 - the next beat or claim() tries again
                    log.warning("worker %s could not renew its locks: %s", self.owner, exc)
                    continue
                lost = set(owned) - kept
                if lost:
                    log.warning("worker %s lost the lock on %s", self.owner, ",".join(sorted(lost)))
                    with self._owned_guard:
                        self.owned = [s for s in self.owned if s not in lost]
        finally:
            connection.close()  # this thread's database connection (LeaseLock)

    def cycle(self) -> None:
        """Claim symbols, process one round of quotes, then the periodic chores."""
        self._guarded(self._round, "the worker cycle")

    def _round(self) -> None:
        self.claim()
        if self.owned:
            self.tick_all(self.feed.quotes(self.owned, timezone.now()))
        self.flush_events()
        self.chores()

    def _guarded(self, step, what: str) -> None:
        """Run `step`; a failure is counted and logged, never raised: the worker must not die on
        one bad cycle or claim. A database error also drops the connections for a fresh start."""
        try:
            step()
        except DatabaseError as exc:
            self.errors += 1
            log.error("database error in %s (retrying): %s", what, exc)
            connections.close_all()
        except Exception:  # noqa: BLE001
            self.errors += 1
            log.exception("%s failed", what)
        finally:
            if not connection.in_atomic_block:  # (tests run the worker inside their transaction)
                close_old_connections()

    def claim(self) -> None:
        with self._owned_guard:
            owned = []
            for symbol in self.symbols:
                try:
                    if self.lock.acquire(symbol):
                        owned.append(symbol)
                except Exception as exc:  # noqa: BLE001 - a lock store hiccup: keep what we had
                    log.warning("lock check for %s failed: %s", symbol, exc)
                    if symbol in self.owned:
                        owned.append(symbol)
            for symbol in set(owned) - set(self.owned):
                waited = self.waiting_since.pop(symbol, None)
                self.waiting_logged.pop(symbol, None)
                if waited is None:
                    log.info("worker %s now processes %s", self.owner, symbol)
                else:
                    log.info(
                        "worker %s now processes %s (after waiting %.1f s for its lock)",
                        self.owner,
                        symbol,
                        time.monotonic() - waited,
                    )
            self.owned = owned
        self._log_waiting([s for s in self.symbols if s not in owned])
        if owned:
            cache.set_many(
                {HEARTBEAT.format(symbol=s): self.owner for s in owned}, max(15.0, self.interval * 3)
            )

    def _log_waiting(self, waiting: list[str]) -> None:
        """Say who holds each symbol we wait for, when we start waiting and every lease after."""
        now = time.monotonic()
        for symbol in waiting:
            since = self.waiting_since.setdefault(symbol, now)
            if now - self.waiting_logged.get(symbol, -1e9) < self.lock_ttl:
                continue
            self.waiting_logged[symbol] = now
            try:
                holder = self.lock.holder(symbol)
            except Exception:  # noqa: BLE001 - only for the message
                holder = None
            who, left = holder if holder is not None else ("nobody", 0.0)
            log.info(
                "worker %s waiting for the %s lock held by %s (%.1f s so far, lease ends in %.1f s)",
                self.owner,
                symbol,
                who,
                now - since,
                left,
            )

    def tick_all(self, ticks) -> None:
        for quote, bar in ticks:
            if self.stopping.is_set():
                break
            self.tick(quote, bar)

    def tick(self, quote: Quote, bar=None) -> None:
        """One quote through `apply`; an error in it is logged and the worker goes on."""
        try:
            self.apply(quote, bar)
        except DatabaseError:
            raise  # the cycle handler logs it and reconnects; the tick is re-evaluated next time
        except Exception:  # noqa: BLE001
            self.errors += 1
            log.exception("tick %s %s/%s failed", quote.symbol, quote.bid, quote.ask)

    def apply(self, quote: Quote, bar=None) -> TickResult:
        """A coalesced price event, the engine's tick path, the forming 1m bar and its event.

        The price goes out first, so a client hears the quote before the fills it caused
        (those are published when the engine's transaction commits).
        """
        announce = None
        if self.broadcast:
            self.send(self.coalescer.offer(quote.symbol, price_event(quote)))

            def announce():  # a price that fills something is never held back
                self.send(self.coalescer.release(quote.symbol))

        result = self.engine.process_quote(quote, bar=bar, on_trigger=announce)
        self.ticks += 1
        if self.build_bars:
            builder = self.builders[quote.symbol]
            closed = builder.add(quote.bid, quote.time, TICK)
            if closed is not None:
                self.store_bar(quote.symbol, closed, quote.source)
            if self.broadcast:
                self.send(
                    self.coalescer.offer(f"bar:{quote.symbol}", bar_event(quote.symbol, builder.current))
                )
        return result

    def store_bar(self, symbol: str, bar, source: str) -> None:
        """The closed minute as a 1m row, folded into the coarser intervals stored on their own."""
        from .bars import roll_into_stored, stored_intervals, upsert_bars

        try:
            upsert_bars(symbol, "1m", [bar], source)
            if symbol not in self.coarser:
                self.coarser[symbol] = stored_intervals(symbol)
            roll_into_stored(symbol, bar, source, self.coarser[symbol])
        except DatabaseError as exc:
            log.error("could not store the %s 1m bar at %s: %s", symbol, bar.time, exc)

    def send(self, event: dict | None) -> None:
        if event is None:
            return
        try:
            events.get_broadcaster().publish(event)
        except Exception as exc:  # noqa: BLE001 - a broken channel layer must not stop prices
            log.warning("broadcast of %s failed: %s", event.get("type"), exc)

    def flush_events(self) -> None:
        if self.broadcast:
            for event in self.coalescer.due():
                self.send(event)

    def chores(self) -> None:
        if not self.owned:
            return
        self.engine.expire_orders()
        now = time.monotonic()
        if now - self.last_snapshot >= SNAPSHOT_EVERY:
            self.engine.snapshot_equity()
            self.last_snapshot = now

    # ---- stopping ------------------------------------------------------------------------
    def stop(self) -> None:
        self.stopping.set()

    def release(self) -> None:
        with self._owned_guard:
            for symbol in self.owned:
                try:
                    self.lock.release(symbol)
                except Exception as exc:  # noqa: BLE001
                    log.warning("could not release %s: %s", symbol, exc)
            self.owned = []


def make_feed(kind: str, symbols: list[str]):
    if kind == "sim":
        return SimulatedFeed(symbols, seed=settings.SIM_SEED)
    if kind == "live":
        return LiveFeed()
    raise ValueError(f"feed {kind!r} is not polled by the worker loop")


def start_embedded_worker() -> threading.Thread | None:
    """The run command's worker thread (docs/market-data.md, Feeds): live when a provider answers,
    else sim."""
    kind = settings.FEED
    symbols = sim_symbols() if kind == "sim" else list(settings.PRICE_WORKER_PAIRS)
    if kind == "manual":
        # No quotes to poll, but the chores still fall due without ticks: DAY/GTD orders expire
        # at their time and equity snapshots feed the equity curve.
        log.info("FEED=manual: prices come from POST /api/paper-trading/price/ticks/")
        return _start(PriceWorker(symbols, feed=IdleFeed(), interval=CHORES_EVERY))
    if kind == "live":
        from .data_aggregator import DataAggregator

        answered = DataAggregator().probe(symbols[:2])
        if not answered:
            print(
                "No live market-data provider answered: running on simulated prices (FEED=sim).", flush=True
            )
            kind = "sim"
            settings.FEED = "sim"
            symbols = sim_symbols()
    if kind == "replay":
        print(
            "FEED=replay runs with `manage.py run_price_worker --feed replay`; the web process uses sim.",
            flush=True,
        )
        kind = "sim"
        symbols = sim_symbols()
    return _start(PriceWorker(symbols, feed=make_feed(kind, symbols), interval=1.0 if kind == "sim" else 5.0))


def _start(worker: PriceWorker) -> threading.Thread:
    thread = threading.Thread(target=worker.run, name="price-worker", daemon=True)
    thread.worker = worker
    thread.start()
    return thread


class IdleFeed:
    """FEED=manual: prices arrive through the API; the worker only runs the chores."""

    kind = "manual"

    def quotes(self, symbols, now):
        return iter(())


class ReplayWorkerFeed:
    """Stored bars walked as ticks (docs/market-data.md, Feeds), symbol after symbol, within one cycle."""

    kind = "replay"

    def __init__(self, symbols, timeframe, start, end, speed):
        from .bars import interval_for
        from .providers.replay import ReplayFeed

        interval = interval_for(timeframe)
        self.feeds = {s: ReplayFeed(s, interval, start=start, end=end, speed=speed) for s in symbols}

    def quotes(self, symbols, now):
        for symbol in symbols:
            yield from self.feeds[symbol]
