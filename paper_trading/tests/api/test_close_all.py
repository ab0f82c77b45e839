"""Close all and reverse (docs/api.md, Close all and reverse): all or nothing, scoped to the
owner. Figures by hand: EURUSD quoted 1.09990 / 1.10000 (eurusd fixture), 1 pip = 1.00 USD a 0.10 lot."""

from decimal import Decimal

import pytest

from paper_trading.market import forget_quotes
from paper_trading.models import PaperTrade

from .support import execute, url

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def gold(tick):
    return tick("XAUUSD", "2000.00", "2000.50")


def opened(api, **fields):
    response = execute(api, stop_loss=fields.pop("stop_loss", None), **fields)
    assert response.status_code == 201, response.content
    return response.json()


def test_close_all_of_a_symbol_closes_its_trades_oldest_first_and_leaves_the_rest(api, account, eurusd, gold):
    buy = opened(api, stop_loss="1.09500")  # 0.10 at the ask 1.10000
    sell = opened(api, order_type="sell", lot_size="0.20", stop_loss="1.10500")  # at the bid 1.09990
    bar = opened(api, pair="XAUUSD", lot_size="0.10", stop_loss="1990.00")

    response = api.post(url("trades/close_all/"), {"symbol": "eurusd"}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 2
    assert [t["id"] for t in body["closed"]] == [buy["id"], sell["id"]]  # FIFO
    # Buy closed at the bid 1.09990: -1 pip, -1.00; sell closed at the ask 1.10000: -1 pip x 0.20 = -2.00.
    assert [(t["exit_price"], t["profit_loss"]) for t in body["closed"]] == [
        ("1.09990", "-1.00"),
        ("1.10000", "-2.00"),
    ]
    assert PaperTrade.objects.get(pk=bar["id"]).status == "open"

    rest = api.post(url("trades/close_all/"), {}, format="json").json()
    assert rest["count"] == 1 and rest["closed"][0]["id"] == bar["id"]
    assert api.post(url("trades/close_all/"), {}, format="json").json() == {"count": 0, "closed": []}


def test_one_refusal_closes_none(api, account, eurusd, gold, tick):
    opened(api, stop_loss="1.09500")
    opened(api, pair="XAUUSD", lot_size="0.10", stop_loss="1990.00")
    forget_quotes()
    tick("EURUSD", "1.09990", "1.10000")  # gold has no price any more

    response = api.post(url("trades/close_all/"), {}, format="json")

    assert response.status_code == 503 and response.json()["code"] == "no_price"
    assert PaperTrade.objects.filter(status="open").count() == 2


def test_close_all_is_scoped_to_the_owner(api, account, eurusd, client_for, other_user):
    mine = opened(api, stop_loss="1.09500")
    other = client_for(other_user)
    theirs_account = other.get(url("accounts/")).json()["results"][0]["id"]

    assert api.post(url("trades/close_all/"), {"account": theirs_account}, format="json").status_code == 404
    assert other.post(url("trades/close_all/"), {}, format="json").json() == {"count": 0, "closed": []}
    assert PaperTrade.objects.get(pk=mine["id"]).status == "open"


@pytest.mark.parametrize(
    ("body", "field"),
    [({"symbol": "NOPE"}, "symbol"), ({"account": "x"}, "account"), ({"lots": "1"}, "lots")],
)
def test_close_all_bad_input_is_400(api, account, body, field):
    response = api.post(url("trades/close_all/"), body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_reverse_closes_and_opens_the_other_side_with_the_lots_that_were_open(api, account, eurusd):
    buy = opened(api, stop_loss="1.09500")

    response = api.post(url(f"trades/{buy['id']}/reverse/"))

    assert response.status_code == 201, response.content
    closed, new = response.json()["closed"], response.json()["opened"]
    assert (closed["id"], closed["status"], closed["exit_price"], closed["profit_loss"]) == (
        buy["id"],
        "closed",
        "1.09990",
        "-1.00",
    )
    # The sell fills at the bid 1.09990 with the 0.10 lots the buy had open; its stop keeps the
    # buy's 50 pips (1.10000 - 1.09500) above the new entry: 1.09990 + 0.00500 = 1.10490.
    assert (new["order_type"], new["status"], new["entry_price"], new["lot_size"], new["stop_loss"]) == (
        "sell",
        "open",
        "1.09990",
        "0.10",
        "1.10490",
    )
    assert new["take_profit_1"] is None


def test_reverse_of_a_trade_not_open_is_409_and_another_users_is_404(
    api, account, eurusd, client_for, other_user
):
    buy = opened(api, stop_loss="1.09500")
    api.post(url(f"trades/{buy['id']}/close/"))
    assert api.post(url(f"trades/{buy['id']}/reverse/")).status_code == 409
    theirs = opened(client_for(other_user), stop_loss="1.09500")
    assert api.post(url(f"trades/{theirs['id']}/reverse/")).status_code == 404
    assert PaperTrade.objects.get(pk=theirs["id"]).status == "open"


def test_a_refused_open_undoes_the_close(api, account, eurusd):
    # Opened without a stop while the account had no risk cap; with the cap back, the reversed
    # sell (no stop to mirror) is refused, and the buy stays open.
    api.patch(url(f"accounts/{account.pk}/"), {"max_risk_per_trade_pct": None}, format="json")
    buy = opened(api)
    api.patch(url(f"accounts/{account.pk}/"), {"max_risk_per_trade_pct": "2"}, format="json")

    response = api.post(url(f"trades/{buy['id']}/reverse/"))

    assert response.status_code == 422 and response.json()["code"] == "stop_loss_required"
    assert PaperTrade.objects.get(pk=buy["id"]).status == "open"
    assert PaperTrade.objects.count() == 1


def test_anonymous_clients_can_neither_close_all_nor_reverse(account, eurusd, api):
    from rest_framework.test import APIClient

    buy = opened(api, stop_loss="1.09500")
    anonymous = APIClient()
    assert anonymous.post(url("trades/close_all/"), {}, format="json").status_code == 401
    assert anonymous.post(url(f"trades/{buy['id']}/reverse/")).status_code == 401
    assert PaperTrade.objects.get(pk=buy["id"]).status == "open"
