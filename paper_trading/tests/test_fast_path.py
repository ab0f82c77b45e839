"""paper_trading/fast_path.py: one test per private thing a shim relies on, failing when the
dependency changes it, and the same answers from the API with FAST_PATH on and off."""

import asyncio
import inspect
from decimal import Decimal

import pytest
from rest_framework import serializers
from rest_framework.test import APIClient

from paper_trading import fast_path


@pytest.fixture(autouse=True)
def _fast_path_on(settings):
    """On unless a test turns it off, whatever FAST_PATH the run has."""
    settings.FAST_PATH = True


# ---- DRF: ReusedFields ---------------------------------------------------------------------------


class _Reused(fast_path.ReusedFields, serializers.Serializer):
    lot_size = serializers.DecimalField(max_digits=8, decimal_places=2)
    note = serializers.CharField(required=False, default="")


def test_drf_binding_dict_binds_a_field_to_its_serializer_when_stored():
    """ReusedFields builds `BindingDict(serializer)` itself and re-points `field.parent`."""
    from rest_framework.utils.serializer_helpers import BindingDict

    serializer = serializers.Serializer()
    assert isinstance(serializer.fields, BindingDict)
    bound = BindingDict(serializer)
    field = serializers.CharField()
    bound["name"] = field
    assert (field.field_name, field.parent, bound.serializer) == ("name", serializer, serializer)
    assert field.root is serializer  # `root` walks `parent`, which the shim re-points


def test_reused_fields_are_shared_within_a_thread_and_rebound_to_each_serializer():
    first, second = _Reused(data={"lot_size": "0.10"}), _Reused(data={"lot_size": "0.20", "note": "x"})
    assert first.is_valid() and second.is_valid()
    assert first.fields["lot_size"] is second.fields["lot_size"]
    assert second.fields["lot_size"].parent is second
    assert (first.validated_data, second.validated_data) == (
        {"lot_size": Decimal("0.10"), "note": ""},
        {"lot_size": Decimal("0.20"), "note": "x"},
    )


def test_without_the_fast_path_each_serializer_has_drfs_own_fields(settings):
    settings.FAST_PATH = False
    first, second = _Reused(data={"lot_size": "0.10"}), _Reused(data={"lot_size": "bad"})
    assert first.fields["lot_size"] is not second.fields["lot_size"]
    assert first.is_valid() and not second.is_valid()
    assert list(second.errors) == ["lot_size"]


# ---- channels_redis: DirectPublisher -------------------------------------------------------------


def test_channels_redis_pubsub_names_a_groups_channel_as_the_publisher_does():
    """DirectPublisher PUBLISHes to `<prefix>__group__<group>` with the layer's `serialize`."""
    from channels_redis.pubsub import RedisPubSubChannelLayer, RedisPubSubLoopLayer

    layer = RedisPubSubChannelLayer(hosts=["redis://127.0.0.1:1/0"], prefix="pfx")
    loop_layer = RedisPubSubLoopLayer(hosts=["redis://127.0.0.1:1/0"], prefix="pfx")
    assert loop_layer._get_group_channel_name("user.7") == "pfx__group__user.7"
    message = {"type": "trade_execution", "payload": {"id": 1}}
    assert layer.deserialize(layer.serialize(message)) == message
    assert "serialize" in vars(RedisPubSubChannelLayer)  # on the proxy itself, not forwarded


def test_the_publisher_is_made_only_for_the_pubsub_layer_on_one_host_with_the_fast_path_on(settings):
    from channels.layers import InMemoryChannelLayer
    from channels_redis.pubsub import RedisPubSubChannelLayer

    one = {"hosts": ["redis://127.0.0.1:1/0"]}
    settings.CHANNEL_LAYERS = {"x": {"CONFIG": one}, "two": {"CONFIG": {"hosts": one["hosts"] * 2}}}
    layer = RedisPubSubChannelLayer(**one)
    assert isinstance(fast_path.DirectPublisher.for_layer(layer, "x"), fast_path.DirectPublisher)
    assert fast_path.DirectPublisher.for_layer(layer, "two") is None  # sharded: the layer's own path
    assert fast_path.DirectPublisher.for_layer(InMemoryChannelLayer(), "x") is None
    settings.FAST_PATH = False
    assert fast_path.DirectPublisher.for_layer(layer, "x") is None


# ---- Django: SyncChainASGIHandler ----------------------------------------------------------------


def test_djangos_asgi_handler_still_has_what_the_sync_chain_handler_calls():
    from django.core.handlers import asgi

    for name in ("read_body", "create_request", "send_response", "chunk_size", "handle"):
        assert hasattr(asgi.ASGIHandler, name), name
    assert list(inspect.signature(asgi.ASGIHandler.read_body).parameters) == ["self", "receive"]
    assert list(inspect.signature(asgi.ASGIHandler.create_request).parameters) == [
        "self",
        "scope",
        "body_file",
    ]
    assert list(inspect.signature(asgi.ASGIHandler.send_response).parameters) == ["self", "response", "send"]
    assert "is_async" in inspect.signature(asgi.ASGIHandler.load_middleware).parameters
    assert callable(asgi.get_script_prefix)


async def _get(app, path: str) -> tuple[int, bytes, dict]:
    from asgiref.testing import ApplicationCommunicator

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    talk = ApplicationCommunicator(app, scope)
    await talk.send_input({"type": "http.request", "body": b""})
    start = await talk.receive_output(10)
    body = b""
    while True:
        part = await talk.receive_output(10)
        body += part.get("body", b"")
        if not part.get("more_body"):
            break
    await talk.wait(10)
    return start["status"], body, dict(start["headers"])


@pytest.mark.django_db(transaction=True)
def test_the_http_handler_answers_as_djangos_own_with_the_fast_path_on_and_off(settings):
    from django.core.handlers.asgi import ASGIHandler

    on = fast_path.http_application()
    settings.FAST_PATH = False
    off = fast_path.http_application()
    assert isinstance(on, fast_path.SyncChainASGIHandler) and type(off) is ASGIHandler
    for path in ("/healthz", "/api/paper-trading/account/"):
        on_status, on_body, on_headers = asyncio.run(_get(on, path))
        off_status, off_body, off_headers = asyncio.run(_get(off, path))
        assert (on_status, on_body) == (off_status, off_body), path
        assert on_headers.get(b"Content-Type") == off_headers.get(b"Content-Type"), path


# ---- daphne / Twisted: FormlessServer ------------------------------------------------------------


def test_twisted_keeps_the_form_parsing_flag_behind_its_public_argument():
    from twisted.internet.testing import StringTransport
    from twisted.web import http

    assert inspect.signature(http.Request.__init__).parameters["parsePOSTFormSubmission"].default is True
    channel = http.HTTPChannel()
    channel.makeConnection(StringTransport())
    request = http.Request(channel, parsePOSTFormSubmission=False)
    assert request._parsePOSTFormSubmission is False
    assert "_parsePOSTFormSubmission" in inspect.getsource(http.Request.requestReceived)


def test_daphne_announces_each_request_to_the_server_from_its_constructor():
    """FormlessServer clears the flag in `protocol_connected`, before any body arrives."""
    from daphne.http_protocol import HTTPFactory, WebRequest
    from twisted.internet.testing import StringTransport
    from twisted.web import http

    server = fast_path.formless_server_class()(application=None, endpoints=["tcp:port=0:interface=127.0.0.1"])
    server.connections = {}
    channel = http.HTTPChannel()
    channel.factory = HTTPFactory(server)
    channel.makeConnection(StringTransport())
    request = WebRequest(channel)
    assert request in server.connections
    assert request._parsePOSTFormSubmission is False


# ---- the same API with the fast path off ---------------------------------------------------------


def _order_answers(user, tick) -> list[tuple[int, dict]]:
    from paper_trading.tests.api.support import token_for

    tick("EURUSD", "1.09990", "1.10000")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    base = "/api/paper-trading"
    answers = [
        client.post(
            f"{base}/trades/execute/",
            {"pair": "EURUSD", "order_type": "buy", "lot_size": "0.10", "stop_loss": "1.09500"},
            "json",
        ),
        client.post(f"{base}/trades/execute/", {"pair": "EURUSD", "order_type": "hold"}, "json"),
        client.post(f"{base}/orders/", {"symbol": "EURUSD", "side": "sell", "type": "limit"}, "json"),
        client.post(
            f"{base}/orders/",
            {"symbol": "EURUSD", "side": "sell", "type": "limit", "price": "1.20000", "stop_loss": "1.20500"},
            "json",
        ),
    ]
    volatile = {"id", "account", "trade_id", "opened_at", "created_at", "updated_at", "entry_time", "fills"}
    return [
        (answer.status_code, {k: v for k, v in answer.json().items() if k not in volatile})
        for answer in answers
    ]


@pytest.mark.django_db
def test_orders_are_answered_the_same_with_the_fast_path_off(settings, make_user, tick):
    on = _order_answers(make_user("on"), tick)
    settings.FAST_PATH = False
    off = _order_answers(make_user("off"), tick)
    assert [status for status, _ in on] == [201, 400, 400, 201]
    assert off == on
