"""`GET price/ohlc/` (docs/api.md, Bars and providers)."""

import pytest
from rest_framework.test import APIClient

from .test_load_bars import ONE_HOUR

URL = "/api/paper-trading/price/ohlc/"
JAN_2_2024 = 1704153600  # 2024-01-02T00:00:00Z


@pytest.fixture
def hours(store):
    store("EURUSD", "1h", ONE_HOUR, source="import")


def test_ohlc_shape_unix_times_and_prices_at_instrument_digits(api, hours):
    response = api.get(URL, {"symbol": "eurusd", "interval": "1h", "limit": 2})
    assert response.status_code == 200
    assert response.json() == {
        "symbol": "EURUSD",
        "interval": "1h",
        "source": "import",
        "next_before": JAN_2_2024 + 9 * 3600,  # eight older hours are stored
        "data": [
            {
                "time": JAN_2_2024 + 9 * 3600,
                "open": "1.10180",
                "high": "1.10600",
                "low": "1.10150",
                "close": "1.10550",
                "volume": "0",
            },
            {
                "time": JAN_2_2024 + 10 * 3600,
                "open": "1.10550",
                "high": "1.10580",
                "low": "1.10400",
                "close": "1.10420",
                "volume": "0",
            },
        ],
    }


def test_ohlc_defaults_to_1h_and_200_bars(api, hours):
    body = api.get(URL, {"symbol": "EURUSD"}).json()
    assert body["interval"] == "1h"
    assert [bar["time"] for bar in body["data"]] == [JAN_2_2024 + h * 3600 for h in range(1, 11)]


def test_ohlc_4h_is_resampled_from_1h(api, hours):
    body = api.get(URL, {"symbol": "EURUSD", "interval": "4h"}).json()
    assert [(b["time"], b["open"], b["high"], b["low"], b["close"]) for b in body["data"]] == [
        (JAN_2_2024, "1.10000", "1.10300", "1.09800", "1.09850"),
        (JAN_2_2024 + 4 * 3600, "1.09850", "1.10500", "1.09700", "1.10120"),
        (JAN_2_2024 + 8 * 3600, "1.10120", "1.10600", "1.10000", "1.10420"),
    ]


def test_ohlc_gold_prices_have_two_decimals_and_volume_as_string(api, store):
    store("XAUUSD", "1d", [("2024-01-02T00:00:00+00:00", "2062.5", "2067.1", "2058.3", "2066", "1530.25")])
    data = api.get(URL, {"symbol": "XAUUSD", "interval": "1d"}).json()["data"]
    assert data == [
        {
            "time": JAN_2_2024,
            "open": "2062.50",
            "high": "2067.10",
            "low": "2058.30",
            "close": "2066.00",
            "volume": "1530.25",
        }
    ]


def test_ohlc_with_nothing_stored_is_empty_with_source_none(api):
    response = api.get(URL, {"symbol": "GBPUSD", "interval": "15m"})
    assert response.status_code == 200
    assert response.json() == {
        "symbol": "GBPUSD",
        "interval": "15m",
        "source": "none",
        "next_before": None,
        "data": [],
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "symbol"),
        ({"symbol": ""}, "symbol"),
        ({"symbol": "EURUSD", "interval": "2h"}, "interval"),
        ({"symbol": "EURUSD", "interval": "H1"}, "interval"),
        ({"symbol": "EURUSD", "limit": "abc"}, "limit"),
        ({"symbol": "EURUSD", "limit": "0"}, "limit"),
        ({"symbol": "EURUSD", "limit": "5001"}, "limit"),
        ({"symbol": "EURUSD", "limit": "1.5"}, "limit"),
        ({"symbol": "EURUSD", "before": "yesterday"}, "before"),
        ({"symbol": "EURUSD", "before": "-1"}, "before"),
        ({"symbol": "EURUSD", "before": "99999999999999999999"}, "before"),
        ({"symbol": "EURUSD", "before": "1.5"}, "before"),
        ({"symbol": "EURUSD", "to": "2024-13-01T00:00:00Z"}, "to"),
        ({"symbol": "EURUSD", "before": "1704153600", "to": "1704153600"}, "to"),
    ],
)
def test_ohlc_bad_input_is_400_with_the_field(api, params, field):
    response = api.get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error" and field in body["errors"]


def test_ohlc_limit_5000_is_allowed(api, hours):
    assert api.get(URL, {"symbol": "EURUSD", "limit": "5000"}).status_code == 200


def test_ohlc_unknown_symbol_is_404(api):
    response = api.get(URL, {"symbol": "FOOBAR"})
    assert response.status_code == 404
    assert response.json()["code"] == "unknown_symbol"


@pytest.mark.django_db
def test_ohlc_needs_authentication():
    response = APIClient().get(URL, {"symbol": "EURUSD"})
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


# ---- paging back: `before` / `to` and `next_before` (docs/api.md, Bars and providers) ----------


def times(body):
    return [(bar["time"] - JAN_2_2024) // 3600 for bar in body["data"]]  # hours after midnight


def test_paging_back_with_next_before_reaches_the_oldest_bar_and_stops(api, hours):
    pages, cursor = [], None
    while True:
        params = {"symbol": "EURUSD", "interval": "1h", "limit": 4}
        if cursor is not None:
            params["before"] = cursor
        body = api.get(URL, params).json()
        pages.append(times(body))
        cursor = body["next_before"]
        if cursor is None:
            break
    # 01:00 ... 10:00 in pages of four, newest first: 07-10, 03-06, then 01-02 and the end.
    assert pages == [[7, 8, 9, 10], [3, 4, 5, 6], [1, 2]]


def test_before_is_exclusive_and_to_inclusive_in_unix_seconds_or_iso(api, hours):
    five = JAN_2_2024 + 5 * 3600
    base = {"symbol": "EURUSD", "interval": "1h", "limit": 2}
    assert times(api.get(URL, {**base, "before": five}).json()) == [3, 4]
    assert times(api.get(URL, {**base, "to": five}).json()) == [4, 5]
    assert times(api.get(URL, {**base, "before": "2024-01-02T05:00:00Z"}).json()) == [3, 4]
    # A time inside a bar: that bar opened before it, so it is on the page.
    assert times(api.get(URL, {**base, "before": five + 60}).json()) == [4, 5]


def test_a_rolled_up_page_never_cuts_a_bucket(api, hours):
    # 4h from 1h: buckets 00:00 (01-03), 04:00 (04-07), 08:00 (08-10). Before 06:00 the 04:00
    # bucket opens before the cursor, so it is served whole (high 1.10500 from 06:00's bar).
    body = api.get(URL, {"symbol": "EURUSD", "interval": "4h", "before": JAN_2_2024 + 6 * 3600}).json()
    assert [(b["time"] - JAN_2_2024) // 3600 for b in body["data"]] == [0, 4]
    assert body["data"][1]["high"] == "1.10500"
    assert body["next_before"] is None  # nothing stored before 01:00
    body = api.get(URL, {"symbol": "EURUSD", "interval": "4h", "limit": 1}).json()
    assert body["next_before"] == JAN_2_2024 + 8 * 3600


def test_a_page_before_all_history_is_empty(api, hours):
    body = api.get(URL, {"symbol": "EURUSD", "interval": "1h", "before": JAN_2_2024}).json()
    assert body["data"] == [] and body["next_before"] is None and body["source"] == "none"
