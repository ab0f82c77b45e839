"""The WebSocket guards over real sockets: a served process (`manage.py serve`), `websockets`
clients, PostgreSQL and Redis. The Origin rule, sockets closing on logout and on token
revocation, the per-user cap over two server processes, and the message rate limit
(docs/websocket.md, "Connecting" and "Limits")."""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid

import pytest
import redis
import requests
import websockets
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.signals import user_logged_out
from django.db import connection
from django.test import RequestFactory
from websockets.exceptions import ConnectionClosed, InvalidStatus

from ..api.support import token_for
from .server import ServerProcess
from .test_live_server import database_url

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the server process shares PostgreSQL"),
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL"),
]
PASSWORD = "s3cret-pass"


@pytest.fixture
def person(django_user_model):
    # Hashed as the server process hashes (the tests' own settings use a faster hasher).
    hashed = PBKDF2PasswordHasher().encode(PASSWORD, "salt" * 4, iterations=1000)
    return django_user_model.objects.create(username="carol", password=hashed)


def server_with(**env) -> ServerProcess:
    server = ServerProcess(database_url=database_url(), redis_url=os.environ["REDIS_URL"])
    server.env.update({key: str(value) for key, value in env.items()})
    return server


def sign_in(server: ServerProcess, username: str) -> requests.Session:
    """A browser's sign-in: the CSRF cookie, then POST /api/auth/login/ with it."""
    browser = requests.Session()
    browser.get(server.url + "/api/auth/session/", timeout=10)
    response = browser.post(
        server.url + "/api/auth/login/",
        json={"username": username, "password": PASSWORD},
        headers={"X-CSRFToken": browser.cookies["csrftoken"]},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return browser


def cookie_header(browser: requests.Session) -> dict:
    return {"Cookie": f"sessionid={browser.cookies['sessionid']}"}


async def handshake(url: str, *, origin: str | None = None, headers: dict | None = None):
    """The open socket after its `connection` greeting, or the HTTP status that refused it."""
    try:
        socket = await websockets.connect(url, origin=origin, additional_headers=headers, open_timeout=5)
    except InvalidStatus as exc:
        return exc.response.status_code
    if url.split("?")[0].endswith("/ws/trading/"):
        assert json.loads(await asyncio.wait_for(socket.recv(), 5))["type"] == "connection"
    return socket


async def closed_with(socket, timeout: float = 5.0) -> tuple[list[dict], int]:
    """Everything the socket receives until it is closed, and the close code."""
    got = []
    try:
        async with asyncio.timeout(timeout):
            while True:
                got.append(json.loads(await socket.recv()))
    except ConnectionClosed:
        pass
    except TimeoutError:
        raise AssertionError(f"the socket was not closed within {timeout} s; got {got}") from None
    return got, socket.close_code


def test_origin_rule_over_a_real_server(person):
    server = server_with(CSRF_TRUSTED_ORIGINS="http://dashboard.test:5173").start()
    try:
        browser = sign_in(server, "carol")
        key = token_for(person)
        own = f"http://127.0.0.1:{server.port}"

        async def matrix():
            trading = f"{server.ws_url}/ws/trading/"
            cookie = cookie_header(browser)
            seen = {}
            cases = {
                "own origin": (trading, own, cookie),
                "other port": (trading, "http://localhost:1234", cookie),
                "same host, other port": (trading, f"http://127.0.0.1:{server.port + 1}", cookie),
                "other scheme": (trading, "https://127.0.0.1", cookie),
                "other scheme, same port": (trading, f"https://127.0.0.1:{server.port}", cookie),
                "trusted origin": (trading, "http://dashboard.test:5173", cookie),
                "cookie without origin": (trading, None, cookie),
                "token without origin": (f"{trading}?token={key}", None, None),
                "token, own origin": (f"{trading}?token={key}", own, None),
                "token, foreign origin": (f"{trading}?token={key}", "http://evil.example", None),
            }
            for name, (url, origin, headers) in cases.items():
                result = await handshake(url, origin=origin, headers=headers)
                seen[name] = result if isinstance(result, int) else "open"
                if not isinstance(result, int):
                    await result.close()
            return seen

        seen = asyncio.run(matrix())
    finally:
        server.stop()
    assert seen == {
        "own origin": "open",
        "other port": 403,
        "same host, other port": 403,
        "other scheme": 403,
        "other scheme, same port": 403,
        "trusted origin": "open",
        "cookie without origin": 403,
        "token without origin": "open",
        "token, own origin": "open",
        "token, foreign origin": 403,
    }


def test_logout_closes_every_socket_of_the_user(person):
    server = server_with().start()
    try:
        browser = sign_in(server, "carol")
        own = f"http://127.0.0.1:{server.port}"
        key = token_for(person)

        async def scenario():
            cookie = cookie_header(browser)  # the logout response deletes it from the browser
            session = await handshake(f"{server.ws_url}/ws/trading/", origin=own, headers=cookie)
            script = await handshake(f"{server.ws_url}/ws/trading/?token={key}")
            response = await asyncio.to_thread(
                browser.post,
                server.url + "/api/auth/logout/",
                headers={"X-CSRFToken": browser.cookies["csrftoken"]},
                timeout=10,
            )
            assert response.status_code == 200, response.text
            results = [await closed_with(session), await closed_with(script)]
            again = await handshake(f"{server.ws_url}/ws/trading/", origin=own, headers=cookie)
            return results, again

        results, again = asyncio.run(scenario())
    finally:
        server.stop()
    logged_out = {"type": "error", "code": "logged_out", "message": "Signed out: sign in again to reconnect."}
    assert results == [([logged_out], 4401), ([logged_out], 4401)]
    assert again == 403  # the old session cookie no longer opens a socket


def test_token_revocation_closes_the_token_socket_through_redis(person):
    """Revoking a token sends `user_logged_out` for its user (`DELETE /api/auth/token/`). Sent
    here from this process, whose channel layer shares the server's prefix: the close reaches a
    socket served by another process, as a revocation on one server reaches the others."""
    prefix = settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]
    server = server_with(CHANNEL_PREFIX=prefix).start()
    try:
        key = token_for(person)

        async def scenario():
            script = await handshake(f"{server.ws_url}/ws/prices/?token={key}")
            await asyncio.to_thread(
                user_logged_out.send,
                sender=type(person),
                request=RequestFactory().delete("/api/auth/token/"),
                user=person,
            )
            return await closed_with(script)

        got, code = asyncio.run(scenario())
    finally:
        server.stop()
    assert [m["code"] for m in got] == ["logged_out"]
    assert code == 4401


def test_delete_of_the_token_closes_its_socket_and_the_token_no_longer_opens_one(person):
    """The whole path on one server: `DELETE /api/auth/token/` revokes the key, sends
    `user_logged_out`, and the socket opened with that key is closed; the key is refused after."""
    server = server_with().start()
    try:
        key = token_for(person)

        async def scenario():
            socket = await handshake(f"{server.ws_url}/ws/trading/?token={key}")
            revoked = await asyncio.to_thread(
                requests.delete, f"{server.url}/api/auth/token/", headers={"Authorization": f"Token {key}"}
            )
            closed = await closed_with(socket)
            return revoked.status_code, closed, await handshake(f"{server.ws_url}/ws/trading/?token={key}")

        status, (got, code), again = asyncio.run(scenario())
    finally:
        server.stop()
    assert status == 204
    assert [m["code"] for m in got] == ["logged_out"] and code == 4401
    assert again == 403


def test_the_21st_socket_is_refused_over_two_servers_and_a_close_frees_a_slot(person):
    """The default cap of 20 counted across two server processes sharing Redis."""
    prefix = f"cap{uuid.uuid4().hex[:8]}"  # shared by the two servers, by no other run
    servers = [server_with(CACHE_KEY_PREFIX=prefix).launch() for _ in range(2)]
    try:
        for server in servers:
            server.ready(60)
        key = token_for(person)
        a, b = (f"{server.ws_url}/ws/prices/?token={key}" for server in servers)

        async def scenario():
            on_a = [await handshake(a) for _ in range(12)]
            on_b = [await handshake(b) for _ in range(8)]
            statuses = [s for s in on_a + on_b if isinstance(s, int)]
            assert not statuses, statuses
            refused = [await handshake(b), await handshake(a)]
            await on_a[0].close()
            await asyncio.sleep(0.2)  # the server handles the close
            freed = await handshake(b)
            after = await handshake(a)
            for socket in on_a[1:] + on_b + [freed]:
                await socket.close()
            return refused, isinstance(freed, int), after

        refused, freed_refused, after = asyncio.run(scenario())
        time.sleep(0.3)  # the servers handle the closes
        left = redis.Redis.from_url(os.environ["REDIS_URL"]).zcard(f"{prefix}:ws:sockets:{person.pk}")
    finally:
        for server in servers:
            server.stop()
    assert refused == [403, 403]
    assert not freed_refused
    assert after == 403  # 20 open again
    assert left == 0


def test_message_rate_limit_over_a_real_socket(person):
    server = server_with(WS_RATE_LIMIT_CLOSE_SECONDS=2).start()
    try:
        key = token_for(person)

        async def scenario():
            socket = await handshake(f"{server.ws_url}/ws/trading/?token={key}")
            # 25 pings at once: 20 answered, one rate_limited error for the other 5
            for _ in range(25):
                await socket.send(json.dumps({"type": "ping"}))
            burst = []
            try:
                async with asyncio.timeout(1.0):
                    async for frame in socket:
                        burst.append(json.loads(frame))
            except TimeoutError:
                pass
            await asyncio.sleep(1.1)
            # 10 a second for 2.5 s stays within the limit: every ping answered, socket open
            steady = []
            for _ in range(25):
                await socket.send(json.dumps({"type": "ping"}))
                steady.append(json.loads(await asyncio.wait_for(socket.recv(), 5))["type"])
                await asyncio.sleep(0.1)
            await asyncio.sleep(1.1)
            # 200 a second: closed once it has gone on for 2 s
            started = time.monotonic()

            async def send_forever():
                try:
                    while True:
                        await socket.send(json.dumps({"type": "ping"}))
                        await asyncio.sleep(0.005)
                except ConnectionClosed:
                    pass

            sender = asyncio.create_task(send_forever())
            flood, code = await closed_with(socket, timeout=10)
            await sender
            return burst, steady, flood, code, time.monotonic() - started

        burst, steady, flood, code, seconds = asyncio.run(scenario())
    finally:
        server.stop()
    assert [m["type"] for m in burst] == ["pong"] * 20 + ["error"]
    assert burst[-1]["code"] == "rate_limited"
    assert steady == ["pong"] * 25
    assert code == 4429
    assert 2.0 <= seconds < 6.0, seconds
    errors = [m for m in flood if m["type"] == "error"]
    assert all(m["code"] == "rate_limited" for m in errors)
    assert 2 <= len(errors) <= 4, errors  # one a second, and the last says it is closing
    assert errors[-1]["message"].endswith("closing.")
