"""The sim's synthetic history (docs/market-data.md, Sim history): shape, continuity, roll-up
consistency, market hours and determinism, checked without a database."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from paper_trading.domain.bars import INTERVALS, bucket_start, merge
from paper_trading.domain.history import ORDER, synthetic_history
from paper_trading.domain.instruments import get_instrument
from paper_trading.domain.sessions import market_closed

D = Decimal
# A Tuesday, 10:30:20 UTC: FX is open, and the minute in progress is 10:30.
TUESDAY = datetime(2026, 3, 10, 10, 30, 20, tzinfo=UTC)
# A Sunday, 12:00 UTC: FX has been closed since Friday 6 March 17:00 New York, still EST that
# day (EDT starts on Sunday 8 March), so 22:00 UTC.
SUNDAY = datetime(2026, 3, 8, 12, 0, tzinfo=UTC)


def history(symbol="EURUSD", end=TUESDAY, count=300, seed=42):
    instrument = get_instrument(symbol)
    return synthetic_history(instrument, end=end, end_price=instrument.start_price, count=count, seed=seed)


def test_every_interval_has_the_count_oldest_first_on_its_own_grid():
    series = history()
    assert list(series) == list(ORDER)
    for interval, bars in series.items():
        assert len(bars) == 300, interval
        times = [b.time for b in bars]
        assert times == sorted(set(times)), interval
        assert all(bucket_start(t, interval) == t for t in times), interval


def test_the_last_minute_closes_at_the_sim_start_price_just_before_now():
    last = history()["1m"][-1]
    assert last.time == datetime(2026, 3, 10, 10, 29, tzinfo=UTC)  # the minute before 10:30
    assert last.close == D("1.08500")  # EURUSD's start_price in instruments.toml


def test_each_bar_opens_at_the_previous_close_and_spans_its_open_and_close():
    for interval, bars in history().items():
        for before, bar in zip(bars, bars[1:], strict=False):
            assert bar.open == before.close, (interval, bar.time)
        for bar in bars:
            assert bar.low <= min(bar.open, bar.close) <= max(bar.open, bar.close) <= bar.high
            assert bar.volume >= 1 and bar.volume == bar.volume.to_integral_value()


def test_prices_keep_the_instruments_digits():
    for bar in history("USDJPY")["1h"]:
        assert bar.close == bar.close.quantize(D("0.001"))


@pytest.mark.parametrize(("finer", "coarser"), [("1m", "5m"), ("5m", "1h"), ("1h", "4h"), ("1d", "1w")])
def test_a_coarser_bar_is_exactly_its_finer_bars_where_both_exist(finer, coarser):
    series = history()
    fine = series[finer]
    # Coarser buckets that lie wholly inside the finer series (the first may be partial).
    rolled = [b for b in merge(fine, coarser) if b.time >= fine[0].time]
    stored = {b.time: b for b in series[coarser]}
    assert len(rolled) >= 2
    for bar in rolled:
        assert stored[bar.time] == bar, (coarser, bar.time)


def test_fx_has_no_bars_in_the_weekend_but_crypto_does():
    fx = history("EURUSD", end=SUNDAY)
    # The newest FX minute is Friday's last before 17:00 New York (22:00 UTC, EST that week).
    assert fx["1m"][-1].time == datetime(2026, 3, 6, 21, 59, tzinfo=UTC)
    eurusd = get_instrument("EURUSD")
    for interval in ("1m", "15m", "1h"):
        assert not [b for b in fx[interval] if market_closed(eurusd, b.time)], interval
    btc = history("BTCUSD", end=SUNDAY)
    assert btc["1m"][-1].time == datetime(2026, 3, 8, 11, 59, tzinfo=UTC)
    assert btc["1m"][-1].close == D("60000.00")


def test_the_same_inputs_give_the_same_bars_and_another_seed_others():
    assert history(count=50) == history(count=50)
    assert history(count=50)["1h"] != history(count=50, seed=7)["1h"]


def test_five_thousand_weekly_bars_stay_in_a_plausible_range():
    weekly = history("EURUSD", count=5000)["1w"]
    assert len(weekly) == 5000
    assert weekly[-1].time - weekly[0].time == INTERVALS["1w"] * 4999  # weeks never close
    # The walk reverts to its start: after a century EURUSD is still a price, not 0 or 100.
    assert D("0.2") < min(b.low for b in weekly) and max(b.high for b in weekly) < D("5")


def test_no_bars_asked_gives_empty_series():
    assert history(count=0) == {interval: [] for interval in ORDER}


def test_the_walk_spans_time_each_interval_needs():
    series = history(count=100)
    assert series["1m"][0].time > TUESDAY - timedelta(days=1)
    assert series["1d"][0].time < TUESDAY - timedelta(days=100)
