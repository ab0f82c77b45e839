"""End to end on loopback: a real server process, real `websockets` clients, PostgreSQL and
Redis (docs/websocket.md), and the server riding out a Redis restart."""

from __future__ import annotations

import asyncio
import json
import os
import shutil

import pytest
import requests
import websockets
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from paper_trading.persistence import token_and_user

from ..api.support import token_for
from .server import RedisProcess, ServerProcess

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the server process shares PostgreSQL"),
]
BASE = "/api/paper-trading"


def database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Api:
    def __init__(self, server: ServerProcess, key: str):
        self.server, self.headers = server, {"Authorization": f"Token {key}"}

    def post(self, path, body):
        response = requests.post(self.server.url + BASE + path, json=body, headers=self.headers, timeout=10)
        assert response.status_code < 300, response.text
        return response.json()


async def ws_connect(server: ServerProcess, key: str, symbols=("EURUSD",)):
    socket = await websockets.connect(
        f"{server.ws_url}/ws/trading/?token={key}", origin=f"http://127.0.0.1:{server.port}", open_timeout=5
    )
    hello = json.loads(await asyncio.wait_for(socket.recv(), 5))
    assert hello["type"] == "connection"
    await socket.send(json.dumps({"type": "subscribe", "symbols": list(symbols)}))
    assert json.loads(await asyncio.wait_for(socket.recv(), 5))["type"] == "subscribed"
    return socket, hello


async def receive_until(socket, kind: str, timeout: float = 5.0) -> list[dict]:
    got = []
    async with asyncio.timeout(timeout):
        while not got or got[-1]["type"] != kind:
            got.append(json.loads(await socket.recv()))
    return got


@pytest.fixture
def people(no_limits, other_user, staff):
    return {"alice": no_limits.user, "bob": other_user, "staff": staff}


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL")
@pytest.mark.parametrize("layer", ["pubsub", "core"])
def test_take_profit_over_a_real_socket_price_then_close_then_account(people, layer):
    server = ServerProcess(
        database_url=database_url(), redis_url=os.environ["REDIS_URL"], channel_layer=layer
    )
    server.start()
    try:
        keys = {name: token_for(user) for name, user in people.items()}
        alice, staff = Api(server, keys["alice"]), Api(server, keys["staff"])
        staff.post("/price/ticks/", {"symbol": "EURUSD", "bid": "1.09990", "ask": "1.10000"})
        order = {"pair": "EURUSD", "order_type": "buy", "lot_size": "0.10", "take_profit_1": "1.10100"}

        async def scenario():
            a, hello = await ws_connect(server, keys["alice"])
            b, _ = await ws_connect(server, keys["bob"])
            assert hello["accounts"][0]["balance"] == "10000.00"
            trade = await asyncio.to_thread(alice.post, "/trades/execute/", order)
            assert trade["entry_price"] == "1.10000"
            opened = [
                m["type"] for m in await receive_until(a, "account_update") if m["type"] != "bar_update"
            ]
            assert opened == ["trade_execution", "account_update"]
            # bid 1.10110 crosses TP 1.10100; the limit fills at its level: +10.0 pips,
            # 0.001 x 0.10 lots x 100,000 = +10.00 USD.
            await asyncio.to_thread(
                staff.post, "/price/ticks/", {"symbol": "EURUSD", "bid": "1.10110", "ask": "1.10120"}
            )
            got = [m for m in await receive_until(a, "account_update") if m["type"] != "bar_update"]
            heard_by_bob = await receive_until(b, "price_update")
            await asyncio.sleep(0.5)
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.3):
                    while True:
                        heard_by_bob.append(json.loads(await b.recv()))
            await a.close()
            await b.close()
            return trade, got, heard_by_bob

        trade, got, heard_by_bob = asyncio.run(scenario())
        assert [m["type"] for m in got] == ["price_update", "trade_closed", "account_update"]
        price, closed, account = got
        assert price == {
            "type": "price_update",
            "symbol": "EURUSD",
            "bid": "1.10110",
            "ask": "1.10120",
            "mid": "1.10115",
            "time": price["time"],
            "source": "manual",
        }
        assert closed["reason"] == "tp1_hit"
        assert closed["trade"]["id"] == trade["id"] and closed["trade"]["status"] == "closed"
        assert closed["trade"]["exit_price"] == "1.10100" and closed["trade"]["exit_reason"] == "tp1_hit"
        assert closed["trade"]["pips_gained"] == "10.0" and closed["trade"]["profit_loss"] == "10.00"
        assert account["account"]["balance"] == "10010.00" and account["account"]["equity"] == "10010.00"
        assert {m["type"] for m in heard_by_bob} <= {"price_update", "bar_update"}
    finally:
        output = server.stop()
    # No consumer crashed while serving (channels-redis may log its own clean-up at shutdown).
    assert "Exception inside application" not in output, output


@pytest.mark.skipif(not shutil.which("redis-server"), reason="needs the redis-server binary")
@pytest.mark.parametrize("layer", ["pubsub", "core"])
def test_server_survives_a_redis_restart_and_accepts_sockets_once_it_is_back(people, tmp_path, layer):
    redis = RedisProcess(tmp_path).start()
    server = ServerProcess(database_url=database_url(), redis_url=redis.url, channel_layer=layer).start()
    keys = {name: token_for(user) for name, user in people.items()}
    staff = Api(server, keys["staff"])
    try:

        async def stream_then_restart():
            socket, _ = await ws_connect(server, keys["alice"])
            await asyncio.to_thread(
                staff.post, "/price/ticks/", {"symbol": "EURUSD", "bid": "1.1", "ask": "1.1002"}
            )
            assert (await receive_until(socket, "price_update"))[-1]["bid"] == "1.1"
            redis.stop()
            # While Redis (the quote cache) is down the API answers 503 in the API's error body.
            response = await asyncio.to_thread(
                requests.post,
                server.url + BASE + "/price/ticks/",
                json={"symbol": "EURUSD", "bid": "1.1001", "ask": "1.1003"},
                headers=staff.headers,
                timeout=10,
            )
            assert response.status_code == 503, response.text
            assert response.json()["code"] == "service_unavailable"
            assert server.alive()
            redis.start()
            # A new socket works as soon as Redis is back.
            fresh = None
            async with asyncio.timeout(15):
                while fresh is None:
                    try:
                        fresh, _ = await ws_connect(server, keys["alice"])
                    except Exception:  # noqa: BLE001 - handshake refused while the layer reconnects
                        await asyncio.sleep(0.2)
            for attempt in range(50):
                await asyncio.to_thread(
                    staff.post,
                    "/price/ticks/",
                    {"symbol": "EURUSD", "bid": f"1.10{attempt + 10}", "ask": "1.1020"},
                )
                try:
                    async with asyncio.timeout(0.5):
                        message = json.loads(await fresh.recv())
                    if message["type"] == "price_update":
                        return message
                except TimeoutError:
                    continue
            raise AssertionError("no price reached the new socket after Redis came back")

        message = asyncio.run(stream_then_restart())
        assert message["symbol"] == "EURUSD"
        assert server.alive()
    finally:
        server.stop()  # sockets open during the outage may have been closed with a logged error
        redis.stop()


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL")
def test_form_and_multipart_posts_reach_django_whole_through_the_served_process(django_user_model):
    """`manage.py serve` turns Twisted's own form parsing off; Django must still get each body."""
    # Hashed as the server process hashes (the tests' own settings use a faster hasher).
    hashed = PBKDF2PasswordHasher().encode("s3cret-pass", "salt" * 4, iterations=1000)
    django_user_model.objects.create(username="formuser", password=hashed)
    server = ServerProcess(database_url=database_url(), redis_url=os.environ["REDIS_URL"]).start()
    try:
        url = server.url + "/api/auth/token/"
        credentials = {"username": "formuser", "password": "s3cret-pass"}
        form = requests.post(url, data=credentials, timeout=10)
        multipart = requests.post(url, files={k: (None, v) for k, v in credentials.items()}, timeout=10)
        wrong = requests.post(url, data={**credentials, "password": "nope"}, timeout=10)
    finally:
        server.stop()
    for answer in (form, multipart):
        assert answer.status_code == 200
        assert token_and_user(answer.json()["token"])[1].username == "formuser"
    assert form.json()["token"] != multipart.json()["token"]  # each sign-in is a new token
    assert wrong.status_code == 400


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL")
def test_the_served_process_locks_out_a_guessed_password_with_429(django_user_model):
    """Under ASGI django-axes answers from its async path: the API body and the admin page."""
    hashed = PBKDF2PasswordHasher().encode("s3cret-pass", "salt" * 4, iterations=1000)
    django_user_model.objects.create(username="guessed", password=hashed, is_staff=True)
    server = ServerProcess(database_url=database_url(), redis_url=os.environ["REDIS_URL"]).start()
    try:
        url = server.url + "/api/auth/token/"
        wrong = [
            requests.post(
                url,
                json={"username": "guessed", "password": f"nope{i}"},
                headers={"X-Forwarded-For": f"192.0.2.{i}"},
                timeout=10,
            )
            for i in range(10)
        ]
        right = requests.post(url, json={"username": "guessed", "password": "s3cret-pass"}, timeout=10)
        browser = requests.Session()
        browser.get(server.url + "/admin/login/", timeout=10)
        form = {"username": "guessed", "password": "s3cret-pass"}
        admin = browser.post(
            server.url + "/admin/login/",
            data={**form, "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
            timeout=10,
        )
    finally:
        server.stop()
    assert [w.status_code for w in wrong] == [400] * 9 + [429]
    assert right.status_code == 429
    assert right.json()["code"] == "too_many_failed_logins"
    assert right.headers["Retry-After"] == "900"
    assert (admin.status_code, admin.headers["Retry-After"]) == (429, "900")
    assert "Sign-in locked" in admin.text
