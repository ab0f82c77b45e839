"""Fixtures for the signal tests. Most run on BTCUSD, which trades every day, so the weekend's
`market_closed` never depends on when the suite runs; FX signals are decided with a fixed `now`."""

import json
from datetime import UTC, datetime

import pytest
from rest_framework.test import APIClient

from paper_trading.tests.api.support import url
from paper_trading.tests.realtime.conftest import connect  # noqa: F401 - sockets in process

WEDNESDAY = datetime(2026, 12, 2, 14, 30, tzinfo=UTC)


@pytest.fixture
def btc(tick):
    """BTCUSD 60000.00 / 60010.00: a buy fills at 60010.00, a sell at 60000.00."""
    return tick("BTCUSD", "60000", "60010")


@pytest.fixture
def auto(no_limits):
    """The default account, risk limits off, executing signals itself."""
    no_limits.auto_execute_signals = True
    no_limits.save()
    return no_limits


@pytest.fixture
def make_hook(user):
    from paper_trading.services.hooks import HookSettings, hook_create

    def make(owner=None, **settings):
        return hook_create(
            user=owner or user, settings=HookSettings(name=settings.pop("name", "tv"), **settings)
        )

    return make


@pytest.fixture
def anon():
    return APIClient()


@pytest.fixture
def webhook(anon):
    """POST a body to a token's webhook URL with no session, as TradingView does."""

    def post(token, body, content_type="application/json", **headers):
        data = body if isinstance(body, bytes | str) else json.dumps(body)
        return anon.post(url(f"signals/webhook/{token}/"), data=data, content_type=content_type, **headers)

    return post


@pytest.fixture
def send(api):
    """POST signals/ as the signed-in script."""

    def post(body, content_type="application/json", client=None):
        data = body if isinstance(body, bytes | str) else json.dumps(body)
        return (client or api).post(url("signals/"), data=data, content_type=content_type)

    return post
