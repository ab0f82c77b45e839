"""The socket counter and the message rate on their own: the Redis counter against a private
redis-server (several processes share it; a crashed one must not lock a user out), and the
rate window on a hand-made clock."""

from __future__ import annotations

import asyncio
import shutil

import pytest

from paper_trading.socket_limits import LocalSlots, MessageRate, RedisSlots

from .server import RedisProcess


@pytest.fixture
def redis_url(tmp_path):
    if not shutil.which("redis-server"):
        pytest.skip("needs the redis-server binary")
    redis = RedisProcess(tmp_path).start()
    yield redis.url
    redis.stop()


def test_redis_slots_are_shared_by_processes_and_a_dead_processs_slots_expire(redis_url):
    async def scenario():
        one, two = RedisSlots(redis_url, "t", ttl=1.0), RedisSlots(redis_url, "t", ttl=1.0)
        held = [await one.acquire(7, 3), await one.acquire(7, 3), await two.acquire(7, 3)]
        assert None not in held
        assert await two.acquire(7, 3) is None  # 3 open over both "processes"
        assert await one.acquire(8, 3) is not None  # another user has their own count
        await one.release(7, held[0])
        again = await two.acquire(7, 3)
        assert again is not None
        # `one` dies without closing its socket: nothing refreshes its slot, which lapses
        one.held.clear()
        await asyncio.sleep(1.3)  # past the 1 s TTL; `two` refreshed its own at ttl/3
        assert await two.acquire(7, 3) is not None
        assert await two.acquire(7, 3) is None  # two's 2 + the new one: still counted
        await one.client.aclose()
        await two.client.aclose()

    asyncio.run(scenario())


def test_redis_down_lets_the_socket_in_uncounted():
    from paper_trading.loopback import free_port

    async def scenario():
        slots = RedisSlots(f"redis://127.0.0.1:{free_port()}/0", "t")
        slot = await slots.acquire(7, 1)
        assert slot is not None and slots.held == {}
        await slots.release(7, slot)  # nothing to give back, no error
        await slots.client.aclose()

    asyncio.run(scenario())


def test_local_slots_count_per_user():
    async def scenario():
        slots = LocalSlots()
        a, b = await slots.acquire(1, 2), await slots.acquire(1, 2)
        assert await slots.acquire(1, 2) is None
        assert await slots.acquire(2, 2) is not None
        await slots.release(1, a)
        assert await slots.acquire(1, 2) is not None
        assert b is not None

    asyncio.run(scenario())


def test_the_rate_window_slides_and_a_run_of_excess_closes_after_the_set_seconds():
    """Hand-made clock: limit 2 per second, close after 3 s of excess without a 1 s gap."""
    rate = MessageRate(2, 3.0)
    assert [rate.check(t) for t in (0.0, 0.1, 0.2, 0.3)] == ["ok", "ok", "refuse", "quiet"]
    # 0.0 has left the window; the error went out 0.85 s ago, so none now
    assert [rate.check(t) for t in (1.0, 1.05)] == ["ok", "quiet"]
    assert [rate.check(t) for t in (1.2, 1.3)] == ["ok", "refuse"]  # 1.1 s since the last error
    # 1.4 s without an excess message (1.3 to 2.7) ends that run
    assert [rate.check(t) for t in (2.5, 2.6, 2.7)] == ["ok", "ok", "refuse"]
    assert rate.check(3.3) == "quiet"  # 3.1 s after the first run began, but this run began at 2.7
    assert [rate.check(t) for t in (4.21, 4.25, 4.28)] == ["ok", "ok", "refuse"]
    assert [rate.check(t) for t in (5.22, 5.23, 5.72)] == ["ok", "quiet", "ok"]
    assert rate.check(5.75) == "close"  # excess since 2.7 with no gap of a second: 3.05 s
