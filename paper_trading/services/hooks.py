"""Webhook tokens (docs/signals.md, Webhook tokens): create, change, rotate, revoke, and the
attempt log every call to a token writes."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, fields
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .. import selectors
from ..domain.errors import InvalidInput
from ..domain.requests import UNSET, Unset
from ..models import HookAttempt, WebhookHook
from ..persistence import insert

TOKEN_BYTES = 32  # secrets.token_urlsafe(32): 43 URL-safe characters
ATTEMPT_BODY_CHARS = 2048
ATTEMPTS_KEPT = 500  # per token; older attempts are dropped as new ones arrive
# A line whose id is a multiple of PRUNE_EVERY prunes its token's log back to ATTEMPTS_KEPT: about
# one line in PRUNE_EVERY, so a token holds about ATTEMPTS_KEPT + PRUNE_EVERY rows (ids are shared
# by every token, so this is an average, not a bound); `hooks/{id}/attempts/` lists ATTEMPTS_KEPT.
PRUNE_EVERY = 50
LAST_USED_PRECISION = timedelta(minutes=1)  # `last_used_at` is rewritten at most this often


@dataclass(frozen=True, slots=True)
class HookSettings:
    """A token's settings (UNSET: the model's default on create, unchanged on update)."""

    name: str | Unset = UNSET
    account_id: int | Unset = UNSET
    source: str | Unset = UNSET
    secret: str | Unset = UNSET
    allowed_ips: list[str] | Unset = UNSET
    max_signal_age_s: int | Unset = UNSET
    rate_limit_per_minute: int | Unset = UNSET
    active: bool | Unset = UNSET

    def given(self) -> dict[str, object]:
        return {f.name: v for f in fields(self) if (v := getattr(self, f.name)) is not UNSET}


def token_digest(token: str) -> str:
    """What is stored of a token: its SHA-256, hex. A token has 256 random bits, so an unsalted
    fast hash is enough: no dictionary reaches it."""
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> tuple[str, str, str]:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, token_digest(token), token[:6]


def _check_account(user, changes: dict) -> None:
    if "account_id" in changes:
        selectors.account_for(user, changes["account_id"])  # 404 for another user's account


def hook_create(*, user, settings: HookSettings) -> tuple[WebhookHook, str]:
    """A new token bound to one of the user's accounts (the default one if none is named);
    returns the row and the token, which is never stored and shown only now."""
    chosen = settings.given()
    if not chosen.get("name"):
        raise InvalidInput("A name is required.", field="name")
    _check_account(user, chosen)
    if "account_id" not in chosen:
        from .accounts import account_ensure_default

        chosen["account_id"] = account_ensure_default(user=user).pk
    token, digest, hint = _new_token()
    hook = WebhookHook.objects.create(user=user, token_digest=digest, token_hint=hint, **chosen)
    return hook, token


def hook_update(*, user, hook_id, changes: HookSettings) -> WebhookHook:
    changed = changes.given()
    if not changed:
        raise InvalidInput("Nothing to change.", field="non_field_errors")
    if "name" in changed and not changed["name"]:
        raise InvalidInput("A name is required.", field="name")
    _check_account(user, changed)
    hook = selectors.hook_for(user, hook_id)
    for name, value in changed.items():
        setattr(hook, name, value)
    hook.save()
    return hook


def hook_rotate(*, user, hook_id) -> tuple[WebhookHook, str]:
    """A new token for the same settings and log; the old token stops working at once."""
    hook = selectors.hook_for(user, hook_id)
    token, hook.token_digest, hook.token_hint = _new_token()
    hook.rotated_at = timezone.now()
    hook.save(update_fields=["token_digest", "token_hint", "rotated_at"])
    return hook, token


def hook_delete(*, user, hook_id) -> None:
    """Revoke: the token and its attempt log go; signals it brought in stay."""
    selectors.hook_for(user, hook_id).delete()


def hook_record(
    hook: WebhookHook,
    *,
    accepted: bool,
    status: int,
    code: str = "",
    message: str = "",
    remote_addr: str = "",
    body: str = "",
    signal=None,
) -> None:
    """One line of the token's attempt log (kept to about the newest ATTEMPTS_KEPT: the older
    ones go every PRUNE_EVERY lines, in one delete)."""
    now = timezone.now()
    with transaction.atomic(savepoint=False):  # in the signal's transaction when there is one
        attempt = HookAttempt(
            hook=hook,
            time=now,
            accepted=accepted,
            status=status,
            code=code[:40],
            message=message[:300],
            remote_addr=remote_addr[:45],
            body=body[:ATTEMPT_BODY_CHARS],
            signal=signal,
        )
        insert([attempt])
        if accepted and (hook.last_used_at is None or now - hook.last_used_at >= LAST_USED_PRECISION):
            WebhookHook.objects.filter(pk=hook.pk).update(last_used_at=now)
        if attempt.pk % PRUNE_EVERY == 0:
            stale = HookAttempt.objects.filter(hook=hook).order_by("-time", "-id")[ATTEMPTS_KEPT:][:1]
            if stale:
                HookAttempt.objects.filter(hook=hook, id__lte=stale[0].id).delete()
