"""One price worker per symbol: a Redis lock when REDIS_URL is set, a database lease otherwise.

Both are short leases (`WORKER_LOCK_TTL`, 5 s) that the holder renews from a heartbeat thread
every third of the lease, so they die with their holder: a killed worker's symbols are free
within a few seconds (docs/market-data.md, "Taking over from a dead worker").
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

    def __init__(self, owner: str, ttl: float = 5.0):
        self.owner = owner
        self.ttl = ttl

    def acquire(self, symbol: str) -> bool:
        """Take the symbol if its lease is free or expired, or renew it if it is ours."""
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

    def renew(self, symbols: list[str]) -> set[str]:
        """Extend every lease of ours among `symbols` (one UPDATE); the symbols still ours."""
        if not symbols:
            return set()
        until = timezone.now() + timedelta(seconds=self.ttl)
        mine = WorkerLease.objects.filter(symbol__in=symbols, owner=self.owner)
        mine.update(expires_at=until)
        return set(mine.values_list("symbol", flat=True))

    def holder(self, symbol: str) -> tuple[str, float] | None:
        """Who holds the symbol and for how many more seconds (None: nobody)."""
        row = WorkerLease.objects.filter(symbol=symbol).values_list("owner", "expires_at").first()
        if row is None:
            return None
        return row[0], max(0.0, (row[1] - timezone.now()).total_seconds())

    def release(self, symbol: str) -> None:
        WorkerLease.objects.filter(symbol=symbol, owner=self.owner).delete()


class RedisLock:
    """redis-py's `Lock` per symbol (SET NX PX with our identity as the token), extended by the
    holder with `reacquire` and released only by it."""

    def __init__(self, owner: str, ttl: float = 5.0):
        from django_redis import get_redis_connection

        self.client = get_redis_connection()  # the cache's client: the process's one bounded pool
        self.owner = owner
        self.ttl = ttl
        self.locks: dict = {}

    def _key(self, symbol: str) -> str:
        from django.core.cache import cache

        return cache.make_key(f"worker-lock:{symbol}")  # the cache's key prefix keeps test runs apart

    def _lock(self, symbol: str):
        if symbol not in self.locks:
            # thread_local=False: the heartbeat thread extends what the worker's thread took.
            self.locks[symbol] = self.client.lock(
                self._key(symbol), timeout=self.ttl, blocking=False, thread_local=False
            )
        return self.locks[symbol]

    def acquire(self, symbol: str) -> bool:
        from redis.exceptions import LockError

        lock = self._lock(symbol)
        if lock.owned():
            try:
                return bool(lock.reacquire())
            except LockError:
                pass  # expired and taken meanwhile: try to take it like anyone else
        return bool(lock.acquire(token=self.owner))

    def renew(self, symbols: list[str]) -> set[str]:
        from redis.exceptions import LockError

        kept = set()
        for symbol in symbols:
            try:
                if self._lock(symbol).reacquire():
                    kept.add(symbol)
            except LockError:
                continue
        return kept

    def holder(self, symbol: str) -> tuple[str, float] | None:
        key = self._key(symbol)
        owner, left_ms = self.client.pipeline().get(key).pttl(key).execute()
        if owner is None:
            return None
        return owner.decode(), max(0.0, left_ms / 1000)

    def release(self, symbol: str) -> None:
        from redis.exceptions import LockError

        try:
            self._lock(symbol).release()
        except LockError:
            pass  # not ours any more (expired): nothing to give back


def symbol_lock(owner: str, ttl: float = 5.0):
    return RedisLock(owner, ttl) if settings.REDIS_URL else LeaseLock(owner, ttl)
