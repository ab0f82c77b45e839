"""Swap (rollover) at 17:00 New York, triple on Wednesday (docs/domain.md, Costs), and the session clock.

Swap per night = points x point x contract_size x lots, in the quote currency, converted.
EURUSD long is -7.2 points: -7.2 x 0.00001 x 100000 x 1 lot = -7.20 USD per night.
"""

from datetime import UTC, datetime, timedelta

import pytest

from paper_trading.domain import sessions, trading
from paper_trading.domain.orders import Side

from .factories import D, board, ledger_of, order, portfolio, quote, tick, venue


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# 2025-01-13 is a Monday; New York is on EST (UTC-5), so 17:00 New York = 22:00 UTC.
MON, TUE, WED, THU, FRI, SAT, SUN = (utc(2025, 1, d, 12, 0) for d in range(13, 20))


def _held(symbol="EURUSD", side="buy", lots="1", *, opened=TUE, price="1.10000"):
    ex, acct = venue(start=opened)
    tick(ex, symbol, price, time=opened)
    trade = ex.place(acct.id, order(symbol, side, lots))
    return ex, acct, trade


# ---- the session clock -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "after, rollover",
    [
        (utc(2025, 1, 15, 15, 0), utc(2025, 1, 15, 22, 0)),  # EST: 17:00 = 22:00 UTC
        (utc(2025, 7, 15, 15, 0), utc(2025, 7, 15, 21, 0)),  # EDT: 17:00 = 21:00 UTC
        (utc(2025, 1, 15, 22, 0), utc(2025, 1, 16, 22, 0)),  # strictly after
        (utc(2025, 3, 8, 23, 0), utc(2025, 3, 9, 21, 0)),  # DST starts 2025-03-09
        (utc(2025, 11, 1, 22, 0), utc(2025, 11, 2, 22, 0)),  # DST ends 2025-11-02
    ],
)
def test_next_rollover_is_the_next_17_new_york(after, rollover):
    assert sessions.next_rollover(after) == rollover


def test_rollovers_between_skip_saturday_and_sunday():
    # Monday 12:00 to the next Monday 23:00 UTC: Mon..Fri and the next Monday, no weekend.
    found = sessions.rollovers_between(MON, MON + timedelta(days=7, hours=11))
    assert [r.day for r in found] == [13, 14, 15, 16, 17, 20]


def test_swap_multiplier_is_three_on_wednesday_only():
    assert [sessions.swap_multiplier(utc(2025, 1, d, 22, 0)) for d in range(13, 18)] == [1, 1, 3, 1, 1]


# ---- booking swap ------------------------------------------------------------------------------


def test_long_eurusd_held_over_the_rollover_pays_one_night():
    # -7.2 x 0.00001 x 100000 x 1 = -7.20
    ex, acct, trade = _held()
    tick(ex, "EURUSD", "1.10000", time=utc(2025, 1, 14, 21, 59))
    assert ledger_of(ex, acct.id, "swap") == []
    tick(ex, "EURUSD", "1.10000", time=utc(2025, 1, 14, 22, 0))
    assert ledger_of(ex, acct.id, "swap") == [D("-7.20")]
    assert trade.swap == D("-7.20")
    assert acct.balance == D("9992.80")


def test_wednesday_rollover_books_three_nights():
    # Tuesday -7.20, Wednesday 3 x -7.20 = -21.60, Thursday -7.20.
    ex, acct, trade = _held()
    tick(ex, "EURUSD", "1.10000", time=utc(2025, 1, 14, 22, 30))
    tick(ex, "EURUSD", "1.10000", time=utc(2025, 1, 15, 22, 30))
    tick(ex, "EURUSD", "1.10000", time=utc(2025, 1, 16, 22, 30))
    assert ledger_of(ex, acct.id, "swap") == [D("-7.20"), D("-21.60"), D("-7.20")]
    # -7.20 - 21.60 - 7.20 = -36.00
    assert trade.swap == D("-36.00")


def test_one_late_tick_books_every_rollover_it_passed():
    # No tick between Tuesday noon and Thursday 23:00 UTC: Tue -7.20, Wed -21.60, Thu -7.20.
    ex, acct, trade = _held()
    tick(ex, "EURUSD", "1.10000", time=utc(2025, 1, 16, 23, 0))
    assert ledger_of(ex, acct.id, "swap") == [D("-7.20"), D("-21.60"), D("-7.20")]


def test_short_eurusd_earns_its_positive_swap():
    # +2.1 x 0.00001 x 100000 x 1 = +2.10
    ex, acct, trade = _held(side="sell")
    tick(ex, "EURUSD", "1.10000", time=utc(2025, 1, 14, 22, 0))
    assert ledger_of(ex, acct.id, "swap") == [D("2.10")]


def test_swap_scales_with_lots():
    # -7.2 x 0.00001 x 100000 x 0.5 = -3.60
    ex, acct, trade = _held(lots="0.5")
    tick(ex, "EURUSD", "1.10000", time=utc(2025, 1, 14, 22, 0))
    assert ledger_of(ex, acct.id, "swap") == [D("-3.60")]


def test_gold_swap_uses_its_point_and_contract_size():
    # XAUUSD long -45.0 points x 0.01 x 100 oz x 1 lot = -45.00
    ex, acct, trade = _held("XAUUSD", price="2000.00")
    tick(ex, "XAUUSD", "2000.00", time=utc(2025, 1, 14, 22, 0))
    assert ledger_of(ex, acct.id, "swap") == [D("-45.00")]


def test_yen_swap_is_converted_at_the_position_price():
    # USDJPY short -25.1 points x 0.001 x 100000 x 1 = -2510 JPY; / 150.000 = -16.7333... -> -16.73
    ex, acct, trade = _held("USDJPY", side="sell", price="150.000")
    tick(ex, "USDJPY", "150.000", time=utc(2025, 1, 14, 22, 0))
    assert ledger_of(ex, acct.id, "swap") == [D("-16.73")]


def test_position_opened_after_the_rollover_pays_nothing_for_it():
    ex, acct, trade = _held(opened=utc(2025, 1, 14, 22, 30))
    tick(ex, "EURUSD", "1.10000", time=utc(2025, 1, 15, 12, 0))
    assert ledger_of(ex, acct.id, "swap") == []


def test_closed_position_pays_no_further_swap():
    ex, acct, trade = _held()
    tick(ex, "EURUSD", "1.10000", time=utc(2025, 1, 14, 13, 0))
    ex.close(acct.id, trade.id)
    tick(ex, "EURUSD", "1.10000", time=utc(2025, 1, 15, 23, 0))
    assert ledger_of(ex, acct.id, "swap") == []


def test_summer_rollover_is_at_21_utc():
    # EDT: 17:00 New York = 21:00 UTC on 2025-07-15.
    ex, acct, trade = _held(opened=utc(2025, 7, 15, 12, 0))
    tick(ex, "EURUSD", "1.10000", time=utc(2025, 7, 15, 20, 59))
    assert ledger_of(ex, acct.id, "swap") == []
    tick(ex, "EURUSD", "1.10000", time=utc(2025, 7, 15, 21, 0))
    assert ledger_of(ex, acct.id, "swap") == [D("-7.20")]


def test_weekend_is_paid_by_wednesday_not_by_saturday_and_sunday():
    # Held from Friday noon to Monday 23:00 UTC: Friday's rollover (1 night) and Monday's (1 night);
    # Saturday and Sunday 17:00 New York are not rollovers (Wednesday's triple covers the weekend).
    ex, acct, trade = _held(opened=FRI)
    tick(ex, "EURUSD", "1.10000", time=utc(2025, 1, 18, 23, 0))  # Saturday
    tick(ex, "EURUSD", "1.10000", time=utc(2025, 1, 19, 23, 0))  # Sunday
    tick(ex, "EURUSD", "1.10000", time=utc(2025, 1, 20, 23, 0))  # Monday
    assert ledger_of(ex, acct.id, "swap") == [D("-7.20"), D("-7.20")]


def test_full_week_books_seven_nights():
    # Monday noon to Sunday night: Mon, Tue, Thu, Fri 1 night each, Wed 3: 7 x -7.20 = -50.40.
    ex, acct, trade = _held(opened=MON)
    for day in range(13, 20):
        tick(ex, "EURUSD", "1.10000", time=utc(2025, 1, day, 23, 0))
    assert trade.swap == D("-50.40")


def test_apply_rollover_books_once_per_rollover():
    # Calling it twice for the same 17:00 books one night.
    pf = portfolio()
    market = board(quote("EURUSD", "1.10000", time=TUE))
    ticket = trading.place_order(pf, market, order(), TUE)
    rollover = utc(2025, 1, 14, 22, 0)
    first = trading.apply_rollover(pf, market, rollover)
    second = trading.apply_rollover(pf, market, rollover)
    assert [r.amount for r in first] == [D("-7.20")]
    assert second == []
    assert ticket.swap == D("-7.20")
    assert first[0].note == "1 night(s)"
    assert ticket.side is Side.BUY


def test_weekend_trading_instrument_rolls_every_day_at_single_rate():
    # BTCUSD trades at weekends (registry): Saturday's 17:00 rolls too, and Wednesday is not
    # tripled. Long -2000 points x 0.01 x 1 coin x 1 lot = -20.00 a night.
    ex, acct, trade = _held("BTCUSD", price="50000.00", opened=FRI)
    tick(ex, "BTCUSD", "50000.00", time=utc(2025, 1, 18, 23, 0))
    assert ledger_of(ex, acct.id, "swap") == [D("-20.00"), D("-20.00")]
