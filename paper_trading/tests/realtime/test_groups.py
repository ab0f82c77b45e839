"""Group names and event routing, without sockets or a database."""

import pytest


def test_group_names_come_from_one_helper_and_refuse_what_nobody_publishes_to():
    from paper_trading.domain.errors import UnknownSymbol
    from paper_trading.realtime import channel_message, group_name

    assert group_name("user", 7) == "user.7"
    assert group_name("symbol", "eur/usd") == "symbol.EURUSD"
    for kind, key in [("user", 0), ("user", "7"), ("user", True), ("room", 1)]:
        with pytest.raises(ValueError):
            group_name(kind, key)
    with pytest.raises(UnknownSymbol):
        group_name("symbol", "NOPE")
    # Private events go to their owner's group only; an event without an owner goes nowhere.
    group, message = channel_message(
        {"type": "trade_closed", "user_id": 7, "trade": {"id": 1}, "reason": "sl_hit"}
    )
    assert group == "user.7" and message["payload"] == {
        "type": "trade_closed",
        "trade": {"id": 1},
        "reason": "sl_hit",
    }
    assert channel_message({"type": "trade_closed", "trade": {"id": 1}}) is None
    assert channel_message({"type": "something_internal"}) is None


def test_consecutive_events_for_one_group_travel_as_one_batch_in_publish_order():
    from paper_trading.realtime import BATCH, batched, unbatched

    a1, a2, a3 = ({"type": "trade_execution", "n": n} for n in (1, 2, 3))
    price = {"type": "price_update", "n": 4}
    merged = batched([("user.1", a1), ("user.1", a2), ("symbol.EURUSD", price), ("user.1", a3)])
    # Runs merge; a run broken by another group starts a new message, so order is kept.
    assert merged == [
        ("user.1", {"type": BATCH, "messages": [a1, a2]}),
        ("symbol.EURUSD", price),
        ("user.1", a3),
    ]
    assert unbatched(merged[0][1]) == [a1, a2] and unbatched(price) == [price]


def test_the_sending_pump_stops_when_cancelled_even_if_a_send_swallowed_the_cancel(monkeypatch):
    """The Redis client now and then swallowed a cancel that arrived mid-send (one shutdown in
    about seven of `benchmark api --in-process` hung on the pump); a layer that always does so
    stands in for it here."""
    import asyncio

    from paper_trading import realtime

    class SwallowingLayer:
        async def group_send(self, group, message):
            try:
                await asyncio.sleep(0.05)
            except asyncio.CancelledError:
                pass

    monkeypatch.setattr(realtime, "get_channel_layer", lambda alias: SwallowingLayer())

    async def main():
        broadcaster = realtime.ChannelLayerBroadcaster()
        broadcaster.bind(asyncio.get_running_loop())
        await asyncio.sleep(0)  # the pump starts on this turn of the loop
        broadcaster.publish({"type": "trade_closed", "user_id": 7, "trade": {"id": 1}, "reason": "sl_hit"})
        await asyncio.sleep(0.01)  # the send is under way
        (pump,) = [t for t in asyncio.all_tasks() if t.get_coro().__name__ == "_pump"]
        pump.cancel()
        await asyncio.wait({pump}, timeout=2)
        assert pump.cancelled()

    asyncio.run(main())
