"""Errors Django answers before any API view runs (docs/api.md, Errors): a path nothing routes, a path
missing its trailing slash, a crash. Under /api/ they carry the API's error body; the admin and
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


@pytest.mark.parametrize(
    "path",
    [
        "trades/1.json",
        "trades.json",
        "trades/open_positions.json",
        "trades/1.api",
        "accounts.json",
        "orders.api",
    ],
)
def test_a_format_suffix_is_a_path_nothing_routes(api, account, eurusd, path):
    """DRF's DefaultRouter routed `<endpoint>.json` to views that take no `format` (a 500)."""
    execute_body = {"pair": "EURUSD", "order_type": "buy", "lot_size": "0.10", "stop_loss": "1.09500"}
    assert api.post(url("trades/execute/"), execute_body, format="json").status_code == 201
    before = db_state()
    assert_error(api.get(url(path)), 404, "not_found")
    assert_error(api.post(url(path), {}, format="json"), 404, "not_found")
    assert db_state() == before


def test_format_api_is_404_not_the_browsable_html_page(api):
    response = api.get(url("trades/"), {"format": "api"})
    assert_error(response, 404, "not_found")
    assert response["Content-Type"] == "application/json"


def test_an_html_accept_header_still_gets_json(api):
    response = api.get(url("trades/"), HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"


@pytest.mark.parametrize("path", ["trades/\uff11/", "accounts/\uff11/", "trades/\u0661/", "accounts/1_0/"])
def test_an_id_in_the_path_takes_ascii_digits_only(api, account, path):
    """int() reads full-width "1" and Arabic-Indic "1" as 1: accounts/<full-width 1>/ served account 1."""
    assert_error(api.get(url(path)), 404, "not_found")


@pytest.mark.parametrize("method", ["options", "post", "put", "delete"])
@pytest.mark.parametrize("path", ["/api/docs/", "/api/schema/"])
def test_the_docs_and_the_schema_answer_other_methods_with_405_and_the_error_body(client, path, method):
    """OPTIONS /api/docs/ rendered DRF's metadata through Swagger UI's template: a 500."""
    response = getattr(client, method)(path)
    assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET, HEAD"
