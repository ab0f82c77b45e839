"""Per-process fan-out of market events: one channel-layer subscription per symbol per server
process, however many sockets in that process watch the symbol.

Prices are the loud part of the stream (10 per second per symbol to every watcher). Delivered
the plain Channels way, each message would wake every consumer's own channel receive, create a
task, dispatch and encode JSON once per socket; here the process receives each price once and
writes the same encoded frame to each local socket. Private events (trades, accounts) keep the
per-user groups: they are rare, and the group is what keeps them private.
"""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from collections import defaultdict
from typing import Protocol

from channels.layers import get_channel_layer

from . import realtime

log = logging.getLogger(__name__)
RETRY_SECONDS = (0.1, 0.5, 1.0, 2.0)


class Watcher(Protocol):
    async def market_event(self, message: dict) -> None: ...


class SymbolHub:
    def __init__(self):
        self.layer = get_channel_layer()
        self.members: dict[str, set[Watcher]] = defaultdict(set)
        self.channel: str | None = None
        self.task: asyncio.Task | None = None
        self.lock = asyncio.Lock()
        self.delivered = 0

    async def join(self, symbol: str, watcher: Watcher) -> None:
        async with self.lock:
            if self.channel is None:
                self.channel = await self.layer.new_channel()  # the core layer reads one key per process
                self.task = asyncio.get_running_loop().create_task(self._run(self.channel))
            if not self.members[symbol]:
                await self.layer.group_add(realtime.group_name("symbol", symbol), self.channel)
            self.members[symbol].add(watcher)

    async def leave(self, symbol: str, watcher: Watcher) -> None:
        async with self.lock:
            watchers = self.members.get(symbol)
            if not watchers or watcher not in watchers:
                return
            watchers.discard(watcher)
            if not watchers:
                del self.members[symbol]
                try:
                    await self.layer.group_discard(realtime.group_name("symbol", symbol), self.channel)
                except Exception as exc:  # noqa: BLE001 - Redis down: the group expires on its own
                    log.warning("could not leave %s: %s", symbol, exc)
            if not self.members and self.task is not None:
                self.task.cancel()
                self.task, self.channel = None, None

    async def _run(self, channel: str) -> None:
        failures = 0
        while True:
            try:
                message = await self.layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - Redis restarting: wait, then rejoin
                delay = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
                failures += 1
                if failures == 1:
                    log.warning("price fan-out lost the channel layer (%s); retrying", exc)
                await asyncio.sleep(delay)
                await self._rejoin(channel)
                continue
            if failures:
                log.info("price fan-out is receiving again")
                failures = 0
            await self.deliver(message)

    async def _rejoin(self, channel: str) -> None:
        """A restarted Redis has forgotten the groups (core layer); join them again."""
        for symbol in list(self.members):
            try:
                await self.layer.group_add(realtime.group_name("symbol", symbol), channel)
            except Exception:  # noqa: BLE001 - still down; the next round tries again
                return

    async def deliver(self, message: dict) -> None:
        if message["type"] == realtime.BATCH:  # a price and the bar it formed, say
            for event in realtime.unbatched(message):
                await self.deliver(event)
            return
        if "text" not in message:  # encoded once for every socket of this process
            message["text"] = json.dumps(message["payload"], separators=(",", ":"))
        for watcher in list(self.members.get(message.get("symbol"), ())):
            try:
                await watcher.market_event(message)
                self.delivered += 1
            except Exception as exc:  # noqa: BLE001 - one closing socket must not stop the rest
                log.debug("market event to a socket failed: %s", exc)


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, SymbolHub] = weakref.WeakKeyDictionary()


def hub() -> SymbolHub:
    """This event loop's hub (one per server process; tests run one loop per test)."""
    loop = asyncio.get_running_loop()
    found = _hubs.get(loop)
    if found is None:
        found = _hubs[loop] = SymbolHub()
    return found
