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


@pytest.mark.django_db
def test_schema_describes_ledger_and_periods_as_pages_of_their_own_rows(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = schema["components"]["schemas"]

    def row_fields(path):
        page = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        page = components[page["$ref"].rsplit("/", 1)[-1]]
        assert {"count", "next", "previous", "results"} <= set(page["properties"])
        row = page["properties"]["results"]["items"]
        return set(components[row["$ref"].rsplit("/", 1)[-1]]["properties"])

    ledger = row_fields("/api/paper-trading/accounts/{id}/ledger/")
    assert ledger == {"id", "kind", "amount", "balance_after", "trade", "note", "created_at"}
    periods = row_fields("/api/paper-trading/accounts/{id}/periods/")
    assert periods == {"number", "initial_balance", "final_balance", "started_at", "ended_at"}


def _schema(client):
    return client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def _ok_body(schema, path, code="200"):
    return schema["paths"][path]["get"]["responses"][code]["content"]["application/json"]["schema"]


@pytest.mark.django_db
def test_the_reports_document_what_they_answer_not_the_execute_body(client):
    """open_positions/, performance/ and equity_curve/ were documented with the execute request
    body (`Execute`) as their response."""
    schema = _schema(client)
    components = schema["components"]["schemas"]
    base = "/api/paper-trading/trades/"
    page = components[_ok_body(schema, base + "open_positions/")["$ref"].rsplit("/", 1)[-1]]
    assert page["properties"]["results"]["items"]["$ref"] == "#/components/schemas/Trade"
    assert _ok_body(schema, base + "performance/")["$ref"] == "#/components/schemas/Performance"
    curve = _ok_body(schema, base + "equity_curve/")
    assert curve == {"type": "array", "items": {"$ref": "#/components/schemas/EquityPoint"}}
    assert set(components["EquityPoint"]["properties"]) == {"time", "balance", "equity"}
    assert {"total_trades", "win_rate", "by_symbol", "account", "days"} <= set(
        components["Performance"]["properties"]
    )
    assert {"id", "status", "lot_size", "fills", "unrealized_pnl"} <= set(components["Trade"]["properties"])
    assert "unrealized_pnl" not in components["Trade"]["required"]  # open trades only


@pytest.mark.django_db
def test_every_operation_documents_its_errors_with_the_one_error_body(client):
    schema = _schema(client)
    error = {"$ref": "#/components/schemas/Error"}
    assert schema["components"]["schemas"]["Error"]["required"] == ["code", "message"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            errors = {code: r for code, r in operation["responses"].items() if code >= "400"}
            assert {"400", "429", "503"} <= set(errors), (method, path)
            for response in errors.values():
                assert response["content"]["application/json"]["schema"] == error, (method, path)
    trade = schema["paths"]["/api/paper-trading/trades/{id}/"]
    assert {"401", "404"} <= set(trade["get"]["responses"])
    assert {"403", "409", "422"} <= set(trade["patch"]["responses"])
