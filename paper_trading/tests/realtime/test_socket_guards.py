"""The WebSocket guards in process: the Origin rule, sockets closing on logout, the per-user
socket cap and the message rate limit (docs/websocket.md, "Connecting" and "Limits").
`test_live_guards.py` checks the same over a real server."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth.signals import user_logged_out
from django.test import Client, RequestFactory, override_settings

from .conftest import drain, session_cookie, token_for

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def origin(value: str):
    return (b"origin", value.encode())


@pytest.mark.parametrize(
    "value, accepted",
    [
        ("http://testserver", True),  # the server's own origin (Host: testserver, ws → http)
        ("http://testserver:80", True),  # the same origin with its default port spelt out
        ("http://testserver:1234", False),  # another port of the same host
        ("https://testserver", False),  # another scheme
        ("http://localhost", False),  # a host in ALLOWED_HOSTS, but not the one serving
        ("http://127.0.0.1:8000", True),  # in CSRF_TRUSTED_ORIGINS
        ("http://evil.example", False),
        ("null", False),  # a sandboxed frame or a file: page
    ],
)
async def test_a_session_socket_needs_the_servers_own_origin_or_a_trusted_one(connect, user, value, accepted):
    cookie = await database_sync_to_async(session_cookie)(user)
    _, connected, _ = await connect(cookie=cookie, origin=origin(value))
    assert connected is accepted


async def test_a_session_cookie_without_an_origin_is_not_enough(connect, user):
    cookie = await database_sync_to_async(session_cookie)(user)
    _, connected, _ = await connect(cookie=cookie, origin=None)
    assert not connected


@pytest.mark.parametrize(
    "value, accepted",
    [
        (None, True),
        ("http://testserver", True),
        ("http://testserver:1234", False),
        ("http://evil.example", False),
    ],
)
async def test_a_token_socket_without_an_origin_is_a_script_and_with_one_follows_the_same_rule(
    connect, user, value, accepted
):
    key = await database_sync_to_async(token_for)(user)
    _, connected, _ = await connect(f"/ws/trading/?token={key}", origin=origin(value) if value else None)
    assert connected is accepted


async def test_the_host_must_be_in_allowed_hosts(user):
    from channels.testing import WebsocketCommunicator

    from forex_signal.asgi import application

    key = await database_sync_to_async(token_for)(user)
    path, headers = f"/ws/trading/?token={key}", [(b"host", b"evil.example")]
    socket = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await socket.connect(timeout=5)
    assert not connected


@override_settings(CSRF_TRUSTED_ORIGINS=["https://*.example.com"])
@pytest.mark.parametrize(
    "value, accepted",
    [("https://app.example.com", True), ("http://app.example.com", False), ("https://example.org", False)],
)
async def test_a_wildcard_trusted_origin_covers_its_subdomains_on_its_scheme(connect, user, value, accepted):
    cookie = await database_sync_to_async(session_cookie)(user)
    _, connected, _ = await connect(cookie=cookie, origin=origin(value))
    assert connected is accepted


async def test_logout_closes_the_session_socket_with_logged_out_and_4401(connect, user):
    def signed_in_client():
        client = Client()
        client.force_login(user)
        return client

    client = await database_sync_to_async(signed_in_client)()
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    socket, connected, _ = await connect(cookie=cookie)
    assert connected
    assert (await socket.receive_json_from())["type"] == "connection"

    def logout():
        client.get("/api/auth/session/")  # the CSRF cookie the POST must echo
        response = client.post("/api/auth/logout/", HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
        assert response.status_code == 200, response.content

    await database_sync_to_async(logout)()
    assert await socket.receive_json_from(timeout=5) == {
        "type": "error",
        "code": "logged_out",
        "message": "Signed out: sign in again to reconnect.",
    }
    assert await socket.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}


async def test_token_revocation_closes_the_token_socket_of_both_paths(connect, user, other_user):
    """Revoking a token sends Django's `user_logged_out` for its user (what `DELETE
    /api/auth/token/` does); sent directly here, it is the contract between the two pieces."""
    key = await database_sync_to_async(token_for)(user)
    other_key = await database_sync_to_async(token_for)(other_user)
    trading, _, _ = await connect(f"/ws/trading/?token={key}", origin=None)
    prices, _, _ = await connect(f"/ws/prices/?token={key}", origin=None)
    bystander, _, _ = await connect(f"/ws/trading/?token={other_key}", origin=None)
    await drain(trading)
    await drain(bystander)

    await database_sync_to_async(user_logged_out.send)(
        sender=type(user), request=RequestFactory().delete("/api/auth/token/"), user=user
    )
    for socket in (trading, prices):
        assert (await socket.receive_json_from(timeout=5))["code"] == "logged_out"
        assert await socket.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}
    await bystander.send_json_to({"type": "ping"})
    assert (await bystander.receive_json_from(timeout=5))["type"] == "pong"


@override_settings(WS_MAX_SOCKETS_PER_USER=3)
async def test_the_socket_after_the_cap_is_refused_and_a_close_frees_a_slot(connect, user, other_user):
    key = await database_sync_to_async(token_for)(user)
    opened = [await connect(f"/ws/trading/?token={key}", origin=None) for _ in range(3)]
    assert [connected for _, connected, _ in opened] == [True, True, True]
    _, connected, _ = await connect(f"/ws/prices/?token={key}", origin=None)  # both paths count
    assert not connected
    other = await database_sync_to_async(token_for)(other_user)
    assert (await connect(f"/ws/trading/?token={other}", origin=None))[1]  # a cap per user

    await opened[0][0].disconnect()
    assert (await connect(f"/ws/trading/?token={key}", origin=None))[1]
    assert not (await connect(f"/ws/trading/?token={key}", origin=None))[1]


@override_settings(WS_MAX_MESSAGES_PER_SECOND=5)
async def test_messages_over_the_rate_get_one_rate_limited_error_and_are_not_processed(connect, user):
    key = await database_sync_to_async(token_for)(user)
    socket, _, _ = await connect(f"/ws/trading/?token={key}", origin=None)
    await drain(socket)
    for _ in range(8):  # 5 within the rate, 3 over it, all well within one second
        await socket.send_json_to({"type": "ping"})
    got = await drain(socket, quiet=0.3)
    assert [m["type"] for m in got] == ["pong"] * 5 + ["error"]
    assert got[-1]["code"] == "rate_limited"

    await asyncio.sleep(1.05)  # the window has moved on: messages are answered again
    await socket.send_json_to({"type": "ping"})
    assert (await socket.receive_json_from(timeout=5))["type"] == "pong"
