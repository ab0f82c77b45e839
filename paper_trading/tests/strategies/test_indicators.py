"""Indicators (docs/strategies.md, Indicators), against figures worked by hand."""

from dataclasses import dataclass
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paper_trading.strategies import indicators as ind

D = Decimal


@dataclass
class B:
    high: Decimal
    low: Decimal
    close: Decimal


def closes(*values):
    return [D(str(v)) for v in values]


def test_sma_is_the_mean_of_the_last_n_closes():
    assert ind.sma(closes(1, 2, 3, 4, 5), 3) == [None, None, D(2), D(3), D(4)]


def test_ema_is_seeded_with_the_sma_then_weighs_each_close_by_2_over_n_plus_1():
    # n = 3, k = 0.5: seed (10 + 11 + 12) / 3 = 11; then 13 x 0.5 + 11 x 0.5 = 12; 20 x 0.5 + 12 x 0.5 = 16.
    assert ind.ema(closes(10, 11, 12, 13, 20), 3) == [None, None, D(11), D(12), D(16)]


def test_rsi_uses_wilders_smoothing():
    # Changes +1, -0.5, +1.5, -1 (n = 2). First: gain 0.5, loss 0.25, RS 2 -> 66.67.
    # Then gain (0.5 + 1.5) / 2 = 1, loss 0.25 / 2 = 0.125, RS 8 -> 88.89;
    # then gain 1 / 2 = 0.5, loss (0.125 + 1) / 2 = 0.5625, RS 0.8889 -> 47.06.
    values = ind.compute("rsi", [B(c, c, c) for c in closes(10, 11, 10.5, 12, 11)], 2)
    assert values == [None, None, D("66.6666666667"), D("88.8888888889"), D("47.0588235294")]


def test_rsi_is_100_with_no_loss_and_50_when_flat():
    assert ind.rsi(closes(1, 2, 3, 4), 2)[-1] == 100
    assert ind.rsi(closes(5, 5, 5, 5), 2)[-1] == 50


def test_atr_averages_the_true_range_wilders_way():
    bars = [
        B(D(11), D(9), D(10)),
        B(D(12), D(10), D(11)),
        B(D("11.5"), D("10.5"), D(11)),
        B(D(13), D(11), D(12)),
    ]
    # True ranges 2, max(2, 2, 0) = 2, max(1, 0.5, 0.5) = 1, max(2, 2, 0) = 2 (n = 2):
    # first (2 + 2) / 2 = 2, then (2 + 1) / 2 = 1.5, then (1.5 + 2) / 2 = 1.75.
    assert ind.true_ranges(bars) == [D(2), D(2), D(1), D(2)]
    assert ind.atr(bars, 2) == [None, D(2), D("1.5"), D("1.75")]


def test_a_gap_counts_in_the_true_range():
    # The second bar opens above the first's close 10: its range 0.5 but |13 - 10| = 3.
    bars = [B(D(11), D(9), D(10)), B(D(13), D("12.5"), D(13))]
    assert ind.true_ranges(bars)[1] == D(3)


def test_too_few_bars_give_nothing_and_bad_arguments_are_refused():
    assert ind.ema(closes(1, 2), 3) == [None, None]
    assert ind.rsi(closes(1, 2), 2) == [None, None]
    with pytest.raises(ValueError, match="Unknown indicator"):
        ind.compute("macd", [], 3)
    with pytest.raises(ValueError, match="period"):
        ind.compute("sma", [], 0)


@given(
    st.lists(st.decimals(min_value=1, max_value=1000, places=5), min_size=1, max_size=60), st.integers(1, 20)
)
def test_sma_equals_the_naive_mean_and_rsi_stays_within_0_and_100(values, period):
    got = ind.sma(values, period)
    for i, value in enumerate(got):
        if i < period - 1:
            assert value is None
        else:
            assert value == sum(values[i - period + 1 : i + 1]) / period
    for value in ind.rsi(values, period):
        assert value is None or 0 <= value <= 100


def test_the_warmup_makes_a_page_agree_with_the_whole_history():
    # A page of the last 50 bars computed with its warm-up matches the full series to 1e-4.
    import math

    series = [D(100) + D(str(round(10 * math.sin(i / 7), 5))) for i in range(600)]
    full = ind.ema(series, 14)
    start = len(series) - 50 - ind.warmup("ema", 14)
    page = ind.ema(series[start:], 14)
    for a, b in zip(full[-50:], page[-50:], strict=True):
        assert abs(a - b) < D("1e-4")


def test_the_committed_indicator_vectors_are_what_the_indicators_compute_today():
    from pathlib import Path

    from paper_trading.strategies.vectors import render

    committed = Path(__file__).resolve().parents[3] / "frontend" / "src" / "lib" / "indicator-vectors.json"
    assert committed.read_text() == render(), (
        "indicator-vectors.json is stale: run `python manage.py write_test_vectors` and commit it"
    )
