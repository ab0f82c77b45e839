"""The webhook door (docs/signals.md, Webhooks): the token in the path is the credential; then the
token's source addresses, its secret or a Standard Webhooks signature, its rate; then the same
pipeline as `POST signals/`. Every call to a known token, accepted or refused, is logged for its
owner (`hooks/{id}/attempts/`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from .. import selectors
from ..domain import signals as sig
from ..domain.errors import DomainError
from ..models import WebhookHook
from ..persistence import fetch_with_related
from .common import write_lock
from .hooks import hook_record, token_digest
from .signals import Received, signal_receive

MAX_BODY_BYTES = 64 * 1024


class WebhookRefused(DomainError, code="forbidden", status=403):
    """A call the token's rules refuse (403): nothing is written but the attempt log's line."""


class PayloadTooLarge(DomainError, code="payload_too_large", status=413):
    pass


class RateLimited(DomainError, code="rate_limited", status=429):
    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class WebhookCall:
    """One HTTP call to `signals/webhook/{token}/`, as the view saw it."""

    token: str
    body: bytes
    content_type: str | None
    headers: Mapping[str, str]  # lower-case names
    remote_addr: str


def hook_for_token(token: str) -> WebhookHook | None:
    """The token's row (any state), by the digest of the token; None for an unknown token."""
    if not token or len(token) > 200:
        return None
    digest = token_digest(token)
    return fetch_with_related(WebhookHook, by="token_digest", value=digest, related=("account", "user"))


def signal_webhook(*, call: WebhookCall, allow, now: datetime | None = None) -> Received:
    """Authenticate the call, take in its signal, log the attempt. `allow(hook)` is the token's
    rate limiter: the number of seconds to wait when the call is over the limit, else None."""
    now = now or timezone.now()
    hook = hook_for_token(call.token)
    if hook is None:
        raise WebhookRefused("Unknown or revoked webhook token.", code="invalid_token")
    excerpt = _excerpt(call.body)
    try:
        _authorize(hook, call, allow, now)
        overrides = selectors.alias_map(hook.user)
        signal, payload = sig.parse_signal(call.body, call.content_type, overrides=overrides)
        if hook.secret and not _signed(call) and not sig.secrets_match(signal.secret or "", hook.secret):
            raise WebhookRefused("The body's secret does not match this token's.", code="bad_secret")
        with write_lock(), transaction.atomic():  # the signal and its attempt line: one commit
            received = signal_receive(user=hook.user, signal=signal, payload=payload, hook=hook, now=now)
            hook_record(
                hook,
                accepted=True,
                status=201 if received.created else 200,
                code=received.signal.status,
                remote_addr=call.remote_addr,
                body=excerpt,
                signal=received.signal,
            )
    except DomainError as exc:
        hook_record(
            hook,
            accepted=False,
            status=exc.status,
            code=exc.code,
            message=exc.message,
            remote_addr=call.remote_addr,
            body=excerpt,
        )
        raise
    return received


def _authorize(hook: WebhookHook, call: WebhookCall, allow, now: datetime) -> None:
    if not hook.active:
        raise WebhookRefused("This webhook token is paused.", code="token_inactive")
    if len(call.body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"The body is over {MAX_BODY_BYTES // 1024} KiB.")
    if hook.allowed_ips and not sig.ip_allowed(call.remote_addr, hook.allowed_ips):
        raise WebhookRefused(
            f"{call.remote_addr} is not among this token's addresses.", code="ip_not_allowed"
        )
    if _signed(call) or (hook.secret and "webhook-signature" in call.headers):
        if not hook.secret:
            raise WebhookRefused("This token has no secret to check a signature with.", code="bad_signature")
        failure = sig.verify_signature(hook.secret, call.headers, call.body, now=now)
        if failure is not None:
            raise WebhookRefused(_SIGNATURE_MESSAGES.get(failure, failure), code=failure)
    wait = allow(hook)
    if wait is not None:
        raise RateLimited(
            f"More than {hook.rate_limit_per_minute} alerts a minute on this token.",
            retry_after=max(1, int(wait)),
        )


_SIGNATURE_MESSAGES = {
    "bad_signature": "The webhook-signature does not match the body.",
    "signature_expired": "The webhook-timestamp is more than 5 minutes from now.",
    "missing_signature": "webhook-id, webhook-timestamp and webhook-signature are all needed.",
}


def _signed(call: WebhookCall) -> bool:
    return any(name in call.headers for name in ("webhook-id", "webhook-timestamp", "webhook-signature"))


# the value of a JSON "secret": a string (perhaps cut short) or a bare number, which the parser
# also takes as the secret's text
_JSON_SECRET = re.compile(r'("secret"\s*:\s*)(?:"(?:[^"\\]|\\.)*"?|[^,}\s]+)', re.IGNORECASE)
_LINE_SECRET = re.compile(r"\bsecret=\S*", re.IGNORECASE)


def _excerpt(body: bytes) -> str:
    """The body for the attempt log: its first 2 KiB, with the secret blanked whatever the form
    (JSON, JSON cut short, the one-line `secret=`)."""
    text = body[:4096].decode("utf-8", "replace")
    text = _LINE_SECRET.sub("secret=***", _JSON_SECRET.sub(r'\1"***"', text))
    return text[:2048]
