"""Fixtures for the REST tests: a quoted EURUSD market and the default account."""

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Users are made in every test; the production hasher costs half a second each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def eurusd(tick):
    """EURUSD quoted 1.09990 / 1.10000: a buy fills at 1.10000, a sell at 1.09990 (1 pip spread)."""
    return tick("EURUSD", "1.09990", "1.10000")


@pytest.fixture
def account(user):
    """The user's default account as created on first use: 10000.00 USD, 2 % max risk per trade."""
    from paper_trading.services.accounts import account_ensure_default

    return account_ensure_default(user=user)
