"""The OpenAPI schema, Swagger UI and the health probe."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_schema_generates_without_warnings(tmp_path):
    # --fail-on-warn turns any unresolved field or view into a non-zero exit.
    call_command("spectacular", "--file", str(tmp_path / "schema.yml"), "--fail-on-warn", "--validate")
    text = (tmp_path / "schema.yml").read_text()
    for path in (
        "/api/paper-trading/trades/execute/",
        "/api/paper-trading/orders/",
        "/api/paper-trading/accounts/",
    ):
        assert path in text


@pytest.mark.django_db
def test_schema_and_docs_are_served(client):
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


@pytest.mark.django_db
def test_healthz_reports_database_and_cache(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "feed": "manual", "database": "ok", "cache": "ok"}


@pytest.mark.django_db
def test_dashboard_root_is_served_without_login(client):
    response = client.get("/")
    assert response.status_code == 200 and b"PAPER TRADING" in response.content.upper()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/paper-trading/trades/", "/api/paper-trading/trades/export/"])
def test_schema_lists_the_period_filter_of_trades_and_export(client, path):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    parameters = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
    assert {"period", "account", "status", "from", "to"} <= set(parameters)
    assert "from_" not in parameters
    assert "current" in parameters["period"]["description"]
