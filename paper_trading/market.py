"""The latest quote per symbol, shared by every process through the Django cache (Redis when
configured), and the process-wide trigger book the tick path uses."""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache

from .domain.book import Book
from .domain.instruments import get_instrument
from .domain.quotes import Market, Quote, QuoteBoard, quote_from_price
from .domain.spikes import History, HoldRule, QuoteGuard, Verdict
from .models import PriceCache

log = logging.getLogger(__name__)
QUOTE_KEY = "quote:{symbol}"
QUOTE_TTL = 7 * 24 * 3600
HISTORY_KEY = "quote-history:{symbol}"


def publish_quote(quote: Quote) -> None:
    """Make `quote` the current price for every process (REST reads, fills, conversions)."""
    cache.set(
        QUOTE_KEY.format(symbol=quote.symbol),
        (str(quote.bid), str(quote.ask), quote.time.isoformat(), quote.source),
        QUOTE_TTL,
    )


def _pack(quote: Quote | None):
    if quote is None:
        return None
    return (str(quote.bid), str(quote.ask), quote.time.isoformat(), quote.source)


def _unpack(symbol: str, raw) -> Quote | None:
    if raw is None:
        return None
    bid, ask, time, source = raw
    return Quote(symbol, Decimal(bid), Decimal(ask), datetime.fromisoformat(time), source)


def current_quote(symbol: str) -> Quote | None:
    return _unpack(symbol, cache.get(QUOTE_KEY.format(symbol=symbol)))


def stored_quote(symbol: str) -> Quote | None:
    """The close of the latest stored bar (PriceCache) with the instrument's default spread,
    marked `(stored)`; None when nothing is stored."""
    rows = PriceCache.objects.filter(symbol=symbol).order_by("-time")
    row = rows.values_list("close", "time", "source").first()
    if row is None:
        return None
    close, time, source = row
    return quote_from_price(get_instrument(symbol), close, time, f"{source or 'db'} (stored)")


# ---- the spike hold ---------------------------------------------------------------------------


def hold_rule() -> HoldRule:
    return HoldRule(
        floors={
            "fx": Decimal(settings.QUOTE_HOLD_FLOOR_FX),
            "metal": Decimal(settings.QUOTE_HOLD_FLOOR_METAL),
            "crypto": Decimal(settings.QUOTE_HOLD_FLOOR_CRYPTO),
        },
        multiplier=Decimal(settings.QUOTE_HOLD_MULTIPLIER),
        window=settings.QUOTE_HOLD_WINDOW,
    )


class CachedHistory:
    """Spike-hold histories in the shared cache (Redis when configured), so the worker and every
    web process that takes manual ticks judge a symbol against one history."""

    def load(self, symbol: str) -> History:
        raw = cache.get(HISTORY_KEY.format(symbol=symbol))
        if raw is None:
            return History()
        last, moves, held = raw
        return History(_unpack(symbol, last), tuple(Decimal(m) for m in moves), _unpack(symbol, held))

    def save(self, symbol: str, history: History) -> None:
        raw = (_pack(history.last), [str(m) for m in history.moves], _pack(history.held))
        cache.set(HISTORY_KEY.format(symbol=symbol), raw, QUOTE_TTL)


def judge_quote(quote: Quote, *, origin: str) -> Verdict:
    """The spike hold's verdict on `quote` (from `origin`: a provider, or "manual"), logged."""
    verdict = QuoteGuard(hold_rule(), CachedHistory()).judge(quote)
    if verdict.dropped is not None:
        log.warning(
            "%s: dropped the held %s quote %s/%s: %s/%s did not confirm it",
            origin,
            quote.symbol,
            verdict.dropped.bid,
            verdict.dropped.ask,
            quote.bid,
            quote.ask,
        )
    if verdict.held is not None:
        log.warning(
            "%s: held %s quote %s/%s (mid %s): %.2f%% from the last accepted mid %s; waiting for "
            "the next quote to confirm it",
            origin,
            quote.symbol,
            quote.bid,
            quote.ask,
            quote.mid,
            verdict.move * 100,
            verdict.last.mid,
        )
    elif verdict.confirmed is not None:
        log.warning(
            "%s: %s quote %s/%s confirmed the held %s/%s: both applied",
            origin,
            quote.symbol,
            quote.bid,
            quote.ask,
            verdict.confirmed.bid,
            verdict.confirmed.ask,
        )
    return verdict


def last_known_quote(symbol: str) -> Quote | None:
    """The market's last price for `symbol`: the shared cache, then the database, else None."""
    return current_quote(symbol) or stored_quote(symbol)


class CachedMarket(Market):
    """A `Market` over the shared quotes, memoized for the length of one operation.

    `stored`: a symbol with no cached quote falls back to its last stored bar (the tick path's
    margin and conversions; never an order's fill price, which must be a live quote)."""

    def __init__(self, overrides: dict[str, Quote] | None = None, *, stored: bool = False):
        self._quotes: dict[str, Quote | None] = dict(overrides or {})
        self._lookup = last_known_quote if stored else current_quote

    def quote(self, symbol: str) -> Quote | None:
        if symbol not in self._quotes:
            self._quotes[symbol] = self._lookup(symbol)
        return self._quotes[symbol]


def quote_snapshot(symbols, *, given: Quote | None = None, stored: bool = False) -> QuoteBoard:
    """The quotes of `symbols` as they are now, read once (the shared cache in one round trip),
    with `given` in place of its symbol's cached quote. `stored`: a symbol the cache lacks falls
    back to its last stored bar, as `CachedMarket(stored=True)` does. What has no price is left
    out, so the domain meets it as NoPrice."""
    board = QuoteBoard()
    wanted = sorted(set(symbols) - ({given.symbol} if given is not None else set()))
    keys = {QUOTE_KEY.format(symbol=s): s for s in wanted}
    cached = cache.get_many(list(keys)) if keys else {}
    for key, symbol in keys.items():
        quote = _unpack(symbol, cached.get(key))
        if quote is None and stored:
            quote = stored_quote(symbol)
        if quote is not None:
            board.update(quote)
    if given is not None:
        board.update(given)
    return board


class MarketState:
    """Per-process trigger book, synced incrementally from the database (see engine.sync_book).

    Two locks: `tick_lock` serializes ticks (held while a tick waits for account rows), and
    `_book_lock` guards the sorted lists for the instant of each change. Request threads take
    only the second, while holding an account row lock; a tick takes the second only between
    database waits. So neither ever waits for the other while holding what the other needs.
    """

    def __init__(self):
        self.book = Book()
        self.synced_at: dict[str, datetime] = {}
        self.synced_wall: dict[str, float] = {}
        self.indexed: dict[int, datetime] = {}  # trade id -> the updated_at this process indexed
        self.open_ids: set[int] = set()  # open positions the synced book knows (rollover skips when empty)
        self.next_rollover: datetime | None = None
        self.tick_lock = threading.RLock()
        self._book_lock = threading.Lock()

    def upsert(self, symbol: str, key, levels, expire_at=None) -> None:
        with self._book_lock:
            self.book.for_symbol(symbol).upsert(key, levels, expire_at)

    def remove(self, symbol: str, key) -> None:
        with self._book_lock:
            self.book.for_symbol(symbol).remove(key)

    def remove_everywhere(self, key) -> None:
        with self._book_lock:
            self.book.remove_everywhere(key)

    def triggered(self, symbol: str, bid: Decimal, ask: Decimal, time: datetime) -> set:
        with self._book_lock:
            return self.book.for_symbol(symbol).triggered(bid, ask, time)

    def reset(self) -> None:
        with self.tick_lock, self._book_lock:
            self.book.clear()
            self.synced_at.clear()
            self.synced_wall.clear()
            self.open_ids.clear()
            self.indexed.clear()
            self.next_rollover = None


STATE = MarketState()


def forget_quotes() -> None:
    """Drop every stored quote and spike-hold history (tests; never `cache.clear()`, which would
    flush a shared Redis)."""
    from .domain.instruments import REGISTRY

    cache.delete_many(
        [QUOTE_KEY.format(symbol=s) for s in REGISTRY] + [HISTORY_KEY.format(symbol=s) for s in REGISTRY]
    )


HEARTBEAT = "worker:alive:{symbol}"


def worker_running(symbol: str) -> bool:
    """Is some price worker polling `symbol` now? Then REST reads never call a provider."""
    return cache.get(HEARTBEAT.format(symbol=symbol)) is not None
