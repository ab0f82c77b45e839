"""The replay feed (docs/market-data.md, Feeds): stored bars walked as ticks, and through the real engine."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from paper_trading.domain import fills
from paper_trading.engine import PaperTradingEngine
from paper_trading.market import current_quote
from paper_trading.models import Account
from paper_trading.providers.base import NotCovered
from paper_trading.providers.replay import ReplayFeed, replay_into

D = Decimal
MT5_HEADER = "id,timestamp,time,open,high,low,close,volume,spread"
QUIET_BAR = "2024-01-02,08:00:00,1.10000,1.10200,1.09900,1.10100,0,10"  # touches neither SL nor TP


def utc(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def h1_file(bar_file, import_bars):
    """Import `rows` (MT5 CSV rows without the id) as EURUSD 1h bars."""

    def make(*rows):
        path = bar_file([MT5_HEADER] + [f"{n},{row}" for n, row in enumerate(rows, 1)])
        import_bars(path, timeframe="H1")

    return make


def as_tuples(ticks):
    return [(q.bid, q.ask, q.time, q.source, span) for q, span in ticks]


def test_bullish_bar_walks_open_low_high_close_with_default_spread(h1_file):
    h1_file("2024-01-02,09:00:00,1.10100,1.10600,1.10050,1.10550,0,10")
    span = fills.Bar(D("1.10050"), D("1.10600"), D("1.10100"))  # low, high, open (bid)
    assert as_tuples(ReplayFeed("EURUSD", "1h")) == [
        (D("1.10100"), D("1.10110"), utc(2024, 1, 2, 9, 0), "replay", span),
        (D("1.10050"), D("1.10060"), utc(2024, 1, 2, 9, 15), "replay", span),
        (D("1.10600"), D("1.10610"), utc(2024, 1, 2, 9, 30), "replay", span),
        (D("1.10550"), D("1.10560"), utc(2024, 1, 2, 9, 59, 59), "replay", span),
    ]


def test_bearish_bar_walks_open_high_low_close(store):
    store("XAUUSD", "1d", [("2024-01-02T00:00:00+00:00", "2066", "2067.1", "2058.3", "2062.5")])
    ticks = list(ReplayFeed("XAUUSD", "1d"))
    # Gold: 3.0 pips of 0.1 = 0.30 spread; ticks at 00:00, 06:00, 12:00 and 23:59:59.
    assert [(q.bid, q.ask, q.time) for q, _ in ticks] == [
        (D("2066.00"), D("2066.30"), utc(2024, 1, 2, 0)),
        (D("2067.10"), D("2067.40"), utc(2024, 1, 2, 6)),
        (D("2058.30"), D("2058.60"), utc(2024, 1, 2, 12)),
        (D("2062.50"), D("2062.80"), utc(2024, 1, 2, 23, 59, 59)),
    ]


def test_range_and_rolled_up_interval(store):
    store(
        "EURUSD",
        "1h",
        [(f"2024-01-02T{h:02d}:00:00+00:00", "1.1", "1.2", "1.0", "1.1") for h in range(12)],
    )
    feed = ReplayFeed("EURUSD", "4h", start=utc(2024, 1, 2, 4), end=utc(2024, 1, 2, 8))
    assert [q.time for q, _ in feed][::4] == [utc(2024, 1, 2, 4), utc(2024, 1, 2, 8)]
    assert feed.bars_replayed == 2


def test_speed_sleeps_bar_duration_over_speed_between_bars(store):
    store(
        "EURUSD",
        "1h",
        [(f"2024-01-02T{h:02d}:00:00+00:00", "1.1", "1.2", "1.0", "1.1") for h in range(3)],
    )
    slept = []
    ticks = list(ReplayFeed("EURUSD", "1h", speed=3600, sleep=slept.append))
    assert len(ticks) == 12 and slept == [1.0, 1.0]
    slept.clear()
    list(ReplayFeed("EURUSD", "1h", sleep=slept.append))
    assert slept == []


def test_feed_is_a_price_provider_for_its_symbol(store):
    store("EURUSD", "1h", [("2024-01-02T00:00:00+00:00", "1.1", "1.2", "1.0", "1.15")])
    feed = ReplayFeed("EURUSD", "1h")
    with pytest.raises(NotCovered):
        feed.quote("EURUSD")  # nothing replayed yet
    list(feed)
    assert feed.quote("EURUSD").bid == D("1.15000")
    assert [b.close for b in feed.bars("EURUSD", "1h", 10)] == [D("1.15")]
    with pytest.raises(NotCovered):
        feed.bars("GBPUSD", "1h", 10)


def test_bad_feed_arguments_are_refused(db):
    with pytest.raises(ValueError):
        ReplayFeed("EURUSD", "2h")
    with pytest.raises(ValueError):
        ReplayFeed("EURUSD", "1h", speed=-1)


# -- through the engine ----------------------------------------------------------------------------


@pytest.fixture
def engine(user, no_limits):
    return PaperTradingEngine(user)


@pytest.fixture
def long_position(engine, tick):
    """Buy 1 lot at ask 1.10000 (bid 1.09990), SL 1.09500, TP 1.10500, before the replayed bars."""
    tick("EURUSD", "1.09990", "1.10000", utc(2024, 1, 2, 7))
    return engine.execute_order("EURUSD", "buy", None, "1.09500", "1.10500", "1.00")


def replay():
    return replay_into(PaperTradingEngine(), ReplayFeed("EURUSD", "1h"))


def test_replay_hits_take_profit_on_the_bar_that_reaches_it(long_position, h1_file, user):
    h1_file(
        QUIET_BAR,
        "2024-01-02,09:00:00,1.10100,1.10600,1.10050,1.10550,0,10",  # bullish: O L H C, H >= TP
        "2024-01-02,10:00:00,1.10550,1.10700,1.10500,1.10650,0,10",
    )
    result = replay()
    long_position.refresh_from_db()
    # TP is a limit: filled at its level. P&L = (1.10500 - 1.10000) x 1 lot x 100000 = +500.00
    assert (long_position.status, long_position.exit_reason) == ("closed", "tp1_hit")
    assert (long_position.exit_price, long_position.profit_loss) == (D("1.10500"), D("500.00"))
    assert [(e["reason"], e["time"]) for e in result.triggered] == [("tp1_hit", utc(2024, 1, 2, 9, 30))]
    assert result.ticks == 12
    assert Account.objects.get(user=user).balance == D("10500.00")
    assert current_quote("EURUSD").source == "replay"


def test_replay_hits_stop_loss_on_the_bar_that_reaches_it(long_position, h1_file):
    h1_file(
        QUIET_BAR,
        "2024-01-02,09:00:00,1.09900,1.09950,1.09500,1.09600,0,10",  # bearish: O H L C, L = SL
    )
    result = replay()
    long_position.refresh_from_db()
    # P&L = (1.09500 - 1.10000) x 1 x 100000 = -500.00
    assert (long_position.exit_reason, long_position.exit_price) == ("sl_hit", D("1.09500"))
    assert long_position.profit_loss == D("-500.00")
    assert [(e["reason"], e["time"]) for e in result.triggered] == [("sl_hit", utc(2024, 1, 2, 9, 30))]


def test_bar_spanning_stop_and_target_takes_the_stop_first(long_position, h1_file):
    # Bearish, so the walk reaches the high (past TP 1.10500) before the low (past SL 1.09500);
    # with both inside one bar the stop is taken first, at its level.
    h1_file(QUIET_BAR, "2024-01-02,09:00:00,1.10000,1.10600,1.09400,1.09800,0,10")
    result = replay()
    long_position.refresh_from_db()
    assert (long_position.exit_reason, long_position.exit_price) == ("sl_hit", D("1.09500"))
    assert long_position.profit_loss == D("-500.00")
    assert [(e["reason"], e["time"]) for e in result.triggered] == [("sl_hit", utc(2024, 1, 2, 9, 15))]


def test_sell_stop_triggers_on_the_ask_bar_high_plus_spread(engine, tick, h1_file):
    tick("EURUSD", "1.09990", "1.10000", utc(2024, 1, 2, 7))
    short = engine.execute_order("EURUSD", "sell", None, "1.10500", "1.09500", "1.00")  # sells at 1.09990
    # Bid high 1.10490 + 1 pip spread = ask 1.10500, the stop. P&L = (1.10500 - 1.09990) x -1 x 100000
    h1_file("2024-01-02,08:00:00,1.09990,1.10490,1.09950,1.10300,0,10")
    replay()
    short.refresh_from_db()
    assert (short.exit_reason, short.exit_price, short.profit_loss) == ("sl_hit", D("1.10500"), D("-510.00"))


def test_stop_crossed_inside_a_bar_fills_at_its_level_but_a_gap_at_the_open_fills_at_the_open(
    user, no_limits
):
    from datetime import UTC, datetime

    from paper_trading.domain.fills import Bar as Span
    from paper_trading.engine import PaperTradingEngine

    engine = PaperTradingEngine(user)

    def bar_tick(trade, bid, ask, hour, minute, span):
        """One bar's closing quote, told the bar's (low, high, open); the trade as stored after it."""
        when = datetime(2024, 1, 2, hour, minute, tzinfo=UTC)
        engine.process_tick("EURUSD", D(bid), D(ask), when, bar=Span(*(D(v) for v in span)))
        trade.refresh_from_db()
        return trade.exit_price, trade.profit_loss

    start = datetime(2024, 1, 2, 8, 0, tzinfo=UTC)
    engine.process_tick("EURUSD", D("1.10000"), D("1.10010"), start)
    walked = engine.execute_order("EURUSD", "buy", None, "1.09800", None, "0.10")  # buys at 1.10010
    # A bar opening at 1.09950 and walking down to 1.09700 crosses 1.09800 on the way: the stop
    # fills at 1.09800 -> (1.09800 - 1.10010) x 0.10 x 100000 = -21.00
    assert bar_tick(walked, "1.09700", "1.09710", 9, 15, ("1.09700", "1.09950", "1.09950")) == (
        D("1.09800"),
        D("-21.00"),
    )

    engine.process_tick("EURUSD", D("1.10000"), D("1.10010"), datetime(2024, 1, 2, 10, 0, tzinfo=UTC))
    gapped = engine.execute_order("EURUSD", "buy", None, "1.09800", None, "0.10")
    # The next bar opens at 1.09600, already below the stop: it fills at the gapped open,
    # (1.09600 - 1.10010) x 0.10 x 100000 = -41.00
    assert bar_tick(gapped, "1.09600", "1.09610", 11, 0, ("1.09500", "1.09650", "1.09600")) == (
        D("1.09600"),
        D("-41.00"),
    )
