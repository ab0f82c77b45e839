"""The managing actions of a signal (docs/signals.md, Actions): close, close_long, close_short,
flat, reverse (atomic), cancel, modify; and what they do with automatic execution off.

BTCUSD stands at 60000.00 / 60010.00 (the `btc` fixture): a buy fills at 60010.00 and closes at
60000.00; a sell fills at 60000.00 and closes at 60010.00."""

from decimal import Decimal

import pytest

from paper_trading.domain.orders import EntryType, Side
from paper_trading.domain.trading import OrderRequest
from paper_trading.models import Decision, PaperTrade, Signal
from paper_trading.services.orders import order_place

pytestmark = pytest.mark.django_db
D = Decimal
OPEN, CLOSED = PaperTrade.Status.OPEN, PaperTrade.Status.CLOSED


@pytest.fixture
def opened(send, btc, auto):
    """Open a position through a signal with a given size; returns the trade."""

    def open_(action, lots, source="m", **fields):
        body = send({"symbol": "BTCUSD", "action": action, "lots": lots, "source": source, **fields}).json()
        assert body["status"] == "executed", body
        return PaperTrade.objects.get(pk=body["trade"])

    return open_


def statuses(*trades):
    return [PaperTrade.objects.get(pk=t.pk).status for t in trades]


@pytest.mark.parametrize("action", ["close", "flat"])
def test_close_closes_every_position_on_the_symbol_at_the_close_side(send, opened, action):
    first, second = opened("buy", "0.10"), opened("sell", "0.20")
    answer = send({"symbol": "BTCUSD", "action": action, "source": "m"})
    body = answer.json()
    assert (answer.status_code, body["status"]) == (201, "executed")
    assert statuses(first, second) == [CLOSED, CLOSED]
    # the buy closes at the bid, the sell at the ask
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.exit_price, second.exit_price) == (D("60000.00"), D("60010.00"))


@pytest.mark.parametrize(("action", "closed", "kept"), [("close_long", 0, 1), ("close_short", 1, 0)])
def test_close_long_and_close_short_close_one_side_only(send, opened, action, closed, kept):
    trades = [opened("buy", "0.10"), opened("sell", "0.10")]
    assert send({"symbol": "BTCUSD", "action": action}).json()["status"] == "executed"
    assert (statuses(trades[closed])[0], statuses(trades[kept])[0]) == (CLOSED, OPEN)


def test_tradingview_market_position_flat_after_a_long_closes_the_longs(send, opened):
    trade = opened("buy", "0.10")
    body = send(
        {"ticker": "BTCUSD", "action": "sell", "market_position": "flat", "prev_market_position": "long"}
    ).json()
    assert (body["action"], body["status"]) == ("close_long", "executed")
    assert statuses(trade) == [CLOSED]


def test_close_with_nothing_open_is_rejected_and_journaled(send, btc, auto):
    body = send({"symbol": "BTCUSD", "action": "close"}).json()
    assert (body["status"], body["reasons"]) == ("rejected", ["no_position"])
    assert Decision.objects.get(signal_id=body["id"]).reason_code == "no_position"


def test_reverse_closes_the_long_and_opens_a_short(send, opened):
    long = opened("buy", "0.10")
    body = send({"symbol": "BTCUSD", "action": "reverse", "side": "sell", "lots": "0.30"}).json()
    assert body["status"] == "executed"
    short = PaperTrade.objects.get(pk=body["trade"])
    assert statuses(long) == [CLOSED]
    assert (short.side, short.lot_size, short.entry_price, short.status) == (
        "sell",
        D("0.30"),
        D("60000"),
        OPEN,
    )


def test_a_reverse_whose_open_is_refused_leaves_the_long_open(send, opened):
    # 20 lots sold at 60000.00 at 1:100: margin 20 x 60000.00 / 100 = 12000.00 > 10000 equity.
    long = opened("buy", "0.10")
    before = list(PaperTrade.objects.values_list("id", "status", "exit_price"))
    body = send({"symbol": "BTCUSD", "action": "reverse", "side": "sell", "lots": "20"}).json()
    assert (body["status"], body["trade"]) == ("rejected", None)
    assert body["reasons"] == ["insufficient_margin"]
    assert list(PaperTrade.objects.values_list("id", "status", "exit_price")) == before
    assert statuses(long) == [OPEN]


def test_cancel_removes_only_that_sources_pending_orders_on_the_symbol(send, btc, auto, user):
    def pending(source, symbol="BTCUSD"):
        request = OrderRequest(
            symbol=symbol,
            side=Side.BUY,
            lots=D("0.10"),
            entry_type=EntryType.LIMIT,
            price=D("59000") if symbol == "BTCUSD" else D("1.05000"),
            signal_source=source,
        )
        return order_place(user=user, request=request).trade

    mine, theirs = pending("m"), pending("other")
    body = send({"symbol": "BTCUSD", "action": "cancel", "source": "m"}).json()
    assert body["status"] == "executed"
    assert statuses(mine, theirs) == [PaperTrade.Status.CANCELLED, PaperTrade.Status.PENDING]
    again = send({"symbol": "BTCUSD", "action": "cancel", "source": "m", "signal_id": "2"}).json()
    assert (again["status"], again["reasons"]) == ("rejected", ["no_pending_order"])


def test_modify_moves_the_stop_of_the_sources_newest_trade(send, opened):
    older = opened("buy", "0.10", stop_loss="59000")
    newer = opened("buy", "0.10", stop_loss="59000", signal_id="n")
    other = opened("buy", "0.10", source="x", stop_loss="59000")
    body = send({"symbol": "BTCUSD", "action": "modify", "source": "m", "stop_loss": "59500"}).json()
    assert (body["status"], body["trade"]) == ("executed", newer.pk)
    stops = {t.pk: t.stop_loss for t in PaperTrade.objects.all()}
    assert (stops[older.pk], stops[newer.pk], stops[other.pk]) == (D("59000"), D("59500"), D("59000"))


@pytest.mark.parametrize("action", ["close", "cancel", "modify"])
def test_managing_actions_are_skipped_when_automatic_execution_is_off(send, btc, no_limits, action):
    body = send({"symbol": "BTCUSD", "action": action, "stop_loss": "59000"}).json()
    assert (body["status"], body["reasons"]) == ("skipped", ["auto_execute_off"])
    assert Signal.objects.get().status == Signal.Status.SKIPPED


@pytest.mark.django_db(transaction=True)  # the signal's own transaction rolls back, not a test's
def test_a_refusal_after_the_order_wrote_refuses_the_whole_signal(send, btc, auto, monkeypatch):
    # An order's refusals come before it writes; a failure once its rows are written must not be
    # journaled as a rejection over a half-written trade: the signal's transaction rolls back.
    from paper_trading.domain.errors import BusinessRefusal
    from paper_trading.services import orders

    def fail_after_the_write(*args, **kwargs):
        raise BusinessRefusal("The store refused it.", code="numeric_overflow")

    monkeypatch.setattr(orders, "after_save", fail_after_the_write)
    answer = send({"symbol": "BTCUSD", "action": "buy", "lots": "0.10", "source": "m"})
    assert (answer.status_code, answer.json()["code"]) == (422, "numeric_overflow")
    assert (Signal.objects.count(), PaperTrade.objects.count(), Decision.objects.count()) == (0, 0, 0)


def test_a_refusal_before_the_order_wrote_is_journaled_with_no_trade(send, btc, auto):
    # 20 BTCUSD at 60010.00 needs far more margin than the account's 10,000.00
    body = send({"symbol": "BTCUSD", "action": "buy", "lots": "20", "source": "m"}).json()
    assert (body["status"], body["reasons"]) == ("rejected", ["insufficient_margin"])
    assert PaperTrade.objects.count() == 0
    assert Decision.objects.get().outcome == "rejected"
