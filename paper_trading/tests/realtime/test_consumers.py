"""The WebSocket consumers in process (docs/websocket.md): auth, subscriptions, errors, events."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from channels.db import database_sync_to_async

from paper_trading import events
from paper_trading.domain.quotes import make_quote
from paper_trading.worker import price_event

from .conftest import drain, session_cookie, silent, token_for

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def price(symbol="EURUSD", bid="1.10000", ask="1.10020"):
    from datetime import UTC, datetime

    return price_event(
        make_quote(symbol, D(bid), D(ask), datetime(2026, 11, 20, 12, 0, tzinfo=UTC), "manual")
    )


async def test_handshake_without_credentials_is_refused(connect):
    _, connected, _ = await connect()
    assert not connected


async def test_handshake_with_a_wrong_token_is_refused(connect, user):
    _, connected, _ = await connect("/ws/trading/?token=not-a-token")
    assert not connected


async def test_handshake_from_a_foreign_origin_is_refused_even_with_a_token(connect, user):
    key = await database_sync_to_async(token_for)(user)
    _, connected, _ = await connect(f"/ws/trading/?token={key}", origin=(b"origin", b"http://evil.example"))
    assert not connected


async def test_session_cookie_connects_and_greets_with_the_users_accounts(connect, user):
    from paper_trading.engine import PaperTradingEngine

    account = await database_sync_to_async(PaperTradingEngine(user).get_account)()
    cookie = await database_sync_to_async(session_cookie)(user)
    socket, connected, _ = await connect(cookie=cookie)
    assert connected
    hello = await socket.receive_json_from()
    assert hello["type"] == "connection"
    assert hello["user"] == {"id": user.pk, "username": "alice"}
    assert [a["id"] for a in hello["accounts"]] == [account.pk]
    assert hello["accounts"][0]["balance"] == "10000.00"
    assert hello["timestamp"].endswith("Z")


async def test_token_in_the_query_string_connects(connect, user):
    key = await database_sync_to_async(token_for)(user)
    socket, connected, _ = await connect(f"/ws/trading/?token={key}")
    assert connected
    assert (await socket.receive_json_from())["type"] == "connection"


async def test_a_token_from_the_token_endpoint_connects_until_it_is_revoked(connect, user):
    from django.core.cache import cache
    from rest_framework.test import APIClient

    def sign_in():
        cache.delete_many(["throttle_auth_127.0.0.1"])
        body = {"username": "alice", "password": "pw-alice"}
        return APIClient().post("/api/auth/token/", body).json()["token"]

    def revoke(key):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client.delete("/api/auth/token/").status_code

    key = await database_sync_to_async(sign_in)()
    socket, connected, _ = await connect(f"/ws/trading/?token={key}")
    assert connected
    assert (await socket.receive_json_from())["type"] == "connection"

    assert await database_sync_to_async(revoke)(key) == 204
    _, connected, _ = await connect(f"/ws/trading/?token={key}")
    assert not connected


async def test_an_expired_token_is_refused(connect, user):
    from datetime import timedelta

    from django.utils import timezone
    from knox.models import AuthToken

    def expired_token():
        key = token_for(user)
        AuthToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))
        return key

    key = await database_sync_to_async(expired_token)()
    _, connected, _ = await connect(f"/ws/trading/?token={key}")
    assert not connected


async def test_ping_answers_pong(connect, user):
    key = await database_sync_to_async(token_for)(user)
    socket, _, _ = await connect(f"/ws/trading/?token={key}")
    await socket.receive_json_from()
    await socket.send_json_to({"type": "ping"})
    pong = await socket.receive_json_from()
    assert pong["type"] == "pong" and pong["timestamp"].endswith("Z")


async def test_subscribe_and_unsubscribe_filter_prices(connect, user):
    key = await database_sync_to_async(token_for)(user)
    socket, _, _ = await connect(f"/ws/trading/?token={key}")
    await socket.receive_json_from()
    broadcaster = events.get_broadcaster()

    broadcaster.publish(price("EURUSD"))  # not subscribed yet: never arrives
    assert await silent(socket)

    await socket.send_json_to({"type": "subscribe", "symbols": ["eur/usd", "XAUUSD"]})
    assert await socket.receive_json_from() == {"type": "subscribed", "symbols": ["EURUSD", "XAUUSD"]}
    broadcaster.publish(price("EURUSD"))
    broadcaster.publish(price("GBPUSD", "1.25000", "1.25020"))  # not subscribed
    got = await drain(socket)
    assert got == [
        {
            "type": "price_update",
            "symbol": "EURUSD",
            "bid": "1.10000",
            "ask": "1.10020",
            "mid": "1.10010",
            "time": "2026-11-20T12:00:00Z",
            "source": "manual",
        }
    ]

    await socket.send_json_to({"type": "unsubscribe", "symbols": ["EURUSD"]})
    assert await socket.receive_json_from() == {"type": "unsubscribed", "symbols": ["EURUSD"]}
    broadcaster.publish(price("EURUSD"))
    assert await silent(socket)


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("{not json", "bad_json"),
        ("[1, 2]", "bad_message"),
        ('{"type": "launch_rockets"}', "unknown_type"),
        ('{"type": "subscribe", "symbols": ["NOPE"]}', "unknown_symbol"),
        ('{"type": "subscribe", "symbols": []}', "invalid_symbols"),
        ('{"type": "subscribe", "symbols": [1]}', "invalid_symbols"),
        ('{"type": "subscribe", "symbols": "' + "x" * 5000 + '"}', "message_too_large"),
    ],
)
async def test_bad_messages_get_an_error_and_the_socket_stays_open(connect, user, frame, code):
    key = await database_sync_to_async(token_for)(user)
    socket, _, _ = await connect(f"/ws/trading/?token={key}")
    await socket.receive_json_from()
    await socket.send_to(text_data=frame)
    error = await socket.receive_json_from()
    assert error["type"] == "error" and error["code"] == code and error["message"]
    await socket.send_json_to({"type": "ping"})
    assert (await socket.receive_json_from())["type"] == "pong"


async def test_a_refused_subscription_subscribes_nothing(connect, user):
    key = await database_sync_to_async(token_for)(user)
    socket, _, _ = await connect(f"/ws/trading/?token={key}")
    await socket.receive_json_from()
    await socket.send_json_to({"type": "subscribe", "symbols": ["EURUSD", "NOPE"]})
    assert (await socket.receive_json_from())["code"] == "unknown_symbol"
    events.get_broadcaster().publish(price("EURUSD"))
    assert await silent(socket)


async def test_symbols_per_socket_are_limited(connect, user, monkeypatch):
    from paper_trading import consumers
    from paper_trading.domain.instruments import REGISTRY

    MAX_SYMBOLS = 3  # the real limit (20) is above the registry's size today
    monkeypatch.setattr(consumers, "MAX_SYMBOLS", MAX_SYMBOLS)
    key = await database_sync_to_async(token_for)(user)
    socket, _, _ = await connect(f"/ws/trading/?token={key}")
    await socket.receive_json_from()
    symbols = sorted(REGISTRY)
    assert len(symbols) > MAX_SYMBOLS
    await socket.send_json_to({"type": "subscribe", "symbols": symbols[:MAX_SYMBOLS]})
    assert len((await socket.receive_json_from())["symbols"]) == MAX_SYMBOLS
    await socket.send_json_to({"type": "subscribe", "symbols": symbols[MAX_SYMBOLS:][:1]})
    assert (await socket.receive_json_from())["code"] == "too_many_symbols"


async def test_prices_path_streams_price_messages_for_subscribed_symbols(connect, user):
    cookie = await database_sync_to_async(session_cookie)(user)
    socket, connected, _ = await connect("/ws/prices/", cookie=cookie)
    assert connected
    await socket.send_json_to({"action": "subscribe", "symbols": ["EURUSD"]})
    assert await socket.receive_json_from() == {"action": "subscribed", "symbols": ["EURUSD"]}
    events.get_broadcaster().publish(price("EURUSD"))
    events.get_broadcaster().publish(price("XAUUSD", "2650.00", "2650.30"))
    assert await drain(socket) == [
        {
            "type": "price",
            "symbol": "EURUSD",
            "bid": "1.10000",
            "ask": "1.10020",
            "time": "2026-11-20T12:00:00Z",
            "source": "manual",
        }
    ]
    await socket.send_json_to({"action": "dance"})
    assert (await socket.receive_json_from())["code"] == "unknown_action"


async def test_prices_path_refuses_anonymous_sockets(connect):
    _, connected, _ = await connect("/ws/prices/")
    assert not connected


async def test_a_session_that_ended_is_refused(connect, user):
    from django.contrib.sessions.models import Session

    cookie = await database_sync_to_async(session_cookie)(user)
    await database_sync_to_async(Session.objects.all().delete)()  # what logout does to it
    _, connected, _ = await connect(cookie=cookie)
    assert not connected


async def test_a_session_from_before_a_password_change_is_refused(connect, user):
    cookie = await database_sync_to_async(session_cookie)(user)

    def change_password():
        user.set_password("a-new-password-123")
        user.save()

    await database_sync_to_async(change_password)()
    _, connected, _ = await connect(cookie=cookie)
    assert not connected


async def test_the_token_of_a_deactivated_user_is_refused(connect, user):
    key = await database_sync_to_async(token_for)(user)
    user.is_active = False
    await database_sync_to_async(user.save)()
    _, connected, _ = await connect(f"/ws/trading/?token={key}")
    assert not connected


async def test_events_published_together_reach_the_socket_in_order_through_one_batch(
    connect, user, monkeypatch
):
    from channels.layers import get_channel_layer

    key = await database_sync_to_async(token_for)(user)
    socket, _, _ = await connect(f"/ws/trading/?token={key}")
    await socket.receive_json_from()
    await socket.send_json_to({"type": "subscribe", "symbols": ["EURUSD"]})
    await socket.receive_json_from()
    layer = get_channel_layer()
    sent = []
    real_send = layer.group_send

    async def recording_send(group, message):
        sent.append((group, message["type"]))
        await real_send(group, message)

    monkeypatch.setattr(layer, "group_send", recording_send)
    broadcaster = events.get_broadcaster()
    trade = {"id": 9, "symbol": "EURUSD", "status": "open"}
    broadcaster.publish({"type": "trade_execution", "user_id": user.pk, "trade": trade, "reason": "market"})
    broadcaster.publish({"type": "account_update", "user_id": user.pk, "account": {"id": 3}})
    broadcaster.publish(price("EURUSD"))
    broadcaster.publish(price("EURUSD", "1.10010", "1.10030"))

    got = await drain(socket)
    # In order within each group (the user's events and the symbol's prices reach the socket by
    # different subscriptions on Redis, so only the in-memory layer orders them across groups).
    private = [m for m in got if m["type"] != "price_update"]
    assert private == [
        {"type": "trade_execution", "trade": trade, "reason": "market"},
        {"type": "account_update", "account": {"id": 3}},
    ]
    assert [m["bid"] for m in got if m["type"] == "price_update"] == ["1.10000", "1.10010"]
    # Two channel-layer messages, not four: one per group.
    assert sent == [(f"user.{user.pk}", "event.batch"), ("symbol.EURUSD", "event.batch")]
