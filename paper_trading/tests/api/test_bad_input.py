"""Bad input on the two order doors (CONTRACT §3.2, §4.1, §4.2): every malformed request is a
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
