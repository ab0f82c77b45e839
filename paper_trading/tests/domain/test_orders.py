"""Entry orders, time in force, OCO, validation and the ticket state machine (docs/domain.md,
Fills; docs/api.md, Entry orders)."""

from datetime import UTC, datetime

import pytest

from paper_trading.domain import trading
from paper_trading.domain.errors import BusinessRefusal, IllegalTransition, InvalidInput, StateConflict
from paper_trading.domain.orders import ExitReason, Status, Ticket, check_transition
from paper_trading.domain.trading import close_ticket, modify_ticket, place_order

from .factories import (
    D,
    at,
    board,
    events_of,
    fills_of,
    ledger_sum,
    order,
    placed,
    portfolio,
    quote,
    tick,
    venue,
)

# ---- limit orders --------------------------------------------------------------------------


def test_buy_limit_below_ask_rests_pending():
    ex, acct, trade = placed(order(side="buy", entry_type="limit", price="1.09900"))
    assert trade.status is Status.PENDING
    assert trade.entry_price is None
    assert fills_of(ex, trade) == []


def test_buy_limit_fills_at_its_level_when_ask_reaches_it():
    ex, acct, trade = placed(order(side="buy", entry_type="limit", price="1.09900"))
    tick(ex, "EURUSD", "1.09920", "1.09940", time=at(1))
    assert trade.status is Status.PENDING
    tick(ex, "EURUSD", "1.09880", "1.09900", time=at(2))
    assert trade.status is Status.OPEN
    assert trade.entry_price == D("1.09900")


def test_buy_limit_gapped_through_fills_at_its_level_never_better():
    # Ask gaps to 1.09700, below the 1.09900 limit: the fill is still 1.09900.
    ex, acct, trade = placed(order(side="buy", entry_type="limit", price="1.09900"))
    tick(ex, "EURUSD", "1.09700", time=at(1))
    assert trade.entry_price == D("1.09900")
    assert [f.price for f in fills_of(ex, trade, "entry")] == [D("1.09900")]


def test_sell_limit_gapped_through_fills_at_its_level_never_better():
    ex, acct, trade = placed(order(side="sell", entry_type="limit", price="1.10100"))
    assert trade.status is Status.PENDING
    tick(ex, "EURUSD", "1.10300", time=at(1))
    assert trade.status is Status.OPEN
    assert trade.entry_price == D("1.10100")


def test_resting_limit_fill_charges_commission():
    # 4.00 per lot x 0.5 lot = 2.00 at the fill, not at placement.
    ex, acct, trade = placed(
        order(side="buy", lots="0.5", entry_type="limit", price="1.09900"), commission_per_lot=D("4")
    )
    assert ledger_sum(ex, acct.id) == D("10000.00")
    tick(ex, "EURUSD", "1.09900", time=at(1))
    assert trade.commission == D("2.00")
    assert acct.balance == D("9998.00")


# ---- stop orders ----------------------------------------------------------------------------


def test_buy_stop_above_ask_rests_then_fills_at_the_gapped_ask():
    # Trigger 1.10100; ask gaps to 1.10180: filled at 1.10180, worse than the trigger.
    ex, acct, trade = placed(order(side="buy", entry_type="stop", price="1.10100"))
    assert trade.status is Status.PENDING
    tick(ex, "EURUSD", "1.10050", time=at(1))
    assert trade.status is Status.PENDING
    tick(ex, "EURUSD", "1.10180", time=at(2))
    assert trade.entry_price == D("1.10180")


def test_sell_stop_below_bid_fills_at_the_gapped_bid():
    ex, acct, trade = placed(order(side="sell", entry_type="stop", price="1.09900"))
    tick(ex, "EURUSD", "1.09850", time=at(1))
    assert trade.entry_price == D("1.09850")


def test_stop_entry_fill_takes_slippage_against_the_trader():
    # Ask 1.10100 at the trigger + 0.5 pip = 1.10105.
    ex, acct, trade = placed(order(side="buy", entry_type="stop", price="1.10100"), slippage_pips=D("0.5"))
    tick(ex, "EURUSD", "1.10100", time=at(1))
    assert trade.entry_price == D("1.10105")


# ---- stop-limit orders ----------------------------------------------------------------------


def test_stop_limit_fires_and_fills_at_the_quote_inside_the_limit():
    # Stop 1.10100, limit 1.10150: ask 1.10120 fires the stop and is inside the limit.
    ex, acct, trade = placed(
        order(side="buy", entry_type="stop_limit", price="1.10100", limit_price="1.10150")
    )
    assert trade.status is Status.PENDING
    tick(ex, "EURUSD", "1.10120", time=at(1))
    assert trade.status is Status.OPEN
    assert trade.entry_price == D("1.10120")


def test_stop_limit_gapped_past_its_limit_rests_as_a_limit():
    # Ask gaps to 1.10200: the stop fires but 1.10200 > limit 1.10150, so it rests as a limit and
    # later fills at its level 1.10150 when ask comes back to 1.10140 (never better).
    ex, acct, trade = placed(
        order(side="buy", entry_type="stop_limit", price="1.10100", limit_price="1.10150")
    )
    tick(ex, "EURUSD", "1.10200", time=at(1))
    assert trade.status is Status.PENDING
    assert trade.stop_triggered is True
    tick(ex, "EURUSD", "1.10160", time=at(2))
    assert trade.status is Status.PENDING
    tick(ex, "EURUSD", "1.10140", time=at(3))
    assert trade.status is Status.OPEN
    assert trade.entry_price == D("1.10150")


def test_stop_limit_requires_a_limit_price():
    ex, acct = venue()
    tick(ex, "EURUSD", "1.10000")
    with pytest.raises(InvalidInput) as err:
        ex.place(acct.id, order(entry_type="stop_limit", price="1.10100"))
    assert err.value.field == "limit_price"


@pytest.mark.parametrize("entry_type", ["limit", "stop", "stop_limit"])
def test_pending_order_without_price_is_rejected(entry_type):
    ex, acct = venue()
    tick(ex, "EURUSD", "1.10000")
    with pytest.raises(InvalidInput) as err:
        ex.place(acct.id, order(entry_type=entry_type, limit_price="1.1"))
    assert err.value.field == "price"


def test_market_order_with_a_price_is_rejected():
    ex, acct = venue()
    tick(ex, "EURUSD", "1.10000")
    with pytest.raises(InvalidInput):
        ex.place(acct.id, order(price="1.10000"))


# ---- time in force --------------------------------------------------------------------------


def test_gtc_limit_rests_across_the_rollover():
    ex, acct, trade = placed(order(side="buy", entry_type="limit", price="1.09000"))
    assert trade.expire_at is None
    # Two days later, past two 17:00 New York rollovers.
    tick(ex, "EURUSD", "1.10010", time=at(2 * 24 * 60))
    assert trade.status is Status.PENDING


@pytest.mark.parametrize(
    "placed, expires",
    [
        # 15:00 UTC = 10:00 EST (UTC-5): 17:00 EST = 22:00 UTC the same day.
        (datetime(2025, 1, 15, 15, 0, tzinfo=UTC), datetime(2025, 1, 15, 22, 0, tzinfo=UTC)),
        # 15:00 UTC = 11:00 EDT (UTC-4): 17:00 EDT = 21:00 UTC the same day.
        (datetime(2025, 7, 15, 15, 0, tzinfo=UTC), datetime(2025, 7, 15, 21, 0, tzinfo=UTC)),
        # 23:00 UTC = 18:00 EST, after the rollover: the next day's 17:00 EST = 22:00 UTC.
        (datetime(2025, 1, 15, 23, 0, tzinfo=UTC), datetime(2025, 1, 16, 22, 0, tzinfo=UTC)),
    ],
)
def test_day_order_expires_at_17_new_york(placed, expires):
    ex, acct = venue(start=placed)
    tick(ex, "EURUSD", "1.10000", time=placed)
    trade = ex.place(acct.id, order(entry_type="limit", price="1.09000", time_in_force="DAY"))
    assert trade.expire_at == expires
    tick(ex, "EURUSD", "1.10000", time=at(-1, start=expires))
    assert trade.status is Status.PENDING
    tick(ex, "EURUSD", "1.10000", time=expires)
    assert trade.status is Status.CANCELLED
    assert trade.exit_reason == ExitReason.EXPIRED
    assert trade.exit_time == expires


def test_gtd_order_expires_at_expire_at():
    expire_at = at(90)
    ex, acct, trade = placed(
        order(entry_type="limit", price="1.09000", time_in_force="GTD", expire_at=expire_at)
    )
    assert trade.expire_at == expire_at
    tick(ex, "EURUSD", "1.10000", time=at(89))
    assert trade.status is Status.PENDING
    tick(ex, "EURUSD", "1.10000", time=at(91))
    assert trade.status is Status.CANCELLED
    assert trade.exit_reason == ExitReason.EXPIRED


def test_expiry_wins_over_a_fill_on_the_same_late_quote():
    # A quote at/after expire_at that would also fill the limit: the order has already expired.
    ex, acct, trade = placed(
        order(entry_type="limit", price="1.09000", time_in_force="GTD", expire_at=at(60))
    )
    tick(ex, "EURUSD", "1.08000", time=at(60))
    assert trade.status is Status.CANCELLED
    assert fills_of(ex, trade) == []


def test_expire_due_cancels_without_a_tick():
    pf = portfolio()
    market = board(quote("EURUSD", "1.10000"))
    trade = place_order(
        pf, market, order(entry_type="limit", price="1.09000", time_in_force="GTD", expire_at=at(30)), at(0)
    )
    assert trading.expire_due(pf, at(29)) == []
    assert trading.expire_due(pf, at(30)) == [trade]
    assert trade.status is Status.CANCELLED
    assert trade.exit_reason == ExitReason.EXPIRED


def test_gtd_without_expire_at_is_rejected():
    ex, acct = venue()
    tick(ex, "EURUSD", "1.10000")
    with pytest.raises(InvalidInput) as err:
        ex.place(acct.id, order(entry_type="limit", price="1.09000", time_in_force="GTD"))
    assert err.value.field == "expire_at"


def test_gtd_with_past_expire_at_is_rejected():
    ex, acct = venue()
    tick(ex, "EURUSD", "1.10000", time=at(10))
    with pytest.raises(InvalidInput):
        ex.place(acct.id, order(entry_type="limit", price="1.09000", time_in_force="GTD", expire_at=at(5)))


def test_expire_at_without_gtd_is_rejected():
    ex, acct = venue()
    tick(ex, "EURUSD", "1.10000")
    with pytest.raises(InvalidInput):
        ex.place(acct.id, order(entry_type="limit", price="1.09000", time_in_force="GTC", expire_at=at(60)))


@pytest.mark.parametrize("tif", ["IOC", "FOK"])
def test_ioc_fok_limit_that_cannot_fill_now_is_cancelled(tif):
    ex, acct, trade = placed(order(side="buy", entry_type="limit", price="1.09900", time_in_force=tif))
    assert trade.status is Status.CANCELLED
    assert trade.exit_reason == ExitReason.CANCELLED
    assert fills_of(ex, trade) == []
    # It does not come back when the price does.
    tick(ex, "EURUSD", "1.09800", time=at(1))
    assert trade.status is Status.CANCELLED
    assert ex.active() == []


@pytest.mark.parametrize("tif", ["IOC", "FOK"])
def test_ioc_fok_marketable_limit_fills_at_once(tif):
    ex, acct, trade = placed(order(side="buy", entry_type="limit", price="1.10000", time_in_force=tif))
    assert trade.status is Status.OPEN


@pytest.mark.parametrize("tif", ["IOC", "FOK"])
def test_ioc_fok_market_order_fills(tif):
    ex, acct = venue()
    tick(ex, "EURUSD", "1.10000")
    assert ex.place(acct.id, order(time_in_force=tif)).status is Status.OPEN


# ---- OCO ------------------------------------------------------------------------------------


def _oco_pair(ex, acct):
    first = ex.place(acct.id, order(side="buy", entry_type="limit", price="1.09900"))
    second = ex.place(acct.id, order(side="sell", entry_type="limit", price="1.10100", oco_with=first.id))
    return first, second


def test_oco_first_fills_cancels_the_second():
    ex, acct = venue()
    tick(ex, "EURUSD", "1.10000")
    first, second = _oco_pair(ex, acct)
    tick(ex, "EURUSD", "1.09900", time=at(1))
    assert first.status is Status.OPEN
    assert second.status is Status.CANCELLED
    assert second.exit_reason == ExitReason.CANCELLED
    tick(ex, "EURUSD", "1.10200", time=at(2))
    assert second.status is Status.CANCELLED
    assert fills_of(ex, second) == []


def test_oco_second_fills_cancels_the_first():
    ex, acct = venue()
    tick(ex, "EURUSD", "1.10000")
    first, second = _oco_pair(ex, acct)
    tick(ex, "EURUSD", "1.10100", time=at(1))
    assert second.status is Status.OPEN
    assert first.status is Status.CANCELLED


def test_cancel_pending_order_removes_it_from_the_book():
    ex, acct, trade = placed(order(entry_type="limit", price="1.09900"))
    ex.cancel(acct.id, trade.id)
    assert trade.status is Status.CANCELLED
    assert tick(ex, "EURUSD", "1.09800", time=at(1)) == 0
    assert fills_of(ex, trade) == []


def test_resting_order_without_free_margin_at_trigger_is_cancelled():
    # Balance 2000. Gold 0.5 lot at 2000.00 holds 0.5 x 100 x 2000 / 100 = 1000.00, leaving 1000.00
    # free; the EURUSD limit then needs 1 x 100000 x 1.09900 / 100 = 1099.00 > 1000.00.
    ex, acct = venue(balance="2000")
    tick(ex, "EURUSD", "1.10000")
    tick(ex, "XAUUSD", "2000.00")
    trade = ex.place(acct.id, order(entry_type="limit", price="1.09900"))
    ex.place(acct.id, order(symbol="XAUUSD", lots="0.5"))
    tick(ex, "EURUSD", "1.09900", time=at(1))
    assert trade.status is Status.CANCELLED
    assert "insufficient margin" in trade.notes
    assert fills_of(ex, trade) == []


# ---- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "side, fields, field",
    [
        ("buy", {"stop_loss": "1.10100"}, "stop_loss"),  # SL above the ask of a buy
        ("buy", {"stop_loss": "1.10000"}, "stop_loss"),  # SL at the fill price
        ("sell", {"stop_loss": "1.09900"}, "stop_loss"),  # SL below the bid of a sell
        ("buy", {"take_profit_1": "1.09900"}, "take_profit_1"),
        ("sell", {"take_profit_1": "1.10100"}, "take_profit_1"),
        ("buy", {"take_profit_1": "1.10200", "take_profit_2": "1.10100"}, "take_profit_2"),  # out of order
        ("sell", {"take_profit_1": "1.09800", "take_profit_2": "1.09900"}, "take_profit_2"),
    ],
)
def test_protection_on_the_wrong_side_is_rejected(side, fields, field):
    ex, acct = venue()
    tick(ex, "EURUSD", "1.10000")
    with pytest.raises(InvalidInput) as err:
        ex.place(acct.id, order(side=side, **fields))
    assert err.value.field == field
    assert ex.active() == []


def test_pending_order_stop_loss_is_validated_against_its_price():
    # A buy limit at 1.09900 cannot have its SL at 1.09950 (above the entry).
    ex, acct = venue()
    tick(ex, "EURUSD", "1.10000")
    with pytest.raises(InvalidInput) as err:
        ex.place(acct.id, order(entry_type="limit", price="1.09900", stop_loss="1.09950"))
    assert err.value.field == "stop_loss"


def test_price_moved_beyond_max_deviation_is_refused_and_writes_nothing():
    # Requested 1.09900, ask 1.10000: |1.10000 - 1.09900| / 0.0001 = 10 pips > 5.
    ex, acct = venue()
    tick(ex, "EURUSD", "1.10000")
    with pytest.raises(BusinessRefusal) as err:
        ex.place(acct.id, order(requested_price="1.09900", max_deviation_pips="5"))
    assert err.value.code == "price_moved"
    assert ex.active() == []
    assert [e.kind for e in ex.ledgers[acct.id]] == ["deposit"]


def test_price_within_max_deviation_fills():
    # |1.10000 - 1.09970| / 0.0001 = 3 pips <= 5.
    ex, acct, trade = placed(order(requested_price="1.09970", max_deviation_pips="5"))
    assert trade.status is Status.OPEN
    assert trade.requested_price == D("1.09970")


# ---- modify ---------------------------------------------------------------------------------


def test_modify_open_trade_moves_its_stop_loss():
    ex, acct, trade = placed(order(stop_loss="1.09000"))
    ex.modify(acct.id, trade.id, {"stop_loss": D("1.09950")})
    assert trade.stop_loss == D("1.09950")
    tick(ex, "EURUSD", "1.09950", time=at(1))
    assert trade.exit_reason == ExitReason.SL_HIT


def test_modify_stop_loss_through_the_market_is_rejected():
    # A buy's SL must stay below the current bid 1.10000.
    ex, acct, trade = placed(order())
    with pytest.raises(InvalidInput) as err:
        ex.modify(acct.id, trade.id, {"stop_loss": D("1.10010")})
    assert err.value.field == "stop_loss"
    assert trade.stop_loss is None


@pytest.mark.parametrize("changes", [{"lots": D("2")}, {"side": "sell"}, {"entry_price": D("1")}])
def test_modify_unlisted_field_is_rejected(changes):
    ex, acct, trade = placed(order())
    with pytest.raises(InvalidInput):
        ex.modify(acct.id, trade.id, changes)


def test_modify_price_of_an_open_trade_is_rejected():
    ex, acct, trade = placed(order())
    with pytest.raises(InvalidInput) as err:
        ex.modify(acct.id, trade.id, {"price": D("1.09000")})
    assert err.value.field == "price"


def test_modify_pending_price_moves_its_trigger():
    ex, acct, trade = placed(order(entry_type="limit", price="1.09000"))
    ex.modify(acct.id, trade.id, {"price": D("1.09950")})
    tick(ex, "EURUSD", "1.09950", time=at(1))
    assert trade.status is Status.OPEN
    assert trade.entry_price == D("1.09950")


# ---- the state machine ----------------------------------------------------------------------

LEGAL = {
    (Status.PENDING, Status.OPEN),
    (Status.PENDING, Status.CANCELLED),
    (Status.OPEN, Status.OPEN),  # a partial close
    (Status.OPEN, Status.CLOSED),
}


@pytest.mark.parametrize("current", list(Status))
@pytest.mark.parametrize("target", list(Status))
def test_transition_table_allows_only_the_trade_lifecycle(current, target):
    if (current, target) in LEGAL:
        check_transition(current, target)
    else:
        with pytest.raises(IllegalTransition) as err:
            check_transition(current, target)
        assert isinstance(err.value, StateConflict)
        assert err.value.status == 409


def test_ticket_illegal_transition_raises_and_keeps_its_status():
    ticket = Ticket(account_id=1, symbol="EURUSD", side="buy", lots=D(1), status=Status.CLOSED)
    with pytest.raises(IllegalTransition):
        ticket.transition(Status.OPEN)
    assert ticket.status is Status.CLOSED


def test_closing_a_closed_trade_raises_state_conflict():
    pf = portfolio()
    market = board(quote("EURUSD", "1.10000"))
    trade = place_order(pf, market, order(), at(0))
    close_ticket(pf, market, trade, at(1))
    with pytest.raises(StateConflict) as err:
        close_ticket(pf, market, trade, at(2))
    assert err.value.status == 409
    # The second attempt booked nothing: one entry fill, one exit fill.
    assert [f.kind for f in pf.fills] == ["entry", "exit"]


def test_closing_a_pending_order_raises_state_conflict():
    pf = portfolio()
    market = board(quote("EURUSD", "1.10000"))
    trade = place_order(pf, market, order(entry_type="limit", price="1.09000"), at(0))
    with pytest.raises(StateConflict):
        close_ticket(pf, market, trade, at(1))


def test_cancelling_an_open_trade_raises_state_conflict():
    ex, acct, trade = placed(order())
    with pytest.raises(StateConflict):
        ex.cancel(acct.id, trade.id)
    assert trade.status is Status.OPEN


def test_modifying_a_closed_trade_raises_state_conflict():
    pf = portfolio()
    market = board(quote("EURUSD", "1.10000"))
    trade = place_order(pf, market, order(), at(0))
    close_ticket(pf, market, trade, at(1))
    with pytest.raises(StateConflict):
        modify_ticket(pf, market, trade, {"notes": "late"}, at(2))


def test_closing_more_lots_than_open_is_rejected():
    ex, acct, trade = placed(order(lots="0.5"))
    with pytest.raises(InvalidInput):
        ex.close(acct.id, trade.id, lots=D("0.6"))
    assert trade.lots == D("0.5")


def test_events_follow_the_lifecycle():
    ex, acct, trade = placed(order(entry_type="limit", price="1.09900"))
    tick(ex, "EURUSD", "1.09900", time=at(1))
    ex.close(acct.id, trade.id)
    assert [e.type for e in ex.events if e.ticket is trade] == [
        "trade_execution",
        "trade_execution",
        "trade_closed",
    ]
    assert events_of(ex, "trade_closed")[0].reason == ExitReason.MANUAL
