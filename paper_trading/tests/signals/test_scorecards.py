"""Shadow trades and scorecards (docs/signals.md, Scorecards), every figure worked by hand.

BTCUSD opens at 60000.00 / 60010.00 (a pip is 1.00, one lot is one coin, no commission):
- model-a #1: buy 0.10 at 60010, SL 59010, TP1 61010 -> closes at TP1 61010: +1000 x 0.10 = +100.00,
  risk 1000 x 0.10 = 100.00: +1 R.
- model-a #2: buy 0.10 at 60010, SL 59510 -> the bid falls to 59400, the stop fills at the bid:
  -610 x 0.10 = -61.00, risk 500 x 0.10 = 50.00: -1.22 R.
- model-b #3: SL above a buy's entry: rejected invalid_sl_geometry, no shadow (nothing to follow).
- model-b #4: confidence 50 < 75: skipped below_min_confidence; its shadow buys at the ask 60010
  with SL 59510 and stops at the bid 59400: -610 / 500 = -1.22 R.
"""

from decimal import Decimal

import pytest

from paper_trading.models import PaperTrade, ShadowTrade
from paper_trading.services import signals as signal_service
from paper_trading.tests.api.support import url

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture(autouse=True)
def fresh_shadow_cache():
    """The tick path re-reads the shadowed symbols every few seconds; each test starts cold."""
    signal_service._shadowed.update(symbols=frozenset(), at=-signal_service._SHADOW_REFRESH_S)


@pytest.fixture
def played(send, btc, auto, tick):
    def buy(source, **fields):
        return send({"symbol": "BTCUSD", "action": "buy", "source": source, "type": "trend", **fields}).json()

    one = buy("model-a", lots="0.10", stop_loss="59010", take_profit_1="61010")
    two = buy("model-a", lots="0.10", stop_loss="59510")
    three = buy("model-b", lots="0.10", stop_loss="60500")
    four = buy("model-b", lots="0.10", stop_loss="59510", confidence=50)
    assert [s["status"] for s in (one, two, three, four)] == ["executed", "executed", "rejected", "skipped"]
    tick("BTCUSD", "61020", "61030")  # #1 reaches TP1
    tick("BTCUSD", "59400", "59410")  # #2's stop and #4's shadow stop
    return one, two, three, four


def test_the_trades_closed_as_worked_out(played):
    one, two, _, _ = played
    first, second = PaperTrade.objects.get(pk=one["trade"]), PaperTrade.objects.get(pk=two["trade"])
    assert (first.status, first.exit_price, first.profit_loss) == ("closed", D("61010"), D("100.00"))
    assert (second.status, second.exit_price, second.profit_loss) == ("closed", D("59400"), D("-61.00"))


def test_only_a_refused_signal_with_a_usable_stop_is_shadowed(played):
    _, _, three, four = played
    shadow = ShadowTrade.objects.get()
    assert shadow.signal_id == four["id"] and not ShadowTrade.objects.filter(signal_id=three["id"]).exists()
    assert (shadow.entry_price, shadow.exit_price, shadow.exit_reason, shadow.r_multiple) == (
        D("60010"),
        D("59400"),
        "sl_hit",
        D("-1.22"),
    )


def test_a_shadow_never_touches_the_account(played, auto):
    # balance 10000 + 100.00 - 61.00: the shadow's loss is not in it
    auto.refresh_from_db()
    assert auto.balance == D("10039.00")
    assert PaperTrade.objects.count() == 2


def test_scorecard_per_source(api, played):
    rows = {r["source"]: r for r in api.get(url("signals/performance/")).json()["by_source"]}
    a, b = rows["model-a"], rows["model-b"]
    assert (a["received"], a["executed"], a["closed_trades"]) == (2, 2, 2)
    assert a["win_rate"] == "50.0"  # one of two
    assert a["avg_r"] == "-0.11"  # (1 - 1.22) / 2
    assert a["expectancy"] == "19.50"  # (100.00 - 61.00) / 2
    assert a["total_pnl"] == "39.00"
    assert a["profit_factor"] == "1.64"  # 100.00 / 61.00 = 1.639...
    assert a["tp1_hit_rate"] == "100.0"  # only #1 set a TP1, and it was hit
    assert a["tp2_hit_rate"] is None
    assert (b["received"], b["rejected"], b["skipped"], b["executed"]) == (2, 1, 1, 0)
    assert b["rejected_by_code"] == {"below_min_confidence": 1, "invalid_sl_geometry": 1}
    assert (b["shadow_closed"], b["shadow_win_rate"], b["shadow_avg_r"]) == (1, "0.0", "-1.22")
    assert b["win_rate"] is None  # nothing of model-b was executed


def test_scorecard_per_type_adds_the_sources_up(api, played):
    (trend,) = api.get(url("signals/performance/")).json()["by_type"]
    assert (trend["type"], trend["received"], trend["closed_trades"], trend["total_pnl"]) == (
        "trend",
        4,
        2,
        "39.00",
    )


def test_scorecard_of_another_user_is_empty_and_their_account_404(client_for, other_user, played, auto):
    theirs = client_for(other_user)
    assert theirs.get(url("signals/performance/")).json() == {"by_source": [], "by_type": []}
    assert theirs.get(url("signals/performance/"), {"account": auto.pk}).status_code == 404
