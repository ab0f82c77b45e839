"""The embedded price worker: a thread inside the web process that feeds the tick path.

The run command's default (CONTRACT §2). The market-data issue replaces the feed with the
provider chain and the `run_price_worker` command; the tick path stays `process_tick`.
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from .engine import PaperTradingEngine
from .providers.sim import SimFeed

log = logging.getLogger(__name__)


class EmbeddedWorker(threading.Thread):
    def __init__(self, symbols, *, interval: float = 1.0, seed: int = 42):
        super().__init__(name="price-worker", daemon=True)
        self.symbols = symbols
        self.interval = interval
        self.feed = SimFeed(symbols, seed=seed)
        self.stopping = threading.Event()

    def run(self) -> None:
        engine = PaperTradingEngine()
        log.info("price worker: simulated feed for %s every %.1fs", ",".join(self.symbols), self.interval)
        while not self.stopping.is_set():
            for quote in self.feed.step(timezone.now()):
                try:
                    engine.process_tick(quote.symbol, quote.bid, quote.ask, quote.time, source=quote.source)
                except Exception:  # noqa: BLE001 - one bad tick must not stop the feed
                    log.exception("tick %s failed", quote.symbol)
            try:
                engine.expire_orders()
            except Exception:  # noqa: BLE001
                log.exception("expiring orders failed")
            close_old_connections()
            self.stopping.wait(self.interval)

    def stop(self) -> None:
        self.stopping.set()


def start_embedded_worker() -> EmbeddedWorker | None:
    """Start the in-process worker unless the feed is manual (prices come from the API then)."""
    if settings.FEED == "manual":
        log.info("FEED=manual: prices come from POST /api/paper-trading/price/ticks/")
        return None
    if settings.FEED == "live":
        print("No live market-data provider is configured yet: running on simulated prices (FEED=sim).")
    worker = EmbeddedWorker(settings.PRICE_WORKER_PAIRS, seed=settings.SIM_SEED)
    worker.start()
    return worker
