"""Fixtures for the real-time tests: sockets in process (WebsocketCommunicator) and a real
server process on loopback."""

from __future__ import annotations

import contextlib

import pytest_asyncio
from channels.testing import WebsocketCommunicator
from django.test import Client

from ..api.support import token_for  # noqa: F401 - the realtime tests import it from here

ORIGIN = (b"origin", b"http://testserver")
HOST = (b"host", b"testserver")


def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


@pytest_asyncio.fixture
async def connect():
    """Open sockets against the project's ASGI application; all are closed at the end."""
    from forex_signal.asgi import application

    opened: list[WebsocketCommunicator] = []

    async def open_socket(path="/ws/trading/", *, cookie: bytes | None = None, origin=ORIGIN):
        headers = [HOST, origin] if origin else [HOST]
        if cookie:
            headers.append((b"cookie", cookie))
        communicator = WebsocketCommunicator(application, path, headers=headers)
        connected, code = await communicator.connect(timeout=5)
        opened.append(communicator)
        return communicator, connected, code

    yield open_socket
    for communicator in opened:
        with contextlib.suppress(Exception):
            await communicator.disconnect()


async def drain(communicator, *, until: str | None = None, first=5.0, quiet=0.5) -> list[dict]:
    """What the socket receives: wait up to `first` seconds for the first message (and for a
    message of type `until`, if given), then everything until it is quiet for `quiet` seconds."""
    out: list[dict] = []
    if await communicator.receive_nothing(timeout=first):
        return out
    while until is not None and not any(m["type"] == until for m in out):
        out.append(await communicator.receive_json_from(timeout=first))
    while not await communicator.receive_nothing(timeout=quiet):
        out.append(await communicator.receive_json_from())
    return out


async def silent(communicator, quiet=0.5) -> bool:
    """Nothing arrives within `quiet` seconds."""
    return await communicator.receive_nothing(timeout=quiet)
