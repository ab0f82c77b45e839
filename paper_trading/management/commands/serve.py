"""Serve the dashboard, API and WebSockets with daphne, with the embedded price worker."""

import asyncio

from django.conf import settings
from django.core.management.base import BaseCommand


def _server_class():
    """daphne's Server whose requests leave POST bodies to Django (`fast_path.formless_server_class`),
    and whose HTTP factory formats no access-log line.

    Twisted's HTTP factory formats a combined-log line for every request and hands it to Twisted's
    logging, which daphne points at an observer that drops it (its cost: docs/performance.md). The
    factory skips that when it has no log file; it opens its default one when it starts listening,
    so it is taken away, through the factory's public `logFile`, once listening has succeeded.
    """
    from paper_trading.fast_path import formless_server_class

    class Server(formless_server_class()):
        def listen_success(self, port):
            self.http_factory.logFile = None
            super().listen_success(port)

    return Server


class Command(BaseCommand):
    help = "Serve HTTP + WebSockets on HOST:PORT (daphne) and run the embedded price worker."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-worker", action="store_true", help="do not start the embedded worker")

    def handle(self, *args, host, port, no_worker, **options):
        from daphne.endpoints import build_endpoint_description_strings

        from forex_signal.asgi import application
        from paper_trading.realtime import bind_loop
        from paper_trading.worker import start_embedded_worker

        worker = None
        if settings.EMBEDDED_WORKER and not no_worker:
            worker = start_embedded_worker()
        self.stdout.write(f"Serving on http://{host}:{port}/  (feed: {settings.FEED}; Ctrl-C stops)")
        try:
            _server_class()(
                application=application,
                endpoints=build_endpoint_description_strings(host=host, port=port),
                signal_handlers=True,
                # Called before the reactor runs: its loop is already the current one.
                ready_callable=lambda: bind_loop(asyncio.get_event_loop()),
                verbosity=0,
            ).run()
        finally:
            if worker is not None:
                worker.worker.stop()
                worker.join(timeout=10)
        self.stdout.write("stopped")
