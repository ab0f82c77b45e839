"""One broadcaster interface for everything the engine tells the outside world.

Services queue events; they are published only after the transaction commits
(`transaction.on_commit`), so no client hears of a trade that rolled back. The real-time
issue plugs the channel layer in with `set_broadcaster`.
"""

from __future__ import annotations

import contextvars
import logging
from contextlib import contextmanager
from typing import Protocol

from django.db import transaction

log = logging.getLogger(__name__)


class Broadcaster(Protocol):
    """Publishes engine events. A broadcaster may also offer `publish_many(events)`, which
    `publish_on_commit` then uses for a transaction's events together."""

    def publish(self, event: dict) -> None: ...


class LogBroadcaster:
    """Default: log at debug level. Keeps the last events in memory for inspection in tests."""

    def __init__(self, keep: int = 1000):
        self.keep = keep
        self.sent: list[dict] = []

    def publish(self, event: dict) -> None:
        self.sent.append(event)
        del self.sent[: -self.keep]
        log.debug("event %s", event.get("type"))


_broadcaster: Broadcaster = LogBroadcaster()


def set_broadcaster(broadcaster: Broadcaster) -> Broadcaster:
    global _broadcaster
    previous, _broadcaster = _broadcaster, broadcaster
    return previous


def get_broadcaster() -> Broadcaster:
    return _broadcaster


_batch: contextvars.ContextVar[list | None] = contextvars.ContextVar("events_batch", default=None)


def publish_on_commit(events: list[dict]) -> None:
    """Publish after the surrounding transaction commits; a failing broadcaster never breaks trading.
    Inside `batched()` the events join the batch's one publish instead."""
    if not events:
        return
    pending = _batch.get()
    if pending is not None:
        # queued through on_commit, so a rolled-back savepoint drops its events as it would here
        transaction.on_commit(lambda: pending.extend(events))
        return
    transaction.on_commit(lambda: _send(events))


@contextmanager
def batched():
    """Every event queued inside goes out after commit in one publish (one round trip to the
    channel layer for a signal's alert, its trade's events and its decision)."""
    if _batch.get() is not None:
        yield
        return
    pending: list[dict] = []
    token = _batch.set(pending)
    try:
        yield
    finally:
        _batch.reset(token)
        # after the queued extends: registered last
        transaction.on_commit(lambda: _send(latest_only(pending)))


#: Event types whose later copy in one batch replaces the earlier one, by the object they carry.
SUPERSEDED_BY_OBJECT = {"signal_alert": "signal", "account_update": "account"}


def latest_only(events: list[dict]) -> list[dict]:
    """A batch's events with only the last `signal_alert` of each signal and the last
    `account_update` of each account, in their places: sent together, an earlier copy would
    arrive at the same instant as the later one, already out of date."""
    last: dict[tuple, int] = {}
    for index, event in enumerate(events):
        key = _object_key(event)
        if key is not None:
            last[key] = index
    return [e for i, e in enumerate(events) if (key := _object_key(e)) is None or last[key] == i]


def _object_key(event: dict) -> tuple | None:
    field = SUPERSEDED_BY_OBJECT.get(event.get("type"))
    if field is None:
        return None
    obj = event.get(field)
    return (event["type"], obj.get("id")) if isinstance(obj, dict) and "id" in obj else None


def _send(events: list[dict]) -> None:
    if not events:
        return
    many = getattr(_broadcaster, "publish_many", None)
    if many is not None:  # one call: the broadcaster may send them together
        try:
            many(events)
        except Exception:  # noqa: BLE001 - a broken channel layer must not undo a committed trade
            log.exception("broadcast of %s failed", ", ".join(str(e.get("type")) for e in events))
        return
    for event in events:
        try:
            _broadcaster.publish(event)
        except Exception:  # noqa: BLE001 - a broken channel layer must not undo a committed trade
            log.exception("broadcast of %s failed", event.get("type"))
