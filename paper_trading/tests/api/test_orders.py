"""orders/ (docs/api.md, Entry orders): entry orders rest as `pending` and ticks fill them by the rules of
docs/domain.md, Fills (limits at their level, never better; stops at the first quote at or through
the level)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from paper_trading.models import Fill, PaperTrade

from .support import assert_error, db_state, place, url

pytestmark = pytest.mark.django_db


def _trade(api, trade_id):
    return api.get(url(f"trades/{trade_id}/")).json()


def test_market_order_fills_at_once(api, no_limits, eurusd):
    response = place(api, side="sell", lot_size="0.20")
    assert response.status_code == 201, response.content
    trade = response.json()
    assert (trade["status"], trade["entry_type"], trade["entry_price"]) == ("open", "market", "1.09990")


def test_buy_limit_rests_then_fills_at_its_level_never_better(api, no_limits, eurusd, tick):
    response = place(api, type="limit", price="1.09800", stop_loss="1.09500", take_profit_1="1.10500")
    assert response.status_code == 201, response.content
    order = response.json()
    assert (order["status"], order["entry_type"], order["price"]) == ("pending", "limit", "1.09800")
    assert order["entry_price"] is None and order["fills"] == []
    assert [o["id"] for o in api.get(url("orders/")).json()["results"]] == [order["id"]]

    tick("EURUSD", "1.09840", "1.09850")  # ask still above the limit
    assert _trade(api, order["id"])["status"] == "pending"

    tick("EURUSD", "1.09690", "1.09700")  # ask gaps 10 pips below the limit

    trade = _trade(api, order["id"])
    assert trade["status"] == "open"
    assert trade["entry_price"] == "1.09800"  # the limit's level, not the better 1.09700
    assert [(f["kind"], f["price"]) for f in trade["fills"]] == [("entry", "1.09800")]
    assert (trade["stop_loss"], trade["take_profit_1"]) == ("1.09500", "1.10500")
    assert api.get(url("orders/")).json()["count"] == 0
    # Valued at bid 1.09690: (1.09690 - 1.09800) x 0.10 x 100000 = -11.00
    assert trade["unrealized_pnl"] == "-11.00"


def test_sell_limit_fills_when_bid_reaches_it(api, no_limits, eurusd, tick):
    order = place(api, side="sell", type="limit", price="1.10200").json()
    assert order["status"] == "pending"

    tick("EURUSD", "1.10200", "1.10210")

    trade = _trade(api, order["id"])
    assert (trade["status"], trade["entry_price"]) == ("open", "1.10200")


def test_buy_stop_fills_at_the_gapped_quote(api, no_limits, eurusd, tick):
    order = place(api, type="stop", price="1.10200").json()
    assert order["status"] == "pending"

    tick("EURUSD", "1.10090", "1.10100")  # below the trigger
    assert _trade(api, order["id"])["status"] == "pending"

    tick("EURUSD", "1.10240", "1.10250")  # ask gaps through 1.10200

    trade = _trade(api, order["id"])
    assert (trade["status"], trade["entry_price"]) == ("open", "1.10250")  # worse than the level


def test_sell_stop_triggers_on_bid(api, no_limits, eurusd, tick):
    order = place(api, side="sell", type="stop", price="1.09800").json()
    tick("EURUSD", "1.09800", "1.09810")
    assert (_trade(api, order["id"])["status"], _trade(api, order["id"])["entry_price"]) == (
        "open",
        "1.09800",
    )


def test_stop_limit_activates_then_fills_at_its_limit(api, no_limits, eurusd, tick):
    response = place(api, type="stop_limit", price="1.10200", limit_price="1.10250")
    assert response.status_code == 201, response.content
    order = response.json()
    assert (order["status"], order["price"], order["limit_price"]) == ("pending", "1.10200", "1.10250")

    tick("EURUSD", "1.10290", "1.10300")  # the stop fires, but ask is above the limit: rests as a limit
    assert _trade(api, order["id"])["status"] == "pending"

    tick("EURUSD", "1.10230", "1.10240")  # ask back under the limit

    trade = _trade(api, order["id"])
    assert (trade["status"], trade["entry_price"]) == ("open", "1.10250")


def test_stop_limit_does_not_fill_before_its_stop(api, no_limits, eurusd, tick):
    order = place(api, type="stop_limit", price="1.10200", limit_price="1.10250").json()
    tick("EURUSD", "1.10140", "1.10150")  # under the limit but the stop has not fired
    assert _trade(api, order["id"])["status"] == "pending"
    assert not Fill.objects.filter(trade_id=order["id"]).exists()


def test_marketable_limit_fills_at_once_at_the_quote(api, no_limits, eurusd):
    order = place(api, type="limit", price="1.10100").json()  # ask 1.10000 is already better
    assert (order["status"], order["entry_price"]) == ("open", "1.10000")


def test_ioc_limit_that_cannot_fill_is_cancelled(api, no_limits, eurusd):
    order = place(api, type="limit", price="1.09500", time_in_force="IOC").json()
    assert (order["status"], order["exit_reason"]) == ("cancelled", "cancelled")


def test_gtd_order_expires_at_its_time(api, no_limits, eurusd, tick):
    expire_at = (timezone.now() + timedelta(minutes=5)).replace(microsecond=0)
    order = place(
        api,
        type="limit",
        price="1.09500",
        time_in_force="GTD",
        expire_at=expire_at.isoformat().replace("+00:00", "Z"),
    ).json()
    assert order["expire_at"] == expire_at.isoformat().replace("+00:00", "Z")

    tick("EURUSD", "1.09990", "1.10000", expire_at + timedelta(seconds=1))
    assert (_trade(api, order["id"])["status"], _trade(api, order["id"])["exit_reason"]) == (
        "cancelled",
        "expired",
    )


def test_oco_fill_cancels_the_sibling(api, no_limits, eurusd, tick):
    take = place(api, side="sell", type="limit", price="1.10200").json()
    stop = place(api, side="sell", type="stop", price="1.09800", oco_with=take["id"]).json()

    tick("EURUSD", "1.10200", "1.10210")

    assert _trade(api, take["id"])["status"] == "open"
    assert _trade(api, stop["id"])["status"] == "cancelled"


def test_pending_order_price_can_be_patched(api, no_limits, eurusd, tick):
    order = place(api, type="limit", price="1.09800").json()

    response = api.patch(url(f"trades/{order['id']}/"), {"price": "1.09900"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["price"] == "1.09900"
    tick("EURUSD", "1.09890", "1.09900")
    assert _trade(api, order["id"])["entry_price"] == "1.09900"


def test_same_client_order_id_on_orders_returns_the_original(api, no_limits, eurusd):
    first = place(api, type="limit", price="1.09800", client_order_id="o-1")
    assert first.status_code == 201
    before = db_state()
    again = place(api, type="limit", price="1.09800", client_order_id="o-1")
    assert (again.status_code, again.json()["id"]) == (200, first.json()["id"])
    assert_error(
        place(api, type="limit", price="1.09700", client_order_id="o-1"), 409, "client_order_id_conflict"
    )
    assert db_state() == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"type": "limit"}, "price"),
        ({"type": "stop_limit", "price": "1.10200"}, "limit_price"),
        ({"type": "market", "price": "1.10200"}, "price"),
        ({"type": "limit", "price": "1.09800", "time_in_force": "GTD"}, "expire_at"),
        (
            {
                "type": "limit",
                "price": "1.09800",
                "time_in_force": "GTD",
                "expire_at": "2001-01-01T00:00:00Z",
            },
            "expire_at",
        ),
        ({"type": "limit", "price": "1.09800", "expire_at": "2999-01-01T00:00:00Z"}, "expire_at"),
        ({"type": "limit", "price": "1.09800", "oco_with": 999999}, "oco_with"),
        ({"type": "limit", "price": "1.09800", "stop_loss": "1.09900"}, "stop_loss"),  # above a buy limit
        ({"type": "twap"}, "type"),
        ({"time_in_force": "FOREVER"}, "time_in_force"),
        ({"expire_at": "tomorrow"}, "expire_at"),
    ],
)
def test_order_shape_errors_are_400_and_write_nothing(api, no_limits, eurusd, fields, field):
    before = db_state()
    assert_error(place(api, **fields), 400, "validation_error", field=field)
    assert db_state() == before
    assert not PaperTrade.objects.exists()


def test_resting_order_needs_a_stop_loss_when_risk_is_capped(api, account, eurusd):
    before = db_state()
    assert_error(place(api, type="limit", price="1.09800"), 422, "stop_loss_required")
    assert db_state() == before
    # With a stop 30 pips below the limit: 0.00300 x 0.10 x 100000 = 30.00 risk <= 200.00.
    assert place(api, type="limit", price="1.09800", stop_loss="1.09500").status_code == 201
    assert PaperTrade.objects.get().stop_loss == Decimal("1.09500")
