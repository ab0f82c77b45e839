"""The REST serializers and the Python API build the same typed request from the same order."""

from datetime import UTC, datetime
from decimal import Decimal as D

from paper_trading.api import serializers as s
from paper_trading.domain.requests import UNSET, order_request
from paper_trading.services.accounts import account_settings


def test_execute_body_and_python_api_keywords_build_the_same_order():
    body = {"pair": "EURUSD", "order_type": "buy", "lot_size": "0.10", "entry_price": "1.1", "account": 7}
    data = s.ExecuteSerializer(data={**body, "stop_loss": "1.09", "client_order_id": "a"})
    assert data.is_valid(), data.errors
    python = order_request(
        {
            "symbol": "EURUSD",
            "side": "buy",
            "entry_type": "market",
            "lot_size": "0.10",
            "requested_price": "1.1",
            "stop_loss": "1.09",
            "client_order_id": "a",
        }
    )
    assert data.to_request() == python
    assert data.account_id == 7


def test_order_body_maps_type_and_entry_price_onto_the_request():
    when = datetime(2030, 1, 1, tzinfo=UTC)
    body = {"symbol": "GBPUSD", "side": "sell", "type": "limit", "price": "1.3", "entry_price": "1.29"}
    data = s.OrderSerializer(data={**body, "time_in_force": "GTD", "expire_at": "2030-01-01T00:00:00Z"})
    assert data.is_valid(), data.errors
    req = data.to_request()
    assert (req.entry_type, req.price, req.requested_price, req.expire_at) == (
        "limit",
        D("1.3"),
        D("1.29"),
        when,
    )


def test_account_update_body_is_a_change_of_the_given_settings_only():
    data = s.AccountUpdateSerializer(data={"leverage": 50, "max_daily_loss_pct": None})
    assert data.is_valid(), data.errors
    changes = data.to_request()
    assert changes.given() == {"leverage": 50, "max_daily_loss_pct": None}
    assert changes.name is UNSET
    assert changes == account_settings({"leverage": 50, "max_daily_loss_pct": None}, changes=True)
