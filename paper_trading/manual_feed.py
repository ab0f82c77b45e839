"""FEED=manual in the web process: the feed behind `POST price/ticks/` (docs/market-data.md).

It drives the worker's own tick path, so a pushed tick fills, builds bars and broadcasts
exactly as a polled one.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, fields

from .domain.quotes import Quote
from .domain.ticks import TickResult
from .market import judge_quote
from .worker import IdleFeed, PriceWorker


@dataclass
class ManualTick(TickResult):
    """A pushed tick's result; `held`: the spike hold kept it back (nothing processed or sent)."""

    held: bool = False


class ManualFeed:
    """FEED=manual in the web process: ticks pushed through `POST price/ticks/` pass the spike
    hold (the same rule as provider quotes), then take the worker's own tick path (price event,
    engine, 1m bar, bar event). Events the coalescer holds back are sent by a flusher thread the
    moment their slot frees, so the last pushed price always goes out and a held price is never
    replaced by waiting too long."""

    def __init__(self):
        from .domain.instruments import REGISTRY

        self.worker = PriceWorker(sorted(REGISTRY), feed=IdleFeed(), interval=1.0)
        self.changed = threading.Condition()
        self.stopped = False
        self.flusher = threading.Thread(target=self._flush_forever, name="manual-feed-flusher", daemon=True)
        self.flusher.start()

    def push(self, quote: Quote) -> ManualTick:
        """One tick: held, or applied (after the held tick it confirmed; their triggered, applied
        and failed lists merged)."""
        with self.changed:
            try:
                verdict = judge_quote(quote, origin="manual")
                if verdict.is_held:
                    return ManualTick(quote.symbol, quote.bid, quote.ask, quote.time, held=True)
                triggered, accounts, failed = [], [], []
                for applied in verdict.apply:
                    result = self.worker.apply(applied)
                    triggered += result.triggered
                    accounts += [a for a in result.applied if a not in accounts]
                    failed += result.failed
                values = {f.name: getattr(result, f.name) for f in fields(result)}
                merged = {"triggered": triggered, "applied": accounts, "failed": failed}
                return ManualTick(**{**values, **merged})
            finally:
                self.changed.notify()

    def _flush_forever(self) -> None:
        with self.changed:
            while not self.stopped:
                self.changed.wait(timeout=self.worker.coalescer.wait())
                self.worker.flush_events()

    def stop(self) -> None:
        with self.changed:
            self.stopped = True
            self.changed.notify()


_manual_feed: ManualFeed | None = None
_manual_guard = threading.Lock()


def manual_feed() -> ManualFeed:
    """This process's manual feed (one bar builder and coalescer per symbol, shared by requests)."""
    global _manual_feed
    with _manual_guard:
        if _manual_feed is None:
            _manual_feed = ManualFeed()
        return _manual_feed


def forget_manual_feed() -> None:
    """Drop the manual feed's forming bars and held-back events (tests start from nothing)."""
    global _manual_feed
    with _manual_guard:
        if _manual_feed is not None:
            _manual_feed.stop()
        _manual_feed = None
