"""Indicator test vectors for the dashboard: bars and the values `indicators.compute` gives,
which the chart's browser implementation is checked against (frontend/src/features/chart/
indicators.test.ts). `python manage.py write_test_vectors` writes them with the money vectors;
a test fails when the committed file is stale."""

import json
import math
from dataclasses import dataclass
from decimal import Decimal

from . import indicators

CASES = (("sma", 5), ("ema", 5), ("ema", 20), ("rsi", 14), ("atr", 14))


@dataclass(frozen=True)
class _Bar:
    high: Decimal
    low: Decimal
    close: Decimal


def bars() -> list[_Bar]:
    """80 bars of a wave with gaps, at five decimal places (a pair's prices)."""
    out, close = [], 1.1
    for i in range(80):
        open_ = close + (0.0004 if i % 17 == 0 else 0.0)  # a gap now and then
        close = 1.1 + 0.003 * math.sin(i / 6) + 0.0007 * math.cos(i * 1.3)
        high = max(open_, close) + 0.0002 + 0.0001 * (i % 3)
        low = min(open_, close) - 0.0002 - 0.0001 * (i % 4)
        out.append(_Bar(Decimal(f"{high:.5f}"), Decimal(f"{low:.5f}"), Decimal(f"{close:.5f}")))
    return out


def indicator_vectors() -> dict:
    series = bars()
    return {
        "bars": [{"high": str(b.high), "low": str(b.low), "close": str(b.close)} for b in series],
        "cases": [
            {
                "kind": kind,
                "period": period,
                "values": [None if v is None else str(v) for v in indicators.compute(kind, series, period)],
            }
            for kind, period in CASES
        ],
    }


def render() -> str:
    return json.dumps(indicator_vectors(), indent=1) + "\n"
