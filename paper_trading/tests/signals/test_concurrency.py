"""Many copies of one alert at once, and a flood of distinct ones (docs/signals.md, Dedupe and
order): one signal and at most one trade however many copies race; a burst past a token's rate
is refused with 429 and every accepted alert is decided and journaled.

On PostgreSQL the alerts cross real sockets to a served process (`manage.py serve`) sharing the
test database; on any database the same race runs in-process from threads, each with its own
connection (SQLite may answer 503 `service_unavailable` to a writer it cannot serve at once)."""

from __future__ import annotations

import os
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connection
from rest_framework.test import APIClient

from paper_trading.models import Decision, PaperTrade, Signal
from paper_trading.services.signals import journal_verify
from paper_trading.tests.api.support import token_for, url
from paper_trading.tests.realtime.server import ServerProcess
from paper_trading.tests.realtime.test_live_server import database_url

pytestmark = pytest.mark.django_db(transaction=True)
ALERT = {"symbol": "BTCUSD", "action": "buy", "lots": "0.10", "stop_loss": "59010", "source": "burst"}
served = pytest.mark.skipif(
    connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"),
    reason="the served process shares PostgreSQL and Redis",
)


def together(senders: int, count: int, send) -> list:
    """`count` calls of `send(i)` spread over `senders` threads released at the same moment."""
    barrier = threading.Barrier(senders)

    def sender(first):
        barrier.wait(timeout=60)
        try:
            return [send(i) for i in range(first, count, senders)]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=senders) as pool:
        return [answer for batch in pool.map(sender, range(senders)) for answer in batch]


def poster(user):
    """POST signals/ as `user`, with one API client per thread."""
    key = token_for(user)
    clients = threading.local()

    def post(body):
        if not hasattr(clients, "api"):
            clients.api = APIClient()
            clients.api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return clients.api.post(url("signals/"), body, format="json")

    return post


def test_identical_posts_from_threads_make_one_signal_and_one_trade(user, auto, btc):
    send = poster(user)

    def post(_):
        answer = send(ALERT)
        if answer.status_code == 503:
            assert answer.json()["code"] == "service_unavailable" and answer["Retry-After"]
        return answer.status_code

    answers = Counter(together(16, 400, post))
    assert set(answers) <= {200, 201, 503}, answers
    assert answers[201] == 1, answers
    assert (Signal.objects.count(), PaperTrade.objects.count()) == (1, 1)
    assert Decision.objects.count() == 1


@pytest.fixture
def server(user, auto, staff):
    process = ServerProcess(
        database_url=database_url(),
        redis_url=os.environ["REDIS_URL"],
        env={"API_THROTTLE_USER": "100000/minute"},
    ).start()
    tick = requests.post(
        f"{process.url}/api/paper-trading/price/ticks/",
        json={"symbol": "BTCUSD", "bid": "60000.00", "ask": "60010.00"},
        headers={"Authorization": f"Token {token_for(staff)}"},
        timeout=10,
    )
    assert tick.status_code < 300, tick.text
    try:
        yield process
    finally:
        output = process.stop()
        assert "Traceback" not in output, output


@served
def test_a_thousand_identical_posts_over_sockets_make_one_signal(server, user):
    headers = {"Authorization": f"Token {token_for(user)}"}
    sessions = threading.local()

    def post(_):
        if not hasattr(sessions, "http"):
            sessions.http = requests.Session()
        return sessions.http.post(
            f"{server.url}/api/paper-trading/signals/", json=ALERT, headers=headers, timeout=30
        ).status_code

    answers = Counter(together(32, 1000, post))
    assert answers == {201: 1, 200: 999}
    assert (Signal.objects.count(), PaperTrade.objects.count()) == (1, 1)


@served
def test_a_burst_of_a_thousand_alerts_past_the_tokens_rate(server, user, auto, make_hook):
    # 600 a minute is the most a token may take; the other 400 of the burst are refused with 429.
    auto.auto_execute_signals = False  # alerted, not executed: the burst measures intake
    auto.save()
    _, token = make_hook(rate_limit_per_minute=600)
    sessions = threading.local()

    def post(i):
        if not hasattr(sessions, "http"):
            sessions.http = requests.Session()
        answer = sessions.http.post(
            f"{server.url}/api/paper-trading/signals/webhook/{token}/",
            json={**ALERT, "signal_id": f"burst-{i}"},
            timeout=30,
        )
        if answer.status_code == 429:
            assert answer.json()["code"] == "rate_limited" and int(answer.headers["Retry-After"]) > 0
        return answer.status_code

    answers = Counter(together(16, 1000, post))
    assert answers == {201: 600, 429: 400}
    assert Signal.objects.count() == 600
    assert set(Signal.objects.values_list("status", flat=True)) == {"alerted"}
    assert journal_verify(account=auto) == {"ok": True, "checked": 600}


def test_racing_distinct_signals_are_journaled_in_arrival_order(user, auto, btc):
    auto.auto_execute_signals = False
    auto.save()
    send = poster(user)

    def post(i):
        return send({**ALERT, "signal_id": f"race-{i}"}).status_code

    answers = Counter(together(8, 80, post))
    assert set(answers) <= {201, 503}, answers
    stored = list(Signal.objects.order_by("id").values_list("id", flat=True))
    # a 503 (SQLite) may come after the signal was stored, while its answer was rendered: a retry
    # of it is a duplicate (200)
    assert answers[201] <= len(stored) <= answers[201] + answers[503]
    assert [d.signal_id for d in Decision.objects.order_by("id")] == stored
    assert journal_verify(account=auto) == {"ok": True, "checked": len(stored)}
