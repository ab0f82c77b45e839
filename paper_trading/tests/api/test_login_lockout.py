"""Password guessing: failed logins on the token endpoint, the session login and the admin are
counted per username (from any address) and per address (for any username); the limit locks
further attempts out, the right password included, with 429 and `Retry-After` until the
cool-off has passed. The address is REMOTE_ADDR unless TRUSTED_PROXY_COUNT says how many proxies
append to X-Forwarded-For. docs/api.md#authentication."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from paper_trading.api.throttling import AnonRateThrottle

from .support import assert_error

pytestmark = pytest.mark.django_db

TOKEN = "/api/auth/token/"
ADDRESSES = ["127.0.0.1", "203.0.113.9", "198.51.100.7", "198.51.100.8", "10.0.0.1"]


@pytest.fixture(autouse=True)
def _limits(settings):
    """The defaults, set here so an operator's environment cannot change the figures: 10
    failures, 15 minutes (900 s)."""
    settings.AXES_FAILURE_LIMIT = 10
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


@pytest.fixture(autouse=True)
def _no_throttle_history():
    # The auth throttle (20/min per address) and the anonymous one would answer 429 `throttled`
    # before the lockout does when earlier tests used the same address within a minute.
    keys = [f"throttle_{scope}_{address}" for scope in ("auth", "anon") for address in ADDRESSES]
    cache.delete_many(keys + [f"{k}:log" for k in keys])
    yield
    cache.delete_many(keys + [f"{k}:log" for k in keys])


def token_attempt(username, password, *, address="127.0.0.1", forwarded=None):
    extra = {"REMOTE_ADDR": address}
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return APIClient().post(TOKEN, {"username": username, "password": password}, format="json", **extra)


def assert_locked_out(response, retry_after="900"):
    body = assert_error(response, 429, "too_many_failed_logins")
    assert set(body) == {"code", "message"}
    assert response["Retry-After"] == retry_after
    return body


def test_token_endpoint_locks_a_username_out_after_ten_failures_from_any_address(user):
    from knox.models import AuthToken

    answers = []
    for i in range(11):
        # A different real address and a different forged header every time.
        address = ADDRESSES[i % 2] if i < 10 else "198.51.100.7"
        answers.append(token_attempt("alice", "wrong", address=address, forwarded=f"192.0.2.{i}"))
    assert [a.status_code for a in answers[:9]] == [400] * 9
    assert_error(answers[0], 400, "validation_error")
    assert_locked_out(answers[9])  # the tenth failure reaches the limit
    assert_locked_out(answers[10])

    right = token_attempt("alice", "pw-alice", address="198.51.100.8")
    assert_locked_out(right)
    assert AuthToken.objects.count() == 0


def test_token_endpoint_locks_an_address_out_across_usernames(user, make_user):
    make_user("bob")
    for i in range(9):
        response = token_attempt(f"guess{i}", "wrong", address="203.0.113.9", forwarded=f"192.0.2.{i}")
        assert response.status_code == 400
    assert_locked_out(token_attempt("bob", "wrong", address="203.0.113.9", forwarded="192.0.2.99"))

    # The forwarded header does not make it another client; another address is one.
    assert_locked_out(token_attempt("alice", "pw-alice", address="203.0.113.9", forwarded="192.0.2.100"))
    assert token_attempt("alice", "pw-alice", address="198.51.100.7").status_code == 200


def test_session_login_locks_out_and_refuses_the_right_password(user):
    browser = Client(enforce_csrf_checks=True)
    csrf = browser.get("/api/auth/session/").cookies["csrftoken"].value

    def sign_in(password, address):
        return browser.post(
            "/api/auth/login/",
            {"username": "alice", "password": password},
            content_type="application/json",
            HTTP_X_CSRFTOKEN=csrf,
            REMOTE_ADDR=address,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{len(address)}",
        )

    statuses = [sign_in("wrong", ADDRESSES[i % 3]).status_code for i in range(9)]
    assert statuses == [400] * 9
    assert_locked_out(sign_in("wrong", "127.0.0.1"))
    assert_locked_out(sign_in("wrong", "203.0.113.9"))

    right = sign_in("pw-alice", "198.51.100.8")
    assert_locked_out(right)
    assert "sessionid" not in right.cookies
    assert browser.get("/api/auth/session/").json() == {"authenticated": False}


def test_admin_login_locks_out_with_a_429_page(make_user):
    make_user("ops", staff=True)
    browser = Client()

    def sign_in(password, i):
        return browser.post(
            "/admin/login/?next=/admin/",
            {"username": "ops", "password": password},
            REMOTE_ADDR=ADDRESSES[i % 2],
            HTTP_X_FORWARDED_FOR=f"192.0.2.{i}",
        )

    answers = [sign_in("wrong", i) for i in range(11)]
    assert [a.status_code for a in answers[:9]] == [200] * 9  # the form again, with its error
    assert b"Please enter the correct username and password" in answers[0].content
    assert [a.status_code for a in answers[9:]] == [429, 429]

    right = sign_in("pw-ops", 11)
    assert right.status_code == 429
    assert right["Retry-After"] == "900"
    assert b"Sign-in locked" in right.content
    assert browser.get("/admin/").status_code == 302  # still signed out: back to the login page


def test_after_the_cool_off_the_right_password_works_again(user):
    from axes.models import AccessAttempt
    from django.db.models import F

    for _ in range(10):
        token_attempt("alice", "wrong")
    assert_locked_out(token_attempt("alice", "pw-alice"), retry_after="900")
    # The failures 16 minutes old: past the 15-minute cool-off (moved in the database, not waited
    # for, so the test does not depend on the machine's speed).
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=16))
    response = token_attempt("alice", "pw-alice")
    assert response.status_code == 200, response.content
    assert response.json()["token"]


def test_a_success_below_the_limit_does_not_lock_out(user):
    for _ in range(9):
        assert token_attempt("alice", "wrong").status_code == 400
    assert token_attempt("alice", "pw-alice").status_code == 200


# ---- which address counts: TRUSTED_PROXY_COUNT (REST_FRAMEWORK["NUM_PROXIES"]) ------------


def test_by_default_no_forwarded_header_is_trusted():
    from django.conf import settings

    assert settings.TRUSTED_PROXY_COUNT == 0
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == 0


@pytest.fixture
def one_proxy(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}


def test_behind_one_proxy_the_address_it_saw_is_counted(user, one_proxy):
    # The proxy (10.0.0.1) appends the address it saw; whatever the client wrote before it is not
    # trusted. Ten failures from 198.51.100.7 through the proxy, each with another forged prefix.
    for i in range(9):
        forwarded = f"192.0.2.{i}, 198.51.100.7"
        response = token_attempt(f"guess{i}", "wrong", address="10.0.0.1", forwarded=forwarded)
        assert response.status_code == 400
    assert_locked_out(token_attempt("guess9", "wrong", address="10.0.0.1", forwarded="198.51.100.7"))
    locked = token_attempt("alice", "pw-alice", address="10.0.0.1", forwarded="192.0.2.50, 198.51.100.7")
    assert_locked_out(locked)
    # Another client behind the same proxy is not locked out.
    other = token_attempt("alice", "pw-alice", address="10.0.0.1", forwarded="192.0.2.50, 198.51.100.8")
    assert other.status_code == 200


@pytest.fixture
def anon_two_per_minute(monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(AnonRateThrottle, "timer", staticmethod(lambda: now[0]))
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/min"})


def test_anonymous_throttle_ignores_a_forged_forwarded_header(anon_two_per_minute):
    client = APIClient()
    for i in range(2):
        assert client.get("/api/auth/session/", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}").status_code == 200
    assert_error(client.get("/api/auth/session/", HTTP_X_FORWARDED_FOR="192.0.2.2"), 429, "throttled")


def test_anonymous_throttle_behind_one_proxy_counts_the_last_hop(anon_two_per_minute, one_proxy):
    client = APIClient(REMOTE_ADDR="10.0.0.1")
    for i in range(2):
        response = client.get("/api/auth/session/", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}, 198.51.100.7")
        assert response.status_code == 200
    refused = client.get("/api/auth/session/", HTTP_X_FORWARDED_FOR="192.0.2.9, 198.51.100.7")
    assert_error(refused, 429, "throttled")
    assert client.get("/api/auth/session/", HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == 200
