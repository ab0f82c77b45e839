"""`GET trades/?period=` (docs/domain.md, Reset; docs/api.md, Trades by period): after a reset the
dashboard asks for the current
period only; older periods stay listable by number together with their account."""

import csv
import io

import pytest

from paper_trading.services.accounts import account_ensure_default

from .support import assert_error, db_state, execute, place, url

pytestmark = pytest.mark.django_db


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {t["id"] for t in response.json()["results"]}


@pytest.fixture
def after_reset(api, no_limits, eurusd, tick):
    """Period 1: a closed, an open (closed by the reset) and a pending ticket; period 2: one open buy."""
    closed = execute(api).json()["id"]
    tick("EURUSD", "1.10100", "1.10110")
    api.post(url(f"trades/{closed}/close/"))
    still_open = execute(api).json()["id"]
    pending = place(api, type="limit", price="1.09000").json()["id"]
    response = api.post(url(f"accounts/{no_limits.pk}/reset/"))
    assert response.status_code == 200, response.content
    fresh = execute(api).json()["id"]
    return {"account": no_limits.pk, "old": {closed, still_open, pending}, "new": {fresh}}


def test_period_current_lists_only_the_trades_since_the_reset(api, after_reset):
    account, old, new = after_reset["account"], after_reset["old"], after_reset["new"]

    assert ids(api.get(url("trades/?period=current"))) == new
    assert ids(api.get(url(f"trades/?period=current&account={account}"))) == new
    assert ids(api.get(url(f"trades/?period=current&account={account}&status=closed"))) == set()
    # Without the filter every ticket is still listed: reset deletes nothing.
    assert ids(api.get(url("trades/"))) == old | new


def test_period_number_with_account_lists_that_periods_trades(api, after_reset):
    account, old, new = after_reset["account"], after_reset["old"], after_reset["new"]

    assert ids(api.get(url(f"trades/?period=1&account={account}"))) == old
    assert ids(api.get(url(f"trades/?period=2&account={account}"))) == new
    reset_closed = api.get(url(f"trades/?period=1&account={account}&status=closed")).json()["results"]
    assert sorted(t["exit_reason"] for t in reset_closed) == ["manual", "reset"]


def test_export_takes_the_same_period_filter(api, after_reset):
    account, old, new = after_reset["account"], after_reset["old"], after_reset["new"]

    def exported(query):
        response = api.get(url(f"trades/export/?{query}"))
        assert response.status_code == 200, response.content
        return {int(r["id"]) for r in csv.DictReader(io.StringIO(response.content.decode()))}

    assert exported("period=current") == new
    assert exported(f"period=1&account={account}") == old


def test_period_current_is_each_accounts_own_period(api, after_reset):
    response = api.post(url("accounts/"), {"name": "Second"}, format="json")
    assert response.status_code == 201, response.content
    second = response.json()["id"]
    placed = execute(api, account=second, stop_loss="1.09500")
    assert placed.status_code == 201, placed.content
    on_second = placed.json()["id"]

    # The first account is in period 2, the second still in its period 1: both current.
    assert ids(api.get(url("trades/?period=current"))) == after_reset["new"] | {on_second}
    assert ids(api.get(url(f"trades/?period=1&account={second}"))) == {on_second}


@pytest.mark.parametrize("spelling", ["current", "CURRENT", "%20Current%20"])
def test_ledger_takes_period_current_spelled_as_trades_takes_it(api, after_reset, spelling):
    account = after_reset["account"]
    current = api.get(url(f"accounts/{account}/ledger/?period={spelling}")).json()["results"]
    assert [e["kind"] for e in current] == ["reset"]
    assert ids(api.get(url(f"trades/?period={spelling}"))) == after_reset["new"]


@pytest.mark.parametrize(
    "query",
    [
        "period=abc",
        "period=previous",
        "period=1.5",
        "period=-1",
        "period=0",
        "period=7",
        "period=99999999999999999999999",
        "period=1e3",
    ],
)
@pytest.mark.parametrize("endpoint", ["trades/", "trades/export/"])
def test_bad_period_is_400_and_writes_nothing(api, after_reset, endpoint, query):
    before = db_state()
    response = api.get(url(f"{endpoint}?{query}&account={after_reset['account']}"))
    assert_error(response, 400, "validation_error", field="period")
    assert db_state() == before


@pytest.mark.parametrize("endpoint", ["trades/", "trades/export/"])
def test_period_number_without_account_is_400(api, after_reset, endpoint):
    before = db_state()
    body = assert_error(api.get(url(f"{endpoint}?period=1")), 400, "validation_error", field="period")
    assert "account" in body["errors"]["period"][0]
    assert db_state() == before


def test_another_users_account_is_not_visible_through_the_period_filter(
    api, after_reset, other_user, client_for
):
    bob = client_for(other_user)
    bobs_account = account_ensure_default(user=other_user)
    bobs_trade = execute(bob, stop_loss="1.09500").json()["id"]

    assert_error(api.get(url(f"trades/?period=1&account={bobs_account.pk}")), 404, "not_found")
    assert_error(api.get(url(f"trades/export/?period=1&account={bobs_account.pk}")), 404, "not_found")
    assert ids(api.get(url(f"trades/?period=current&account={bobs_account.pk}"))) == set()
    assert bobs_trade not in ids(api.get(url("trades/?period=current")))
    # Bob sees his own trade, and none of ours, through the same filter.
    assert ids(bob.get(url("trades/?period=current"))) == {bobs_trade}
    assert_error(bob.get(url(f"trades/?period=1&account={after_reset['account']}")), 404, "not_found")
