"""Bad input on the two order doors (docs/domain.md, Numbers; docs/api.md, Errors): every malformed
request is a
400 with `{code, message, errors}` and writes nothing: no trade, fill or ledger row, and the
balance does not move. The same matrix runs on trades/execute/ and orders/."""

import json

import pytest

from .support import assert_error, db_state, url

pytestmark = pytest.mark.django_db

DROP = object()  # remove the key from the valid body
RAW = "__raw__"  # stands for a JSON token that Python's json module cannot write

# A valid buy 0.10 EURUSD at ask 1.10000: SL 50 pips below (risk 50.00 <= 2 % cap), TP 10 above.
VALID = {
    "pair": "EURUSD",
    "order_type": "buy",
    "lot_size": "0.10",
    "stop_loss": "1.09500",
    "take_profit_1": "1.10100",
}

ENDPOINTS = {
    "execute": ("trades/execute/", {}),
    "orders": ("orders/", {"pair": "symbol", "order_type": "side"}),
}

# (id, changes to VALID (generic names), raw JSON token for lot_size or None, code, errored field)
CASES = [
    ("unknown_symbol", {"pair": "XYZABC"}, None, "validation_error", "pair"),
    ("symbol_not_text", {"pair": 42}, None, "validation_error", "pair"),
    ("symbol_too_long", {"pair": "EURUSD" * 1000}, None, "validation_error", "pair"),
    ("negative_lots", {"lot_size": "-0.10"}, None, "validation_error", "lot_size"),
    ("zero_lots", {"lot_size": 0}, None, "validation_error", "lot_size"),
    ("off_step_lots", {"lot_size": "0.015"}, None, "validation_error", "lot_size"),
    ("below_min_lots", {"lot_size": "0.001"}, None, "validation_error", "lot_size"),
    ("huge_lots", {"lot_size": 1000}, None, "validation_error", "lot_size"),
    ("nan_text", {"lot_size": "NaN"}, None, "validation_error", "lot_size"),
    ("nan_token", {}, "NaN", "parse_error", "non_field_errors"),
    ("infinity_text", {"lot_size": "Infinity"}, None, "validation_error", "lot_size"),
    ("infinity_token", {}, "Infinity", "parse_error", "non_field_errors"),
    ("minus_infinity_sl", {"stop_loss": "-Infinity"}, None, "validation_error", "stop_loss"),
    ("exponent_overflow_number", {}, "1e400", "validation_error", "lot_size"),
    ("exponent_overflow_text", {"lot_size": "1e400"}, None, "validation_error", "lot_size"),
    ("tiny_exponent", {"stop_loss": "1e-400"}, None, "validation_error", "stop_loss"),
    ("too_many_places", {"stop_loss": "1.0950000000000000000000001"}, None, "validation_error", "stop_loss"),
    ("text_lots", {"lot_size": "abc"}, None, "validation_error", "lot_size"),
    ("bool_lots", {"lot_size": True}, None, "validation_error", "lot_size"),
    ("object_lots", {"lot_size": {"value": 1}}, None, "validation_error", "lot_size"),
    ("list_lots", {"lot_size": [0.1]}, None, "validation_error", "lot_size"),
    # A buy fills at ask 1.10000: its stop must be below, its targets above, in order.
    ("sl_wrong_side", {"stop_loss": "1.10100"}, None, "validation_error", "stop_loss"),
    ("sl_at_entry", {"stop_loss": "1.10000"}, None, "validation_error", "stop_loss"),
    ("sl_negative", {"stop_loss": "-1.09"}, None, "validation_error", "stop_loss"),
    ("tp_wrong_side", {"take_profit_1": "1.09900"}, None, "validation_error", "take_profit_1"),
    ("tp2_before_tp1", {"take_profit_2": "1.10050"}, None, "validation_error", "take_profit_2"),
    (
        "sell_sl_below",
        {"order_type": "sell", "stop_loss": "1.09000", "take_profit_1": "1.09000"},
        None,
        "validation_error",
        "stop_loss",
    ),
    ("trailing_negative", {"trailing_stop_pips": "-5"}, None, "validation_error", "trailing_stop_pips"),
    ("missing_pair", {"pair": DROP}, None, "validation_error", "pair"),
    ("missing_order_type", {"order_type": DROP}, None, "validation_error", "order_type"),
    ("bad_order_type", {"order_type": "hold"}, None, "validation_error", "order_type"),
    ("null_order_type", {"order_type": None}, None, "validation_error", "order_type"),
    ("unknown_field", {"leverage": 500}, None, "validation_error", "leverage"),
    ("bad_account", {"account": "abc"}, None, "validation_error", "account"),
    ("account_zero", {"account": 0}, None, "validation_error", "account"),
    # One past the largest 64-bit key: no row can have it, and SQLite cannot even bind it.
    ("account_beyond_any_id", {"account": 2**63}, None, "validation_error", "account"),
    ("long_client_order_id", {"client_order_id": "x" * 65}, None, "validation_error", "client_order_id"),
    ("long_notes", {"notes": "n" * 2001}, None, "validation_error", "notes"),
    (
        "bad_breakeven_flag",
        {"breakeven_after_tp1": "perhaps"},
        None,
        "validation_error",
        "breakeven_after_tp1",
    ),
]


def _body(endpoint: str, changes: dict) -> dict:
    renames = ENDPOINTS[endpoint][1]
    body = {**VALID, **changes}
    return {renames.get(k, k): v for k, v in body.items() if v is not DROP}


@pytest.fixture(params=sorted(ENDPOINTS))
def endpoint(request):
    return request.param


@pytest.fixture
def quoted(account, eurusd):
    """The default account exists and EURUSD is quoted, so only the input can be at fault."""
    return account


def test_the_valid_body_is_accepted(api, quoted, endpoint):
    response = api.post(url(ENDPOINTS[endpoint][0]), _body(endpoint, {}), format="json")
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    ("changes", "raw", "code", "field"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_is_400_and_writes_nothing(api, quoted, endpoint, changes, raw, code, field):
    path, renames = ENDPOINTS[endpoint]
    body = _body(endpoint, changes)
    before = db_state()

    if raw is None:
        response = api.post(url(path), json.dumps(body), content_type="application/json")
    else:
        text = json.dumps({**body, "lot_size": RAW}).replace(f'"{RAW}"', raw)
        response = api.post(url(path), text, content_type="application/json")

    assert_error(response, 400, code, field=renames.get(field, field))
    assert db_state() == before


@pytest.mark.parametrize(
    "raw",
    ['{"pair":', "", "[]", '[{"pair": "EURUSD", "order_type": "buy"}]', '"EURUSD"', "42", "null", "{]"],
    ids=["truncated", "empty", "empty_list", "list", "string", "number", "null", "garbage"],
)
def test_a_body_that_is_not_a_json_object_is_400_and_writes_nothing(api, quoted, endpoint, raw):
    before = db_state()

    response = api.post(url(ENDPOINTS[endpoint][0]), raw, content_type="application/json")

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] in {"validation_error", "parse_error"}
    assert body["message"]
    assert isinstance(body["errors"], dict) and body["errors"]
    assert db_state() == before


def test_a_body_that_is_not_json_is_refused_and_writes_nothing(api, quoted, endpoint):
    before = db_state()
    response = api.post(url(ENDPOINTS[endpoint][0]), "pair=EURUSD", content_type="text/plain")
    assert response.status_code == 415, response.content
    assert response.json()["code"] == "unsupported_media_type"
    assert db_state() == before


@pytest.mark.parametrize("symbol", ["XAUUSD", "BTCUSD"])
def test_lot_rules_come_from_the_instrument(api, quoted, tick, endpoint, symbol):
    tick("XAUUSD", "2000.00", "2000.30")
    tick("BTCUSD", "60000.00", "60020.00")
    before = db_state()
    # BTCUSD allows at most 50 lots and XAUUSD 100: 100.01 is off both grids' upper bound.
    changes = {"pair": symbol, "lot_size": "100.01", "stop_loss": None, "take_profit_1": None}
    response = api.post(url(ENDPOINTS[endpoint][0]), _body(endpoint, changes), format="json")
    assert_error(response, 400, "validation_error", field="lot_size")
    assert db_state() == before


@pytest.mark.parametrize("oco_with", [0, -1, 2**63, "abc", 1.5])
def test_an_oco_link_that_is_no_id_is_400_and_writes_nothing(api, quoted, oco_with):
    before = db_state()
    body = {**_body("orders", {}), "type": "limit", "price": "1.09800", "oco_with": oco_with}
    assert_error(api.post(url("orders/"), body, format="json"), 400, "validation_error", field="oco_with")
    assert db_state() == before


@pytest.mark.parametrize("depth", [100, 1000, 100_000])
@pytest.mark.parametrize(
    ("opening", "inner", "closing"), [("[", "", "]"), ('{"a":', "1", "}")], ids=["arrays", "objects"]
)
def test_a_deeply_nested_body_is_400_and_writes_nothing(
    api, quoted, endpoint, depth, opening, inner, closing
):
    """Python's decoder raises RecursionError near a thousand levels: it was a 500."""
    before = db_state()
    raw = opening * depth + inner + closing * depth
    response = api.post(url(ENDPOINTS[endpoint][0]), raw, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] in {"validation_error", "parse_error"}
    assert db_state() == before


# Python's Decimal() reads "0_01" as 1, "1_0" as 10 and Arabic-Indic or full-width digits as
# ASCII ones: each would have placed an order of another size than the one the client typed.
@pytest.mark.parametrize(
    "lots",
    [
        "0_01",
        "1_0",
        "0.1_0",
        "\u0661",
        "\u0660.\u0661",
        "\uff11",
        "0\uff0e1",
        "1.2.3",
        "++1",
        "+-1",
        "0x1",
        "1 0",
    ],
)
def test_a_number_takes_ascii_digits_one_sign_and_one_point_only(api, quoted, endpoint, lots):
    before = db_state()
    response = api.post(url(ENDPOINTS[endpoint][0]), _body(endpoint, {"lot_size": lots}), format="json")
    assert_error(response, 400, "validation_error", field="lot_size")
    assert db_state() == before


@pytest.mark.parametrize("lots", ["0.10", "+0.10", ".1", "0.1", "1e-1", " 0.10 ", 0.1])
def test_the_plain_forms_of_a_number_are_accepted(api, quoted, endpoint, lots):
    response = api.post(url(ENDPOINTS[endpoint][0]), _body(endpoint, {"lot_size": lots}), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["lot_size"] == "0.10"


@pytest.mark.parametrize("account", ["1_0", "\uff11", "\u0661"])
def test_an_account_id_in_a_body_takes_ascii_digits_only(api, quoted, endpoint, account):
    before = db_state()
    response = api.post(url(ENDPOINTS[endpoint][0]), _body(endpoint, {"account": account}), format="json")
    assert_error(response, 400, "validation_error", field="account")
    assert db_state() == before


@pytest.mark.parametrize(
    "expire_at",
    [
        "2030-01-01T00:00:00+18:00",
        "2030-01-01T00:00:00+14:01",
        "9999-12-31T23:59:59-14:00",
        "0001-01-01T00:00:00+14:00",
    ],
)
def test_an_expiry_beyond_the_zone_offsets_or_the_calendar_is_400(api, quoted, expire_at):
    before = db_state()
    body = {
        **_body("orders", {}),
        "type": "limit",
        "price": "1.09800",
        "time_in_force": "GTD",
        "expire_at": expire_at,
    }
    assert_error(api.post(url("orders/"), body, format="json"), 400, "validation_error", field="expire_at")
    assert db_state() == before


# An offset beyond +-14:00 (PostgreSQL refuses to bind +18:00) or a time that leaves the calendar
# once in UTC (SQLite's conversion overflowed) was a 500 in both filters.
OUT_OF_RANGE_TIMES = [
    "2024-01-01T00:00:00+18:00",
    "2024-01-01T00:00:00+14:01",
    "2024-01-01T00:00:00-14:01",
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00+14:00",
]


@pytest.mark.parametrize("value", OUT_OF_RANGE_TIMES)
@pytest.mark.parametrize("name", ["from", "to"])
@pytest.mark.parametrize("path", ["trades/", "trades/export/", "orders/", "trades/open_positions/"])
def test_a_period_bound_beyond_the_zone_offsets_or_the_calendar_is_400(api, path, name, value):
    assert_error(api.get(url(path), {name: value}), 400, "validation_error", field=name)


@pytest.mark.parametrize(
    "value", ["2024-01-01T00:00:00+14:00", "2024-01-01T00:00:00-12:00", "9999-12-31T23:59:59+14:00"]
)
def test_a_period_bound_within_the_offsets_is_accepted(api, value):
    assert api.get(url("trades/"), {"from": value, "to": value}).status_code == 200


def test_a_tick_time_that_overflows_in_utc_is_400_and_writes_nothing(client_for, staff):
    from paper_trading.market import current_quote

    ops = client_for(staff)
    body = {"symbol": "EURUSD", "bid": "1.10000", "ask": "1.10010", "time": "0001-01-01T00:00:00+14:00"}
    assert_error(ops.post(url("price/ticks/"), body, format="json"), 400, "validation_error", field="time")
    assert current_quote("EURUSD") is None


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("trades/", {"account": "\uff11"}, "account"),
        ("trades/", {"account": "1_0"}, "account"),
        ("trades/", {"days": "\u0661"}, "days"),
        ("trades/", {"days": "3_0"}, "days"),
        ("trades/performance/", {"days": "\uff13\uff10"}, "days"),
        ("trades/equity_curve/", {"days": "3_0"}, "days"),
        ("price/ohlc/", {"symbol": "EURUSD", "limit": "\uff11"}, "limit"),
        ("price/ohlc/", {"symbol": "EURUSD", "limit": "1_0"}, "limit"),
    ],
)
def test_a_number_in_a_query_takes_ascii_digits_only(api, account, path, params, field):
    assert_error(api.get(url(path), params), 400, "validation_error", field=field)


# "0123456789" as full-width and as Arabic-Indic digits.
OTHER_DIGITS = [
    str.maketrans("0123456789", "".join(chr(base + d) for d in range(10))) for base in (0xFF10, 0x0660)
]


@pytest.mark.parametrize("digits", OTHER_DIGITS, ids=["full_width", "arabic_indic"])
def test_a_report_of_an_account_named_in_other_digits_is_404(api, account, digits):
    """engine.get_account read `?account=<full-width 1>` as account 1."""
    text = str(account.pk).translate(digits)
    assert_error(api.get(url("trades/performance/"), {"account": text}), 404, "not_found")
    assert_error(api.get(url(f"accounts/{text}/")), 404, "not_found")


def test_a_page_in_other_digits_is_404_and_a_page_size_falls_back_to_the_default(api, account):
    assert_error(api.get(url("accounts/"), {"page": "\uff11"}), 404, "not_found")
    response = api.get(url("accounts/"), {"page_size": "1_0"})
    assert response.status_code == 200 and response.json()["count"] == 1


@pytest.mark.parametrize("leverage", ["1_0", "\u0661\u0660", "\uff11"])
def test_an_account_leverage_takes_ascii_digits_only(api, account, leverage):
    before = db_state()
    response = api.post(url("accounts/"), {"name": "x", "leverage": leverage}, format="json")
    assert_error(response, 400, "validation_error", field="leverage")
    assert db_state() == before


@pytest.mark.parametrize("ordering", [",", ",,", "id,"])
def test_blanks_in_ordering_keep_a_defined_order(api, quoted, ordering):
    """`ordering=,` cleared the order: a paginated list without one can repeat or skip rows."""
    first = api.post(url("trades/execute/"), VALID, format="json").json()["id"]
    second = api.post(url("trades/execute/"), VALID, format="json").json()["id"]
    expected = [first, second] if ordering == "id," else [second, first]  # default: newest first
    response = api.get(url("trades/"), {"ordering": ordering})
    assert response.status_code == 200, response.content
    assert [t["id"] for t in response.json()["results"]] == expected


@pytest.mark.parametrize("path", ["/api/auth/token/", "/api/auth/login/"])
def test_a_deeply_nested_body_to_a_sign_in_is_400_and_signs_nobody_in(client, db, path):
    """The token endpoint lists its own parsers (form bodies for `curl -d`); its JSON parser is
    the project's, so 1,000 levels are a parse_error there too, not a 500."""
    from knox.models import AuthToken

    raw = "[" * 1000 + "]" * 1000
    response = client.post(path, raw, content_type="application/json")
    assert response.status_code in {400, 403}, response.content  # 403: the login's CSRF check first
    assert response.json()["code"] in {"parse_error", "permission_denied"}
    assert AuthToken.objects.count() == 0
