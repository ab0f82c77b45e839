"""Owners' events published by the committing thread onto the Redis pub/sub channel layer
(fast_path.DirectPublisher), against the real Redis of REDIS_URL."""

import asyncio
import contextlib
import os
import socket
import threading

import pytest
from channels.layers import get_channel_layer

from paper_trading import fast_path, realtime

pytestmark = pytest.mark.skipif(
    not os.environ.get("REDIS_URL") or os.environ.get("CHANNEL_LAYER", "pubsub") != "pubsub",
    reason="needs the Redis pub/sub channel layer",
)

TRADE = {"type": "trade_execution", "user_id": 41, "trade": {"id": 9, "status": "open"}, "reason": "market"}
ACCOUNT = {"type": "account_update", "user_id": 41, "account": {"id": 3, "balance": "10000.00"}}
PRICE = {"type": "price_update", "symbol": "EURUSD", "bid": "1.10000", "ask": "1.10020"}


@pytest.fixture(autouse=True)
def _fast_path_on(settings):
    """The direct publisher is a fast-path shim (paper_trading/fast_path.py): on, whatever the run's
    FAST_PATH; the run with it off covers the loop's path."""
    settings.FAST_PATH = True


def _in_thread(function, *args):
    """Run `function` on a plain thread (no event loop there), as a request's view runs."""
    errors = []

    def run():
        try:
            function(*args)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(10)
    assert not errors, errors


async def _joined(layer, group: str) -> str:
    channel = await layer.new_channel()
    await layer.group_add(group, channel)
    return channel


@contextlib.contextmanager
def _recording_group_send(layer):
    """The groups the layer's own `group_send` (the loop's path) sends to, while inside."""
    sent = []
    real_send = layer.group_send

    async def recording_send(group, message):
        sent.append(group)
        await real_send(group, message)

    layer.group_send = recording_send
    try:
        yield sent
    finally:
        del layer.group_send


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens there once the probe is closed


def test_events_published_from_a_thread_reach_a_channel_that_joined_the_group_through_the_layer():
    """The direct PUBLISH is the layer's own message: same group channel, serializer and shard.
    One order's two events arrive as one batch, in order; the price still goes through the loop."""
    layer = get_channel_layer()
    broadcaster = realtime.ChannelLayerBroadcaster()

    async def main():
        broadcaster.bind(asyncio.get_running_loop())
        owner = await _joined(layer, "user.41")
        prices = await _joined(layer, "symbol.EURUSD")
        await asyncio.to_thread(_in_thread, broadcaster.publish_many, [TRADE, ACCOUNT, PRICE])
        private = await asyncio.wait_for(layer.receive(owner), 5)
        price = await asyncio.wait_for(layer.receive(prices), 5)
        return private, price

    with _recording_group_send(layer) as sent_by_layer:
        private, price = asyncio.run(main())

    assert private["type"] == realtime.BATCH
    assert [m["payload"] for m in realtime.unbatched(private)] == [
        {"type": "trade_execution", "trade": {"id": 9, "status": "open"}, "reason": "market"},
        {"type": "account_update", "account": {"id": 3, "balance": "10000.00"}},
    ]
    assert price["payload"]["bid"] == "1.10000"
    assert sent_by_layer == ["symbol.EURUSD"]  # the owner's batch did not go through the loop
    assert broadcaster.sent == 2 and broadcaster.failed == 0


def test_on_an_event_loops_thread_owners_events_go_through_the_loop():
    """A blocking PUBLISH would stall the loop (a consumer, the in-process benchmark)."""
    layer = get_channel_layer()
    broadcaster = realtime.ChannelLayerBroadcaster()

    async def main():
        broadcaster.bind(asyncio.get_running_loop())
        owner = await _joined(layer, "user.41")
        broadcaster.publish(TRADE)
        return await asyncio.wait_for(layer.receive(owner), 5)

    with _recording_group_send(layer) as sent_by_layer:
        message = asyncio.run(main())

    assert message["payload"]["trade"] == {"id": 9, "status": "open"}
    assert sent_by_layer == ["user.41"]


def test_with_redis_unreachable_the_loop_takes_the_events_and_the_publisher_rests():
    """The first failure costs one refused connection; for COOL_DOWN seconds after it the
    committing threads do not try Redis again, the loop (which logs its own failures) does."""
    layer = get_channel_layer()
    broadcaster = realtime.ChannelLayerBroadcaster()
    dead = fast_path.DirectPublisher(layer, {"hosts": [f"redis://127.0.0.1:{_closed_port()}/0"]})
    attempts = []
    real_send = dead.send

    def counting_send(group, message):
        attempts.append(group)
        real_send(group, message)

    dead.send = counting_send
    broadcaster._direct, broadcaster._direct_layer = dead, layer
    handed = []
    broadcaster._hand_to_loop = handed.append

    _in_thread(broadcaster.publish_many, [TRADE, ACCOUNT])
    _in_thread(broadcaster.publish_many, [TRADE])

    assert attempts == ["user.41"]  # tried once, then resting
    assert broadcaster.failed == 1 and broadcaster.sent == 0
    # Nothing is lost: every event went to the loop, one message each, in order.
    assert [message["type"] for _, message in handed] == [
        "trade_execution",
        "account_update",
        "trade_execution",
    ]
    assert not dead.usable()
