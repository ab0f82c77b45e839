"""API tokens (django-rest-knox): only a digest is stored, each expires (TOKEN_TTL_HOURS), and
`DELETE /api/auth/token/`, logout and logout-all revoke them with Django's `user_logged_out`.
docs/api.md#authentication."""

import hashlib
from datetime import timedelta

import pytest
from django.contrib.auth.signals import user_logged_out
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from .support import assert_error, url

pytestmark = pytest.mark.django_db

TOKEN = "/api/auth/token/"


@pytest.fixture(autouse=True)
def _no_throttle_history():
    keys = ["throttle_auth_127.0.0.1", "throttle_anon_127.0.0.1"]
    cache.delete_many(keys + [f"{k}:log" for k in keys])


def sign_in(username="alice", password="pw-alice"):
    response = APIClient().post(TOKEN, {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def with_token(key) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def logouts():
    """Every `user_logged_out` sent: (username, the request was Django's)."""
    seen = []

    def receiver(sender, request, user, **kwargs):
        seen.append((user.username, isinstance(request, HttpRequest)))

    user_logged_out.connect(receiver)
    yield seen
    user_logged_out.disconnect(receiver)


def test_token_endpoint_answers_a_token_that_works_and_its_expiry(user):
    before = timezone.now()
    body = sign_in()
    after = timezone.now()

    assert set(body) == {"token", "expiry"}
    assert len(body["token"]) == 64  # 32 random bytes in hex
    assert with_token(body["token"]).get(url("accounts/")).status_code == 200
    # TOKEN_TTL_HOURS defaults to 720: 30 days from now.
    expiry = AuthToken.objects.get().expiry
    assert before + timedelta(hours=720) <= expiry <= after + timedelta(hours=720)
    assert body["expiry"] == expiry.isoformat().replace("+00:00", "Z")


def test_token_is_stored_as_its_sha512_digest_only(user):
    key = sign_in()["token"]

    row = AuthToken.objects.get()
    assert row.digest == hashlib.sha512(key.encode()).hexdigest()
    assert row.token_key == key[:15]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(AuthToken._meta.db_table)}")
        rows = cursor.fetchall()
    assert len(rows) == 1
    assert not any(key in str(value) for value in rows[0])


def test_an_expired_token_is_401_and_deleted(user):
    key = sign_in()["token"]
    AuthToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))

    body = assert_error(with_token(key).get(url("accounts/")), 401, "authentication_failed")

    assert body["message"] == "Invalid token."
    assert AuthToken.objects.count() == 0


def test_delete_revokes_the_token_it_is_sent_with_only(user, logouts):
    first, second = sign_in()["token"], sign_in()["token"]

    response = with_token(first).delete(TOKEN)

    assert response.status_code == 204
    assert_error(with_token(first).get(url("accounts/")), 401, "authentication_failed")
    assert with_token(second).get(url("accounts/")).status_code == 200
    assert logouts == [("alice", True)]


def test_delete_without_a_token_is_401(db):
    assert_error(APIClient().delete(TOKEN), 401, "not_authenticated")


def test_logout_with_a_token_revokes_it(user, logouts):
    key = sign_in()["token"]

    response = with_token(key).post("/api/auth/logout/")

    assert (response.status_code, response.json()) == (200, {"authenticated": False})
    assert_error(with_token(key).get(url("accounts/")), 401, "authentication_failed")
    assert logouts == [("alice", True)]


def test_logout_all_revokes_every_token_of_the_user_and_no_one_elses(user, other_user, logouts):
    mine = [sign_in()["token"] for _ in range(3)]
    bobs = sign_in("bob", "pw-bob")["token"]

    response = with_token(mine[0]).post("/api/auth/logout-all/")

    assert (response.status_code, response.json()) == (200, {"authenticated": False, "tokens_revoked": 3})
    for key in mine:
        assert_error(with_token(key).get(url("accounts/")), 401, "authentication_failed")
    assert with_token(bobs).get(url("accounts/")).status_code == 200
    assert logouts == [("alice", True)]


def test_logout_all_from_the_browser_ends_the_session_too(user, logouts):
    key = sign_in()["token"]
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    csrf = browser.get("/api/auth/session/").cookies["csrftoken"].value

    response = browser.post("/api/auth/logout-all/", content_type="application/json", HTTP_X_CSRFTOKEN=csrf)

    assert response.json() == {"authenticated": False, "tokens_revoked": 1}
    assert browser.get("/api/auth/session/").json() == {"authenticated": False}
    assert_error(with_token(key).get(url("accounts/")), 401, "authentication_failed")
    assert logouts == [("alice", True)]


def test_a_header_that_is_not_utf8_is_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token \xe9\xe9")  # Latin-1 bytes on the wire
    assert_error(client.get(url("accounts/")), 401, "authentication_failed")


def test_the_admin_never_shows_a_token_whole(user, django_user_model):
    key = sign_in()["token"]
    row = AuthToken.objects.get()
    admin_user = django_user_model.objects.create_superuser("root", password="pw-root")
    browser = Client()
    browser.force_login(admin_user)

    listing = browser.get("/admin/knox/authtoken/")
    detail = browser.get(f"/admin/knox/authtoken/{row.pk}/change/")

    assert listing.status_code == detail.status_code == 200
    for page in (listing.content.decode(), detail.content.decode()):
        assert key not in page  # (the digest is the row's key in admin URLs: no use as a token)
        assert key[:15] in page  # the first characters, to tell tokens apart
    assert browser.get("/admin/knox/authtoken/add/").status_code == 403
