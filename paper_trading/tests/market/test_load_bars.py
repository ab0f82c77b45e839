"""Stored bars: the idempotent upsert, and `load_bars` serving and rolling up intervals."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from paper_trading.bars import iter_bars, load_bars, source_interval, upsert_bars
from paper_trading.domain.bars import Bar
from paper_trading.models import PriceCache

from .conftest import bar

D = Decimal
pytestmark = pytest.mark.django_db


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def ohlcv(b: Bar):
    return (b.time, b.open, b.high, b.low, b.close, b.volume)


ONE_MINUTE = [
    ("2024-01-02T10:00:00+00:00", "1.10000", "1.10020", "1.09990", "1.10010", "3"),
    ("2024-01-02T10:01:00+00:00", "1.10010", "1.10050", "1.10005", "1.10040", "2"),
    ("2024-01-02T10:02:00+00:00", "1.10040", "1.10045", "1.09970", "1.09980", "4"),
    ("2024-01-02T10:03:00+00:00", "1.09980", "1.10000", "1.09960", "1.09995", "1"),
    ("2024-01-02T10:04:00+00:00", "1.09995", "1.10030", "1.09990", "1.10025", "5"),
    ("2024-01-02T10:05:00+00:00", "1.10025", "1.10060", "1.10020", "1.10055", "2"),
    ("2024-01-02T10:06:00+00:00", "1.10055", "1.10080", "1.10050", "1.10070", "2"),
    ("2024-01-02T10:07:00+00:00", "1.10070", "1.10075", "1.10030", "1.10035", "1"),
    ("2024-01-02T10:08:00+00:00", "1.10035", "1.10040", "1.10010", "1.10015", "1"),
    ("2024-01-02T10:09:00+00:00", "1.10015", "1.10020", "1.09995", "1.10000", "4"),
]

ONE_HOUR = [
    ("2024-01-02T01:00:00+00:00", "1.1000", "1.1010", "1.0990", "1.1005"),
    ("2024-01-02T02:00:00+00:00", "1.1005", "1.1030", "1.1000", "1.1020"),
    ("2024-01-02T03:00:00+00:00", "1.1020", "1.1025", "1.0980", "1.0985"),
    ("2024-01-02T04:00:00+00:00", "1.0985", "1.0995", "1.0970", "1.0990"),
    ("2024-01-02T05:00:00+00:00", "1.0990", "1.1040", "1.0985", "1.1035"),
    ("2024-01-02T06:00:00+00:00", "1.1035", "1.1050", "1.1030", "1.1045"),
    ("2024-01-02T07:00:00+00:00", "1.1045", "1.1048", "1.1010", "1.1012"),
    ("2024-01-02T08:00:00+00:00", "1.1012", "1.1020", "1.1000", "1.1018"),
    ("2024-01-02T09:00:00+00:00", "1.1018", "1.1060", "1.1015", "1.1055"),
    ("2024-01-02T10:00:00+00:00", "1.1055", "1.1058", "1.1040", "1.1042"),
]

ONE_DAY = [
    ("2024-01-03T00:00:00+00:00", "1.0940", "1.0960", "1.0910", "1.0920"),  # Wednesday
    ("2024-01-04T00:00:00+00:00", "1.0920", "1.0970", "1.0915", "1.0950"),
    ("2024-01-05T00:00:00+00:00", "1.0950", "1.0990", "1.0880", "1.0940"),  # Friday
    ("2024-01-08T00:00:00+00:00", "1.0940", "1.0975", "1.0925", "1.0970"),  # Monday
    ("2024-01-09T00:00:00+00:00", "1.0970", "1.0980", "1.0930", "1.0935"),
]


def test_upsert_counts_created_updated_and_leaves_identical_rows_alone(store):
    assert store("EURUSD", "1h", ONE_HOUR[:3]) == (3, 0)
    stamp = PriceCache.objects.get(time=utc(2024, 1, 2, 1)).updated_at
    changed = [ONE_HOUR[0], ONE_HOUR[1][:2] + ("1.1031",) + ONE_HOUR[1][3:], ONE_HOUR[2], ONE_HOUR[3]]
    assert store("EURUSD", "1h", changed) == (1, 1)  # row 2 corrected, row 4 new, rows 1 and 3 as stored
    assert PriceCache.objects.get(time=utc(2024, 1, 2, 1)).updated_at == stamp
    assert PriceCache.objects.get(time=utc(2024, 1, 2, 2)).high == D("1.1031")
    assert store("EURUSD", "1h", ONE_HOUR[:4], source="other") == (0, 4)  # a new source is a change


def test_upsert_keeps_the_last_of_two_bars_with_one_time():
    first = bar("2024-01-02T01:00:00+00:00", "1.1", "1.2", "1.0", "1.1")
    second = bar("2024-01-02T01:00:00+00:00", "1.1", "1.3", "1.0", "1.2")
    assert upsert_bars("EURUSD", "1h", [first, second], "test") == (1, 0)
    assert PriceCache.objects.get().high == D("1.3")


def test_stored_interval_is_served_as_is_oldest_first_latest_limit(store):
    store("EURUSD", "1h", ONE_HOUR, source="mt5")
    bars, source = load_bars("EURUSD", "1h", 3)
    assert source == "mt5"
    assert [b.time for b in bars] == [utc(2024, 1, 2, 8), utc(2024, 1, 2, 9), utc(2024, 1, 2, 10)]
    assert ohlcv(bars[0]) == (utc(2024, 1, 2, 8), D("1.1012"), D("1.102"), D("1.1"), D("1.1018"), D(0))


def test_five_minutes_rolled_up_from_one_minute_bars(store):
    store("EURUSD", "1m", ONE_MINUTE)
    bars, _ = load_bars("EURUSD", "5m", 10)
    assert [ohlcv(b) for b in bars] == [
        (utc(2024, 1, 2, 10, 0), D("1.10000"), D("1.10050"), D("1.09960"), D("1.10025"), D(15)),
        (utc(2024, 1, 2, 10, 5), D("1.10025"), D("1.10080"), D("1.09995"), D("1.10000"), D(10)),
    ]


def test_four_hours_resampled_from_one_hour_on_utc_00_04_08(store):
    store("EURUSD", "1h", ONE_HOUR)
    bars, _ = load_bars("EURUSD", "4h", 10)
    assert [ohlcv(b)[:5] for b in bars] == [
        (utc(2024, 1, 2, 0), D("1.1000"), D("1.1030"), D("1.0980"), D("1.0985")),  # 01:00-03:00 only
        (utc(2024, 1, 2, 4), D("1.0985"), D("1.1050"), D("1.0970"), D("1.1012")),
        (utc(2024, 1, 2, 8), D("1.1012"), D("1.1060"), D("1.1000"), D("1.1042")),  # forming
    ]


def test_rolled_up_limit_serves_the_latest_buckets_complete(store):
    store("EURUSD", "1h", ONE_HOUR)
    bars, _ = load_bars("EURUSD", "4h", 2)
    assert [ohlcv(b)[:5] for b in bars] == [
        (utc(2024, 1, 2, 4), D("1.0985"), D("1.1050"), D("1.0970"), D("1.1012")),
        (utc(2024, 1, 2, 8), D("1.1012"), D("1.1060"), D("1.1000"), D("1.1042")),
    ]


def test_rolled_up_limit_pages_through_many_finer_bars(store, monkeypatch):
    monkeypatch.setattr("paper_trading.bars.ROLLUP_PAGE", (1, 7))  # 7 rows a query
    rows = [
        (f"2024-01-02T{h:02d}:{m:02d}:00+00:00", "1.1", "1.2", "1.0", "1.1", "1")
        for h in range(3)
        for m in range(60)
    ]
    store("EURUSD", "1m", rows)
    bars, _ = load_bars("EURUSD", "1h", 2)
    assert [(b.time, b.volume) for b in bars] == [(utc(2024, 1, 2, 1), D(60)), (utc(2024, 1, 2, 2), D(60))]


def test_weekly_bars_open_on_monday_utc(store):
    store("EURUSD", "1d", ONE_DAY)
    bars, _ = load_bars("EURUSD", "1w", 5)
    assert [ohlcv(b)[:5] for b in bars] == [
        (utc(2024, 1, 1), D("1.0940"), D("1.0990"), D("1.0880"), D("1.0940")),
        (utc(2024, 1, 8), D("1.0940"), D("1.0980"), D("1.0925"), D("1.0935")),
    ]
    assert all(b.time.weekday() == 0 for b in bars)


def test_roll_up_uses_the_coarsest_stored_interval_that_divides(store):
    store("EURUSD", "1m", ONE_MINUTE, source="worker")
    store("EURUSD", "1h", ONE_HOUR, source="import")
    assert source_interval("EURUSD", "4h") == "1h"
    assert source_interval("EURUSD", "30m") == "1m"  # 1h does not divide 30m
    assert load_bars("EURUSD", "4h", 1)[1] == "import"
    assert load_bars("EURUSD", "15m", 1)[1] == "worker"


def test_a_coarser_interval_is_never_relabelled_as_a_finer_one(store):
    store("EURUSD", "4h", [("2024-01-02T00:00:00+00:00", "1.1", "1.2", "1.0", "1.1")])
    assert load_bars("EURUSD", "1h", 10) == ([], "none")
    assert [b.time for b in load_bars("EURUSD", "1d", 10)[0]] == [utc(2024, 1, 2)]


def test_nothing_stored_is_empty_with_source_none(db):
    assert load_bars("EURUSD", "1h", 200) == ([], "none")


def test_iter_bars_range_rolls_up_whole_buckets(store):
    store("EURUSD", "1h", ONE_HOUR)
    bars = list(iter_bars("EURUSD", "4h", utc(2024, 1, 2, 4), utc(2024, 1, 2, 8), page=3))
    assert [ohlcv(b)[:5] for b in bars] == [
        (utc(2024, 1, 2, 4), D("1.0985"), D("1.1050"), D("1.0970"), D("1.1012")),
        (utc(2024, 1, 2, 8), D("1.1012"), D("1.1060"), D("1.1000"), D("1.1042")),
    ]
    assert [b.time for b in iter_bars("EURUSD", "1h", utc(2024, 1, 2, 9), page=1)] == [
        utc(2024, 1, 2, 9),
        utc(2024, 1, 2, 10),
    ]
