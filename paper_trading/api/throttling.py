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
from django.core.cache.backends.redis import RedisCache
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
_scripts: dict[int, object] = {}
_sequence = itertools.count()


def _script():
    """The registered script on the cache's Redis client, or None when the cache is not Redis."""
    backend = caches[DEFAULT_CACHE_ALIAS]  # the backend itself: `cache` is a proxy to it
    if not isinstance(backend, RedisCache):
        return None
    client = backend._cache.get_client(write=True)
    script = _scripts.get(id(client))
    if script is None:
        script = _scripts[id(client)] = client.register_script(_SLIDING_LOG)
    return script


class SlidingLogInRedis:
    """`allow_request` and `wait` of `SimpleRateThrottle`, atomic in Redis."""

    def allow_request(self, request, view):
        script = _script()
        if script is None:
            return super().allow_request(request, view)
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        member = f"{self.now!r}:{os.getpid()}:{next(_sequence)}"
        allowed, count, oldest = script(
            keys=[caches[DEFAULT_CACHE_ALIAS].make_key(f"{self.key}:log")],
            args=[repr(self.now), self.duration, self.num_requests, member],
        )
        self._count = int(count) - int(allowed)  # the log as DRF's `history` held it before this request
        self._oldest = float(oldest) if self._count else None
        return bool(allowed)

    def wait(self):
        if _script() is None:
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
