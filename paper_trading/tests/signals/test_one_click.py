"""One click (docs/signals.md, One-click execution): an alerted signal executes once, is refused
when the price moved or the signal expired, and can be dismissed.

BTCUSD 60000.00 / 60010.00; a buy with its stop at 59010.00 is 1000 pips from the ask (a pip of
BTCUSD is 1.00), so the default drift limit is a quarter of that: 250 pips."""

from datetime import timedelta
from decimal import Decimal

import pytest

from paper_trading.domain.errors import BusinessRefusal
from paper_trading.models import Decision, PaperTrade, Signal
from paper_trading.services.signals import signal_execute
from paper_trading.tests.api.support import url

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def alerted(send, btc, no_limits):
    body = send({"symbol": "BTCUSD", "action": "buy", "stop_loss": "59010"}).json()
    assert body["status"] == "alerted"
    return body["id"]


def click(api, signal_id, what="execute", **body):
    return api.post(url(f"signals/{signal_id}/{what}/"), body, format="json")


def test_a_click_executes_the_alerted_signal_at_its_suggested_size(api, alerted):
    # 1 % of 10000 = 100 over 1000 pips of 1.00 a lot: 0.10 lots
    answer = click(api, alerted)
    body = answer.json()
    assert (answer.status_code, body["status"]) == (200, "executed")
    trade = PaperTrade.objects.get(pk=body["trade"])
    assert (trade.lot_size, trade.entry_price, trade.stop_loss) == (D("0.10"), D("60010"), D("59010"))
    assert list(
        Decision.objects.filter(signal_id=alerted).order_by("id").values_list("outcome", flat=True)
    ) == [
        "alerted",
        "executed",
    ]


def test_a_double_click_gives_one_trade(api, alerted):
    first, second = click(api, alerted), click(api, alerted)
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["trade"] == second.json()["trade"]
    assert PaperTrade.objects.count() == 1


def test_a_click_may_choose_the_size(api, alerted):
    body = click(api, alerted, lot_size="0.25").json()
    assert PaperTrade.objects.get(pk=body["trade"]).lot_size == D("0.25")


def test_a_bad_size_is_400_and_executes_nothing(api, alerted):
    answer = click(api, alerted, lot_size="abc")
    assert (answer.status_code, answer.json()["code"]) == (400, "validation_error")
    assert (PaperTrade.objects.count(), Signal.objects.get().status) == (0, Signal.Status.ALERTED)


def test_refused_when_the_price_moved_past_the_drift_limit_then_allowed_once_it_is_back(api, alerted, tick):
    tick("BTCUSD", "60290", "60300")  # the ask moved 290 pips from 60010.00: more than 250
    answer = click(api, alerted)
    assert (answer.status_code, answer.json()["code"]) == (422, "price_moved")
    assert "290" in answer.json()["message"] and "250" in answer.json()["message"]
    row = Signal.objects.get()
    assert (row.status, row.reasons, PaperTrade.objects.count()) == (
        Signal.Status.ALERTED,
        ["price_moved"],
        0,
    )
    assert Decision.objects.filter(signal=row, reason_code="price_moved").count() == 1
    tick("BTCUSD", "60240", "60250")  # 240 pips: within the limit
    assert click(api, alerted).json()["status"] == "executed"


def test_the_accounts_drift_limit_replaces_the_default(api, alerted, tick, no_limits):
    no_limits.max_signal_drift_pips = D("50")
    no_limits.save()
    tick("BTCUSD", "60050", "60070")  # 60 pips
    assert click(api, alerted).json()["code"] == "price_moved"


def test_refused_after_it_expired_and_then_stays_expired(api, alerted, user):
    row = Signal.objects.get()
    assert row.expires_at == row.received_at + timedelta(seconds=120)
    with pytest.raises(BusinessRefusal) as refused:
        signal_execute(user=user, signal_id=alerted, now=row.expires_at + timedelta(seconds=1))
    assert refused.value.code == "signal_expired"
    row.refresh_from_db()
    assert (row.status, PaperTrade.objects.count()) == (Signal.Status.EXPIRED, 0)
    answer = click(api, alerted)
    assert (answer.status_code, answer.json()["code"]) == (409, "not_alerted")


def test_dismiss_declines_it_for_good(api, alerted):
    answer = click(api, alerted, "dismiss")
    assert (answer.status_code, answer.json()["status"]) == (200, "dismissed")
    assert Decision.objects.filter(signal_id=alerted).order_by("id").last().reason_code == "dismissed"
    assert click(api, alerted).json()["code"] == "not_alerted"
    assert click(api, alerted, "dismiss").status_code == 409


def test_an_executed_or_rejected_signal_cannot_be_dismissed(api, send, btc, auto):
    body = send({"symbol": "BTCUSD", "action": "buy", "stop_loss": "59010"}).json()
    assert click(api, body["id"], "dismiss").status_code == 409


@pytest.mark.parametrize("what", ["execute", "dismiss"])
def test_another_users_signal_is_404_and_untouched(client_for, other_user, alerted, what):
    answer = click(client_for(other_user), alerted, what)
    assert (answer.status_code, answer.json()["code"]) == (404, "not_found")
    assert (Signal.objects.get().status, PaperTrade.objects.count()) == (Signal.Status.ALERTED, 0)


def test_anonymous_clicks_are_401(anon, alerted):
    assert click(anon, alerted).status_code == 401
