"""Synthetic bar history for the sim feed (docs/market-data.md, Sim history).

`synthetic_history` builds `count` bars of every interval that end where the live sim begins:
the last 1m bar closes at the sim's start price just before `end`. The finest interval is
generated first; each coarser interval is its finer neighbour rolled up (so a 4h bar is exactly
its 1h bars) and extended further back by bars of its own size. Every bar opens at the previous
bar's close, as a feed without gaps would show. The walk runs backwards in time and reverts
slowly to the start price, so a century of weekly bars stays within a plausible range.

Deterministic: the same instrument, end, price and seed give the same bars. Pure: no Django.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from decimal import Decimal

from .bars import INTERVALS, Bar, bucket_start, merge
from .instruments import Instrument
from .sessions import market_closed

SECONDS_PER_YEAR = 365.25 * 24 * 3600
# Annualized volatility and how far (log-price standard deviation) the walk may wander from its
# start over decades, by asset class.
VOLATILITY = {"fx": 0.08, "metal": 0.16, "crypto": 0.60, "index": 0.18, "equity": 0.30}
WANDER = {"fx": 0.25, "metal": 0.35, "crypto": 0.80, "index": 0.40, "equity": 0.50}
TICKS_PER_MINUTE = 60  # tick volume: the sim quotes once a second
ORDER = ("1m", "5m", "15m", "30m", "1h", "4h", "1d", "1w")


def synthetic_history(
    instrument: Instrument, *, end: datetime, end_price: Decimal, count: int, seed: int
) -> dict[str, list[Bar]]:
    """`count` bars (oldest first) of each interval in `ORDER`, ending before the minute of `end`."""
    if count < 1:
        return {interval: [] for interval in ORDER}
    walk = _Walk(instrument, float(end_price), seed)
    series: dict[str, list[Bar]] = {}
    finer: list[Bar] = []
    for interval in ORDER:
        recent = merge(finer, interval) if finer else []
        if recent and recent[0].time < finer[0].time:
            recent = recent[1:]  # the oldest bucket holds only part of its finer bars
        recent = recent[-count:]
        if recent:
            before, price = recent[0].time, float(recent[0].open)
        else:
            before, price = bucket_start(end, interval), float(end_price)
        older = walk.bars_before(interval, before, price, count - len(recent))
        series[interval] = older + recent
        finer = series[interval]
    return series


class _Walk:
    """A mean-reverting log random walk, stepped backwards one bar at a time."""

    def __init__(self, instrument: Instrument, anchor: float, seed: int):
        self.instrument = instrument
        self.random = random.Random(f"{seed}:{instrument.symbol}")
        self.sigma = VOLATILITY.get(instrument.asset_class, 0.2)
        wander = WANDER.get(instrument.asset_class, 0.4)
        self.kappa = self.sigma * self.sigma / (2 * wander * wander)  # stationary spread = wander
        self.anchor = math.log(anchor)
        self.low = float(instrument.min_price) if instrument.min_price is not None else 0.0
        self.high = float(instrument.max_price) if instrument.max_price is not None else math.inf

    def bars_before(self, interval: str, before: datetime, close: float, count: int) -> list[Bar]:
        """`count` bars of `interval` that end at `before`, the last one closing at `close`."""
        step = INTERVALS[interval]
        years = step.total_seconds() / SECONDS_PER_YEAR
        move = self.sigma * math.sqrt(years)
        volume = TICKS_PER_MINUTE * step.total_seconds() / 60
        bars: list[Bar] = []
        start = before
        while len(bars) < count:
            start -= step
            if not self._open(start, step):
                continue
            log_close = math.log(close)
            log_open = log_close - move * self.random.gauss(0.0, 1.0)
            log_open -= self.kappa * years * (log_close - self.anchor)
            open_ = min(max(math.exp(log_open), self.low), self.high)
            reach = move * 0.5
            high = max(open_, close) * math.exp(abs(self.random.gauss(0.0, reach)))
            low = min(open_, close) * math.exp(-abs(self.random.gauss(0.0, reach)))
            ticks = round(volume * math.exp(self.random.gauss(0.0, 0.35)))
            bars.append(
                Bar(
                    start,
                    self._price(open_),
                    self._price(min(high, self.high)),
                    self._price(max(low, self.low)),
                    self._price(close),
                    Decimal(max(ticks, 1)),
                )
            )
            close = open_
        bars.reverse()
        return bars

    def _open(self, start: datetime, step: timedelta) -> bool:
        """A bar exists when the market is open at its first or its last minute."""
        last = start + step - timedelta(minutes=1)
        return not (market_closed(self.instrument, start) and market_closed(self.instrument, last))

    def _price(self, value: float) -> Decimal:
        return self.instrument.price(Decimal(repr(value)))
