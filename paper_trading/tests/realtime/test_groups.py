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
