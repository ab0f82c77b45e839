"""Browser sign-in (session + CSRF) used by the dashboard: /api/auth/session|login|logout/."""

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.throttling import ScopedRateThrottle

pytestmark = pytest.mark.django_db

THROTTLE_KEY = "throttle_auth_127.0.0.1"


@pytest.fixture(autouse=True)
def _no_throttle_history():
    cache.delete(THROTTLE_KEY)
    yield
    cache.delete(THROTTLE_KEY)


@pytest.fixture
def browser():
    """A client that enforces CSRF like a real browser session does."""
    return Client(enforce_csrf_checks=True)


def csrf_token(browser) -> str:
    response = browser.get("/api/auth/session/")
    assert response.status_code == 200
    return response.cookies["csrftoken"].value


def sign_in(browser, username, password):
    token = csrf_token(browser)
    return browser.post(
        "/api/auth/login/",
        {"username": username, "password": password},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )


def test_session_when_signed_out_says_so_and_sets_the_csrf_cookie(browser):
    response = browser.get("/api/auth/session/")
    assert response.status_code == 200
    assert response.json() == {"authenticated": False}
    assert response.cookies["csrftoken"].value


def test_login_with_csrf_starts_a_session_the_api_accepts(browser, user):
    response = sign_in(browser, "alice", "pw-alice")
    assert response.status_code == 200
    assert response.json() == {
        "authenticated": True,
        "user": {"id": user.pk, "username": "alice", "is_staff": False},
    }
    assert "sessionid" in response.cookies
    assert browser.get("/api/auth/session/").json()["user"]["username"] == "alice"
    assert browser.get("/api/paper-trading/accounts/").status_code == 200


def test_login_without_csrf_token_is_refused_and_signs_nobody_in(browser, user):
    browser.get("/api/auth/session/")
    response = browser.post(
        "/api/auth/login/", {"username": "alice", "password": "pw-alice"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert "CSRF" in response.json()["message"]
    assert browser.get("/api/auth/session/").json() == {"authenticated": False}


def test_login_with_wrong_password_answers_the_contract_error(browser, user):
    response = sign_in(browser, "alice", "wrong")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_credentials"
    assert body["errors"] == {"non_field_errors": ["Wrong username or password."]}
    assert "sessionid" not in response.cookies


def test_login_without_fields_lists_each_missing_field(browser):
    token = csrf_token(browser)
    response = browser.post("/api/auth/login/", {}, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert set(body["errors"]) == {"username", "password"}


def test_inactive_user_cannot_sign_in(browser, user):
    user.is_active = False
    user.save()
    assert sign_in(browser, "alice", "pw-alice").status_code == 400


def test_login_is_throttled(browser, user, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth": "2/min"})
    assert sign_in(browser, "alice", "wrong").status_code == 400
    assert sign_in(browser, "alice", "wrong").status_code == 400
    response = sign_in(browser, "alice", "pw-alice")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"


def test_unsafe_api_call_with_session_needs_the_csrf_header(browser, user):
    sign_in(browser, "alice", "pw-alice")
    token = browser.cookies["csrftoken"].value  # rotated by the login
    body = {"name": "Second"}
    refused = browser.post("/api/paper-trading/accounts/", body, content_type="application/json")
    assert refused.status_code == 403
    created = browser.post(
        "/api/paper-trading/accounts/", body, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert created.status_code == 201


def test_logout_ends_the_session(browser, user):
    sign_in(browser, "alice", "pw-alice")
    token = browser.cookies["csrftoken"].value
    response = browser.post("/api/auth/logout/", content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
    assert response.json() == {"authenticated": False}
    assert browser.get("/api/auth/session/").json() == {"authenticated": False}
    assert browser.get("/api/paper-trading/accounts/").status_code in (401, 403)


def test_logout_without_csrf_keeps_the_session(browser, user):
    sign_in(browser, "alice", "pw-alice")
    response = browser.post("/api/auth/logout/", content_type="application/json")
    assert response.status_code == 403
    assert browser.get("/api/auth/session/").json()["authenticated"] is True


def test_session_shows_only_the_signed_in_user(browser, user, other_user):
    sign_in(browser, "bob", "pw-bob")
    assert browser.get("/api/auth/session/").json()["user"] == {
        "id": other_user.pk,
        "username": "bob",
        "is_staff": False,
    }
