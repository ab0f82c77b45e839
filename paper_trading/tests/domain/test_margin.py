"""Margin call and stop-out (docs/domain.md, Margin call and stop-out), directly and through the
exchange's margin bands."""

from paper_trading.domain import trading
from paper_trading.domain.margin import margin_bands
from paper_trading.domain.orders import ExitReason, Status
from paper_trading.domain.quotes import QuoteBoard

from .factories import D, at, board, events_of, fills_of, order, portfolio, quote, tick, venue


def _long_eurusd(balance="2000"):
    """Balance `balance`, 1 lot EURUSD bought at 1.10000: margin 1 x 100000 x 1.1 / 100 = 1100."""
    pf = portfolio(balance)
    market = board(quote("EURUSD", "1.10000"))
    trade = trading.place_order(pf, market, order(), at(0))
    return pf, market, trade


def _long_eurusd_and_gbpusd(*, eur_to: str, gbp_to: str):
    """Balance 3000, 1 lot each of EURUSD at 1.10000 and GBPUSD at 1.25000, then both bids moved."""
    pf = portfolio("3000")
    market = board(quote("EURUSD", "1.10000"), quote("GBPUSD", "1.25000"))
    eur = trading.place_order(pf, market, order("EURUSD"), at(0))
    gbp = trading.place_order(pf, market, order("GBPUSD"), at(0))
    _move(market, "EURUSD", eur_to)
    _move(market, "GBPUSD", gbp_to)
    return pf, market, eur, gbp


def _move(market: QuoteBoard, symbol: str, price: str, minutes: float = 1):
    market.update(quote(symbol, price, time=at(minutes)))


def test_margin_level_above_100_emits_nothing():
    # Bid 1.09101: equity 2000 - 0.00899 x 100000 = 1101; 1101 / 1100 = 100.09 %.
    pf, market, trade = _long_eurusd()
    _move(market, "EURUSD", "1.09101")
    level = trading.check_margin(pf, market, at(1))
    assert level > 100
    assert [e.type for e in pf.events if e.type == "margin_call"] == []
    assert pf.account.margin_call is False


def test_margin_level_at_100_emits_a_margin_call_once():
    # Bid 1.09100: equity 2000 - 0.00900 x 100000 = 1100 = margin: level exactly 100 %.
    pf, market, trade = _long_eurusd()
    _move(market, "EURUSD", "1.09100")
    assert trading.check_margin(pf, market, at(1)) == 100
    assert [e.type for e in pf.events].count("margin_call") == 1
    assert pf.account.margin_call is True
    # Still in the same episode: no second event.
    _move(market, "EURUSD", "1.09000", 2)
    trading.check_margin(pf, market, at(2))
    assert [e.type for e in pf.events].count("margin_call") == 1
    assert trade.status is Status.OPEN


def test_margin_call_episode_ends_when_the_level_recovers():
    pf, market, trade = _long_eurusd()
    _move(market, "EURUSD", "1.09100")
    trading.check_margin(pf, market, at(1))
    _move(market, "EURUSD", "1.10000", 2)
    trading.check_margin(pf, market, at(2))
    assert pf.account.margin_call is False
    _move(market, "EURUSD", "1.09100", 3)
    trading.check_margin(pf, market, at(3))
    assert [e.type for e in pf.events].count("margin_call") == 2


def test_stop_out_at_50_percent_closes_the_position():
    # Bid 1.08550: equity 2000 - 0.01450 x 100000 = 550 = 50 % of 1100: stopped out at market,
    # P&L (1.08550 - 1.10000) x 100000 = -1450.00, balance 550.00.
    pf, market, trade = _long_eurusd()
    _move(market, "EURUSD", "1.08550")
    assert trading.check_margin(pf, market, at(1)) is None
    assert trade.status is Status.CLOSED
    assert trade.exit_reason == ExitReason.STOP_OUT
    assert trade.realized_pnl == D("-1450.00")
    assert pf.account.balance == D("550.00")
    assert [e.type for e in pf.events if e.type in ("margin_call", "trade_closed")] == [
        "margin_call",
        "trade_closed",
    ]


def test_level_just_above_50_percent_is_not_stopped_out():
    # Bid 1.08551: equity 551 / 1100 = 50.09 %.
    pf, market, trade = _long_eurusd()
    _move(market, "EURUSD", "1.08551")
    trading.check_margin(pf, market, at(1))
    assert trade.status is Status.OPEN


def test_stop_out_closes_the_most_losing_position_first_until_the_level_recovers():
    # Balance 3000. EURUSD 1 lot at 1.10000 (margin 1100), GBPUSD 1 lot at 1.25000 (margin 1250):
    # margin 2350. EURUSD to 1.08500 (-1500), GBPUSD to 1.24600 (-400): equity 1100 = 46.8 %.
    # EURUSD loses most and is closed (-1500.00): balance 1500, equity 1500 - 400 = 1100 on
    # margin 1250 = 88 %, above 50 %: GBPUSD stays open.
    pf, market, eur, gbp = _long_eurusd_and_gbpusd(eur_to="1.08500", gbp_to="1.24600")
    level = trading.check_margin(pf, market, at(1))
    assert eur.status is Status.CLOSED
    assert eur.exit_reason == ExitReason.STOP_OUT
    assert eur.realized_pnl == D("-1500.00")
    assert gbp.status is Status.OPEN
    # 1100 / 1250 x 100 = 88
    assert level == 88
    assert pf.account.margin_call is True


def test_stop_out_keeps_closing_while_the_level_stays_at_or_below_50():
    # Balance 3000. EURUSD to 1.08300 (-1700), GBPUSD to 1.23700 (-1300): equity 0.
    # Close EURUSD (-1700): balance 1300, equity 0 on 1250 = 0 %: GBPUSD closes too (-1300).
    pf, market, eur, gbp = _long_eurusd_and_gbpusd(eur_to="1.08300", gbp_to="1.23700")
    assert trading.check_margin(pf, market, at(1)) is None
    assert [t.exit_reason for t in (eur, gbp)] == [ExitReason.STOP_OUT, ExitReason.STOP_OUT]
    closed = [e.ticket for e in pf.events if e.type == "trade_closed"]
    assert closed == [eur, gbp]
    assert pf.account.balance == D("0.00")


def test_exchange_tick_through_margin_band_emits_margin_call_then_stops_out():
    # Same two positions on the exchange. EURUSD to 1.08500: equity 1500 / 2350 = 63.8 % -> call.
    # GBPUSD to 1.24600: equity 1100 / 2350 = 46.8 % -> EURUSD stopped out (-1500.00).
    ex, acct = venue("3000")
    tick(ex, "EURUSD", "1.10000")
    tick(ex, "GBPUSD", "1.25000")
    eur = ex.place(acct.id, order("EURUSD"))
    gbp = ex.place(acct.id, order("GBPUSD"))
    tick(ex, "EURUSD", "1.08500", time=at(1))
    assert len(events_of(ex, "margin_call")) == 1
    assert eur.status is Status.OPEN
    tick(ex, "GBPUSD", "1.24600", time=at(2))
    assert eur.exit_reason == ExitReason.STOP_OUT
    assert fills_of(ex, eur, "exit")[0].pnl == D("-1500.00")
    assert gbp.status is Status.OPEN
    assert len(events_of(ex, "margin_call")) == 1
    assert acct.balance == D("1500.00")


def test_margin_bands_cover_the_distance_to_the_margin_call():
    # Balance 2000, 1 lot EURUSD at 1.10000, margin 1100: headroom 2000 - 1100 = 900.
    # Band = 900 x 0.5 safety / 1 symbol / 100000 units = 0.0045: bid_low 1.10000 - 0.0045 = 1.0955.
    pf, market, trade = _long_eurusd()
    bid_low, ask_high = margin_bands(pf, market)["EURUSD"]
    assert bid_low == D("1.0955")
    assert ask_high == D("1.1045")


def test_margin_bands_empty_without_margin():
    assert margin_bands(portfolio(), board(quote("EURUSD", "1.10000"))) == {}
