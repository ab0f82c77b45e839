"""Limits on WebSockets (docs/websocket.md, "Limits"): open sockets per user and client
messages per socket.

Sockets per user are counted across every server process when Redis is configured (a sorted
set per user, one member per socket, scored with the time it expires), else in this process
(the embedded default runs one process). A socket's member is refreshed while it is open, so
the slots of a process that dies, or stops with sockets open (daphne then exits without running
their `disconnect`), lapse within `RedisSlots.TTL`.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
import weakref
from collections import defaultdict, deque

from django.conf import settings

log = logging.getLogger(__name__)


class LocalSlots:
    """Open sockets per user in this process."""

    def __init__(self):
        self.held: dict[int, set[str]] = defaultdict(set)

    async def acquire(self, user_id: int, limit: int) -> str | None:
        """A slot id for one more socket of `user_id`, or None when `limit` are open."""
        sockets = self.held[user_id]
        if len(sockets) >= limit:
            return None
        slot = uuid.uuid4().hex
        sockets.add(slot)
        return slot

    async def release(self, user_id: int, slot: str) -> None:
        sockets = self.held.get(user_id)
        if sockets is not None:
            sockets.discard(slot)
            if not sockets:
                del self.held[user_id]


# Both scripts take Redis's own clock, so server processes on hosts whose clocks differ agree.
# (`replicate_commands` lets a script write after TIME on Redis before 7; a no-op since.)
_ACQUIRE = """
redis.replicate_commands()
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2])))
return 1
"""
_REFRESH = """
redis.replicate_commands()
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, 'XX', now + tonumber(ARGV[1]), ARGV[i + 1])
  redis.call('EXPIRE', key, math.ceil(tonumber(ARGV[1])))
end
return 1
"""


class RedisSlots:
    """Open sockets per user across processes: `<prefix>:ws:sockets:<user id>` is a sorted set
    of slot ids scored with their expiry time. This process refreshes its slots every
    `TTL / 3` seconds; a slot not refreshed for `TTL` seconds (its process died) no longer
    counts. If Redis fails, the socket is let in uncounted (the cap guards against abuse; a
    Redis outage must not lock everyone out) and the failure is logged."""

    TTL = 30.0

    def __init__(self, url: str, prefix: str, *, ttl: float | None = None):
        import redis.asyncio

        self.client = redis.asyncio.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        self.prefix = prefix
        self.ttl = ttl or self.TTL
        self._acquire = self.client.register_script(_ACQUIRE)
        self._refresh = self.client.register_script(_REFRESH)
        self.held: dict[str, int] = {}  # slot -> user id, the slots of this process
        self._task: asyncio.Task | None = None
        self._last_warning = 0.0

    def key(self, user_id: int) -> str:
        return f"{self.prefix}:ws:sockets:{user_id}"

    async def acquire(self, user_id: int, limit: int) -> str | None:
        slot = uuid.uuid4().hex
        try:
            if not await self._acquire(keys=[self.key(user_id)], args=[limit, self.ttl, slot]):
                return None
        except Exception as exc:  # noqa: BLE001 - Redis down: let the socket in, uncounted
            self._warn("count", exc)
            return slot
        self.held[slot] = user_id
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._keep_alive())
        return slot

    async def release(self, user_id: int, slot: str) -> None:
        if self.held.pop(slot, None) is None:
            return
        try:
            await self.client.zrem(self.key(user_id), slot)
        except Exception as exc:  # noqa: BLE001 - the slot expires on its own
            self._warn("release", exc)

    async def refresh(self) -> None:
        """Push the expiry of every slot this process holds `ttl` seconds ahead."""
        slots = list(self.held.items())
        if slots:
            await self._refresh(keys=[self.key(u) for _, u in slots], args=[self.ttl, *[s for s, _ in slots]])

    async def _keep_alive(self) -> None:
        while self.held:
            await asyncio.sleep(self.ttl / 3)
            try:
                await self.refresh()
            except Exception as exc:  # noqa: BLE001 - try again next round
                self._warn("refresh", exc)

    def _warn(self, what: str, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._last_warning > 5:
            self._last_warning = now
            log.warning("could not %s a WebSocket slot in Redis: %s", what, exc)


_local = LocalSlots()
_redis: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, RedisSlots] = weakref.WeakKeyDictionary()


def slots() -> LocalSlots | RedisSlots:
    """The socket counter of this process: Redis's when REDIS_URL is set (one client per event
    loop), else the in-process one."""
    if not settings.REDIS_URL:
        return _local
    loop = asyncio.get_running_loop()
    found = _redis.get(loop)
    if found is None:
        prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
        found = _redis[loop] = RedisSlots(settings.REDIS_URL, prefix)
    return found


class MessageRate:
    """At most `limit` client messages in any one-second span (a sliding window), for one socket.

    `check()` says what to do with the next message: "ok" (process it), "refuse" (drop it;
    answer `rate_limited` at most once a second), "quiet" (drop it, the error was sent less
    than a second ago), or "close" once refused messages have kept coming for `close_after`
    seconds with no gap of a second or more between them."""

    def __init__(self, limit: int, close_after: float):
        self.limit, self.close_after = limit, close_after
        self.accepted: deque[float] = deque()
        self.excess_since: float | None = None
        self.last_excess = 0.0
        self.last_error = float("-inf")

    def check(self, now: float | None = None) -> str:
        now = time.monotonic() if now is None else now
        while self.accepted and now - self.accepted[0] >= 1.0:
            self.accepted.popleft()
        if len(self.accepted) < self.limit:
            self.accepted.append(now)
            return "ok"
        if self.excess_since is None or now - self.last_excess >= 1.0:
            self.excess_since = now  # a new run of excess messages
        self.last_excess = now
        if now - self.excess_since >= self.close_after:
            return "close"
        if now - self.last_error >= 1.0:
            self.last_error = now
            return "refuse"
        return "quiet"
