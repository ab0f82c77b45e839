"""Errors Django answers before any API view runs (CONTRACT §4.1): a path nothing routes, a path
missing its trailing slash, a crash. Under /api/ they carry the contract's body; the admin and
the dashboard keep Django's pages and redirects."""

import pytest
from django.test import RequestFactory

from paper_trading.api.errors import server_error

from .support import assert_error, db_state, url

pytestmark = pytest.mark.django_db


def test_a_path_nothing_routes_is_404_with_the_error_body(api):
    body = assert_error(api.get(url("no-such-endpoint/")), 404, "not_found")
    assert body["message"] == "No API endpoint at /api/paper-trading/no-such-endpoint/."


def test_a_path_nothing_routes_is_404_without_credentials_too(client):
    assert_error(client.get("/api/no-such-thing/"), 404, "not_found")


def test_post_without_the_trailing_slash_is_404_naming_the_path_and_writes_nothing(api, account, eurusd):
    before = db_state()
    response = api.post(
        "/api/paper-trading/trades/execute", {"pair": "EURUSD", "order_type": "buy"}, format="json"
    )
    body = assert_error(response, 404, "not_found")
    assert body["message"] == "API paths end with a slash: /api/paper-trading/trades/execute/"
    assert db_state() == before


def test_get_without_the_trailing_slash_is_not_redirected_either(api):
    response = api.get("/api/paper-trading/trades")
    assert_error(response, 404, "not_found")
    assert "Location" not in response


def test_post_without_the_slash_is_404_not_a_crash_with_debug_on(api, settings):
    """With DEBUG on, Django's slash redirect raises RuntimeError for a POST (a 500)."""
    settings.DEBUG = True
    response = api.post("/api/paper-trading/trades/execute", {}, format="json")
    assert response.status_code == 404


def test_outside_the_api_django_still_redirects_to_the_slash(client):
    response = client.get("/admin")
    assert response.status_code == 301
    assert response["Location"] == "/admin/"


def test_outside_the_api_a_missing_page_is_djangos_html_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_crash_under_the_api_answers_500_with_the_error_body():
    response = server_error(RequestFactory().post("/api/paper-trading/trades/execute/"))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.content == (
        b'{"code": "server_error", "message": "Internal server error; nothing was written."}'
    )


def test_a_crash_elsewhere_keeps_djangos_500_page():
    response = server_error(RequestFactory().get("/admin/"))
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
