"""Fixtures for the REST tests: a quoted EURUSD market (the default account: tests/conftest.py)."""

import pytest


@pytest.fixture
def eurusd(tick):
    """EURUSD quoted 1.09990 / 1.10000: a buy fills at 1.10000, a sell at 1.09990 (1 pip spread)."""
    return tick("EURUSD", "1.09990", "1.10000")
