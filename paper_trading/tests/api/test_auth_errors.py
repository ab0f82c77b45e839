"""Who may do what (docs/api.md, Errors): no credentials is 401, other users' objects are 404,
history cannot be rewritten (PUT/DELETE 405), and every error has the API's error body."""

import pytest
from rest_framework.test import APIClient

from paper_trading.models import Account, PaperTrade
from paper_trading.services.accounts import account_ensure_default

from .support import assert_error, db_state, execute, place, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def bob_api(client_for, other_user):
    return client_for(other_user)


@pytest.fixture
def bobs_trade(bob_api, other_user, eurusd):
    """Bob's open buy 0.10 EURUSD (SL 1.09500, TP 1.10500)."""
    response = execute(bob_api, stop_loss="1.09500", take_profit_1="1.10500")
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def bobs_order(bob_api, bobs_trade):
    response = place(bob_api, type="limit", price="1.09800", stop_loss="1.09500")
    assert response.status_code == 201, response.content
    return response.json()


# ---- other users' objects are 404 ---------------------------------------------------------


def test_another_users_trade_is_404_to_read(api, account, bobs_trade):
    assert_error(api.get(url(f"trades/{bobs_trade['id']}/")), 404, "not_found")


def test_another_users_trade_is_404_to_patch(api, account, bobs_trade):
    before = db_state()
    response = api.patch(url(f"trades/{bobs_trade['id']}/"), {"stop_loss": "1.09000"}, format="json")
    assert_error(response, 404, "not_found")
    assert db_state() == before
    assert str(PaperTrade.objects.get(pk=bobs_trade["id"]).stop_loss) == "1.0950000000"


def test_another_users_trade_is_404_to_close(api, account, bobs_trade):
    before = db_state()
    assert_error(api.post(url(f"trades/{bobs_trade['id']}/close/")), 404, "not_found")
    assert db_state() == before
    assert PaperTrade.objects.get(pk=bobs_trade["id"]).status == "open"


def test_another_users_order_is_404_to_cancel(api, account, bobs_order):
    before = db_state()
    assert_error(api.post(url(f"trades/{bobs_order['id']}/cancel/")), 404, "not_found")
    assert db_state() == before
    assert PaperTrade.objects.get(pk=bobs_order["id"]).status == "pending"


def test_another_users_trades_are_not_listed_or_reported(api, account, bobs_trade, bobs_order):
    assert api.get(url("trades/")).json()["count"] == 0
    assert api.get(url("trades/open_positions/")).json()["count"] == 0
    assert api.get(url("orders/")).json()["count"] == 0
    assert api.get(url("trades/export/")).content.decode().count("\n") == 1  # header only


def test_filtering_by_another_users_account_lists_nothing(api, account, bobs_trade, bobs_order):
    bobs = f"account={bobs_order['account']}"
    assert api.get(url(f"trades/?{bobs}")).json()["count"] == 0
    assert api.get(url(f"orders/?{bobs}")).json()["count"] == 0


def test_a_missing_trade_is_404_like_another_users(api, account):
    assert_error(api.get(url("trades/999999/")), 404, "not_found")
    assert_error(api.post(url("trades/999999/close/")), 404, "not_found")


@pytest.fixture
def bobs_account(other_user):
    return account_ensure_default(user=other_user)


def test_another_users_account_is_404_to_read(api, account, bobs_account):
    assert_error(api.get(url(f"accounts/{bobs_account.pk}/")), 404, "not_found")
    assert [a["id"] for a in api.get(url("accounts/")).json()["results"]] == [account.pk]


def test_another_users_account_is_404_to_patch(api, account, bobs_account):
    response = api.patch(url(f"accounts/{bobs_account.pk}/"), {"name": "mine now"}, format="json")
    assert_error(response, 404, "not_found")
    assert Account.objects.get(pk=bobs_account.pk).name == "Paper account"


def test_another_users_account_is_404_to_reset(api, account, bobs_account):
    before = db_state()
    assert_error(api.post(url(f"accounts/{bobs_account.pk}/reset/")), 404, "not_found")
    assert db_state() == before


def test_another_users_account_is_404_for_ledger_periods_and_reports(api, account, bobs_account):
    assert_error(api.get(url(f"accounts/{bobs_account.pk}/ledger/")), 404, "not_found")
    assert_error(api.get(url(f"accounts/{bobs_account.pk}/periods/")), 404, "not_found")
    assert_error(api.get(url(f"trades/performance/?account={bobs_account.pk}")), 404, "not_found")
    assert_error(api.get(url(f"trades/equity_curve/?account={bobs_account.pk}")), 404, "not_found")


def test_ordering_on_another_users_account_is_404(api, account, bobs_account, eurusd):
    before = db_state()
    assert_error(execute(api, account=bobs_account.pk, stop_loss="1.09500"), 404, "not_found")
    assert_error(place(api, account=bobs_account.pk, stop_loss="1.09500"), 404, "not_found")
    assert db_state() == before


# ---- no credentials -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "trades/"),
        ("get", "trades/1/"),
        ("post", "trades/execute/"),
        ("post", "trades/1/close/"),
        ("get", "trades/performance/"),
        ("post", "orders/"),
        ("get", "orders/?account=1"),
        ("get", "accounts/"),
        ("post", "accounts/1/reset/"),
        ("get", "price/realtime/?symbol=EURUSD"),
        ("put", "trades/1/"),
        ("get", "trades/?period=current"),
        ("get", "trades/export/?period=1&account=1"),
        ("get", "accounts/1/ledger/?period=current"),
        ("get", "accounts/1/periods/"),
    ],
)
def test_no_credentials_is_401_with_the_error_body(db, method, path):
    before = db_state()
    response = getattr(APIClient(), method)(url(path), {}, format="json")
    body = assert_error(response, 401, "not_authenticated")
    assert set(body) == {"code", "message"}
    assert response["WWW-Authenticate"].startswith("Token")
    assert db_state() == before


def test_a_wrong_token_is_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_error(client.get(url("trades/")), 401, "authentication_failed")


def test_token_endpoint_returns_a_working_token(user):
    response = APIClient().post(
        "/api/auth/token/", {"username": "alice", "password": "pw-alice"}, format="json"
    )
    assert response.status_code == 200, response.content
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get(url("accounts/")).status_code == 200


def test_token_endpoint_refuses_a_wrong_password(user):
    response = APIClient().post("/api/auth/token/", {"username": "alice", "password": "nope"}, format="json")
    assert_error(response, 400, "validation_error")


def test_session_post_without_csrf_is_refused(user, eurusd):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get(url("accounts/")).status_code == 200
    response = client.post(url("trades/execute/"), {"pair": "EURUSD", "order_type": "buy"}, format="json")
    assert_error(response, 403, "permission_denied")
    assert not PaperTrade.objects.exists()


# ---- history is never rewritten ------------------------------------------------------------


@pytest.mark.parametrize("method", ["put", "delete"])
def test_put_and_delete_on_a_trade_are_405(api, no_limits, eurusd, method):
    trade = execute(api).json()
    before = db_state()

    response = getattr(api, method)(url(f"trades/{trade['id']}/"), {"lot_size": "0.20"}, format="json")

    assert_error(response, 405, "method_not_allowed")
    assert db_state() == before
    assert PaperTrade.objects.get(pk=trade["id"]).status == "open"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("delete", "accounts/{account}/"),
        ("put", "accounts/{account}/"),
        ("delete", "orders/"),
        ("post", "symbols/"),
    ],
)
def test_other_methods_that_would_rewrite_history_are_405(api, account, method, path):
    response = getattr(api, method)(url(path.format(account=account.pk)), {}, format="json")
    assert_error(response, 405, "method_not_allowed")
    assert Account.objects.filter(pk=account.pk).exists()
