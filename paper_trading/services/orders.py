"""Order services: place (idempotent on `client_order_id`), cancel, and expire."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from ..domain import trading
from ..domain.errors import InvalidInput, NotFound, StateConflict
from ..domain.orders import Status
from ..domain.trading import OrderRequest
from ..market import CachedMarket
from ..models import Account, PaperTrade
from ..persistence import PortfolioSession, lock_account
from .accounts import account_ensure_default
from .common import after_save, locked_portfolio, write_lock
from .trades import trade_change


@dataclass
class PlaceResult:
    """What `order_place` did: the trade, and whether this call created it (False: a repeated
    `client_order_id`)."""

    trade: PaperTrade
    created: bool
    body: dict | None = None  # the trade as its event carried it (the REST body is the same object)
    # Without a body: every fill of a trade the order created (None: ask the database), and the
    # quotes the order saw, to render it from.
    fills: list | None = None
    market: CachedMarket | None = None


class _NoDefaultAccount(Exception):
    """The user has no default account yet: create it outside the order's transaction, retry."""


def client_order_hash(payload: dict) -> str:
    """The fingerprint a `client_order_id` is bound to: the same id with another order is a 409."""
    canonical = json.dumps({k: str(v) for k, v in sorted(payload.items()) if v is not None}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def order_place(
    *, user, request: OrderRequest, account_id: int | None = None, now: datetime | None = None
) -> PlaceResult:
    """Any entry order on the user's account `account_id` (the default one if absent);
    idempotent on `request.client_order_id`."""
    now = now or timezone.now()
    try:
        return _place(user, request, account_id, now)
    except _NoDefaultAccount:
        account_ensure_default(user=user)
        return _place(user, request, account_id, now)


def order_cancel(*, user, trade_id: int) -> PaperTrade:
    """Cancel the user's pending order."""
    return trade_change(
        user=user,
        trade_id=trade_id,
        operation=lambda pf, market, ticket: trading.cancel_ticket(pf, ticket, timezone.now()),
        gone="not_pending",
        message="Only pending orders can be cancelled; this one is {status}.",
    )


def orders_expire(*, now: datetime | None = None) -> int:
    """Cancel DAY/GTD orders whose time has passed, without waiting for a tick of their symbol."""
    now = now or timezone.now()
    due = (
        PaperTrade.objects.filter(status=PaperTrade.Status.PENDING, expire_at__lte=now)
        .values_list("account_id", flat=True)
        .distinct()
    )
    expired = 0
    for account_id in list(due):
        with locked_portfolio(account_id) as session:
            expired += len(trading.expire_due(session.portfolio, now))
            rows = session.save()
            after_save(session, rows)
    return expired


def _lock_own_account(user, account_id) -> Account:
    """Lock the user's account `account_id`, or the default one: one query (another user's
    account is a 404, docs/api.md, Errors)."""
    if account_id is None:
        try:
            return lock_account(user_id=user.pk)
        except NotFound:
            raise _NoDefaultAccount from None
    try:
        account_id = int(account_id)
    except (ValueError, TypeError):
        raise NotFound("No such account.") from None
    return lock_account(account_id=account_id, user_id=user.pk)


def _place(user, req: OrderRequest, account_id, now: datetime) -> PlaceResult:
    with write_lock(), transaction.atomic():
        account_row = _lock_own_account(user, account_id)
        payload = {
            "account": account_row.pk,
            **{k: getattr(req, k) for k in OrderRequest.__dataclass_fields__},
        }
        fingerprint = client_order_hash(payload) if req.client_order_id else ""
        session = PortfolioSession(account_row, focus=req.symbol)
        if req.client_order_id:
            existing = PaperTrade.objects.filter(
                account=account_row, client_order_id=req.client_order_id
            ).first()
            if existing is not None:
                if existing.client_order_hash != fingerprint:
                    raise StateConflict(
                        "client_order_id was used for a different order.", code="client_order_id_conflict"
                    )
                return PlaceResult(existing, False)
        return order_place_on(session=session, request=req, now=now, fingerprint=fingerprint)


def order_place_on(
    *,
    session: PortfolioSession,
    request: OrderRequest,
    now: datetime,
    market: CachedMarket | None = None,
    fingerprint: str = "",
) -> PlaceResult:
    """Place an order on a portfolio the caller has locked and loaded, in the caller's
    transaction (a signal's decision sizes and places on one load of the account)."""
    req = request
    if req.oco_with is not None:
        sibling = session.portfolio.find(req.oco_with)
        if sibling is None or sibling.status is not Status.PENDING:
            raise InvalidInput("oco_with must be a pending order of the same account.", field="oco_with")
    market = market or CachedMarket()
    ticket = trading.place_order(session.portfolio, market, req, now)
    rows = session.save(extra_hash=fingerprint)
    if req.oco_with is not None:
        PaperTrade.objects.filter(pk=req.oco_with, oco_with__isnull=True).update(oco_with_id=ticket.id)
    after_save(session, rows, market=market)
    body = session.rendered.get(ticket.id)
    return PlaceResult(
        session.row_for(ticket.id),
        True,
        # The fills matter only to a caller that renders the trade itself.
        fills=session.fills_of_new(ticket.id) if body is None else None,
        market=market,
        body=body,
    )
