"""Engine events onto the channel layer: group names, message shapes, and the broadcaster.

Every event the engine or the worker publishes (see `events.py`) becomes one channel-layer
message to one group: an owner's events go to that user's private group, prices and bars to
the symbol's group. Sends happen on one event loop, one at a time and in publish order, so a
client hears `price_update`, `trade_closed`, `account_update` in the order they happened.

Which loop: in the web process, the server's own loop (bound by the `serve` command when daphne
is ready, and by every consumer on connect) — the in-memory layer only works there. In a
process without a server (`run_price_worker`) a private loop thread does the sending.

Owners' events on the Redis pub/sub layer skip the loop: the thread that committed them
publishes them itself (`fast_path.DirectPublisher`), one PUBLISH per order, as the layer would.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time

from channels.layers import InMemoryChannelLayer, get_channel_layer

from .domain.instruments import get_instrument
from .fast_path import DirectPublisher

log = logging.getLogger(__name__)

# Private events: only their owner's sockets receive them (docs/websocket.md).
USER_EVENTS = {
    "trade_execution": ("trade", "reason"),
    "trade_updated": ("trade", "reason"),
    "trade_closed": ("trade", "reason"),
    "account_update": ("account",),
    "margin_call": ("account",),
    "signal_alert": ("signal",),
    "decision": ("decision",),
}
# Market events: every socket subscribed to the symbol receives them.
SYMBOL_EVENTS = {
    "price_update": ("symbol", "bid", "ask", "mid", "time", "source"),
    "bar_update": ("symbol", "interval", "bar"),
}
# The user signed out or a token of theirs was revoked: every socket of theirs closes
# (`end_sockets_on_logout`). Not forwarded as such; the consumer sends `logged_out` and closes.
SESSION_ENDED = "session_ended"
OWNER_TYPES = frozenset(USER_EVENTS) | {SESSION_ENDED}  # to the user's group
EVENT_TYPES = OWNER_TYPES | frozenset(SYMBOL_EVENTS)
# Consecutive events for one group that are waiting together travel as one channel-layer
# message of this type (an order's trade_execution + account_update: one PUBLISH, not two).
BATCH = "event.batch"
BATCH_LIMIT = 50
_GROUP = re.compile(r"^[A-Za-z0-9._-]{1,99}$")
QUEUE_LIMIT = 10_000  # events waiting for the loop; beyond that the oldest market data is dropped


def group_name(kind: str, key) -> str:
    """The one place group names are made: `user.<id>` or `symbol.<SYMBOL>`.

    Raises ValueError for a bad user id and the registry's UnknownSymbol for a symbol it does not
    know, so a socket can never join a group nobody publishes to.
    """
    if kind == "user":
        if isinstance(key, bool) or not isinstance(key, int) or key <= 0:
            raise ValueError(f"user id must be a positive integer, not {key!r}")
        name = f"user.{key}"
    elif kind == "symbol":
        name = f"symbol.{get_instrument(key).symbol}"
    else:
        raise ValueError(f"unknown group kind {kind!r}")
    if not _GROUP.match(name):  # Channels' own rule for group names
        raise ValueError(f"invalid group name {name!r}")
    return name


def channel_message(event: dict) -> tuple[str, dict] | None:
    """(group, channel-layer message) for an engine/worker event, or None if nobody gets it.

    The message's `type` is the event type, so Channels calls the consumer method of that
    name; `payload` is exactly what the client receives.
    """
    kind = event.get("type")
    if kind == SESSION_ENDED:
        return group_name("user", event["user_id"]), {"type": kind, "user_id": event["user_id"]}
    if kind in USER_EVENTS:
        user_id = event.get("user_id")
        if user_id is None:
            log.warning("%s event without user_id dropped", kind)
            return None
        payload = {"type": kind}
        for key in USER_EVENTS[kind]:
            if event.get(key) is not None:
                payload[key] = event[key]
        return group_name("user", user_id), {"type": kind, "user_id": user_id, "payload": payload}
    if kind in SYMBOL_EVENTS:
        payload = {"type": kind, **{key: event.get(key) for key in SYMBOL_EVENTS[kind]}}
        group = group_name("symbol", event["symbol"])
        return group, {"type": kind, "symbol": payload["symbol"], "payload": payload}
    log.debug("event %s has no WebSocket audience", kind)
    return None


def batched(routed: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """Merge runs of consecutive messages to the same group into one `event.batch` message.

    Order is kept: within a group the batch lists its events in publish order, and the groups
    follow each other as they were published."""
    runs: list[tuple[str, list[dict]]] = []
    for group, message in routed:
        if runs and runs[-1][0] == group:
            runs[-1][1].append(message)
        else:
            runs.append((group, [message]))
    return [
        (group, items[0] if len(items) == 1 else {"type": BATCH, "messages": items}) for group, items in runs
    ]


def unbatched(message: dict) -> list[dict]:
    """The events a channel-layer message carries: itself, or the contents of a batch."""
    return message["messages"] if message["type"] == BATCH else [message]


def unbatched_routes(routed: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """`batched` undone: one (group, message) per event."""
    return [(group, message) for group, batch in routed for message in unbatched(batch)]


class ChannelLayerBroadcaster:
    """The engine's broadcaster (events.Broadcaster) for WebSockets.

    `publish` never blocks on the network and never raises: the event is handed to the sending
    loop, which sends in order and logs (rate-limited) what the layer refuses, e.g. while Redis
    restarts. Prices are the only thing dropped under back-pressure; the dropped count is kept.
    """

    def __init__(self, alias: str = "default"):
        self.alias = alias
        self._guard = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue | None = None
        self._own_loop: asyncio.AbstractEventLoop | None = None
        self.sent = 0
        self.failed = 0
        self.dropped = 0
        self._last_warning = 0.0
        self._direct: DirectPublisher | None = None
        self._direct_layer = None

    # ---- which loop sends ---------------------------------------------------------------
    def bind(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Send from `loop` (default: the running one) — the server's loop in the web process."""
        loop = loop or asyncio.get_running_loop()
        with self._guard:
            if loop is self._loop and not loop.is_closed():
                return
            self._loop, self._queue = loop, None
        loop.call_soon_threadsafe(self._start_pump, loop)

    def _start_pump(self, loop) -> None:
        with self._guard:
            if self._loop is not loop or self._queue is not None:
                return
            self._queue = asyncio.Queue()
            queue = self._queue
        loop.create_task(self._pump(queue))

    def _target(self) -> asyncio.AbstractEventLoop | None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            return loop
        if isinstance(get_channel_layer(self.alias), InMemoryChannelLayer):
            return None  # in-memory: only the server's loop has listeners; none bound yet
        return self._private_loop()

    def _private_loop(self) -> asyncio.AbstractEventLoop:
        with self._guard:
            if self._own_loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name="channel-layer-sender", daemon=True)
                thread.start()
                self._own_loop = loop
            own = self._own_loop
        self.bind(own)
        return own

    # ---- publishing ---------------------------------------------------------------------
    def publish(self, event: dict) -> None:
        self.publish_many([event])

    def publish_many(self, events: list[dict]) -> None:
        """Publish events in order. Owners' events on the Redis pub/sub layer, outside an event
        loop, go out at once from this thread (consecutive ones for one group as one batch);
        everything else is handed to the sending loop."""
        routed = [found for found in map(channel_message, events) if found is not None]
        direct = self._direct_publisher()
        owners = [] if direct is None else [item for item in routed if item[1]["type"] in OWNER_TYPES]
        if owners and direct.usable():
            routed = [item for item in routed if item[1]["type"] not in OWNER_TYPES]
            batches = batched(owners)
            for index, (group, message) in enumerate(batches):
                try:
                    direct.send(group, message)
                    self.sent += 1
                except Exception as exc:  # noqa: BLE001 - Redis down: the loop takes the rest
                    self._warn(group, exc)
                    routed = unbatched_routes(batches[index:]) + routed
                    break
        for item in routed:
            self._hand_to_loop(item)

    def _direct_publisher(self) -> DirectPublisher | None:
        layer = get_channel_layer(self.alias)
        if layer is not self._direct_layer:  # first use, or the layer was replaced (tests)
            self._direct = DirectPublisher.for_layer(layer, self.alias)
            self._direct_layer = layer
        return self._direct

    def _hand_to_loop(self, routed: tuple[str, dict]) -> None:
        loop = self._target()
        if loop is None:
            return
        try:
            loop.call_soon_threadsafe(self._enqueue, loop, routed)
        except RuntimeError:  # the loop closed between the check and the call
            self.dropped += 1

    def _enqueue(self, loop, routed) -> None:
        queue = self._queue
        if queue is None:  # the pump starts on the next iteration of this loop
            loop.call_soon(self._enqueue, loop, routed)
            return
        if queue.qsize() >= QUEUE_LIMIT and routed[1]["type"] in SYMBOL_EVENTS:
            self.dropped += 1  # the next price supersedes it; trade and account events always go
            return
        queue.put_nowait(routed)

    async def _pump(self, queue: asyncio.Queue) -> None:
        layer = get_channel_layer(self.alias)
        task = asyncio.current_task()
        while True:
            if task.cancelling():
                # A cancel that arrived while a send was under way and that the Redis client
                # swallowed: without this the pump waited on an empty queue forever, and the
                # loop's shutdown (asyncio.run, `benchmark api --in-process`) with it.
                raise asyncio.CancelledError
            waiting = [await queue.get()]
            while len(waiting) < BATCH_LIMIT and not queue.empty():
                waiting.append(queue.get_nowait())
            try:
                for group, message in batched(waiting):
                    await self._send(layer, group, message)
            finally:
                for _ in waiting:
                    queue.task_done()

    async def _send(self, layer, group: str, message: dict) -> None:
        try:
            await layer.group_send(group, message)
            self.sent += 1
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - Redis down: log, keep the pump alive
            self._warn(group, exc)

    def _warn(self, group: str, exc: Exception) -> None:
        self.failed += 1
        now = time.monotonic()
        if now - self._last_warning > 5:
            self._last_warning = now
            log.warning("channel layer send to %s failed (%s failures): %s", group, self.failed, exc)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait (from a thread that is not the sending loop) until queued events are sent."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return True

        async def drained():
            while self._queue is None:  # the pump starts on the loop's next turn
                await asyncio.sleep(0)
            await self._queue.join()  # every queued event sent (or failed), not just dequeued

        try:
            asyncio.run_coroutine_threadsafe(drained(), loop).result(timeout)
            return True
        except Exception:  # noqa: BLE001
            return False


def install() -> ChannelLayerBroadcaster:
    """Make the channel layer the engine's broadcaster (called once from AppConfig.ready)."""
    from . import events

    current = events.get_broadcaster()
    if isinstance(current, ChannelLayerBroadcaster):
        return current
    broadcaster = ChannelLayerBroadcaster()
    events.set_broadcaster(broadcaster)
    return broadcaster


def bind_loop(loop: asyncio.AbstractEventLoop | None = None) -> None:
    """Bind the installed broadcaster to `loop` (default: the running one); a no-op for other
    broadcasters. Consumers call it on connect; `serve` calls it from daphne's `ready_callable`
    with the reactor's loop, before that loop runs."""
    from . import events

    broadcaster = events.get_broadcaster()
    if isinstance(broadcaster, ChannelLayerBroadcaster):
        broadcaster.bind(loop)


def end_sockets_on_logout(sender, request=None, user=None, **kwargs) -> None:
    """`user_logged_out` receiver: close every socket of that user once the request commits.

    Django's `logout()` sends the signal (`POST /api/auth/logout/`); revoking a token sends it
    too (`DELETE /api/auth/token/`). A socket cannot tell which of its user's credentials ended,
    so all of them close; a client whose credentials still hold simply connects again."""
    from . import events

    if user is not None and getattr(user, "is_authenticated", False) and user.pk:
        events.publish_on_commit([{"type": SESSION_ENDED, "user_id": user.pk}])
