"""`import_bars`: upsert an MT5 export or a generic OHLC CSV into PriceCache (docs/market-data.md,
Importing bars).

Bad rows are reported with their line numbers and skipped; the exit code is non-zero only when
the file cannot be read or no row at all is good.
"""

from __future__ import annotations

import time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from ...bars import BATCH_SIZE, FORMATS, BarFileError, count_lines, import_bar_file, interval_for
from ...domain.errors import UnknownSymbol
from ...domain.instruments import get_instrument

SHOWN_ERRORS = 100


class _ProgressStream:
    """tqdm writes `\\r` updates; Django's OutputWrapper would append a newline to each."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def write(self, text):
        self.wrapper.write(text, ending="")

    def flush(self):
        self.wrapper.flush()


class Command(BaseCommand):
    help = "Import OHLC bars (MT5 export or generic CSV) into the price cache; idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--file", required=True, help="Path of the bar file.")
        parser.add_argument("--symbol", required=True, help="Registry symbol, e.g. EURUSD.")
        parser.add_argument("--timeframe", required=True, help="M1 M5 M15 M30 H1 H4 D1 W1 (or 1m..1w).")
        parser.add_argument("--format", default="auto", choices=FORMATS, dest="fmt")
        parser.add_argument(
            "--tz",
            default="UTC",
            help="Zone of times written without one (an IANA name, e.g. Europe/Athens for MT5 servers).",
        )
        parser.add_argument("--source", default="import", help="Source recorded on the rows.")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, file, symbol, timeframe, fmt, tz, source, batch_size, no_progress, **options):
        try:
            instrument = get_instrument(symbol)
            interval = interval_for(timeframe)
            zone = ZoneInfo(tz)
        except UnknownSymbol as exc:
            raise CommandError(exc.message) from None
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        except ZoneInfoNotFoundError:
            raise CommandError(f"Unknown time zone {tz!r}.") from None
        if not 1 <= batch_size <= 50_000:
            raise CommandError("--batch-size must be between 1 and 50000.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Cannot read {path}: no such file.")

        started = time.monotonic()
        bar = tqdm(
            total=count_lines(path),
            unit=" lines",
            file=_ProgressStream(self.stderr),
            disable=no_progress,
            desc=f"{instrument.symbol} {interval}",
        )
        try:
            summary = import_bar_file(
                path,
                symbol=instrument.symbol,
                interval=interval,
                fmt=fmt,
                tz=zone,
                source=source[:20],
                batch_size=batch_size,
                progress=bar.update,
            )
        except BarFileError as exc:
            raise CommandError(str(exc)) from None
        finally:
            bar.close()

        shown = summary.errors if options["verbosity"] >= 2 else summary.errors[:SHOWN_ERRORS]
        for error in shown:
            self.stderr.write(f"line {error.line}: {error.message}")
        if len(shown) < summary.rejected:
            self.stderr.write(
                f"... and {summary.rejected - len(shown)} more rejected rows (--verbosity 2 lists all)"
            )
        if summary.misaligned:
            hint = (
                "they are stored at their own times"
                if tz != "UTC"
                else "if the file is in broker server time, pass its zone with --tz"
            )
            self.stderr.write(
                f"warning: {summary.misaligned} bars do not open on a UTC {interval} boundary; {hint}."
            )
        self.stdout.write(f"{summary.line()} in {time.monotonic() - started:.1f}s")
        if summary.read == 0:
            raise CommandError(f"{path} has no bars.")
        if summary.rejected == summary.read:
            raise CommandError(f"Every row of {path} was rejected; nothing imported.")
