"""Per-symbol trigger index: a tick costs what it triggers, not a scan of every trade.

Each entry (a ticket, or an account's margin band) registers up to four price levels:
it must be looked at when bid <= bid_low, bid >= bid_high, ask <= ask_low or ask >= ask_high,
and optionally at a time (expiry). Levels live in sorted lists, so a quiet tick is a few
comparisons against the ends of four lists and the top of a heap.
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable
from datetime import datetime
from decimal import Decimal
from itertools import count

from sortedcontainers import SortedList

Levels = tuple[Decimal | None, Decimal | None, Decimal | None, Decimal | None]
_NONE: Levels = (None, None, None, None)
# Sorts after every (level, seq, key) entry at the same level.
_AFTER_ALL = float("inf")


class SymbolBook:
    """Trigger levels of every active ticket and margin band on one symbol."""

    __slots__ = (
        "symbol",
        "_bid_low",
        "_bid_high",
        "_ask_low",
        "_ask_high",
        "_levels",
        "_expiry",
        "_expiry_of",
        "_seq",
    )

    def __init__(self, symbol: str):
        self.symbol = symbol
        # (level, seq, key): seq keeps keys of different types from being compared.
        self._bid_low = SortedList()
        self._bid_high = SortedList()
        self._ask_low = SortedList()
        self._ask_high = SortedList()
        self._levels: dict[Hashable, tuple[Levels, int]] = {}
        self._expiry: list[tuple[datetime, int, Hashable]] = []
        self._expiry_of: dict[Hashable, datetime] = {}
        self._seq = count()

    def __len__(self) -> int:
        return len(self._levels)

    def __contains__(self, key) -> bool:
        return key in self._levels

    def keys(self):
        return self._levels.keys()

    def upsert(self, key: Hashable, levels: Levels, expire_at: datetime | None = None) -> None:
        self.remove(key)
        if levels == _NONE and expire_at is None:
            return
        seq = next(self._seq)
        self._levels[key] = (levels, seq)
        for lst, level in zip(self._lists(), levels, strict=True):
            if level is not None:
                lst.add((level, seq, key))
        if expire_at is not None:
            self._expiry_of[key] = expire_at
            heapq.heappush(self._expiry, (expire_at, seq, key))

    def remove(self, key: Hashable) -> None:
        found = self._levels.pop(key, None)
        self._expiry_of.pop(key, None)  # the heap entry goes stale and is skipped later
        if found is None:
            return
        levels, seq = found
        for lst, level in zip(self._lists(), levels, strict=True):
            if level is not None:
                lst.remove((level, seq, key))

    def triggered(self, bid: Decimal, ask: Decimal, time: datetime | None = None) -> set:
        """Keys whose levels the quote reaches (or whose expiry has passed). Entries stay in
        the book; the caller re-registers each key after acting on it."""
        hits: set = set()
        # A low level is reached when the price is at or below it, a high one at or above it.
        for low, price in ((self._bid_low, bid), (self._ask_low, ask)):
            if low and low[-1][0] >= price:
                hits.update(key for _, _, key in low.islice(low.bisect_left((price,))))
        for high, price in ((self._bid_high, bid), (self._ask_high, ask)):
            if high and high[0][0] <= price:
                hits.update(key for _, _, key in high.islice(0, high.bisect_left((price, _AFTER_ALL))))
        heap = self._expiry
        if time is not None and heap and heap[0][0] <= time:
            while heap and heap[0][0] <= time:
                expire_at, seq, key = heapq.heappop(heap)
                current = self._levels.get(key)
                if current is not None and current[1] == seq and self._expiry_of.get(key) == expire_at:
                    hits.add(key)
        return hits

    def _lists(self):
        return self._bid_low, self._bid_high, self._ask_low, self._ask_high


class Book:
    """A `SymbolBook` per symbol."""

    def __init__(self):
        self._books: dict[str, SymbolBook] = {}

    def for_symbol(self, symbol: str) -> SymbolBook:
        book = self._books.get(symbol)
        if book is None:
            book = self._books[symbol] = SymbolBook(symbol)
        return book

    def remove_everywhere(self, key: Hashable) -> None:
        for book in self._books.values():
            book.remove(key)

    def clear(self) -> None:
        self._books.clear()
