"""signals/webhook/{token}/ and hooks/ (docs/signals.md, Webhooks): the token is the credential;
secret, source addresses, signatures and the per-token rate; the attempt log; token lifecycle."""

import base64
import hashlib
import hmac
import time

import pytest

from paper_trading.models import HookAttempt, PaperTrade, Signal, WebhookHook
from paper_trading.tests.api.support import url

pytestmark = pytest.mark.django_db
ALERT = {"ticker": "BINANCE:BTCUSDT", "action": "buy", "sl": "59010"}


def refused(answer, code):
    assert answer.status_code == 403, answer.content
    assert answer.json()["code"] == code
    assert Signal.objects.count() == 0


def test_an_alert_through_the_token_executes_on_its_account(make_hook, webhook, btc, auto):
    hook, token = make_hook(source="tv-strategy")
    answer = webhook(token, ALERT)
    body = answer.json()
    assert (answer.status_code, body["status"], body["via"], body["source"]) == (
        201,
        "executed",
        "webhook",
        "tv-strategy",
    )
    assert PaperTrade.objects.get(pk=body["trade"]).account_id == hook.account_id


def test_text_plain_and_one_line_alerts(make_hook, webhook, btc, no_limits):
    _, token = make_hook()
    assert (
        webhook(token, '{"ticker": "BTCUSD", "action": "buy", "sl": 59010}', "text/plain").status_code == 201
    )
    assert webhook(token, "sell BTCUSD sl=61000", "text/plain").status_code == 201


def test_wrong_token_is_403_and_writes_nothing(webhook, btc, no_limits, make_hook):
    make_hook()
    refused(webhook("not-a-token", ALERT), "invalid_token")
    assert HookAttempt.objects.count() == 0


def test_a_paused_token_is_refused_and_logged(make_hook, webhook, btc, no_limits):
    hook, token = make_hook(active=False)
    refused(webhook(token, ALERT), "token_inactive")
    (attempt,) = HookAttempt.objects.filter(hook=hook)
    assert (attempt.accepted, attempt.status, attempt.code) == (False, 403, "token_inactive")


def test_the_body_secret_must_match(make_hook, webhook, btc, no_limits):
    hook, token = make_hook(secret="s3cret")
    refused(webhook(token, ALERT), "bad_secret")
    refused(webhook(token, {**ALERT, "secret": "s3cre"}), "bad_secret")
    ok = webhook(token, {**ALERT, "secret": "s3cret"})
    assert ok.status_code == 201
    assert "secret" not in Signal.objects.get().payload
    assert '"secret": "***"' in HookAttempt.objects.filter(hook=hook, accepted=True).get().body


@pytest.mark.parametrize(
    "body",
    [
        "buy BTCUSD sl=59010 secret=s3cret-Words",
        '{"symbol": "BTCUSD", "action": "buy", "Secret": "s3cret-Words", "notes": "' + "x" * 5000 + '"}',
        '{"symbol": "BTCUSD", "action": "buy", "secret": 90817263}',
    ],
    ids=["one-line", "json-cut-short", "json-number"],
)
def test_the_attempt_log_never_keeps_the_secret(make_hook, webhook, btc, no_limits, body):
    secret = "90817263" if "90817263" in body else "s3cret-Words"
    hook, token = make_hook(secret=secret)
    webhook(token, body, content_type="text/plain")
    (attempt,) = HookAttempt.objects.filter(hook=hook)
    assert secret not in attempt.body and "***" in attempt.body


def test_an_address_outside_the_allowlist_is_refused(make_hook, webhook, btc, no_limits):
    _, token = make_hook(allowed_ips=["52.89.214.238", "34.212.75.30"])
    refused(webhook(token, ALERT), "ip_not_allowed")  # the test client comes from 127.0.0.1
    _, local = make_hook(name="local", allowed_ips=["127.0.0.0/8"])
    assert webhook(local, ALERT).status_code == 201


def signature(secret_key: bytes, msg_id: str, stamp: int, body: bytes) -> str:
    mac = hmac.new(secret_key, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def test_standard_webhooks_signature_is_checked(make_hook, webhook, btc, no_limits):
    key = b"k" * 24
    _, token = make_hook(secret="whsec_" + base64.b64encode(key).decode())
    body = b'{"symbol": "BTCUSD", "action": "buy", "sl": "59010"}'
    now = int(time.time())

    def headers(stamp, sig):
        return {
            "HTTP_WEBHOOK_ID": "msg_1",
            "HTTP_WEBHOOK_TIMESTAMP": str(stamp),
            "HTTP_WEBHOOK_SIGNATURE": sig,
        }

    refused(webhook(token, body, **headers(now, "v1,AAAA")), "bad_signature")
    refused(
        webhook(token, body, **headers(now - 301, signature(key, "msg_1", now - 301, body))),
        "signature_expired",
    )
    refused(webhook(token, body + b" ", **headers(now, signature(key, "msg_1", now, body))), "bad_signature")
    assert webhook(token, body, **headers(now, signature(key, "msg_1", now, body))).status_code == 201


def test_the_token_has_its_own_rate_limit(make_hook, webhook, btc, no_limits):
    _, token = make_hook(rate_limit_per_minute=2)
    answers = [webhook(token, {**ALERT, "signal_id": str(n)}).status_code for n in range(3)]
    assert answers == [201, 201, 429]
    last = webhook(token, {**ALERT, "signal_id": "x"})
    assert last.json()["code"] == "rate_limited" and int(last["Retry-After"]) >= 1
    assert Signal.objects.count() == 2


def test_the_webhook_is_not_under_the_anonymous_throttle(make_hook, webhook, btc, no_limits, settings):
    # The anonymous limit is 60 a minute per address; TradingView's few addresses carry everyone.
    _, token = make_hook(rate_limit_per_minute=100)
    answers = {webhook(token, {**ALERT, "signal_id": str(n)}).status_code for n in range(70)}
    assert answers == {201}


def test_attempt_log_is_the_owners(make_hook, webhook, btc, no_limits, api, client_for, other_user):
    hook, token = make_hook(secret="s")
    webhook(token, ALERT)
    webhook(token, {**ALERT, "secret": "s"})
    rows = api.get(url(f"hooks/{hook.pk}/attempts/")).json()["results"]
    assert [(r["accepted"], r["status"], r["code"]) for r in rows] == [
        (True, 201, "alerted"),
        (False, 403, "bad_secret"),
    ]
    assert client_for(other_user).get(url(f"hooks/{hook.pk}/attempts/")).status_code == 404


# ---- hooks/ ------------------------------------------------------------------------------------
def test_create_shows_the_token_once_and_stores_only_its_digest(api, account):
    answer = api.post(url("hooks/"), {"name": "TradingView", "source": "tv"}, format="json")
    body = answer.json()
    assert answer.status_code == 201
    assert len(body["token"]) >= 43 and body["url"].endswith(
        f"/api/paper-trading/signals/webhook/{body['token']}/"
    )
    assert body["account"] == account.pk
    row = WebhookHook.objects.get()
    assert row.token_digest == hashlib.sha256(body["token"].encode()).hexdigest()
    assert body["token"] not in str(row.__dict__)
    listed = api.get(url("hooks/")).json()["results"][0]
    assert "token" not in listed and listed["url"] is None and listed["token_hint"] == body["token"][:6]


def test_tradingview_preset_addresses(api, account, settings):
    body = api.post(url("hooks/"), {"name": "tv", "use_tradingview_ips": True}, format="json").json()
    assert body["allowed_ips"] == settings.TRADINGVIEW_WEBHOOK_IPS


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": "x", "allowed_ips": ["300.1.1.1"]}, "allowed_ips"),
        ({"name": "x", "rate_limit_per_minute": 0}, "rate_limit_per_minute"),
        ({"name": "x", "color": "red"}, "color"),
    ],
)
def test_bad_hook_bodies_are_400(api, account, body, field):
    answer = api.post(url("hooks/"), body, format="json")
    assert answer.status_code == 400 and field in answer.json()["errors"]
    assert WebhookHook.objects.count() == 0


def test_a_hook_on_another_users_account_is_404(api, account, other_user):
    from paper_trading.services.accounts import account_ensure_default

    foreign = account_ensure_default(user=other_user)
    assert api.post(url("hooks/"), {"name": "x", "account": foreign.pk}, format="json").status_code == 404


def test_rotate_retires_the_old_token(api, account, webhook, btc, no_limits):
    created = api.post(url("hooks/"), {"name": "tv"}, format="json").json()
    rotated = api.post(url(f"hooks/{created['id']}/rotate/")).json()
    assert rotated["token"] != created["token"]
    refused(webhook(created["token"], ALERT), "invalid_token")
    assert webhook(rotated["token"], ALERT).status_code == 201


def test_patch_and_revoke(api, account, webhook, btc, no_limits, client_for, other_user):
    created = api.post(url("hooks/"), {"name": "tv"}, format="json").json()
    assert (
        client_for(other_user).patch(url(f"hooks/{created['id']}/"), {"name": "x"}, format="json").status_code
        == 404
    )
    changed = api.patch(
        url(f"hooks/{created['id']}/"), {"max_signal_age_s": 30, "active": False}, format="json"
    )
    assert (changed.json()["max_signal_age_s"], changed.json()["active"]) == (30, False)
    assert client_for(other_user).delete(url(f"hooks/{created['id']}/")).status_code == 404
    assert api.delete(url(f"hooks/{created['id']}/")).status_code == 204
    refused(webhook(created["token"], ALERT), "invalid_token")


def test_symbol_aliases_resolve_for_their_owner_only(api, send, btc, no_limits, client_for, other_user):
    created = api.post(url("symbol_aliases/"), {"alias": "bitty", "symbol": "btcusd"}, format="json")
    assert (created.status_code, created.json()["alias"], created.json()["symbol"]) == (
        201,
        "BITTY",
        "BTCUSD",
    )
    assert send({"symbol": "bitty", "action": "buy", "sl": "59010"}).status_code == 201
    theirs = client_for(other_user)
    assert send({"symbol": "bitty", "action": "buy"}, client=theirs).json()["code"] == "unknown_symbol"
    assert theirs.delete(url(f"symbol_aliases/{created.json()['id']}/")).status_code == 404
    assert (
        api.post(url("symbol_aliases/"), {"alias": "x", "symbol": "NOPE"}, format="json").status_code == 400
    )


def test_the_attempt_log_keeps_the_newest_500(make_hook, api):
    from django.utils import timezone

    from paper_trading.models import HookAttempt
    from paper_trading.services.hooks import ATTEMPTS_KEPT, PRUNE_EVERY, hook_record

    hook, _ = make_hook()
    now = timezone.now()
    HookAttempt.objects.bulk_create(
        HookAttempt(hook=hook, time=now, accepted=False, status=403, code="old") for _ in range(600)
    )
    for _ in range(PRUNE_EVERY):  # one of the next PRUNE_EVERY ids is a multiple of it: a pruning
        hook_record(hook, accepted=False, status=403, code="new")
    assert ATTEMPTS_KEPT <= HookAttempt.objects.filter(hook=hook).count() < ATTEMPTS_KEPT + PRUNE_EVERY
    assert HookAttempt.objects.filter(hook=hook, code="new").count() == PRUNE_EVERY
    listed = api.get(url(f"hooks/{hook.pk}/attempts/"), {"page_size": 1000}).json()
    assert listed["count"] == ATTEMPTS_KEPT
