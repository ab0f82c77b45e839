"""The latest quote per symbol, shared by every process through the Django cache (Redis when
configured), and the process-wide trigger book the tick path uses."""

from __future__ import annotations

import threading
from datetime import datetime
from decimal import Decimal

from django.core.cache import cache

from .domain.book import Book
from .domain.quotes import Market, Quote

QUOTE_KEY = "quote:{symbol}"
QUOTE_TTL = 7 * 24 * 3600


def publish_quote(quote: Quote) -> None:
    """Make `quote` the current price for every process (REST reads, fills, conversions)."""
    cache.set(
        QUOTE_KEY.format(symbol=quote.symbol),
        (str(quote.bid), str(quote.ask), quote.time.isoformat(), quote.source),
        QUOTE_TTL,
    )


def current_quote(symbol: str) -> Quote | None:
    raw = cache.get(QUOTE_KEY.format(symbol=symbol))
    if raw is None:
        return None
    bid, ask, time, source = raw
    return Quote(symbol, Decimal(bid), Decimal(ask), datetime.fromisoformat(time), source)


def current_quotes(symbols) -> dict[str, Quote]:
    keys = {QUOTE_KEY.format(symbol=s): s for s in symbols}
    found = cache.get_many(list(keys))
    return {
        keys[k]: Quote(keys[k], Decimal(v[0]), Decimal(v[1]), datetime.fromisoformat(v[2]), v[3])
        for k, v in found.items()
    }


class CachedMarket(Market):
    """A `Market` over the shared quotes, memoized for the length of one operation."""

    def __init__(self, overrides: dict[str, Quote] | None = None):
        self._quotes: dict[str, Quote | None] = dict(overrides or {})

    def quote(self, symbol: str) -> Quote | None:
        if symbol not in self._quotes:
            self._quotes[symbol] = current_quote(symbol)
        return self._quotes[symbol]


class MarketState:
    """Per-process trigger book, synced incrementally from the database (see engine.sync_book)."""

    def __init__(self):
        self.book = Book()
        self.synced_at: dict[str, datetime] = {}
        self.next_rollover: datetime | None = None
        self.lock = threading.RLock()

    def reset(self) -> None:
        with self.lock:
            self.book.clear()
            self.synced_at.clear()
            self.next_rollover = None


STATE = MarketState()
