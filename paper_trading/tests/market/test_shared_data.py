"""Optional integration check: the real MT5 export in ../shared/data, when this checkout has it.

A fresh clone has no such folder; the test then skips with the reason.
"""

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from paper_trading.bars import load_bars
from paper_trading.models import PriceCache

EURUSD_H4 = Path(settings.BASE_DIR).parent / "shared" / "data" / "EURUSD_H4.csv"


@pytest.mark.skipif(not EURUSD_H4.exists(), reason=f"{EURUSD_H4} is not present (only on the dev machine)")
def test_import_of_the_shared_eurusd_h4_export(import_bars):
    out, err = import_bars(EURUSD_H4, timeframe="H4")
    assert "read 40112, created 40112, updated 0, unchanged 0, rejected 0" in out
    assert "line " not in err
    assert PriceCache.objects.filter(symbol="EURUSD", interval="4h").count() == 40112
    first = PriceCache.objects.filter(symbol="EURUSD", interval="4h").earliest("time")
    assert (first.time, first.open, first.high, first.low, first.close) == (
        datetime(2000, 1, 3, tzinfo=UTC),
        Decimal("1.0073"),
        Decimal("1.019"),
        Decimal("1.0073"),
        Decimal("1.0175"),
    )
    weeks, source = load_bars("EURUSD", "1w", 10)
    assert source == "import" and len(weeks) == 10
    assert all(w.time.weekday() == 0 and w.low <= min(w.open, w.close) for w in weeks)
    out, _ = import_bars(EURUSD_H4, timeframe="H4")
    assert "created 0, updated 0, unchanged 40112" in out
