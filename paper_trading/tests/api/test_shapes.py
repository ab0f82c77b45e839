"""Each body's fields are declared once (representations' field specs): the bodies, the OpenAPI
schema the TypeScript types are generated from, and the CSV header all follow that declaration."""

import csv
import io
from decimal import Decimal

import pytest
from drf_spectacular.generators import SchemaGenerator

from paper_trading import representations
from paper_trading.api import responses

from .support import execute, url


@pytest.fixture(scope="module")
def components():
    return SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]


def properties(components, name):
    return list(components[name]["properties"])


def test_an_open_trade_body_has_exactly_the_schema_properties_of_trade_in_order(
    api, no_limits, eurusd, components
):
    body = execute(api).json()

    assert list(body) == properties(components, "Trade")
    assert properties(components, "Fill") == list(body["fills"][0])


def test_a_closed_trade_body_has_the_schema_properties_but_the_live_figures(
    api, no_limits, eurusd, components
):
    trade = execute(api).json()
    body = api.post(url(f"trades/{trade['id']}/close/"), {}, format="json").json()

    live = [f.name for f in representations.LIVE.fields]
    assert list(body) == [p for p in properties(components, "Trade") if p not in live]
    assert {p for p in live if p not in components["Trade"].get("required", [])} == set(live)


def test_account_and_ledger_bodies_have_exactly_their_schema_properties(api, no_limits, eurusd, components):
    account = api.get(url("accounts/")).json()["results"][0]
    assert list(account) == properties(components, "Account")

    execute(api)
    entries = api.get(url(f"accounts/{account['id']}/ledger/")).json()["results"]
    assert entries and all(list(e) == properties(components, "LedgerEntry") for e in entries)
    periods = api.get(url(f"accounts/{account['id']}/periods/")).json()["results"]
    assert list(periods[0]) == properties(components, "AccountPeriod")


def test_report_bodies_have_exactly_their_schema_properties(api, no_limits, eurusd, components):
    report = api.get(url("trades/performance/")).json()
    assert list(report) == properties(components, "Performance")
    points = api.get(url("trades/equity_curve/")).json()
    assert all(list(p) == properties(components, "EquityPoint") for p in points)
    quote = api.get(url("price/realtime/?symbol=EURUSD")).json()
    assert list(quote) == properties(components, "Quote")


def test_the_csv_header_is_the_trade_fields_marked_for_it(api, no_limits, eurusd):
    execute(api)

    text = api.get(url("trades/export/")).content.decode()

    header = next(csv.reader(io.StringIO(text)))
    assert tuple(header) == representations.CSV_COLUMNS
    assert header == [f.name for f in representations.TRADE.fields if f.csv]
    assert set(header) <= set(properties_of(responses.Trade))


def properties_of(serializer_class):
    return serializer_class().fields.keys()


def test_every_shape_has_one_serializer_named_for_its_component():
    for shape in (
        representations.TRADE,
        representations.FILL,
        representations.ACCOUNT,
        representations.LEDGER_ENTRY,
        representations.PERIOD,
        representations.EQUITY_POINT,
        representations.PERFORMANCE,
        representations.QUOTE,
        representations.TICK_RESULT,
    ):
        serializer = responses.serializer(shape)
        assert serializer.__name__ == shape.name
        assert list(properties_of(serializer)) == [f.name for f in shape.all_fields]


def test_the_price_event_carries_the_price_shape():
    from datetime import UTC, datetime

    from paper_trading.domain.quotes import make_quote
    from paper_trading.realtime import SYMBOL_EVENTS
    from paper_trading.worker import price_event

    quote = make_quote(
        "EURUSD", Decimal("1.09990"), Decimal("1.10001"), datetime(2026, 1, 2, 3, 4, 5, 600000, tzinfo=UTC)
    )

    assert price_event(quote) == {"type": "price_update", **representations.price_dict(quote)}
    assert SYMBOL_EVENTS["price_update"] == representations.PRICE_UPDATE.names
