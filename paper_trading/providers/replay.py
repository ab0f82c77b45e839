"""`replay`: stored bars walked as ticks (docs/market-data.md, Feeds) for the worker's `--feed replay` and for
backtests. Bars are bid prices; the ask is the bid plus the instrument's default spread.

Each bar gives four ticks, O->L->H->C when bullish (or flat) and O->H->L->C when bearish, at the
bar's open, a quarter and a half into it, and one second before it closes. Each tick carries the
bar's bid range as a `fills.Bar`, which turns on the SL-first rule when one bar spans SL and TP.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..bars import iter_bars, load_bars
from ..domain import fills
from ..domain.bars import INTERVALS, Bar, walk
from ..domain.instruments import get_instrument
from ..domain.quotes import Quote
from .base import NotCovered

SOURCE = "replay"
ONE_SECOND = timedelta(seconds=1)


def tick_times(start: datetime, duration: timedelta) -> list[datetime]:
    """Open, +1/4, +2/4 and close minus one second: four distinct moments inside the bar."""
    return [start, start + duration / 4, start + duration / 2, start + duration - ONE_SECOND]


class ReplayFeed:
    """Iterates `(Quote, fills.Bar)` ticks over the stored `interval` bars of `symbol` between
    `start` and `end` (inclusive, bar open times). `speed` N sleeps bar duration / N of real time
    between bars; 0 replays as fast as possible.

    Also a `PriceProvider`: `quote()` is the last tick replayed, `bars()` the stored bars.
    """

    name = SOURCE

    def __init__(
        self,
        symbol: str,
        interval: str,
        start: datetime | None = None,
        end: datetime | None = None,
        speed: float = 0,
        *,
        sleep: Callable[[float], None] = _time.sleep,
    ):
        if interval not in INTERVALS:
            raise ValueError(f"Unknown interval {interval!r}; use one of {', '.join(INTERVALS)}.")
        if speed < 0:
            raise ValueError("speed must be 0 (as fast as possible) or positive.")
        self.instrument = get_instrument(symbol)
        self.symbol = self.instrument.symbol
        self.symbol_map = {self.symbol: self.symbol}
        self.interval = interval
        self.start = start
        self.end = end
        self.speed = speed
        self.sleep = sleep
        self.spread = self.instrument.default_spread_pips * self.instrument.pip_size
        self.bars_replayed = 0
        self.last: Quote | None = None

    @property
    def configured(self) -> bool:
        return True

    def ticks(self, bar: Bar) -> list[tuple[Quote, fills.Bar]]:
        """The four ticks of one bar."""
        price = self.instrument.price
        span = fills.Bar(price(bar.low), price(bar.high), price(bar.open))
        return [
            (Quote(self.symbol, bid, bid + self.spread, moment, SOURCE), span)
            for bid, moment in zip(
                (price(p) for p in walk(bar)), tick_times(bar.time, INTERVALS[self.interval]), strict=True
            )
        ]

    def __iter__(self) -> Iterator[tuple[Quote, fills.Bar]]:
        pause = INTERVALS[self.interval].total_seconds() / self.speed if self.speed else 0
        for bar in iter_bars(self.symbol, self.interval, self.start, self.end):
            if pause and self.bars_replayed:
                self.sleep(pause)
            self.bars_replayed += 1
            for tick in self.ticks(bar):
                self.last = tick[0]
                yield tick

    def quote(self, symbol: str) -> Quote:
        if symbol.upper() != self.symbol or self.last is None:
            raise NotCovered(SOURCE, f"no replayed quote for {symbol}")
        return self.last

    def bars(self, symbol: str, interval: str, limit: int) -> list[Bar]:
        if symbol.upper() != self.symbol:
            raise NotCovered(SOURCE, f"replaying {self.symbol}, not {symbol}")
        return load_bars(self.symbol, interval, limit)[0]


@dataclass
class ReplayResult:
    ticks: int = 0
    triggered: list[dict] = field(default_factory=list)  # the engine's events, each with its tick time


def replay_into(engine, feed: ReplayFeed) -> ReplayResult:
    """Drive `engine.process_tick` with every tick of `feed` (the worker's tick path, SL-first on)."""
    result = ReplayResult()
    for quote, span in feed:
        tick = engine.process_tick(
            quote.symbol, quote.bid, quote.ask, quote.time, source=quote.source, bar=span
        )
        result.ticks += 1
        result.triggered.extend({**event, "time": quote.time} for event in tick.triggered)
    return result
