"""DRF's user and anonymous rate throttles, one Redis round trip each when the cache is Redis.

DRF keeps each client's request times as a pickled list in the cache: a GET and a SET per
request, the whole list (up to the rate, 6,000 floats) unpickled and pickled each time, and two
processes can both read the list before either writes it back. Here the same sliding log lives
in a Redis sorted set, trimmed, counted and appended by one atomic script. Same rule (at most N
requests in any window of the rate's length; refused requests are not counted), same `wait()`.
Any other cache (local memory, the embedded default) keeps DRF's implementation.
"""

from __future__ import annotations

import itertools
import os

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django_redis import get_redis_connection
from django_redis.cache import RedisCache
from redis.commands.core import Script
from rest_framework import throttling

# KEYS[1] the log; ARGV: now, window seconds, limit, a unique member for this request.
# Returns {allowed (0/1), requests in the window (this one included when allowed), oldest time}.
_SLIDING_LOG = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local allowed = 0
if count < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('EXPIRE', KEYS[1], window)
  count = count + 1
  allowed = 1
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {allowed, count, oldest[2] or ''}
"""
# One script object per process, run on the cache's client of the moment (`client=`): it keeps
# no client, so it pins no connection pool (a dict of scripts per client kept every per-request
# client of Django's backend, and its connection, alive). As bytes, its SHA needs no client.
_SCRIPT = Script(None, _SLIDING_LOG.encode())
_sequence = itertools.count()


def _redis():
    """The cache's Redis client (its pool is the process's one), or None when the cache is not
    Redis."""
    if not isinstance(caches[DEFAULT_CACHE_ALIAS], RedisCache):  # `cache` is only a proxy
        return None
    return get_redis_connection(DEFAULT_CACHE_ALIAS)


class SlidingLogInRedis:
    """`allow_request` and `wait` of `SimpleRateThrottle`, atomic in Redis."""

    def allow_request(self, request, view):
        client = _redis()
        if client is None:
            return super().allow_request(request, view)
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        member = f"{self.now!r}:{os.getpid()}:{next(_sequence)}"
        allowed, count, oldest = _SCRIPT(
            keys=[caches[DEFAULT_CACHE_ALIAS].make_key(f"{self.key}:log")],
            args=[repr(self.now), self.duration, self.num_requests, member],
            client=client,
        )
        self._count = int(count) - int(allowed)  # the log as DRF's `history` held it before this request
        self._oldest = float(oldest) if self._count else None
        return bool(allowed)

    def wait(self):
        if not isinstance(caches[DEFAULT_CACHE_ALIAS], RedisCache):
            return super().wait()
        remaining = self.duration - (self.now - self._oldest) if self._count else self.duration
        available = self.num_requests - self._count + 1
        if available <= 0:
            return None
        return remaining / float(available)


class UserRateThrottle(SlidingLogInRedis, throttling.UserRateThrottle):
    pass


class AnonRateThrottle(SlidingLogInRedis, throttling.AnonRateThrottle):
    pass


class HookRateThrottle(SlidingLogInRedis, throttling.SimpleRateThrottle):
    """A webhook token's own limit, `rate_limit_per_minute` (docs/signals.md): TradingView's few
    addresses are shared by all its users, so the limit is the token's, not the address's."""

    def __init__(self, hook):
        self.hook = hook
        self.rate = f"{hook.rate_limit_per_minute}/min"
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def get_cache_key(self, request, view):
        return f"throttle_hook_{self.hook.pk}_{self.hook.token_digest[:16]}"
