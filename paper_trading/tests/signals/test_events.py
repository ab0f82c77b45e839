"""A signal's WebSocket events (docs/websocket.md, docs/signals.md): `signal_alert` and
`decision` reach their owner's socket, never another user's."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async

from paper_trading.tests.realtime.conftest import drain, silent, token_for

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def test_owner_hears_the_alert_and_the_decision_and_no_one_else_does(
    connect, user, other_user, auto, btc
):
    from paper_trading.domain.signals import parse_signal
    from paper_trading.services.signals import signal_receive

    mine = await database_sync_to_async(token_for)(user)
    theirs = await database_sync_to_async(token_for)(other_user)
    owner, _, _ = await connect(f"/ws/trading/?token={mine}")
    stranger, _, _ = await connect(f"/ws/trading/?token={theirs}")
    assert (await owner.receive_json_from())["type"] == "connection"
    assert (await stranger.receive_json_from())["type"] == "connection"

    def send():
        body = json.dumps({"symbol": "BTCUSD", "action": "buy", "stop_loss": "59010", "lots": "0.10"})
        signal, payload = parse_signal(body.encode(), "application/json")
        return signal_receive(user=user, signal=signal, payload=payload).signal

    row = await database_sync_to_async(send)()
    heard = await drain(owner, until="account_update")
    kinds = [m["type"] for m in heard]
    decision = next(m for m in heard if m["type"] == "decision")["decision"]
    assert (decision["signal"], decision["outcome"]) == (row.pk, "executed")
    # The decision's events go out together after commit: one signal_alert, already executed
    # (its "received" copy would arrive at the same instant, out of date).
    alerts = [m["signal"] for m in heard if m["type"] == "signal_alert"]
    assert [(a["id"], a["status"], a["trade"]) for a in alerts] == [(row.pk, "executed", row.trade_id)]
    assert "trade_execution" in kinds
    assert await silent(stranger)
