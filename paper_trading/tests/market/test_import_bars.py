"""`import_bars` (docs/market-data.md, Importing bars): MT5 layouts and a generic CSV, idempotent
upsert, bad rows by line
number, and source time zones."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.management.base import CommandError

from paper_trading.models import PriceCache

D = Decimal
MT5_HEADER = "id,timestamp,time,open,high,low,close,volume,spread"


def utc(*args):
    return datetime(*args, tzinfo=UTC)


# Time, open, high, low and close of the 2024-01-02 bar "1.10420,1.10490,1.10380,1.10450" in the
# MT5 and MT4 files below, as stored.
JAN_2_BAR = (utc(2024, 1, 2), D("1.1042"), D("1.1049"), D("1.1038"), D("1.1045"))


def stored(symbol="EURUSD", interval="4h"):
    return [
        (r.time, r.open, r.high, r.low, r.close, r.volume, r.source)
        for r in PriceCache.objects.filter(symbol=symbol, interval=interval).order_by("time")
    ]


def test_mt5_csv_with_id_column_imports_every_row_as_utc(bar_file, import_bars):
    path = bar_file(
        [
            MT5_HEADER,
            "1,2000-01-03,00:00:00,1.0073,1.019,1.0073,1.0175,0,50",
            "2,2000-01-03,04:00:00,1.0173,1.0181,1.0154,1.0157,0,50",
            "3,2000-01-03,08:00:00,1.0154,1.0167,1.0093,1.0115,0,50",
        ]
    )
    out, err = import_bars(path)
    assert "read 3, created 3, updated 0, unchanged 0, rejected 0" in out
    assert stored() == [
        (utc(2000, 1, 3, 0), D("1.0073"), D("1.019"), D("1.0073"), D("1.0175"), D(0), "import"),
        (utc(2000, 1, 3, 4), D("1.0173"), D("1.0181"), D("1.0154"), D("1.0157"), D(0), "import"),
        (utc(2000, 1, 3, 8), D("1.0154"), D("1.0167"), D("1.0093"), D("1.0115"), D(0), "import"),
    ]
    assert "line" not in err and "warning" not in err


def test_mt5_csv_without_id_column(bar_file, import_bars):
    path = bar_file(
        [
            "timestamp,time,open,high,low,close,volume,spread",
            "2024-01-02,00:00:00,2062.50,2067.10,2058.30,2066.00,1530,25",
        ]
    )
    import_bars(path, "--format", "mt5", symbol="XAUUSD", timeframe="D1")
    assert stored("XAUUSD", "1d") == [
        (utc(2024, 1, 2), D("2062.50"), D("2067.10"), D("2058.30"), D("2066.00"), D(1530), "import")
    ]


def test_mt5_terminal_tab_export_with_dotted_dates_uses_tick_volume(bar_file, import_bars):
    path = bar_file(
        [
            "<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>",
            "2024.01.02\t00:00:00\t1.10420\t1.10490\t1.10380\t1.10450\t812\t0\t7",
            "2024.01.02\t01:00:00\t1.10450\t1.10470\t1.10300\t1.10320\t640\t0\t8",
        ]
    )
    out, _ = import_bars(path, timeframe="H1")
    assert "read 2, created 2" in out
    assert stored(interval="1h") == [
        (utc(2024, 1, 2, 0), D("1.10420"), D("1.10490"), D("1.10380"), D("1.10450"), D(812), "import"),
        (utc(2024, 1, 2, 1), D("1.10450"), D("1.10470"), D("1.10300"), D("1.10320"), D(640), "import"),
    ]


def test_mt5_tab_export_in_utf16_and_daily_without_time_column(bar_file, import_bars):
    path = bar_file(
        [
            "<DATE>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>",
            "2024.01.02\t1.10420\t1.10490\t1.10380\t1.10450\t812\t0\t7",
        ],
        encoding="utf-16",
    )
    out, _ = import_bars(path, "--format", "mt5", timeframe="D1")
    assert "created 1" in out
    assert stored(interval="1d")[0][:5] == JAN_2_BAR


def test_headerless_mt4_history_rows(bar_file, import_bars):
    path = bar_file(["2024.01.02,00:00,1.10420,1.10490,1.10380,1.10450,812"])
    import_bars(path, timeframe="1h")
    assert stored(interval="1h")[0][:6] == (*JAN_2_BAR, D(812))


def test_generic_csv_with_iso_and_unix_times(bar_file, import_bars):
    path = bar_file(
        [
            "time,open,high,low,close,volume",
            "2024-01-02T00:00:00Z,1.10420,1.10490,1.10380,1.10450,10",
            "2024-01-02 03:00:00+03:00,1.10450,1.10470,1.10300,1.10320,",  # 00:00 UTC again
            "1704154500,1.10320,1.10400,1.10310,1.10390,5.5",  # 2024-01-02 00:15:00 UTC
        ]
    )
    out, err = import_bars(path, timeframe="M15")
    # Line 3 is 03:00 at +03:00, i.e. line 2's 00:00 UTC: a duplicate, rejected by its line.
    assert "read 3, created 2, updated 0, unchanged 0, rejected 1" in out
    assert "line 3: duplicate time 2024-01-02 00:00:00 UTC (line 2)" in err
    assert [row[0] for row in stored(interval="15m")] == [utc(2024, 1, 2, 0), utc(2024, 1, 2, 0, 15)]
    assert stored(interval="15m")[1][1:6] == (D("1.1032"), D("1.104"), D("1.1031"), D("1.1039"), D("5.5"))


def test_generic_csv_without_volume_column(bar_file, import_bars):
    path = bar_file(["time,open,high,low,close", "2024-01-02T00:00,1.1,1.2,1.0,1.15"])
    import_bars(path, "--format", "generic", timeframe="1d")
    assert stored(interval="1d") == [
        (utc(2024, 1, 2), D("1.1"), D("1.2"), D("1.0"), D("1.15"), D(0), "import")
    ]


def test_reimport_of_the_same_file_changes_nothing(bar_file, import_bars):
    path = bar_file(
        [
            MT5_HEADER,
            "1,2000-01-03,00:00:00,1.0073,1.019,1.0073,1.0175,0,50",
            "2,2000-01-03,04:00:00,1.0173,1.0181,1.0154,1.0157,0,50",
        ]
    )
    import_bars(path)
    before = list(PriceCache.objects.order_by("time").values())
    out, _ = import_bars(path)
    assert "read 2, created 0, updated 0, unchanged 2, rejected 0" in out
    assert list(PriceCache.objects.order_by("time").values()) == before  # updated_at included


def test_reimport_with_a_corrected_row_updates_only_that_row(bar_file, import_bars):
    rows = [MT5_HEADER, "1,2000-01-03,00:00:00,1.0073,1.019,1.0073,1.0175,0,50"]
    import_bars(bar_file(rows))
    out, _ = import_bars(
        bar_file(
            [
                MT5_HEADER,
                "1,2000-01-03,00:00:00,1.0073,1.0195,1.0073,1.0175,0,50",  # high corrected
                "2,2000-01-03,04:00:00,1.0173,1.0181,1.0154,1.0157,0,50",  # new
            ],
            name="fixed.csv",
        )
    )
    assert "read 2, created 1, updated 1, unchanged 0, rejected 0" in out
    assert PriceCache.objects.get(time=utc(2000, 1, 3)).high == D("1.0195")


def test_bad_rows_are_reported_by_line_number_and_the_good_ones_imported(bar_file, import_bars):
    path = bar_file(
        [
            MT5_HEADER,
            "1,2024-01-02,00:00:00,1.10000,1.10100,1.09900,1.10050,0,5",  # line 2: good
            "2,2024-01-02,04:00:00,1.10050,1.10040,1.09900,1.10020,0,5",  # line 3: high < open
            "3,2024-01-02,08:00:00,1.10020,1.10100,1.10030,1.10060,0,5",  # line 4: low > open
            "4,2024-01-02,12:00:00,abc,1.10100,1.09900,1.10050,0,5",  # line 5: not a number
            "",  # line 6: blank, skipped
            "5,2024-01-02,16:00:00,-1.1,1.10100,1.09900,1.10050,0,5",  # line 7: negative
            "6,2024-13-02,20:00:00,1.10000,1.10100,1.09900,1.10050,0,5",  # line 8: month 13
            "7,2024-01-03,00:00:00,1.10000,1.10100",  # line 9: short row
            "8,2024-01-03,04:00:00,NaN,1.10100,1.09900,1.10050,0,5",  # line 10: NaN
            "9,2024-01-03,08:00:00,1.10000,1.10100,1.09900,1.10050,0,5",  # line 11: good
        ]
    )
    out, err = import_bars(path)
    assert "read 9, created 2, updated 0, unchanged 0, rejected 7" in out
    lines = [line for line in err.splitlines() if line.startswith("line ")]
    assert [line.split(":")[0] for line in lines] == [f"line {n}" for n in (3, 4, 5, 7, 8, 9, 10)]
    assert "line 3: high 1.10040 is below max(open, close) 1.10050" in err
    assert "line 4: low 1.10030 is above min(open, close) 1.10020" in err
    assert "line 5: open 'abc' is not a number" in err
    assert "line 7: open -1.1 is not positive" in err
    assert "line 8: bad time" in err
    assert "line 9: expected at least 7 columns, found 5" in err
    assert "line 10: open 'NaN' is not a finite number" in err
    assert [row[0] for row in stored()] == [utc(2024, 1, 2, 0), utc(2024, 1, 3, 8)]


def test_every_row_bad_is_an_error(bar_file, import_bars):
    path = bar_file(["time,open,high,low,close", "2024-01-02T00:00,1.1,1.0,1.2,1.15"])
    with pytest.raises(CommandError, match="Every row"):
        import_bars(path, timeframe="1d")
    assert not PriceCache.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "args", "message"),
    [
        ({"symbol": "FOOBAR"}, [], "Unknown symbol"),
        ({"timeframe": "H2"}, [], "Unknown timeframe"),
        ({}, ["--tz", "Mars/Olympus"], "Unknown time zone"),
        ({}, ["--format", "generic"], "looks like the mt5 format"),
    ],
)
def test_bad_arguments_are_command_errors(bar_file, import_bars, kwargs, args, message):
    path = bar_file([MT5_HEADER, "1,2024-01-02,00:00:00,1.1,1.2,1.0,1.15,0,5"])
    with pytest.raises(CommandError, match=message):
        import_bars(path, *args, **kwargs)


def test_missing_or_empty_file_is_an_error(tmp_path, bar_file, import_bars):
    with pytest.raises(CommandError, match="no such file"):
        import_bars(tmp_path / "nope.csv")
    with pytest.raises(CommandError, match="no bars"):
        import_bars(bar_file([""], name="empty.csv"))


def test_tz_shifts_server_times_to_utc_across_daylight_saving(bar_file, import_bars):
    # Europe/Athens is UTC+2 in winter and UTC+3 in summer, like many MT5 servers.
    path = bar_file(
        [
            MT5_HEADER,
            "1,2024-01-02,02:00:00,1.1,1.2,1.0,1.15,0,5",  # 00:00 UTC
            "2,2024-07-02,03:00:00,1.1,1.2,1.0,1.15,0,5",  # 00:00 UTC
        ]
    )
    out, _ = import_bars(path, "--tz", "Europe/Athens")
    assert "created 2" in out
    assert [row[0] for row in stored()] == [utc(2024, 1, 2, 0), utc(2024, 7, 2, 0)]


def test_tz_repeated_autumn_hour_keeps_both_bars(bar_file, import_bars):
    # 2024-10-27 in Athens: 04:00 EEST becomes 03:00 EET, so 03:00 and 03:30 happen twice.
    times = ["02:30", "03:00", "03:30", "03:00", "03:30", "04:00"]
    path = bar_file(
        [MT5_HEADER] + [f"{n},2024-10-27,{t}:00,1.1,1.2,1.0,1.15,0,5" for n, t in enumerate(times, 1)]
    )
    out, _ = import_bars(path, "--tz", "Europe/Athens", timeframe="M30")
    assert "created 6" in out
    assert [row[0] for row in stored(interval="30m")] == [
        utc(2024, 10, 26, 23, 30),
        utc(2024, 10, 27, 0, 0),
        utc(2024, 10, 27, 0, 30),
        utc(2024, 10, 27, 1, 0),
        utc(2024, 10, 27, 1, 30),
        utc(2024, 10, 27, 2, 0),
    ]


def test_bars_off_the_utc_grid_are_imported_with_a_warning(bar_file, import_bars):
    path = bar_file([MT5_HEADER, "1,2024-01-02,00:00:00,1.1,1.2,1.0,1.15,0,5"])
    _, err = import_bars(path, "--tz", "Europe/Athens")  # 22:00 UTC: not on a 4h boundary
    assert "warning: 1 bars do not open on a UTC 4h boundary" in err
    assert stored()[0][0] == utc(2024, 1, 1, 22)


def test_batches_smaller_than_the_file(bar_file, import_bars):
    rows = [f"{h},2024-01-02,{h:02d}:00:00,1.1,1.2,1.0,1.15,0,5" for h in range(24)]
    out, _ = import_bars(bar_file([MT5_HEADER, *rows]), "--batch-size", "5", timeframe="H1")
    assert "read 24, created 24" in out
    out, _ = import_bars(bar_file([MT5_HEADER, *rows]), "--batch-size", "7", timeframe="H1")
    assert "read 24, created 0, updated 0, unchanged 24" in out
