"""`GET price/indicators/` (docs/strategies.md, Indicators): the stored bars' indicator values,
a page computed with its warm-up so it agrees with the whole history."""

import pytest
from rest_framework.test import APIClient

from .test_load_bars import ONE_HOUR

URL = "/api/paper-trading/price/indicators/"
JAN_2_2024 = 1704153600  # 2024-01-02T00:00:00Z


@pytest.fixture
def hours(store):
    store("EURUSD", "1h", ONE_HOUR, source="import")


def test_a_page_of_sma_values_uses_the_bars_before_it(api, hours):
    body = api.get(URL, {"symbol": "eurusd", "interval": "1h", "kind": "sma", "period": 3, "limit": 2}).json()
    # Closes 07:00-10:00: 1.1012, 1.1018, 1.1055, 1.1042. SMA(3) at 09:00 = 3.3085 / 3, at 10:00 = 3.3115 / 3.
    assert body == {
        "symbol": "EURUSD",
        "interval": "1h",
        "kind": "sma",
        "period": 3,
        "data": [
            {"time": JAN_2_2024 + 9 * 3600, "value": "1.1028333333"},
            {"time": JAN_2_2024 + 10 * 3600, "value": "1.1038333333"},
        ],
    }


def test_values_start_where_the_indicator_has_enough_bars(api, hours):
    data = api.get(URL, {"symbol": "EURUSD", "kind": "sma", "period": 3, "limit": 500}).json()["data"]
    # Ten bars from 01:00: the first SMA(3) is at 03:00 = (1.1005 + 1.1020 + 1.0985) / 3.
    assert len(data) == 8
    assert data[0] == {"time": JAN_2_2024 + 3 * 3600, "value": "1.1003333333"}


def test_before_pages_back_like_ohlc(api, hours):
    data = api.get(
        URL, {"symbol": "EURUSD", "kind": "sma", "period": 3, "limit": 1, "before": JAN_2_2024 + 4 * 3600}
    ).json()["data"]
    assert data == [{"time": JAN_2_2024 + 3 * 3600, "value": "1.1003333333"}]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"symbol": "EURUSD"}, "kind"),
        ({"symbol": "EURUSD", "kind": "macd"}, "kind"),
        ({"symbol": "EURUSD", "kind": "rsi", "period": "0"}, "period"),
        ({"symbol": "EURUSD", "kind": "rsi", "period": "501"}, "period"),
        ({"symbol": "EURUSD", "kind": "rsi", "limit": "5001"}, "limit"),
        ({"symbol": "EURUSD", "kind": "rsi", "before": "soon"}, "before"),
    ],
)
def test_bad_input_is_400_naming_the_field(api, params, field):
    response = api.get(URL, params)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_unknown_symbol_is_404_and_anonymous_is_401(api):
    assert api.get(URL, {"symbol": "NOPE", "kind": "sma"}).status_code == 404
    assert APIClient().get(URL, {"symbol": "EURUSD", "kind": "sma"}).status_code == 401


def test_nothing_stored_is_an_empty_200(api):
    body = api.get(URL, {"symbol": "GBPUSD", "kind": "atr"}).json()
    assert body["data"] == []
