"""The spike hold: a quote that jumps far from the last accepted one waits for the next quote to
confirm it (docs/market-data.md, "Held quotes").

A quote is held when its mid moved from the last accepted mid by more than both the asset
class's floor (relative) and `multiplier` x the median absolute mid move of the last `window`
accepted quotes (the floor alone while fewer than `min_moves` moves are known). The next quote
confirms it when it stays within half of that jump of the held quote: then the held quote and
the confirming one are applied, in that order. Otherwise the held quote is dropped and the next
one is judged against the last accepted quote as if the held one never came.

Pure: the worker, the manual feed and a backtest share it; where the history is kept is the
caller's choice (`HistoryStore`).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from statistics import median
from typing import Protocol

from .instruments import get_instrument
from .quotes import Quote

D = Decimal


@dataclass(frozen=True, slots=True)
class HoldRule:
    floors: Mapping[str, Decimal]  # asset class -> smallest relative mid move that may be held
    multiplier: Decimal = D(10)
    window: int = 20  # accepted moves the median is taken over
    min_moves: int = 5  # fewer known moves: the floor alone decides
    default_floor: Decimal = D("0.02")

    def floor(self, asset_class: str) -> Decimal:
        return self.floors.get(asset_class, self.default_floor)


@dataclass(frozen=True, slots=True)
class History:
    """What the rule remembers of one symbol."""

    last: Quote | None = None  # the last accepted quote
    moves: tuple[Decimal, ...] = ()  # |mid_i - mid_(i-1)| of the recent accepted quotes, oldest first
    held: Quote | None = None  # a quote waiting for confirmation


@dataclass(frozen=True, slots=True)
class Verdict:
    """What to do with one incoming quote."""

    apply: tuple[Quote, ...]  # the quotes to process, in order (empty while holding)
    held: Quote | None = None  # this quote, held back
    dropped: Quote | None = None  # an earlier held quote this one did not confirm
    confirmed: Quote | None = None  # an earlier held quote this one confirmed (first in `apply`)
    last: Quote | None = None  # the last accepted quote the move was measured from
    move: Decimal | None = None  # the held quote's relative mid move from `last`

    @property
    def is_held(self) -> bool:
        return self.held is not None


def _remember(history: History, quote: Quote, window: int) -> History:
    moves = history.moves
    if history.last is not None:
        moves = (*moves, abs(quote.mid - history.last.mid))[-window:]
    return History(last=quote, moves=moves, held=None)


def is_spike(history: History, quote: Quote, rule: HoldRule) -> Decimal | None:
    """The relative move when `quote` is a spike against the accepted history, else None."""
    last = history.last
    if last is None or last.mid <= 0:
        return None
    jump = abs(quote.mid - last.mid)
    move = jump / last.mid
    if move <= rule.floor(get_instrument(quote.symbol).asset_class):
        return None
    if len(history.moves) >= rule.min_moves and jump <= rule.multiplier * median(history.moves):
        return None
    return move


def judge(history: History, quote: Quote, rule: HoldRule) -> tuple[History, Verdict]:
    """The verdict on `quote` and the history after it."""
    held = history.held
    dropped = None
    if held is not None:
        jump = abs(held.mid - history.last.mid)
        if abs(quote.mid - held.mid) <= jump / 2:
            after = _remember(_remember(history, held, rule.window), quote, rule.window)
            return after, Verdict(apply=(held, quote), confirmed=held, last=history.last)
        dropped = held
        history = replace(history, held=None)
    move = is_spike(history, quote, rule)
    if move is not None:
        return replace(history, held=quote), Verdict(
            apply=(), held=quote, dropped=dropped, last=history.last, move=move
        )
    return _remember(history, quote, rule.window), Verdict(apply=(quote,), dropped=dropped)


class HistoryStore(Protocol):
    def load(self, symbol: str) -> History: ...

    def save(self, symbol: str, history: History) -> None: ...


@dataclass
class MemoryHistory:
    """Histories in this process's memory (one worker, a backtest)."""

    histories: dict[str, History] = field(default_factory=dict)

    def load(self, symbol: str) -> History:
        return self.histories.get(symbol, History())

    def save(self, symbol: str, history: History) -> None:
        self.histories[symbol] = history


class QuoteGuard:
    """Judges each quote of a stream against its symbol's history (one judgement at a time)."""

    def __init__(self, rule: HoldRule, store: HistoryStore | None = None):
        self.rule = rule
        self.store = store if store is not None else MemoryHistory()
        self._lock = threading.Lock()

    def judge(self, quote: Quote) -> Verdict:
        with self._lock:
            history, verdict = judge(self.store.load(quote.symbol), quote, self.rule)
            self.store.save(quote.symbol, history)
            return verdict
