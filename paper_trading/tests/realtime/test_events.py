"""Engine events over WebSockets in process: what the owner hears, in order, and that nobody
else hears any of it (docs/websocket.md)."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from paper_trading import events

from .conftest import drain, silent, token_for

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]
BASE = "/api/paper-trading"
PUBLIC = {"connection", "subscribed", "price_update", "bar_update"}


@pytest.fixture
def market(tick, no_limits, other_user, staff, client_for):
    """EURUSD at 1.09990 / 1.10000; alice (limits off), bob, and staff pushing manual ticks."""
    tick("EURUSD", "1.09990", "1.10000")
    return {"alice": client_for(no_limits.user), "bob": client_for(other_user), "staff": client_for(staff)}


async def open_socket(connect, user, symbols=("EURUSD",)):
    key = await database_sync_to_async(token_for)(user)
    socket, connected, _ = await connect(f"/ws/trading/?token={key}")
    assert connected
    assert (await socket.receive_json_from())["type"] == "connection"
    await socket.send_json_to({"type": "subscribe", "symbols": list(symbols)})
    assert (await socket.receive_json_from())["type"] == "subscribed"
    return socket


def call(client, method, path, body=None):
    response = getattr(client, method)(BASE + path, body, format="json")
    assert response.status_code < 300, response.content
    return response.json()


async def test_take_profit_hit_by_a_manual_tick_reaches_the_owner_in_order(connect, market, user):
    alice = await open_socket(connect, user)
    trade = await database_sync_to_async(call)(
        market["alice"],
        "post",
        "/trades/execute/",
        {"pair": "EURUSD", "order_type": "buy", "lot_size": "0.10", "take_profit_1": "1.10100"},
    )
    opened = await drain(alice, until="account_update")
    assert [m["type"] for m in opened] == ["trade_execution", "account_update"]
    assert opened[0]["trade"]["id"] == trade["id"] and opened[0]["trade"]["entry_price"] == "1.10000"
    assert opened[0]["trade"] == trade  # the event carries exactly the REST answer (docs/websocket.md)

    # bid 1.10110 crosses the TP: a limit fills at its level, 1.10100 -> +10.0 pips,
    # 0.001 x 0.10 lots x 100,000 = +10.00 USD.
    await database_sync_to_async(call)(
        market["staff"], "post", "/price/ticks/", {"symbol": "EURUSD", "bid": "1.10110", "ask": "1.10120"}
    )
    got = await drain(alice, until="account_update")
    kinds = [m["type"] for m in got if m["type"] != "bar_update"]
    assert kinds == ["price_update", "trade_closed", "account_update"]
    price, closed, account = (next(m for m in got if m["type"] == k) for k in kinds)
    assert (price["symbol"], price["bid"], price["ask"], price["source"]) == (
        "EURUSD",
        "1.10110",
        "1.10120",
        "manual",
    )
    assert closed["reason"] == "tp1_hit"
    assert closed["trade"]["status"] == "closed" and closed["trade"]["exit_price"] == "1.10100"
    assert closed["trade"]["pips_gained"] == "10.0" and closed["trade"]["profit_loss"] == "10.00"
    assert account["account"]["balance"] == "10010.00"
    # Events carry the REST trade, fills included: the entry, then the take-profit.
    assert [(f["price"], f["pnl"]) for f in closed["trade"]["fills"]] == [
        ("1.10000", "0.00"),
        ("1.10100", "10.00"),
    ]
    assert opened[0]["trade"]["fills"][0]["price"] == "1.10000"
    bar = next(m for m in got if m["type"] == "bar_update")
    assert bar["interval"] == "1m" and bar["bar"]["close"] == "1.10110"


async def test_another_user_hears_nothing_of_alices_trading(connect, market, user, other_user):
    alice = await open_socket(connect, user)
    bob = await open_socket(connect, other_user)
    bob_raw = await open_socket(connect, other_user, symbols=("EURUSD", "XAUUSD"))

    def scenario():
        a = market["alice"]
        trade = call(
            a,
            "post",
            "/trades/execute/",
            {"pair": "EURUSD", "order_type": "buy", "lot_size": "0.20", "stop_loss": "1.09000"},
        )
        call(a, "patch", f"/trades/{trade['id']}/", {"stop_loss": "1.09500", "take_profit_1": "1.11000"})
        call(a, "post", f"/trades/{trade['id']}/close/", {"lot_size": "0.10"})
        pending = call(
            a, "post", "/orders/", {"symbol": "EURUSD", "side": "buy", "type": "limit", "price": "1.09000"}
        )
        call(a, "post", f"/trades/{pending['id']}/cancel/")
        call(
            market["staff"], "post", "/price/ticks/", {"symbol": "EURUSD", "bid": "1.09400", "ask": "1.09410"}
        )
        account = call(a, "get", "/accounts/")["results"][0]
        call(a, "post", f"/accounts/{account['id']}/reset/")
        events.get_broadcaster().flush()
        return trade, account

    trade, account = await database_sync_to_async(scenario)()
    heard_by_alice = await drain(alice)
    kinds = {m["type"] for m in heard_by_alice}
    assert {"trade_execution", "trade_updated", "trade_closed", "account_update"} <= kinds
    assert any(m.get("trade", {}).get("id") == trade["id"] for m in heard_by_alice)

    for socket in (bob, bob_raw):
        heard = await drain(socket)
        assert heard, "bob hears the public prices"
        assert {m["type"] for m in heard} <= PUBLIC
        text = str(heard)
        assert f"'id': {trade['id']}" not in text and "trade" not in {k for m in heard for k in m}
        assert "account" not in {k for m in heard for k in m}


async def test_an_event_for_a_user_goes_only_to_that_users_group(connect, user, other_user):
    alice = await open_socket(connect, user)
    bob = await open_socket(connect, other_user)
    events.get_broadcaster().publish(
        {"type": "margin_call", "user_id": user.pk, "account": {"id": 1, "margin_level": "45.00"}}
    )
    assert await drain(alice) == [{"type": "margin_call", "account": {"id": 1, "margin_level": "45.00"}}]
    assert await silent(bob)


async def test_an_admin_close_reaches_the_owners_socket(connect, market, user, staff):
    from django.test import Client
    from django.urls import reverse

    alice = await open_socket(connect, user)
    trade = await database_sync_to_async(call)(
        market["alice"],
        "post",
        "/trades/execute/",
        {"pair": "EURUSD", "order_type": "sell", "lot_size": "0.10"},
    )
    await drain(alice, until="account_update")

    def admin_close():
        staff.is_superuser = True
        staff.save()
        admin = Client()
        admin.force_login(staff)
        url = reverse("admin:paper_trading_papertrade_changelist")
        response = admin.post(url, {"action": "close_at_market", "_selected_action": [trade["id"]]})
        assert response.status_code == 302

    await database_sync_to_async(admin_close)()
    got = await drain(alice, until="account_update")
    closed = next(m for m in got if m["type"] == "trade_closed")
    # A sell closes at the ask, 1.10000 -- where it opened (at the bid, 1.09990): -1.0 pip, -1.00.
    assert closed["reason"] == "manual" and closed["trade"]["exit_price"] == "1.10000"
    assert closed["trade"]["profit_loss"] == "-1.00"
