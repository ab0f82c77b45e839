"""`python manage.py benchmark engine|api|replay|ws|signals [--json]`: rerunnable speed figures
(docs/performance.md)."""

import json
import sys
from io import StringIO

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Run a benchmark and print a table (or one JSON object with --json)."

    def add_arguments(self, parser):
        parser.add_argument("name", choices=["engine", "api", "replay", "ws", "signals"])
        parser.add_argument("--json", action="store_true", help="print one JSON object of the figures")
        parser.add_argument("--ticks", type=int, default=200_000, help="engine: quiet ticks to time")
        parser.add_argument("--open-trades", type=int, default=10_000)
        parser.add_argument("--pending", type=int, default=2_000)
        parser.add_argument("--clients", type=int, default=16, help="api: concurrent clients")
        parser.add_argument("--orders", type=int, default=3_000, help="api: market orders in total")
        parser.add_argument(
            "--alerts", type=int, default=3_000, help="signals: webhook alerts (and as many orders) in total"
        )
        parser.add_argument(
            "--rounds", type=int, default=4, help="signals: turns of orders and alerts, taken in turn"
        )
        parser.add_argument(
            "--warmup", type=int, default=10, help="api: unmeasured orders per client before the clock starts"
        )
        parser.add_argument(
            "--servers", type=int, default=2, help="api: daphne processes to spread clients on"
        )
        parser.add_argument(
            "--floor",
            choices=["bare", "django"],
            default=None,
            help="api: the same load against a server that answers at once (bare ASGI, or Django's "
            "middleware chain and one trivial view): the per-request floor",
        )
        parser.add_argument(
            "--in-process",
            action="store_true",
            help="api: drive the ASGI application in this process (no sockets): the server's and "
            "the database's cost per order, steadier, and the run to profile",
        )
        parser.add_argument(
            "--file", default=None, help="replay: bars file (default ../shared/data/EURUSD_H4.csv)"
        )
        parser.add_argument(
            "--replay-trades", type=int, default=1000, help="replay: positions + pending orders"
        )
        parser.add_argument("--ws-clients", type=int, default=500, help="ws: sockets with Redis")
        parser.add_argument("--embedded-clients", type=int, default=200, help="ws: sockets, embedded")
        parser.add_argument("--seconds", type=float, default=60.0, help="ws: how long ticks are driven")
        parser.add_argument("--rate", type=int, default=10, help="ws: ticks per second per symbol")
        parser.add_argument(
            "--together",
            action="store_true",
            help="ws: every symbol ticks at the same instant (default: spread over the period)",
        )
        parser.add_argument(
            "--socket-processes", type=int, default=1, help="ws: server processes holding the sockets (Redis)"
        )
        parser.add_argument(
            "--modes", default="pubsub,core,embedded", help="ws: comma list of pubsub, core, embedded"
        )

    def handle(self, *args, name, **opts):
        progress = None if opts["json"] else self._progress
        # Every benchmark writes to this configuration's database (its server processes share
        # DATABASE_URL): a fresh one gets its tables first, quietly.
        call_command("migrate", interactive=False, verbosity=0, stdout=StringIO())
        if name == "engine":
            from paper_trading.benchmarks import engine

            figures = engine.run(
                open_trades=opts["open_trades"],
                pending=opts["pending"],
                ticks=opts["ticks"],
                progress=progress,
            )
        elif name == "api" and opts["in_process"]:
            from paper_trading.benchmarks import inprocess

            figures = inprocess.run(clients=opts["clients"], orders=opts["orders"], warmup=opts["warmup"])
        elif name == "api":
            from paper_trading.benchmarks import api

            figures = api.run(
                clients=opts["clients"],
                orders=opts["orders"],
                servers=opts["servers"],
                floor=opts["floor"],
                warmup=opts["warmup"],
                progress=progress,
            )
        elif name == "replay":
            from paper_trading.benchmarks import replay

            figures = replay.run(file=opts["file"], trades=opts["replay_trades"], progress=progress)
        elif name == "ws":
            from paper_trading.benchmarks import ws

            modes = [m for m in opts["modes"].split(",") if m]
            if not set(modes) <= set(ws.MODES):
                raise CommandError(f"--modes takes {', '.join(ws.MODES)}")
            figures = ws.run(
                modes=modes,
                clients=opts["ws_clients"],
                embedded_clients=opts["embedded_clients"],
                seconds=opts["seconds"],
                rate=opts["rate"],
                socket_processes=opts["socket_processes"],
                stagger=not opts["together"],
                progress=progress,
            )
        elif name == "signals":
            from paper_trading.benchmarks import signals

            figures = signals.run(
                senders=opts["clients"],
                alerts=opts["alerts"],
                servers=opts["servers"],
                rounds=opts["rounds"],
                progress=progress,
            )
        else:  # pragma: no cover - argparse refuses other names
            raise CommandError(name)
        if opts["json"]:
            self.stdout.write(json.dumps(figures))
            return
        width = max(len(k) for k in figures)
        self.stdout.write(f"\nbenchmark {name}")
        self.stdout.write("-" * (width + 20))
        for key, value in figures.items():
            self.stdout.write(f"{key:<{width}}  {value:>16}")

    def _progress(self, done, total):
        sys.stderr.write(f"\r  setting up {done}/{total}")
        sys.stderr.flush()
