"""Bars (OHLCV), interval arithmetic on UTC-aligned buckets, roll-ups, and the bar walk.

Pure: the worker builds 1m bars from ticks and rolls them up; `price/ohlc/` resamples 4h from
1h; the replay feed walks bars as ticks (docs/market-data.md, Feeds).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

INTERVALS: dict[str, timedelta] = {
    "1m": timedelta(minutes=1),
    "5m": timedelta(minutes=5),
    "15m": timedelta(minutes=15),
    "30m": timedelta(minutes=30),
    "1h": timedelta(hours=1),
    "4h": timedelta(hours=4),
    "1d": timedelta(days=1),
    "1w": timedelta(weeks=1),
}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MONDAY_EPOCH = datetime(1970, 1, 5, tzinfo=UTC)  # weekly bars open on Monday 00:00 UTC


@dataclass(frozen=True, slots=True)
class Bar:
    time: datetime  # the bar's open time, UTC
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal = Decimal(0)


def bucket_start(moment: datetime, interval: str) -> datetime:
    """The open time of the `interval` bucket containing `moment` (UTC-aligned)."""
    step = INTERVALS[interval]
    origin = MONDAY_EPOCH if interval == "1w" else EPOCH
    elapsed = moment.astimezone(UTC) - origin
    return origin + (elapsed // step) * step


def walk(bar: Bar) -> list[Decimal]:
    """The bar as ticks: O->L->H->C for a bullish (or flat) bar, O->H->L->C for a bearish one."""
    if bar.close >= bar.open:
        return [bar.open, bar.low, bar.high, bar.close]
    return [bar.open, bar.high, bar.low, bar.close]


def merge(bars: list[Bar], interval: str) -> list[Bar]:
    """Roll finer bars (oldest first) up into `interval` buckets."""
    out: list[Bar] = []
    for bar in bars:
        start = bucket_start(bar.time, interval)
        if out and out[-1].time == start:
            last = out[-1]
            out[-1] = Bar(
                start,
                last.open,
                max(last.high, bar.high),
                min(last.low, bar.low),
                bar.close,
                last.volume + bar.volume,
            )
        else:
            out.append(Bar(start, bar.open, bar.high, bar.low, bar.close, bar.volume))
    return out


class BarBuilder:
    """Builds the forming 1m bar of one symbol from ticks; returns a bar when a minute closes."""

    def __init__(self):
        self.current: Bar | None = None

    def add(self, price: Decimal, time: datetime, volume: Decimal = Decimal(0)) -> Bar | None:
        start = bucket_start(time, "1m")
        bar = self.current
        if bar is None or start > bar.time:
            self.current = Bar(start, price, price, price, price, volume)
            return bar  # the minute that just closed (None on the first tick)
        if start < bar.time:
            return None  # a late tick for a closed minute is ignored
        self.current = Bar(
            bar.time, bar.open, max(bar.high, price), min(bar.low, price), price, bar.volume + volume
        )
        return None
