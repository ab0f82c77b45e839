"""Fixtures for bar import, stored-bar selectors, the ohlc endpoint and the replay feed.

Bar files are generated per test in tmp_path; nothing reads ../shared/data except the optional
integration test.
"""

from datetime import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from paper_trading.bars import upsert_bars
from paper_trading.domain.bars import Bar


@pytest.fixture
def bar_file(tmp_path):
    """Write `lines` (a list of rows, each a string) to a file and return its path."""

    def write(lines, name="bars.csv", encoding="utf-8"):
        path = tmp_path / name
        path.write_text("\n".join(lines) + "\n", encoding=encoding)
        return path

    return write


@pytest.fixture
def import_bars(db):
    """Run the command as a user would; returns (stdout, stderr)."""

    def run(path, *args, symbol="EURUSD", timeframe="H4"):
        out, err = StringIO(), StringIO()
        call_command(
            "import_bars",
            "--file",
            str(path),
            "--symbol",
            symbol,
            "--timeframe",
            timeframe,
            "--no-progress",
            *args,
            stdout=out,
            stderr=err,
        )
        return out.getvalue(), err.getvalue()

    return run


def bar(time: str, o, h, low, c, volume="0") -> Bar:
    return Bar(
        datetime.fromisoformat(time), Decimal(o), Decimal(h), Decimal(low), Decimal(c), Decimal(volume)
    )


@pytest.fixture
def store(db):
    """Upsert bars given as (ISO time with zone, open, high, low, close[, volume]) tuples."""

    def put(symbol, interval, rows, source="test"):
        return upsert_bars(symbol, interval, [bar(*row) for row in rows], source)

    return put
