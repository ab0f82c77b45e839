"""The spike hold (domain/spikes.py): a one-poll spike is held and dropped, a confirmed jump goes
through, ordinary moves are never held."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from paper_trading.domain.quotes import Quote
from paper_trading.domain.spikes import History, HoldRule, QuoteGuard, judge

D = Decimal
T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
RULE = HoldRule(floors={"fx": D("0.01"), "metal": D("0.02"), "crypto": D("0.05")})


def q(mid, symbol="BTCUSD", n=0):
    """A quote with the given mid (a spread of 20 around it for BTC, 0.0001 for EURUSD)."""
    mid = D(str(mid))
    half = D(10) if symbol == "BTCUSD" else D("0.00005")
    return Quote(symbol, mid - half, mid + half, T0 + timedelta(seconds=n), "test")


def calm_btc(guard, count=21):
    """BTCUSD alternating 60,000 / 60,010: every move is 10, so the median move is 10."""
    for n in range(count):
        assert guard.judge(q(60000 + 10 * (n % 2), n=n)).apply
    return guard


def test_first_quote_is_accepted():
    verdict = QuoteGuard(RULE).judge(q(60000))
    assert verdict.apply == (q(60000),) and not verdict.is_held


def test_one_poll_spike_is_held_then_dropped_when_the_next_quote_reverts():
    guard = calm_btc(QuoteGuard(RULE))  # last accepted mid 60,000 (n = 20)
    spike = guard.judge(q(72000, n=21))  # +20 %: 12,000 > 5 % floor and > 10 x 10
    assert (spike.apply, spike.held, spike.last.mid, spike.move) == ((), q(72000, n=21), D(60000), D("0.2"))
    revert = guard.judge(q(60005, n=22))  # |60,005 - 72,000| = 11,995 > 12,000 / 2
    assert revert.dropped == q(72000, n=21)
    assert revert.apply == (q(60005, n=22),)  # judged against 60,000: a move of 5
    assert guard.store.load("BTCUSD").last == q(60005, n=22)


def test_jump_confirmed_by_the_next_quote_within_half_applies_both_in_order():
    guard = calm_btc(QuoteGuard(RULE))
    assert guard.judge(q(72000, n=21)).is_held
    confirm = guard.judge(q(71000, n=22))  # |71,000 - 72,000| = 1,000 <= 6,000
    assert confirm.apply == (q(72000, n=21), q(71000, n=22))
    assert confirm.confirmed == q(72000, n=21)
    history = guard.store.load("BTCUSD")
    assert history.last == q(71000, n=22)
    assert history.moves[-2:] == (D(12000), D(1000))  # both moves join the median window
    assert len(history.moves) == RULE.window


def test_confirmation_at_exactly_half_the_jump_counts():
    guard = calm_btc(QuoteGuard(RULE))
    guard.judge(q(72000, n=21))
    assert guard.judge(q(66000, n=22)).confirmed is not None  # 6,000 = 12,000 / 2


def test_a_second_spike_after_a_dropped_one_is_held_again():
    guard = calm_btc(QuoteGuard(RULE))
    guard.judge(q(72000, n=21))
    second = guard.judge(q(48000, n=22))  # -20 % from 60,000; 24,000 from the held 72,000
    assert (second.dropped, second.held, second.apply) == (q(72000, n=21), q(48000, n=22), ())


def test_with_little_history_the_floor_alone_decides():
    guard = QuoteGuard(RULE)
    guard.judge(q(60000))
    assert guard.judge(q(62400, n=1)).apply  # +4 % < 5 %
    assert guard.judge(q(66000, n=2)).is_held  # +5.77 % from 62,400, one known move only


def test_a_move_under_ten_times_the_median_is_accepted_above_the_floor():
    guard = QuoteGuard(RULE)
    for n in range(6):  # 60,000 / 60,500 alternating: median move 500
        assert guard.judge(q(60000 + 500 * (n % 2), n=n)).apply
    # last accepted 60,500; +3,600 is 5.95 % (over the floor) but under 10 x 500 = 5,000
    assert guard.judge(q(64100, n=6)).apply
    # from 64,100: +5,100 is 7.96 % and over 10 x 500 (median of 500 x 5 and 3,600): held
    assert guard.judge(q(69200, n=7)).is_held


def test_fx_floor_is_one_percent():
    guard = QuoteGuard(RULE)
    guard.judge(q("1.10000", "EURUSD"))
    assert guard.judge(q("1.10800", "EURUSD", n=1)).apply  # +0.73 %
    assert guard.judge(q("1.12000", "EURUSD", n=2)).is_held  # +1.08 % from 1.10800


def test_symbols_are_judged_apart():
    guard = calm_btc(QuoteGuard(RULE))
    assert guard.judge(q("1.10000", "EURUSD")).apply  # EURUSD's first quote: nothing to compare
    assert guard.judge(q(72000, n=21)).is_held


def test_judge_is_pure():
    history = History(last=q(60000), moves=(D(10),) * 20)
    after, verdict = judge(history, q(72000), RULE)
    assert history.held is None and after.held == q(72000) and verdict.is_held


moves = st.lists(st.integers(min_value=-40, max_value=40), min_size=1, max_size=60)


@given(moves)
def test_moves_within_the_floor_are_never_held(steps):
    """Steps of at most 400 keep the mid within 36,000-84,000: each under 1.2 %, below the 5 % floor."""
    guard = QuoteGuard(RULE)
    mid = D(60000)
    for n, step in enumerate(steps):
        mid += D(step) * 10
        assert guard.judge(q(mid, n=n)).apply == (q(mid, n=n),)


@given(moves, st.integers(min_value=15, max_value=90), st.booleans())
def test_a_lone_spike_is_never_applied(steps, percent, up):
    """Calm moves (at most 400, so 10 x the median is at most 4,000), one spike of 15-90 % away
    (at least 5,400 from a mid of at least 36,000), then the calm price again: the spike never
    goes through and the price after it is accepted."""
    guard = QuoteGuard(RULE)
    mid = D(60000)
    applied = []
    n = 0
    for step in steps:
        mid += D(step) * 10
        applied += guard.judge(q(mid, n=n)).apply
        n += 1
    spike = mid * (1 + D(percent) / 100 * (1 if up else -1))
    applied += guard.judge(q(spike, n=n)).apply
    applied += guard.judge(q(mid, n=n + 1)).apply
    assert q(spike, n=n) not in applied
    assert applied[-1] == q(mid, n=n + 1)
