"""Helpers for the REST tests: URLs, request builders, the API's error body, and a picture
of what the database holds so a refused request can be shown to have written nothing."""

from decimal import Decimal

BASE = "/api/paper-trading/"


def url(path: str) -> str:
    return BASE + path


def token_for(user) -> str:
    """A new API token (knox) for `user`: the plain key, which only its creator ever sees."""
    from knox.models import AuthToken

    return AuthToken.objects.create(user=user)[1]


def execute(client, **fields):
    """POST trades/execute/ with a buy 0.10 EURUSD default, overridden by `fields`."""
    body = {"pair": "EURUSD", "order_type": "buy", "lot_size": "0.10", **fields}
    return client.post(
        url("trades/execute/"), {k: v for k, v in body.items() if v is not None}, format="json"
    )


def place(client, **fields):
    """POST orders/ with a buy 0.10 EURUSD market default, overridden by `fields`."""
    body = {"symbol": "EURUSD", "side": "buy", "type": "market", "lot_size": "0.10", **fields}
    return client.post(url("orders/"), {k: v for k, v in body.items() if v is not None}, format="json")


def db_state() -> dict:
    """Row counts of every table a trade writes, and every account's balance."""
    from paper_trading.models import Account, AccountPeriod, EquitySnapshot, Fill, LedgerEntry, PaperTrade

    return {
        "trades": PaperTrade.objects.count(),
        "fills": Fill.objects.count(),
        "ledger": LedgerEntry.objects.count(),
        "periods": AccountPeriod.objects.count(),
        "snapshots": EquitySnapshot.objects.count(),
        "balances": dict(Account.objects.values_list("id", "balance")),
    }


def assert_error(response, status: int, code: str, *, field: str | None = None) -> dict:
    """The API's error body (docs/api.md, Errors); validation errors also carry `errors`."""
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    if status == 400:
        assert isinstance(body["errors"], dict) and body["errors"], body
        assert all(isinstance(m, list) and m for m in body["errors"].values()), body
        if field is not None:
            assert field in body["errors"], body
    return body


def balance_of(account) -> Decimal:
    account.refresh_from_db()
    return account.balance
