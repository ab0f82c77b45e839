"""The persistence layer's general statements: an insert that skips a conflicting row, an update
of named fields, a row with its related rows, the newest value of a column (docs/architecture.md,
"Persistence")."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from paper_trading.models import Decision, Signal, WebhookHook
from paper_trading.persistence import fetch_with_related, insert, latest_value, update
from paper_trading.services.accounts import account_ensure_default

pytestmark = pytest.mark.django_db


@pytest.fixture
def account():
    user = get_user_model().objects.create_user("statements", password=None)
    return account_ensure_default(user=user)


def _signal(account, key: str) -> Signal:
    now = timezone.now()
    return Signal(
        user_id=account.user_id,
        account=account,
        dedupe_key=key,
        symbol="EURUSD",
        action="buy",
        side="buy",
        expires_at=now + timedelta(minutes=2),
        received_at=now,
    )


def test_insert_skipping_a_conflict_writes_the_first_and_reports_the_second(account):
    first, copy = _signal(account, "k1"), _signal(account, "k1")
    assert insert([first], skip_conflict=True) is True
    assert first.pk is not None
    assert insert([copy], skip_conflict=True) is False
    assert copy.pk is None
    assert Signal.objects.filter(user_id=account.user_id, dedupe_key="k1").count() == 1


def test_insert_skipping_conflicts_takes_one_row_only(account):
    with pytest.raises(ValueError):
        insert([_signal(account, "a"), _signal(account, "b")], skip_conflict=True)


def test_update_writes_only_the_named_fields(account):
    row = _signal(account, "k2")
    insert([row])
    Signal.objects.filter(pk=row.pk).update(notes="written elsewhere")
    row.status, row.reasons, row.notes = "rejected", ["stale_signal"], "not to be written"
    update(row, ("status", "reasons"))
    stored = Signal.objects.get(pk=row.pk)
    assert (stored.status, stored.reasons) == ("rejected", ["stale_signal"])
    assert stored.notes == "written elsewhere"


def test_fetch_with_related_sets_the_joined_rows(account):
    WebhookHook.objects.create(user_id=account.user_id, account=account, name="tv", token_digest="d" * 64)
    hook = fetch_with_related(WebhookHook, by="token_digest", value="d" * 64, related=("account", "user"))
    assert hook.name == "tv"
    assert hook.account.pk == account.pk and hook.account.currency == account.currency
    assert hook.user.username == "statements"
    assert fetch_with_related(WebhookHook, by="token_digest", value="e" * 64, related=("account",)) is None


def test_latest_value_is_the_newest_rows(account):
    assert latest_value(Decision, "hash", by="account", value=account.pk) is None
    for digest in ("a" * 64, "b" * 64):
        insert(
            [
                Decision(
                    user_id=account.user_id,
                    account=account,
                    time=timezone.now(),
                    symbol="EURUSD",
                    outcome="skipped",
                    previous_hash="0" * 64,
                    hash=digest,
                )
            ]
        )
    assert latest_value(Decision, "hash", by="account", value=account.pk) == "b" * 64
