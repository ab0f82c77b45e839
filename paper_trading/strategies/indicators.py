"""Indicators over bars, oldest first (docs/strategies.md, Indicators). Pure and exact: Decimal
in, Decimal out, one value per bar, None until the indicator has enough bars.

- SMA(n): the mean of the last n closes.
- EMA(n): seeded with the SMA of the first n closes, then close x k + previous x (1 - k), k = 2 / (n + 1).
- RSI(n): Wilder's: the first average gain and loss are the means of the first n changes, then
  avg = (avg x (n - 1) + this change) / n; RSI = 100 - 100 / (1 + avg gain / avg loss), 100 with
  no loss (and 50 with neither).
- ATR(n): Wilder's average of the true range max(high - low, |high - previous close|, |low -
  previous close|); the first bar's true range is high - low; the first ATR is the mean of the
  first n true ranges.

The chart computes the same in the browser (frontend/src/features/chart/indicators.ts) and is
checked against these values (frontend/src/lib/indicator-vectors.json).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

ZERO = Decimal(0)
HUNDRED = Decimal(100)
PLACES = Decimal("1e-10")  # values are served at 10 decimal places, as bars are stored
KINDS = ("sma", "ema", "rsi", "atr")
MAX_PERIOD = 500


class BarLike(Protocol):
    high: Decimal
    low: Decimal
    close: Decimal


Series = list[Decimal | None]


def sma(closes: Sequence[Decimal], period: int) -> Series:
    out: Series = [None] * len(closes)
    total = ZERO
    for i, close in enumerate(closes):
        total += close
        if i >= period:
            total -= closes[i - period]
        if i >= period - 1:
            out[i] = total / period
    return out


def ema(closes: Sequence[Decimal], period: int) -> Series:
    out: Series = [None] * len(closes)
    if len(closes) < period:
        return out
    k = Decimal(2) / (period + 1)
    value = sum(closes[:period], ZERO) / period
    out[period - 1] = value
    for i in range(period, len(closes)):
        value = closes[i] * k + value * (1 - k)
        out[i] = value
    return out


def rsi(closes: Sequence[Decimal], period: int) -> Series:
    out: Series = [None] * len(closes)
    if len(closes) <= period:
        return out
    changes = [closes[i] - closes[i - 1] for i in range(1, len(closes))]
    gain = sum((c for c in changes[:period] if c > 0), ZERO) / period
    loss = sum((-c for c in changes[:period] if c < 0), ZERO) / period
    out[period] = _rsi(gain, loss)
    for i in range(period, len(changes)):
        change = changes[i]
        gain = (gain * (period - 1) + max(change, ZERO)) / period
        loss = (loss * (period - 1) + max(-change, ZERO)) / period
        out[i + 1] = _rsi(gain, loss)
    return out


def _rsi(gain: Decimal, loss: Decimal) -> Decimal:
    if loss == 0:
        return HUNDRED if gain > 0 else Decimal(50)
    return HUNDRED - HUNDRED / (1 + gain / loss)


def true_ranges(bars: Sequence[BarLike]) -> list[Decimal]:
    out = []
    for i, bar in enumerate(bars):
        if i == 0:
            out.append(bar.high - bar.low)
        else:
            previous = bars[i - 1].close
            out.append(max(bar.high - bar.low, abs(bar.high - previous), abs(bar.low - previous)))
    return out


def atr(bars: Sequence[BarLike], period: int) -> Series:
    ranges = true_ranges(bars)
    out: Series = [None] * len(bars)
    if len(bars) < period:
        return out
    value = sum(ranges[:period], ZERO) / period
    out[period - 1] = value
    for i in range(period, len(bars)):
        value = (value * (period - 1) + ranges[i]) / period
        out[i] = value
    return out


def compute(kind: str, bars: Sequence[BarLike], period: int) -> Series:
    """`kind` (one of KINDS) over `bars`, each value at 10 decimal places."""
    if kind not in KINDS:
        raise ValueError(f"Unknown indicator {kind!r}; use one of {', '.join(KINDS)}.")
    if not 1 <= period <= MAX_PERIOD:
        raise ValueError(f"The period must be 1..{MAX_PERIOD}.")
    closes = [b.close for b in bars]
    values = (
        {"sma": sma, "ema": ema, "rsi": rsi}[kind](closes, period) if kind != "atr" else atr(bars, period)
    )
    return [None if v is None else v.quantize(PLACES) for v in values]


def warmup(kind: str, period: int) -> int:
    """Bars before the first shown one that a page computes from: SMA needs period - 1; the
    smoothed ones (EMA, RSI, ATR) carry all history, so they take ten periods, after which what
    the seed still weighs is below 1e-4 (Wilder's 1/n: (1 - 1/n)^(10n) < e^-10; EMA's 2/(n+1)
    less still)."""
    return period - 1 if kind == "sma" else 10 * period
