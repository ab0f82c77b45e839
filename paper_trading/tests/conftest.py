"""Shared fixtures. Tests that need the database ask for `db` (or a fixture that does)."""

import os
from decimal import Decimal

import pytest

from paper_trading.manual_feed import forget_manual_feed
from paper_trading.market import STATE, forget_quotes

from .offline import DISCARD_URL, YFINANCE_CACHE_DIR

# The sim's start-up history (560,000 rows) only where a test asks for it; subprocesses (the run
# and worker commands, benchmarks) inherit this. tests/market/test_sim_history.py sets its own.
os.environ.setdefault("SIM_HISTORY_BARS", "0")


@pytest.fixture(autouse=True)
def _fresh_market(settings):
    """Each test starts with no quotes, an empty trigger book and the manual feed."""
    settings.FEED = "manual"
    settings.SIM_HISTORY_BARS = 0
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # users in every test
    settings.YAHOO_PROXY = DISCARD_URL  # curl_cffi's sockets escape any Python socket guard
    settings.YAHOO_CACHE_DIR = YFINANCE_CACHE_DIR  # never the user's own yfinance cache
    forget_quotes()
    forget_manual_feed()
    _forget_shared_state()
    STATE.reset()
    yield
    STATE.reset()
    forget_manual_feed()


def _forget_shared_state():
    """Breakers, held-quote counts and worker heartbeats live in the shared cache (Redis in CI):
    start clean."""
    from django.core.cache import cache
    from django.utils import timezone

    from paper_trading.data_aggregator import HELD_KEY
    from paper_trading.domain.instruments import REGISTRY

    providers = ["first", "second", "third", "twelvedata", "finnhub", "alphavantage", "binance", "yahoo"]
    cache.delete_many(
        [f"breaker:{name}" for name in providers]
        + [HELD_KEY.format(provider=name, date=timezone.now().date().isoformat()) for name in providers]
        + [f"worker:alive:{symbol}" for symbol in REGISTRY]
        + [
            f"bars:{symbol}:{interval}:{limit}"
            for symbol in REGISTRY
            for interval in ("1m", "1h")
            for limit in (3,)
        ]
    )


@pytest.fixture
def make_user(db, django_user_model):
    def make(username="alice", *, staff=False):
        return django_user_model.objects.create_user(
            username=username, password="pw-" + username, is_staff=staff
        )

    return make


@pytest.fixture
def user(make_user):
    return make_user("alice")


@pytest.fixture
def other_user(make_user):
    return make_user("bob")


@pytest.fixture
def staff(make_user):
    return make_user("ops", staff=True)


@pytest.fixture
def client_for():
    """An APIClient authenticated with a real token (the header scripts use)."""
    from rest_framework.test import APIClient

    from paper_trading.tests.api.support import token_for

    def make(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
        return client

    return make


@pytest.fixture
def api(client_for, user):
    return client_for(user)


@pytest.fixture
def tick(db):
    """Push a quote through the engine's tick path (what the manual feed and the worker do)."""
    from paper_trading.engine import PaperTradingEngine

    def push(symbol, bid, ask, time=None):
        return PaperTradingEngine().process_tick(symbol, Decimal(str(bid)), Decimal(str(ask)), time)

    return push


@pytest.fixture
def account(user):
    """The user's default account as created on first use: 10000.00 USD, 2 % max risk per trade."""
    from paper_trading.services.accounts import account_ensure_default

    return account_ensure_default(user=user)


@pytest.fixture
def no_limits(user):
    """The user's default account with the risk limits off (tests not about risk rules)."""
    from paper_trading.services.accounts import account_ensure_default

    account = account_ensure_default(user=user)
    account.max_risk_per_trade_pct = None
    account.max_portfolio_heat_pct = None
    account.max_daily_loss_pct = None
    account.save()
    return account


@pytest.fixture
def server():
    """A loopback HTTP server standing in for a provider or venue (tests/providers/conftest.py)."""
    from .providers.conftest import LoopbackServer

    srv = LoopbackServer().start()
    yield srv
    srv.stop()
