"""Fuzzing every operation of the OpenAPI schema with schemathesis (docs/api.md, Fuzzing).

Each operation gets MAX_EXAMPLES generated requests, valid and invalid, sent in-process to the
WSGI app on the test database as a signed-in staff user (staff can do all a user can, and push
ticks). A response fails the test when it is a 5xx, when its status is not documented, or when
its body or content type does not match the schema. Derandomized: a run is reproducible.

Left out, for a reason:
- GET /api/paper-trading/trades/export/: a CSV body, which a JSON Schema cannot check; its
  filters are the ones of GET trades/, fuzzed there.
"""

import itertools

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

#: Requests per operation: 2,972 in all over the 29 fuzzed operations (docs/api.md, Fuzzing).
MAX_EXAMPLES = 110
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXCLUDED = {("GET", "/api/paper-trading/trades/export/")}

# Read anonymously, so from an address of its own: the anonymous throttle (60/min per address)
# is spent by the fuzz of the public session paths, and a 429 here would fail the collection.
schema = schemathesis.openapi.from_wsgi(
    "/api/schema/?format=json", get_wsgi_application(), environ_base={"REMOTE_ADDR": "203.0.113.254"}
)


_addresses = itertools.count(1)


@pytest.fixture
def token(db, django_user_model, client, tick):
    """A staff user's token, asked for the way a script asks (POST /api/auth/token/), with a
    quoted EURUSD and one trade in each state, so lists and reports answer with real rows."""
    django_user_model.objects.create_user(username="fuzz", password="fuzz-pass-123", is_staff=True)
    tick("EURUSD", "1.09990", "1.10000")
    # Each operation's fuzz signs in from its own address (TEST-NET-3): sign-ins are throttled to
    # 20 a minute per address, and the fuzzed POST /api/auth/login/ spends that budget too.
    address = f"203.0.113.{next(_addresses) % 250 + 1}"  # .254 reads the schema
    credentials = {"username": "fuzz", "password": "fuzz-pass-123"}
    response = client.post("/api/auth/token/", credentials, REMOTE_ADDR=address)
    assert response.status_code == 200, response.content
    key = response.json()["token"]
    auth = {"HTTP_AUTHORIZATION": f"Token {key}", "content_type": "application/json"}
    buy = {"symbol": "EURUSD", "side": "buy", "lot_size": "0.10", "stop_loss": "1.09500"}
    orders = "/api/paper-trading/orders/"
    closed = client.post(orders, buy, **auth).json()["id"]
    assert client.post(f"/api/paper-trading/trades/{closed}/close/", {}, **auth).status_code == 200
    assert client.post(orders, buy, **auth).status_code == 201  # stays open
    pending = {**buy, "type": "limit", "price": "1.09800", "take_profit_1": "1.10500"}
    assert client.post(orders, pending, **auth).status_code == 201
    # The fuzz drives the real WSGI handler, which closes the database connection after each
    # request, and the test's transaction lives on that connection (PostgreSQL lost it after the
    # first request). Django's test client stops the same handler while a request runs (and
    # restores it after, so this comes after the requests above).
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield key
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@schema.exclude(name=[f"{method} {path}" for method, path in EXCLUDED]).parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_every_operation_answers_as_documented(case, token):
    # The WSGI transport hands the body over undecoded, so ask for it uncompressed
    # (gzip is tested on its own: tests/api/test_payload.py).
    headers = {"Authorization": f"Token {token}", "Accept-Encoding": "identity"}
    case.call_and_validate(headers=headers, checks=CHECKS)
