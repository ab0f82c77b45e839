"""One price worker per symbol: a Redis lock when REDIS_URL is set, a database lease otherwise.

Both expire on their own (a crashed worker frees its symbols after `ttl` seconds) and are
renewed by the holder on every cycle.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import WorkerLease


def worker_identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class LeaseLock:
    """A row per symbol in WorkerLease; taking it is one conditional UPDATE (or the INSERT)."""

    def __init__(self, owner: str, ttl: float = 30.0):
        self.owner = owner
        self.ttl = ttl

    def acquire(self, symbol: str) -> bool:
        now = timezone.now()
        until = now + timedelta(seconds=self.ttl)
        taken = WorkerLease.objects.filter(symbol=symbol).filter(expires_at__lt=now).update(
            owner=self.owner, expires_at=until
        ) or WorkerLease.objects.filter(symbol=symbol, owner=self.owner).update(expires_at=until)
        if taken:
            return True
        try:
            with transaction.atomic():
                WorkerLease.objects.create(symbol=symbol, owner=self.owner, expires_at=until)
            return True
        except IntegrityError:
            return False

    renew = acquire

    def release(self, symbol: str) -> None:
        WorkerLease.objects.filter(symbol=symbol, owner=self.owner).delete()


class RedisLock:
    """SET key owner NX PX ttl; renewed only by the owner (compare-and-extend in a Lua script)."""

    _EXTEND = """
    if redis.call('get', KEYS[1]) == ARGV[1] then
        return redis.call('pexpire', KEYS[1], ARGV[2])
    end
    return 0
    """
    _RELEASE = """
    if redis.call('get', KEYS[1]) == ARGV[1] then
        return redis.call('del', KEYS[1])
    end
    return 0
    """

    def __init__(self, owner: str, ttl: float = 30.0):
        from django_redis import get_redis_connection

        self.client = get_redis_connection()  # the cache's client: the process's one bounded pool
        self.owner = owner
        self.ttl_ms = int(ttl * 1000)

    def _key(self, symbol: str) -> str:
        from django.core.cache import cache

        return cache.make_key(f"worker-lock:{symbol}")  # the cache's key prefix keeps test runs apart

    def acquire(self, symbol: str) -> bool:
        key = self._key(symbol)
        if self.client.set(key, self.owner, nx=True, px=self.ttl_ms):
            return True
        return bool(self.client.eval(self._EXTEND, 1, key, self.owner, self.ttl_ms))

    renew = acquire

    def release(self, symbol: str) -> None:
        self.client.eval(self._RELEASE, 1, self._key(symbol), self.owner)


def symbol_lock(owner: str, ttl: float = 30.0):
    return RedisLock(owner, ttl) if settings.REDIS_URL else LeaseLock(owner, ttl)
