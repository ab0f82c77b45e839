"""POST signals/ (docs/signals.md, Intake): answers, bodies, dedupe, validation codes, decisions,
and what each user may see."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from paper_trading.domain import signals as sig
from paper_trading.models import Decision, PaperTrade, Signal
from paper_trading.services.signals import signal_receive
from paper_trading.tests.api.support import url

from .conftest import WEDNESDAY

pytestmark = pytest.mark.django_db
D = Decimal


def test_alerted_when_auto_execution_is_off_with_the_sizing_terms(send, btc, no_limits):
    # Buy fills at 60010.00, SL 59010: 1000 pips of 1.00. One lot's pip: 1 x contract 1 = 1 USD.
    # Budget 10000 x 1 % = 100: 100 / (1000 x 1) = 0.1 lots.
    answer = send({"symbol": "BTCUSD", "action": "buy", "stop_loss": "59010"})
    assert answer.status_code == 201
    body = answer.json()
    assert (body["status"], body["suggested_lots"], body["trade"]) == ("alerted", "0.10", None)
    sizing = body["decision"]["sizing"]
    assert (sizing["budget"], sizing["stop_pips"], sizing["pip_value"], sizing["lots"]) == (
        "100.00000",
        "1000",
        "1",
        "0.10",
    )
    assert body["decision"]["outcome"] == "alerted"
    assert PaperTrade.objects.count() == 0


def test_executed_when_auto_execution_is_on(send, btc, auto):
    answer = send(
        {"symbol": "BTCUSD", "action": "buy", "stop_loss": "59010", "source": "model-a", "type": "trend"}
    )
    body = answer.json()
    assert (answer.status_code, body["status"]) == (201, "executed")
    trade = PaperTrade.objects.get(pk=body["trade"])
    assert (trade.side, trade.lot_size, trade.entry_price) == ("buy", D("0.10"), D("60010"))
    assert (trade.signal_source, trade.signal_type, trade.signal_id) == ("model-a", "trend", str(body["id"]))


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"symbol": "BTCUSD", "action": "buy", "sl": "59010"}', "text/plain"),
        ("buy BTCUSD sl=59010", "text/plain"),
        ('{"ticker": "BINANCE:BTCUSDT", "action": "buy", "sl": 59010}', "application/json"),
    ],
)
def test_every_body_form_gives_the_same_signal(send, btc, no_limits, body, content_type):
    answer = send(body, content_type)
    assert answer.status_code == 201
    assert (answer.json()["symbol"], answer.json()["stop_loss"], answer.json()["suggested_lots"]) == (
        "BTCUSD",
        "59010.00",
        "0.10",
    )


def test_same_source_and_signal_id_is_a_duplicate_answered_with_the_first(send, btc, auto):
    first = send(
        {"symbol": "BTCUSD", "action": "buy", "stop_loss": "59010", "source": "m", "signal_id": "s-1"}
    )
    again = send(
        {"symbol": "BTCUSD", "action": "buy", "stop_loss": "59000", "source": "m", "signal_id": "s-1"}
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and again.json()["stop_loss"] == "59010.00"
    assert (Signal.objects.count(), PaperTrade.objects.count()) == (1, 1)


def test_idempotency_key_dedupes(send, btc, auto):
    first = send({"symbol": "BTCUSD", "action": "buy", "stop_loss": "59010", "idempotency_key": "k"})
    again = send({"symbol": "BTCUSD", "action": "sell", "stop_loss": "61000", "idempotency_key": "k"})
    assert (again.status_code, again.json()["id"]) == (200, first.json()["id"])


def test_an_identical_body_is_a_duplicate_but_another_action_in_the_same_second_is_not(send, btc, auto):
    close = {"symbol": "BTCUSD", "action": "close", "alert_time": "2026-12-02T14:30:00Z"}
    buy = {**close, "action": "buy", "stop_loss": "59010"}
    assert send(close).status_code == 201
    assert send(close).status_code == 200
    assert send(buy).status_code == 201
    assert Signal.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"symbol": "BTCUSX", "action": "buy"}, "unknown_symbol", "symbol"),
        ({"action": "buy"}, "validation_error", "symbol"),
        ({"symbol": "BTCUSD"}, "validation_error", "action"),
        ({"symbol": "BTCUSD", "action": "buy", "confidence": 250}, "validation_error", "confidence"),
        ("not a signal at all", "validation_error", "non_field_errors"),
        ('{"symbol": ', "validation_error", "non_field_errors"),
    ],
)
def test_a_body_that_does_not_parse_is_400_and_writes_nothing(send, btc, no_limits, body, code, field):
    answer = send(body)
    assert answer.status_code == 400
    assert answer.json()["code"] == code and field in answer.json()["errors"]
    assert (Signal.objects.count(), Decision.objects.count()) == (0, 0)


def test_unknown_symbol_lists_suggestions(send, btc, no_limits):
    body = send({"symbol": "EURUSX", "action": "buy"}).json()
    assert body["suggestions"][0] == "EURUSD" and len(body["suggestions"]) <= 3


def test_a_body_over_64_kib_is_413(send, no_limits):
    answer = send('{"symbol": "BTCUSD", "action": "buy", "notes": "' + "x" * 65536 + '"}')
    assert (answer.status_code, answer.json()["code"]) == (413, "payload_too_large")
    assert Signal.objects.count() == 0


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"stop_loss": "61000"}, "invalid_sl_geometry"),  # a buy's SL above the fill at 60010
        ({"stop_loss": "59010", "take_profit_1": "59500"}, "invalid_sl_geometry"),
        ({"stop_loss": "59010", "alert_time_ago": 61}, "stale_signal"),
        ({"stop_loss": "59010", "alert_time_ago": -6}, "future_timestamp"),
        ({"stop_loss": "59010", "expires_ago": 1}, "signal_expired"),
    ],
)
def test_a_refused_signal_is_201_rejected_with_its_code(send, btc, auto, extra, code):
    body = {"symbol": "BTCUSD", "action": "buy", **extra}
    now = timezone.now()
    if "alert_time_ago" in body:
        body["alert_time"] = (now - timedelta(seconds=body.pop("alert_time_ago"))).isoformat()
    if "expires_ago" in body:
        body["expires_at"] = (now - timedelta(seconds=body.pop("expires_ago"))).isoformat()
    answer = send(body)
    assert answer.status_code == 201
    assert (answer.json()["status"], answer.json()["reasons"]) == ("rejected", [code])
    assert answer.json()["decision"]["reason_code"] == code
    assert PaperTrade.objects.count() == 0


def test_rr_below_the_accounts_minimum(send, btc, auto):
    # Fill 60010, SL 59010 (1000), TP1 61010 (1000): R:R 1.00 below 1.5.
    auto.min_signal_rr = D("1.5")
    auto.save()
    body = send({"symbol": "BTCUSD", "action": "buy", "stop_loss": "59010", "take_profit_1": "61010"}).json()
    assert (body["status"], body["reasons"]) == ("rejected", ["rr_below_min"])


def test_risk_codes_of_the_account_refuse(send, btc, account):
    # The default account: 2 % max risk per trade. 1 lot to a 1000-pip stop risks 1000 USD (10 %).
    account.auto_execute_signals = True
    account.save()
    too_big = send({"symbol": "BTCUSD", "action": "buy", "stop_loss": "59010", "lots": "1"}).json()
    no_stop = send({"symbol": "BTCUSD", "action": "buy", "lots": "0.01"}).json()
    assert (too_big["status"], too_big["reasons"]) == ("rejected", ["risk_per_trade_exceeded"])
    assert (no_stop["status"], no_stop["reasons"]) == ("rejected", ["stop_loss_required"])


def test_fx_signal_in_the_weekend_is_market_closed(user, tick, auto):
    tick("EURUSD", "1.09990", "1.10000")
    saturday = WEDNESDAY + timedelta(days=3)
    signal, payload = sig.parse_signal(
        b'{"symbol": "EURUSD", "action": "buy", "sl": "1.098"}', "application/json"
    )
    received = signal_receive(user=user, signal=signal, payload=payload, now=saturday)
    assert (received.signal.status, received.signal.reasons) == ("rejected", ["market_closed"])
    weekday = signal_receive(
        user=user, signal=signal, payload={**payload, "idempotency_key": "second"}, now=WEDNESDAY
    )
    assert weekday.signal.status == "executed"


@pytest.mark.parametrize(
    ("confidence", "setting", "code"),
    [("0.5", {}, "below_min_confidence"), ("90", {"signal_symbols": ["EURUSD"]}, "filtered")],
)
def test_skipped_with_its_code(send, btc, auto, confidence, setting, code):
    for name, value in setting.items():
        setattr(auto, name, value)
    auto.save()
    body = send({"symbol": "BTCUSD", "action": "buy", "stop_loss": "59010", "confidence": confidence}).json()
    assert (body["status"], body["reasons"]) == ("skipped", [code])


def test_a_close_with_auto_execution_off_is_skipped(send, btc, no_limits):
    body = send({"symbol": "BTCUSD", "action": "close"}).json()
    assert (body["status"], body["reasons"]) == ("skipped", ["auto_execute_off"])


def test_confidence_scales_the_lots(send, btc, auto):
    # 0.10 lots x 1.5 at confidence 97 = 0.15.
    body = send({"symbol": "BTCUSD", "action": "buy", "stop_loss": "59010", "confidence": "0.97"}).json()
    assert (body["confidence"], body["decision"]["sizing"]["multiplier"]) == ("97", "1.5")
    assert PaperTrade.objects.get(pk=body["trade"]).lot_size == D("0.15")


def test_pips_levels_are_priced_from_the_fill_side(send, btc, no_limits):
    # A sell fills at the bid 60000.00: SL 500 pips above = 60500.00, TP1 1000 pips below = 59000.00.
    body = send("sell BTCUSD sl_pips=500 tp_pips=1000", "text/plain").json()
    assert (body["stop_loss"], body["take_profit_1"]) == ("60500.00", "59000.00")


# ---- owners ------------------------------------------------------------------------------------
def test_another_users_signals_and_journal_are_not_theirs(send, btc, no_limits, client_for, other_user):
    mine = send({"symbol": "BTCUSD", "action": "buy", "stop_loss": "59010"}).json()
    theirs = client_for(other_user)
    assert theirs.get(url(f"signals/{mine['id']}/")).status_code == 404
    assert theirs.post(url(f"signals/{mine['id']}/execute/"), {}, format="json").status_code == 404
    assert theirs.post(url(f"signals/{mine['id']}/dismiss/")).status_code == 404
    assert theirs.get(url("signals/")).json()["count"] == 0
    assert theirs.get(url("decisions/")).json()["count"] == 0
    assert theirs.get(url(f"decisions/{mine['decision']['id']}/")).status_code == 404
    assert theirs.get(url("signals/performance/")).json()["by_source"] == []
    assert theirs.get(url(f"decisions/verify/?account={no_limits.pk}")).status_code == 404


def test_a_signal_for_another_users_account_is_404(send, btc, no_limits, other_user):
    from paper_trading.services.accounts import account_ensure_default

    foreign = account_ensure_default(user=other_user)
    answer = send({"symbol": "BTCUSD", "action": "buy", "account": foreign.pk})
    assert answer.status_code == 404 and Signal.objects.count() == 0


def test_anonymous_cannot_send(anon, btc):
    answer = anon.post(url("signals/"), {"symbol": "BTCUSD", "action": "buy"}, format="json")
    assert answer.status_code == 401


def test_the_signal_list_does_not_query_per_row(api, send, btc, no_limits):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert api.get(url("signals/")).status_code == 200
        return len(captured)

    send({"symbol": "BTCUSD", "action": "buy", "stop_loss": "59010", "signal_id": "0"})
    one = queries()
    for i in range(1, 6):
        send({"symbol": "BTCUSD", "action": "buy", "stop_loss": "59010", "signal_id": str(i)})
    assert queries() == one
    assert api.get(url("signals/")).json()["results"][0]["decision"]["outcome"] == "alerted"


def test_a_deeply_nested_body_under_the_limit_is_400_and_writes_nothing(send, btc, no_limits):
    body = '{"symbol": "BTCUSD", "action": "buy", "notes": ' + "[" * 30000 + "]" * 30000 + "}"
    answer = send(body)
    assert (answer.status_code, answer.json()["code"]) == (400, "validation_error")
    assert Signal.objects.count() == 0
