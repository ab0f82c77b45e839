"""A one-poll spike from a provider is held and fills nothing; a confirmed jump goes through.

BTCUSD quoted with a spread of 20 around its mid. A calm history alternates mids 60,000 and
60,010 (every move 10), ending at 60,000: bid 59,990, ask 60,010. A sell opened there with its
stop at 70,000 and a buy with its take-profit at 70,000 would both be closed by a +20 % quote
(mid 72,000: bid 71,990, ask 72,010)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from paper_trading.data_aggregator import DataAggregator
from paper_trading.domain.quotes import Quote
from paper_trading.engine import PaperTradingEngine
from paper_trading.market import current_quote
from paper_trading.worker import LiveFeed, PriceWorker

from ..api.support import url
from .scripted import ScriptedProvider

D = Decimal
pytestmark = pytest.mark.django_db


def btc(mid, source):
    mid = D(mid)
    return Quote("BTCUSD", mid - 10, mid + 10, datetime.now(UTC), source)


class Poller:
    """The worker polling scripted providers (in priority order), one cycle per `poll`."""

    def __init__(self, names):
        self.providers = [ScriptedProvider(n, symbols=("BTCUSD",), script=[btc(60000, n)]) for n in names]
        self.worker = PriceWorker(
            ["BTCUSD"], feed=LiveFeed(DataAggregator(self.providers)), interval=0.01, broadcast=False
        )

    def poll(self, *mids):
        """One cycle in which the i-th provider would answer mids[i]; returns the ticks processed."""
        for provider, mid in zip(self.providers, mids, strict=True):
            provider.script = [btc(mid, provider.name)]
        before = self.worker.ticks
        self.worker.cycle()
        return self.worker.ticks - before


def open_positions(user, poller):
    for n in range(21):
        assert poller.poll(*[60000 + 10 * (n % 2)] * len(poller.providers)) == 1
    assert (current_quote("BTCUSD").bid, current_quote("BTCUSD").ask) == (D("59990"), D("60010"))
    engine = PaperTradingEngine(user)
    sell = engine.execute_order("BTCUSD", "sell", None, "70000", "50000", "0.10")
    buy = engine.execute_order("BTCUSD", "buy", None, "50000", "70000", "0.10")
    return sell, buy


@pytest.fixture
def providers(settings):
    settings.PROVIDER_PRIORITY = ["binance", "yahoo"]
    settings.PROVIDER_BUDGETS = {"binance": (None, None), "yahoo": (None, None)}


@pytest.fixture
def one_provider(providers, no_limits, user):
    poller = Poller(["binance"])
    sell, buy = open_positions(user, poller)
    yield poller, sell, buy
    poller.worker.release()


@pytest.fixture
def two_providers(providers, no_limits, user):
    poller = Poller(["binance", "yahoo"])
    sell, buy = open_positions(user, poller)
    yield poller, sell, buy
    poller.worker.release()


def states(*trades):
    for trade in trades:
        trade.refresh_from_db()
    return [(t.status, t.exit_reason) for t in trades]


def held_quotes(api):
    return {r["name"]: r["held_quotes"] for r in api.get(url("providers/")).json()["results"]}


OPEN = [("open", ""), ("open", "")]


def test_a_one_poll_spike_that_reverts_fills_nothing(one_provider, api):
    poller, sell, buy = one_provider
    assert poller.poll(72000) == 0  # +20 %: 12,000 > 5 % of 60,000 and > 10 x 10
    assert states(sell, buy) == OPEN
    assert held_quotes(api)["binance"] == 1
    price = api.get(url("price/realtime/?symbol=BTCUSD")).json()
    assert (price["bid"], price["ask"]) == ("59990", "60010")  # still the pre-spike quote
    assert poller.poll(60005) == 1  # 11,995 from the held 72,000 > 6,000: dropped, 60,005 applied
    assert states(sell, buy) == OPEN
    assert current_quote("BTCUSD").bid == D("59995")
    assert held_quotes(api)["binance"] == 1


def test_a_jump_the_next_poll_confirms_is_applied_and_fills(one_provider, api):
    poller, sell, buy = one_provider
    assert poller.poll(72000) == 0
    assert states(sell, buy) == OPEN
    assert poller.poll(71000) == 2  # 1,000 from 72,000 <= 6,000: the held quote, then this one
    # The held quote (bid 71,990, ask 72,010) closes both: the buy's TP at 70,000 and the sell's
    # stop at 70,000.
    assert states(sell, buy) == [("closed", "sl_hit"), ("closed", "tp1_hit")]
    assert current_quote("BTCUSD").bid == D("70990")


def test_a_second_provider_that_contradicts_the_spike_answers_in_the_same_poll(two_providers, api):
    poller, sell, buy = two_providers
    assert poller.poll(72000, 60005) == 1  # binance held; yahoo's 60,005 dropped it and applies
    assert states(sell, buy) == OPEN
    assert current_quote("BTCUSD").source == "yahoo"
    counts = held_quotes(api)
    assert (counts["binance"], counts["yahoo"]) == (1, 0)


def test_a_second_provider_that_confirms_the_jump_applies_it_in_the_same_poll(two_providers, api):
    poller, sell, buy = two_providers
    assert poller.poll(72000, 71500) == 2  # 500 from the held 72,000 <= 6,000
    assert states(sell, buy) == [("closed", "sl_hit"), ("closed", "tp1_hit")]
