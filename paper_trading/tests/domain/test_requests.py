"""The typed requests: one mapping from field names, shared by the REST serializers and the
Python API (domain/requests.py)."""

from dataclasses import fields
from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

from paper_trading.domain.errors import InvalidInput
from paper_trading.domain.orders import EntryType, Side, TimeInForce
from paper_trading.domain.requests import (
    ORDER_FIELDS,
    UNSET,
    CloseRequest,
    ModifyRequest,
    close_request,
    modify_request,
    order_request,
)
from paper_trading.domain.trading import MODIFIABLE, OrderRequest


def test_order_request_parses_loose_values_and_fills_the_defaults():
    req = order_request({"symbol": "eurusd", "side": "LONG", "lot_size": "0.10", "stop_loss": 1.095})
    assert req == OrderRequest(symbol="EURUSD", side=Side.BUY, lots=D("0.10"), stop_loss=D("1.095"))
    assert req.entry_type is EntryType.MARKET and req.time_in_force is TimeInForce.GTC


def test_order_request_without_a_lot_size_is_the_minimum_lot():
    assert order_request({"symbol": "EURUSD", "side": "buy"}).lots == D("0.01")


def test_order_request_refuses_a_name_that_is_not_an_order_field():
    with pytest.raises(TypeError, match="stop_los"):
        order_request({"symbol": "EURUSD", "side": "buy", "stop_los": "1.09"})


@pytest.mark.parametrize(
    ("fields_", "field"),
    [
        ({"entry_type": "iceberg"}, "type"),
        ({"time_in_force": "forever"}, "time_in_force"),
        ({"side": "up"}, "side"),
        ({"price": "abc"}, "price"),
    ],
)
def test_order_request_refuses_a_bad_value_on_its_field(fields_, field):
    with pytest.raises(InvalidInput) as refused:
        order_request({"symbol": "EURUSD", "side": "buy", **fields_})
    assert refused.value.field == field


def test_every_order_request_field_has_a_name_in_the_mapping():
    named = {"lots": "lot_size"}
    assert {named.get(f.name, f.name) for f in fields(OrderRequest)} == ORDER_FIELDS


def test_close_request_maps_exit_price_to_the_requested_price():
    assert close_request({"lot_size": "0.05", "exit_price": "1.1"}) == CloseRequest(
        lots=D("0.05"), requested_price=D("1.1")
    )


def test_modify_request_fields_are_what_a_modify_may_change():
    assert {f.name for f in fields(ModifyRequest)} == MODIFIABLE


def test_modify_request_keeps_none_as_a_change_and_leaves_the_rest_unset():
    when = datetime(2030, 1, 1, tzinfo=UTC)
    req = modify_request({"stop_loss": None, "take_profit_1": "1.2", "expire_at": when})
    assert req.take_profit_2 is UNSET
    assert req.changes() == {"stop_loss": None, "take_profit_1": D("1.2"), "expire_at": when}


def test_modify_request_refuses_a_field_that_cannot_be_modified():
    with pytest.raises(InvalidInput) as refused:
        modify_request({"lot_size": "1"})
    assert (refused.value.field, refused.value.message) == ("lot_size", "This field cannot be modified.")
