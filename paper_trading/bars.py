"""Stored bars: the idempotent upsert into PriceCache, the selectors that serve them (rolling up
from a finer stored interval when the requested one is not stored), and the bar-file reader
behind `import_bars` (MT5 exports and a generic CSV, docs/market-data.md, Importing bars).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction

from .domain.bars import INTERVALS, Bar, bucket_start, merge
from .models import PriceCache

BATCH_SIZE = 2000
NO_SOURCE = "none"
SIM_HISTORY_SOURCE = "sim"  # the backfill is the sim's own past: its bars say so like its ticks
STORED_PLACES = Decimal("1e-10")  # PriceCache prices keep 10 decimal places
VOLUME_PLACES = Decimal("1e-4")
MAX_PRICE = Decimal("1e12")
ROLLUP_PAGE = (500, 50_000)  # finer rows read per query when rolling up: at least, at most

#: MT5 timeframe names and the intervals themselves -> interval.
TIMEFRAMES = {
    "M1": "1m",
    "M5": "5m",
    "M15": "15m",
    "M30": "30m",
    "H1": "1h",
    "H4": "4h",
    "D1": "1d",
    "W1": "1w",
    **{i: i for i in INTERVALS},
}
FORMATS = ("auto", "mt5", "generic")


def interval_for(timeframe: str) -> str:
    """`H4` / `4h` -> `4h`; ValueError for anything else."""
    key = timeframe.strip()
    interval = TIMEFRAMES.get(key.upper()) or TIMEFRAMES.get(key.lower())
    if interval is None:
        raise ValueError(f"Unknown timeframe {timeframe!r}; use one of {', '.join(TIMEFRAMES)}.")
    return interval


# -- writing -------------------------------------------------------------------------------------


def _row_values(bar: Bar) -> tuple:
    """The row values as the database keeps them, so a re-import compares equal."""
    return (
        bar.open.quantize(STORED_PLACES),
        bar.high.quantize(STORED_PLACES),
        bar.low.quantize(STORED_PLACES),
        bar.close.quantize(STORED_PLACES),
        bar.volume.quantize(VOLUME_PLACES),
    )


def _price_row(symbol: str, interval: str, moment: datetime, values: tuple, source: str) -> PriceCache:
    """A PriceCache row from `_row_values` (open, high, low, close, volume)."""
    open_, high, low, close, volume = values
    return PriceCache(
        symbol=symbol,
        interval=interval,
        time=moment,
        open=open_,
        high=high,
        low=low,
        close=close,
        volume=volume,
        source=source,
    )


def upsert_bars(symbol: str, interval: str, bars: Iterable[Bar], source: str) -> tuple[int, int]:
    """Insert or update bars on (symbol, interval, time); returns (created, updated).

    Rows whose values and source are already stored are left alone (neither count): importing
    the same bars twice writes nothing. Within one call the last bar for a time wins.
    """
    if interval not in INTERVALS:
        raise ValueError(f"Unknown interval {interval!r}.")
    latest: dict[datetime, Bar] = {}
    for bar in bars:
        latest[bar.time.astimezone(UTC)] = bar
    created = updated = 0
    items = sorted(latest.items())
    for start in range(0, len(items), BATCH_SIZE):
        chunk = items[start : start + BATCH_SIZE]
        c, u = _upsert_chunk(symbol, interval, chunk, source)
        created += c
        updated += u
    return created, updated


def _upsert_chunk(symbol: str, interval: str, chunk: list[tuple[datetime, Bar]], source: str):
    with transaction.atomic():
        existing = {
            row[0]: row[1:]
            for row in PriceCache.objects.filter(
                symbol=symbol, interval=interval, time__in=[t for t, _ in chunk]
            ).values_list("time", "open", "high", "low", "close", "volume", "source")
        }
        rows, created = [], 0
        for moment, bar in chunk:
            values = _row_values(bar)
            old = existing.get(moment)
            if old is not None and tuple(old[:5]) == values and old[5] == source:
                continue
            created += old is None
            rows.append(_price_row(symbol, interval, moment, values, source))
        if rows:
            # A true upsert: a row another process inserted meanwhile is updated, not a conflict.
            PriceCache.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["symbol", "interval", "time"],
                update_fields=["open", "high", "low", "close", "volume", "source", "updated_at"],
            )
    return created, len(rows) - created


def roll_into_stored(symbol: str, bar: Bar, source: str, intervals: Iterable[str]) -> None:
    """Fold a closed 1m bar into the forming bar of each coarser stored interval (`intervals`):
    those are served from their own rows, not rolled up from 1m, so a live minute must reach them.
    The caller passes each minute once (a second pass would count its volume twice)."""
    for interval in intervals:
        start = bucket_start(bar.time, interval)
        with transaction.atomic():
            row = (
                PriceCache.objects.select_for_update()
                .filter(symbol=symbol, interval=interval, time=start)
                .first()
            )
            if row is None:  # the bucket's first minute: a new row (an upsert, should one appear meanwhile)
                upsert_bars(
                    symbol, interval, [Bar(start, bar.open, bar.high, bar.low, bar.close, bar.volume)], source
                )
                continue
            stored = _bar((row.time, row.open, row.high, row.low, row.close, row.volume))
            row.open, row.high, row.low, row.close, row.volume = _row_values(
                merge([stored, bar], interval)[0]
            )
            row.source = source
            row.save(update_fields=["open", "high", "low", "close", "volume", "source", "updated_at"])


def stored_intervals(symbol: str) -> list[str]:
    """The intervals other than 1m with rows of their own for `symbol`, finest first."""
    return [i for i in INTERVALS if i != "1m" and _stored(symbol, i)]


def backfill_history(
    symbols: Iterable[str],
    *,
    end: datetime,
    count: int,
    seed: int,
    progress=None,
) -> dict[str, int]:
    """Store the sim's synthetic history (docs/market-data.md, Sim history) for each symbol that
    has no stored bars at all: imported or recorded history is never mixed with made-up bars.
    Returns the bars written per symbol (0: already had history); `progress(symbol, written)`
    is called after each symbol."""
    from .domain.history import synthetic_history
    from .domain.instruments import get_instrument

    written: dict[str, int] = {}
    for symbol in symbols:
        instrument = get_instrument(symbol)
        if count < 1 or PriceCache.objects.filter(symbol=instrument.symbol, interval__in=INTERVALS).exists():
            written[instrument.symbol] = 0
        else:
            series = synthetic_history(
                instrument, end=end, end_price=instrument.start_price, count=count, seed=seed
            )
            rows = [
                _price_row(instrument.symbol, interval, bar.time, _row_values(bar), SIM_HISTORY_SOURCE)
                for interval, bars in series.items()
                for bar in bars
            ]
            with transaction.atomic():
                PriceCache.objects.bulk_create(rows, batch_size=BATCH_SIZE, ignore_conflicts=True)
            written[instrument.symbol] = len(rows)
        if progress is not None:
            progress(instrument.symbol, written[instrument.symbol])
    return written


# -- reading -------------------------------------------------------------------------------------


def _stored(symbol: str, interval: str) -> bool:
    return PriceCache.objects.filter(symbol=symbol, interval=interval).exists()


def source_interval(symbol: str, interval: str) -> str | None:
    """The stored interval `interval` is served from: itself when stored, else the coarsest stored
    finer interval whose length divides it (4h from 1h rather than 1m; 1w from 1d), or None.

    Every bucket is anchored on the UNIX epoch (weeks on Monday 00:00 UTC), so a dividing interval's
    buckets nest exactly inside the requested ones. The coarsest such source reads the fewest rows.
    One indexed existence check per candidate, coarsest first.
    """
    step = INTERVALS[interval]
    candidates = [i for i, size in INTERVALS.items() if size <= step and step % size == timedelta(0)]
    for candidate in sorted(candidates, key=INTERVALS.__getitem__, reverse=True):
        if _stored(symbol, candidate):
            return candidate
    return None


def _bar(row) -> Bar:
    return Bar(row[0], row[1], row[2], row[3], row[4], row[5])


FIELDS = ("time", "open", "high", "low", "close", "volume")


def load_bars(
    symbol: str, interval: str, limit: int, *, before: datetime | None = None
) -> tuple[list[Bar], str]:
    """The latest `limit` bars of `interval` that open before `before` (all when None), oldest
    first, and their source (`"none"` when nothing is stored). A rolled-up last bar may still be
    forming (e.g. a 4h bar with two 1h bars in it)."""
    if interval not in INTERVALS:
        raise ValueError(f"Unknown interval {interval!r}.")
    source_iv = source_interval(symbol, interval)
    if source_iv is None or limit < 1:
        return [], NO_SOURCE
    rows = PriceCache.objects.filter(symbol=symbol, interval=source_iv)
    source = rows.order_by("-time").values_list("source", flat=True).first() or NO_SOURCE
    if before is not None:
        rows = rows.filter(time__lt=_first_bucket_from(before, interval))
    if source_iv == interval:
        bars = [_bar(r) for r in rows.order_by("-time").values_list(*FIELDS)[:limit]]
        bars.reverse()
        return bars, source
    # Read finer bars newest first until one bucket more than asked for begins, so the oldest
    # bucket served is complete; gaps (weekends, holidays) make a fixed time window unreliable.
    ratio = INTERVALS[interval] // INTERVALS[source_iv]
    page = min(max((limit + 1) * ratio, ROLLUP_PAGE[0]), ROLLUP_PAGE[1])
    newest_first: list[Bar] = []
    buckets = 0
    current = None
    cursor = None
    while True:
        query = rows if cursor is None else rows.filter(time__lt=cursor)
        chunk = [_bar(r) for r in query.order_by("-time").values_list(*FIELDS)[:page]]
        full = False
        for bar in chunk:
            start = bucket_start(bar.time, interval)
            if start != current:
                if buckets == limit:
                    full = True
                    break
                buckets += 1
                current = start
            newest_first.append(bar)
        if full or len(chunk) < page:
            break
        cursor = chunk[-1].time
    newest_first.reverse()
    return merge(newest_first, interval), source


def _first_bucket_from(moment: datetime, interval: str) -> datetime:
    """The first `interval` bucket that opens at or after `moment`: every bar before it opens
    before `moment`, and a rolled-up bucket is never cut."""
    start = bucket_start(moment, interval)
    return start if start == moment else start + INTERVALS[interval]


def older_bars_exist(symbol: str, interval: str, oldest: datetime) -> bool:
    """Whether anything is stored for `interval` (or the finer interval it is rolled up from)
    before the bar that opens at `oldest`: the next page of `price/ohlc/` would not be empty."""
    source_iv = source_interval(symbol, interval)
    if source_iv is None:
        return False
    return PriceCache.objects.filter(symbol=symbol, interval=source_iv, time__lt=oldest).exists()


def iter_bars(
    symbol: str,
    interval: str,
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    page: int = BATCH_SIZE,
) -> Iterator[Bar]:
    """Stored bars of `interval` with start <= time <= end, oldest first, rolled up like `load_bars`.

    Pages by time (no open cursor), so the caller may write to the database between bars.
    """
    if interval not in INTERVALS:
        raise ValueError(f"Unknown interval {interval!r}.")
    source_iv = source_interval(symbol, interval)
    if source_iv is None:
        return
    rows = PriceCache.objects.filter(symbol=symbol, interval=source_iv)
    rolled = source_iv != interval
    if start is not None:
        rows = rows.filter(time__gte=bucket_start(start, interval) if rolled else start)
    if end is not None:
        # A rolled-up bar that opens by `end` is served whole, not cut at `end`.
        rows = (
            rows.filter(time__lt=bucket_start(end, interval) + INTERVALS[interval])
            if rolled
            else rows.filter(time__lte=end)
        )
    group: list[Bar] = []
    cursor = None
    while True:
        query = rows if cursor is None else rows.filter(time__gt=cursor)
        chunk = [_bar(r) for r in query.order_by("time").values_list(*FIELDS)[:page]]
        for bar in chunk:
            if not rolled:
                yield bar
            elif group and bucket_start(bar.time, interval) != bucket_start(group[0].time, interval):
                yield from _rolled(group, interval, start, end)
                group = [bar]
            else:
                group.append(bar)
        if len(chunk) < page:
            break
        cursor = chunk[-1].time
    if group:
        yield from _rolled(group, interval, start, end)


def _rolled(group: list[Bar], interval: str, start: datetime | None, end: datetime | None) -> list[Bar]:
    return [
        b
        for b in merge(group, interval)
        if (start is None or b.time >= start) and (end is None or b.time <= end)
    ]


# -- bar files -----------------------------------------------------------------------------------


class BarFileError(Exception):
    """The file cannot be read as bars at all (missing, unreadable, unknown layout)."""


@dataclass
class RowError:
    line: int
    message: str


@dataclass
class ImportSummary:
    symbol: str
    interval: str
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    misaligned: int = 0  # bars whose time is not on a UTC `interval` boundary (a server-time file?)

    @property
    def rejected(self) -> int:
        return len(self.errors)

    def line(self) -> str:
        return (
            f"{self.symbol} {self.interval}: read {self.read}, created {self.created}, "
            f"updated {self.updated}, unchanged {self.unchanged}, rejected {self.rejected}"
        )


# Header names (lower case, without MT5's <>) -> role.
_ROLES = {
    "id": "id",
    "date": "date",
    "day": "date",
    "timestamp": "date",  # an MT5 CSV's `timestamp` is the date; alone it is a full timestamp
    "time": "time",
    "datetime": "time",
    "open": "open",
    "high": "high",
    "low": "low",
    "close": "close",
    "volume": "volume",
    "vol": "volume",
    "tickvol": "tickvol",
    "tick_volume": "tickvol",
    "real_volume": "volume",
    "spread": "spread",
}


@dataclass(frozen=True)
class Layout:
    """Where each value sits in a row; `date` is None when `time` holds the full timestamp."""

    kind: str  # "mt5" (date and time-of-day columns) or "generic" (one timestamp column)
    delimiter: str
    has_header: bool
    time: int
    open: int
    high: int
    low: int
    close: int
    date: int | None = None
    volume: int | None = None
    tickvol: int | None = None

    @property
    def width(self) -> int:
        return 1 + max(
            i for i in (self.time, self.date, self.open, self.high, self.low, self.close) if i is not None
        )


def _delimiter(line: str) -> str:
    if "\t" in line:
        return "\t"
    if ";" in line and "," not in line:
        return ";"
    return ","


def detect_layout(first_line: str, fmt: str = "auto") -> Layout:
    """The layout of a bar file from its first line: a header (MT5's `<DATE>\\t<TIME>...`, MT5 CSV
    `[id,]timestamp,time,open,...`, generic `time,open,high,low,close[,volume]`) or, without one,
    the MT5 positional layouts `[id,]date,time,open,high,low,close[,...]`."""
    if fmt not in FORMATS:
        raise BarFileError(f"Unknown format {fmt!r}; use one of {', '.join(FORMATS)}.")
    delimiter = _delimiter(first_line)
    raw = [c.strip() for c in first_line.strip().split(delimiter)]
    cells = [c.strip("<>").strip().lower() for c in raw]
    if any(_ROLES.get(c) in ("open", "close") for c in cells):
        # MT5's terminal export brackets its names (`<DATE>\t<OPEN>...`, no <TIME> on D1).
        layout = _header_layout(cells, delimiter, bracketed=any(c.startswith("<") for c in raw))
    else:
        layout = _positional_layout(cells, delimiter)
    if fmt != "auto" and layout.kind != fmt:
        raise BarFileError(
            f"The file looks like the {layout.kind} format (first line {first_line.strip()[:80]!r}), "
            f"not {fmt}."
        )
    return layout


def _header_layout(cells: list[str], delimiter: str, *, bracketed: bool) -> Layout:
    where: dict[str, int] = {}
    for i, cell in enumerate(cells):
        role = _ROLES.get(cell)
        if role and role not in where:
            where[role] = i
    missing = [r for r in ("open", "high", "low", "close") if r not in where]
    if missing:
        raise BarFileError(f"The header has no {', '.join(missing)} column.")
    if "date" in where and "time" in where:
        kind, time_col, date_col = "mt5", where["time"], where["date"]
    elif "date" in where or "time" in where:
        kind, time_col, date_col = "generic", where.get("time", where.get("date")), None
    else:
        raise BarFileError("The header has no time column.")
    if bracketed:
        kind = "mt5"
    return Layout(
        kind=kind,
        delimiter=delimiter,
        has_header=True,
        time=time_col,
        date=date_col,
        open=where["open"],
        high=where["high"],
        low=where["low"],
        close=where["close"],
        volume=where.get("volume"),
        tickvol=where.get("tickvol"),
    )


def _looks_like_clock(text: str) -> bool:
    parts = text.split(":")
    return len(parts) in (2, 3) and all(p.isdigit() for p in parts)


def _positional_layout(cells: list[str], delimiter: str) -> Layout:
    # [id,] date, time, open, high, low, close [, volume [, spread]]  (MT5 / MT4 history exports)
    offset = 1 if len(cells) > 2 and cells[0].isdigit() and _looks_like_clock(cells[2]) else 0
    if len(cells) >= offset + 6 and _looks_like_clock(cells[offset + 1]):
        o = offset
        return Layout(
            kind="mt5",
            delimiter=delimiter,
            has_header=False,
            date=o,
            time=o + 1,
            open=o + 2,
            high=o + 3,
            low=o + 4,
            close=o + 5,
            volume=o + 6 if len(cells) > o + 6 else None,
        )
    # time, open, high, low, close [, volume]  (generic without a header)
    if len(cells) >= 5:
        return Layout(
            kind="generic",
            delimiter=delimiter,
            has_header=False,
            time=0,
            open=1,
            high=2,
            low=3,
            close=4,
            volume=5 if len(cells) > 5 else None,
        )
    raise BarFileError(f"Cannot tell the layout of the first line {delimiter.join(cells)[:80]!r}.")


def _parse_date(text: str) -> date:
    text = text.strip()
    if len(text) == 8 and text.isdigit():  # 20240102
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    return date.fromisoformat(text.replace(".", "-").replace("/", "-"))


def _parse_clock(text: str) -> time:
    return time.fromisoformat(text.strip())


def _parse_timestamp(text: str) -> datetime:
    """ISO 8601 (with or without zone), `2024.01.02 00:00`, or UNIX seconds (milliseconds above 1e11)."""
    text = text.strip()
    if text.replace(".", "", 1).isdigit():
        number = float(text)
        if number > 1e11:
            number /= 1000
        return datetime.fromtimestamp(number, UTC)
    if len(text) >= 10 and text[4] in "./" and text[7] in "./":
        text = f"{text[:4]}-{text[5:7]}-{text[8:10]}{text[10:]}"
    return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))


def _price(text: str, name: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"{name} {text.strip()[:20]!r} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"{name} {text.strip()[:20]!r} is not a finite number")
    if value <= 0:
        raise ValueError(f"{name} {value} is not positive")
    if value >= MAX_PRICE:
        raise ValueError(f"{name} {value} is out of range")
    return value


def _volume(text: str) -> Decimal:
    text = text.strip()
    if not text:
        return Decimal(0)
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"volume {text[:20]!r} is not a number") from None
    if not value.is_finite() or value < 0 or value >= MAX_PRICE:
        raise ValueError(f"volume {text[:20]!r} is not a non-negative number")
    return value


class BarParser:
    """Turns rows of one layout into UTC bars. Naive times are in `tz`; aware ones keep their offset.

    In a zone with daylight saving, a repeated local hour (the autumn change) is told apart by
    order: a time that would not come after the previous row is read as the second occurrence.
    """

    def __init__(self, layout: Layout, tz: tzinfo = UTC):
        self.layout = layout
        self.tz = tz
        self.previous: datetime | None = None

    def moment(self, cells: list[str]) -> datetime:
        lay = self.layout
        if lay.date is not None:
            local = datetime.combine(_parse_date(cells[lay.date]), _parse_clock(cells[lay.time]))
        else:
            local = _parse_timestamp(cells[lay.time])
        if local.tzinfo is not None:
            return local.astimezone(UTC)
        moment = local.replace(tzinfo=self.tz).astimezone(UTC)
        if self.previous is not None and moment <= self.previous:
            second = local.replace(tzinfo=self.tz, fold=1).astimezone(UTC)
            if second > self.previous:
                moment = second
        return moment

    def bar(self, cells: list[str]) -> Bar:
        lay = self.layout
        if len(cells) < lay.width:
            raise ValueError(f"expected at least {lay.width} columns, found {len(cells)}")
        try:
            moment = self.moment(cells)
        except (ValueError, OverflowError, OSError, IndexError) as exc:
            raise ValueError(f"bad time ({exc})") from None
        o = _price(cells[lay.open], "open")
        h = _price(cells[lay.high], "high")
        low = _price(cells[lay.low], "low")
        c = _price(cells[lay.close], "close")
        if h < max(o, c):
            raise ValueError(f"high {h} is below max(open, close) {max(o, c)}")
        if low > min(o, c):
            raise ValueError(f"low {low} is above min(open, close) {min(o, c)}")
        volume = Decimal(0)
        if lay.volume is not None and lay.volume < len(cells):
            volume = _volume(cells[lay.volume])
        if not volume and lay.tickvol is not None and lay.tickvol < len(cells):
            volume = _volume(cells[lay.tickvol])  # FX has no real volume: tick volume stands in
        self.previous = moment
        return Bar(moment, o, h, low, c, volume)


def _open_text(path: Path) -> io.TextIOBase:
    """MT5 writes UTF-16 from some export dialogs and UTF-8 (maybe with a BOM) from others."""
    with open(path, "rb") as raw:
        head = raw.read(4)
    encoding = "utf-16" if head[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    return open(path, encoding=encoding, newline="")


def count_lines(path: Path) -> int:
    with open(path, "rb") as raw:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: raw.read(1 << 20), b""))


def read_bar_file(
    path: str | Path, *, fmt: str = "auto", tz: tzinfo = UTC
) -> Iterator[tuple[int, Bar | RowError]]:
    """(line number, bar or error) for each data row of a bar file; blank lines are skipped.

    Raises BarFileError when the file cannot be opened or its layout is not recognised.
    """
    path = Path(path)
    try:
        handle = _open_text(path)
    except OSError as exc:
        raise BarFileError(f"Cannot read {path}: {exc.strerror or exc}") from None
    with handle:
        try:
            first = handle.readline()
            while first and not first.strip():
                first = handle.readline()
        except (OSError, UnicodeDecodeError) as exc:
            raise BarFileError(f"Cannot read {path}: {exc}") from None
        if not first.strip():
            raise BarFileError(f"{path} has no bars.")
        layout = detect_layout(first, fmt)
        parser = BarParser(layout, tz)
        # Line numbers count from the file's first non-blank line (MT5 never writes blank ones).
        reader = csv.reader(
            handle if layout.has_header else _chain(first, handle), delimiter=layout.delimiter
        )
        offset = 1 if layout.has_header else 0
        seen: dict[datetime, int] = {}
        try:
            for cells in reader:
                line_no = offset + reader.line_num
                if not any(c.strip() for c in cells):
                    continue
                try:
                    bar = parser.bar(cells)
                except ValueError as exc:
                    yield line_no, RowError(line_no, str(exc))
                    continue
                if (earlier := seen.get(bar.time)) is not None:
                    message = f"duplicate time {bar.time:%Y-%m-%d %H:%M:%S} UTC (line {earlier})"
                    yield line_no, RowError(line_no, message)
                    continue
                seen[bar.time] = line_no
                yield line_no, bar
        except (UnicodeDecodeError, csv.Error) as exc:
            raise BarFileError(f"Cannot read {path} after line {offset + reader.line_num}: {exc}") from None


def _chain(first: str, rest: Iterable[str]) -> Iterator[str]:
    yield first
    yield from rest


def import_bar_file(
    path: str | Path,
    *,
    symbol: str,
    interval: str,
    fmt: str = "auto",
    tz: tzinfo = UTC,
    source: str = "import",
    batch_size: int = BATCH_SIZE,
    progress=None,
) -> ImportSummary:
    """Parse a bar file and upsert its good rows in batches; bad rows are collected with their line
    numbers and skipped. `progress(lines)` is called as lines are consumed (for a progress bar)."""
    summary = ImportSummary(symbol, interval)
    batch: list[Bar] = []
    last_line = 0

    def flush():
        created, updated = upsert_bars(symbol, interval, batch, source)
        summary.created += created
        summary.updated += updated
        summary.unchanged += len(batch) - created - updated
        batch.clear()

    for line_no, item in read_bar_file(path, fmt=fmt, tz=tz):
        summary.read += 1
        if isinstance(item, RowError):
            summary.errors.append(item)
        else:
            if bucket_start(item.time, interval) != item.time:
                summary.misaligned += 1
            batch.append(item)
            if len(batch) >= batch_size:
                flush()
        if progress is not None:
            progress(line_no - last_line)
            last_line = line_no
    if batch:
        flush()
    return summary
