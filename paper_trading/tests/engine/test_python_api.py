"""The engine used directly (CONTRACT §7): what it answers below the REST layer's validation."""

import pytest

from paper_trading.domain.errors import NotFound
from paper_trading.engine import PaperTradingEngine
from paper_trading.models import PaperTrade

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("account", [2**63, -(2**63) - 1])
def test_an_account_id_no_key_can_have_is_not_found(user, no_limits, tick, account):
    """SQLite raised OverflowError binding it; PostgreSQL found no row. Both now say not_found."""
    tick("EURUSD", "1.09990", "1.10000")
    with pytest.raises(NotFound) as refused:
        PaperTradingEngine(user).execute_order("EURUSD", "buy", None, None, None, "0.10", account=account)
    assert refused.value.code == "not_found"
    assert not PaperTrade.objects.exists()
