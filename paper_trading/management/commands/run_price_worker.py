"""`python manage.py run_price_worker`: the price worker as its own process (docs/market-data.md,
The price worker)."""

import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_date, parse_datetime

from paper_trading.domain.errors import DomainError
from paper_trading.domain.instruments import get_instrument
from paper_trading.engine import PaperTradingEngine
from paper_trading.worker import PriceWorker, make_feed, sim_symbols


def _moment(text: str | None, option: str):
    from datetime import UTC, datetime

    if not text:
        return None
    value = parse_datetime(text)
    if value is None and (day := parse_date(text)) is not None:
        value = datetime(day.year, day.month, day.day)
    if value is None:
        raise CommandError(f"{option} {text!r} is not a date (YYYY-MM-DD) or an ISO datetime")
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = "Poll or replay prices, process every trigger, build bars, snapshot equity, broadcast."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=5.0, help="seconds between polls (live/sim)")
        parser.add_argument(
            "--pairs",
            default=None,
            help="comma-separated symbols (default: PRICE_WORKER_PAIRS; with --feed sim, SIM_PAIRS)",
        )
        parser.add_argument("--feed", choices=["live", "sim", "replay", "manual"], default=None)
        parser.add_argument("--speed", type=float, default=0.0, help="replay: N x real time (0 = flat out)")
        parser.add_argument("--from", dest="start", default=None, help="replay: first bar (date or ISO time)")
        parser.add_argument("--to", dest="end", default=None, help="replay: last bar")
        parser.add_argument("--timeframe", default="1h", help="replay: stored interval to walk (e.g. 4h, H4)")
        parser.add_argument("--cycles", type=int, default=None, help="stop after N cycles (tests, scripts)")
        parser.add_argument("--no-broadcast", action="store_true", help="do not publish price/bar events")

    def handle(self, *args, **opts):
        feed_kind = opts["feed"] or settings.FEED
        try:
            if opts["pairs"] is not None:
                symbols = [get_instrument(s).symbol for s in opts["pairs"].split(",") if s.strip()]
            elif feed_kind == "sim":
                symbols = sim_symbols()
            else:
                symbols = [get_instrument(s).symbol for s in settings.PRICE_WORKER_PAIRS]
        except DomainError as exc:
            raise CommandError(exc.message) from None
        engine = PaperTradingEngine()
        if feed_kind == "replay":
            from paper_trading.worker import ReplayWorkerFeed

            feed = ReplayWorkerFeed(
                symbols,
                opts["timeframe"],
                _moment(opts["start"], "--from"),
                _moment(opts["end"], "--to"),
                opts["speed"],
            )
            engine = PaperTradingEngine(sync_every=0.25, publish_every=0.1)
        elif feed_kind == "manual":
            from paper_trading.worker import IdleFeed

            feed = IdleFeed()
        else:
            feed = make_feed(feed_kind, symbols)
        worker = PriceWorker(
            symbols,
            feed=feed,
            interval=opts["interval"],
            engine=engine,
            broadcast=not opts["no_broadcast"],
            build_bars=feed_kind != "replay",
        )

        def stop(signum, frame):
            self.stderr.write(f"signal {signum}: finishing the current tick")
            worker.stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        cycles = opts["cycles"] if feed_kind != "replay" else 1
        worker.run(cycles=cycles)
        self.stdout.write(f"price worker stopped: {worker.ticks} ticks, {worker.errors} errors")
