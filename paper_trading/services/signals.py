"""The signal pipeline (docs/signals.md): one service for REST, the webhook and, later, the
built-in strategies.

received -> validated -> `signal_alert` -> decided -> sized -> executed -> journaled.

A signal is stored once per dedupe key (a unique constraint, so concurrent copies of one alert
make one row). Its decision runs under its account's row lock, so the signals of one account are
decided one at a time in arrival order, and each journal row chains to the one before it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from .. import events, representations, selectors
from ..domain import signals as sig
from ..domain.errors import BusinessRefusal, DomainError, InvalidInput, StateConflict
from ..domain.instruments import get_instrument
from ..domain.orders import Side
from ..domain.quotes import Quote
from ..domain.requests import CloseRequest, modify_request
from ..domain.trading import OrderRequest
from ..market import CachedMarket
from ..models import Account, Decision, PaperTrade, ShadowTrade, Signal, WebhookHook
from ..persistence import PortfolioSession, insert, latest_value, lock_account, update
from ..selectors import account_figures
from .accounts import account_ensure
from .common import write_lock
from .orders import order_cancel, order_place_on
from .trades import trade_close, trade_modify

DEFAULT_EXPIRY = timedelta(seconds=120)  # a signal without `expires_at` can be clicked this long
DEFAULT_MAX_AGE_S = 60  # REST signals; a webhook token has its own `max_signal_age_s`
GENESIS = "0" * 64  # the previous hash of an account's first journal row
LEVELS = ("stop_loss", "take_profit_1", "take_profit_2", "take_profit_3")
OPENING = frozenset({sig.Action.BUY, sig.Action.SELL, sig.Action.REVERSE})


@dataclass
class Received:
    """What `signal_receive` did: the signal, and whether this call created it (False: a
    duplicate, answered with the first signal)."""

    signal: Signal
    created: bool
    decision: Decision | None = None  # the decision this call made (None: a duplicate's)
    body: dict | None = None  # the signal as its event carried it (the REST body is the same)


@dataclass
class _Outcome:
    outcome: str  # executed | alerted | rejected | skipped
    code: str = ""
    message: str = ""
    sizing: dict | None = None
    trade: PaperTrade | None = None
    lots: Decimal | None = None


# The signal's own fields, stored as given; `signal_type` is the body's `type`.
STORED = ("symbol", "entry_price", *LEVELS, "confidence", "lots", "risk_pct", "risk_amount", "alert_time")
STORED_TEXT = ("side", "signal_id", "timeframe", "notes")


# ---- intake ------------------------------------------------------------------------------------
def signal_receive(
    *,
    user,
    signal: sig.SignalInput,
    payload: dict,
    hook: WebhookHook | None = None,
    now: datetime | None = None,
) -> Received:
    """Store the signal once (a duplicate returns the first), then decide it."""
    now = now or timezone.now()
    if hook is not None:
        if signal.account is not None and signal.account != hook.account_id:
            raise InvalidInput(f"This token is bound to account {hook.account_id}.", field="account")
        account = hook.account
    else:
        account = account_ensure(user=user, account_id=signal.account)
    key = sig.dedupe_key(user.pk, signal, payload)
    with write_lock():  # SQLite: one writer at a time in this process; PostgreSQL: nothing
        return _store_and_decide(user, signal, payload, hook, account, key, now)


def _store_and_decide(user, signal, payload, hook, account, key, now) -> Received:
    """Store and decide in one transaction under the account's row lock: signals of one account
    are decided in the order they took the lock, which is the order of their ids, and a copy
    that waited for the lock finds the first one already stored. The events of the whole
    decision (alert, trade, journal row) go out together after commit."""
    market = CachedMarket()  # one read of each quote for the checks, the sizing and the order
    with transaction.atomic(savepoint=False), events.batched():
        locked = lock_account(account_id=account.pk)
        locked.user = user
        quote = market.quote(signal.symbol)
        row = Signal(
            user=user,
            account=locked,
            hook=hook,
            dedupe_key=key,
            via="webhook" if hook is not None else "api",
            action=signal.action.value,
            source=signal.source or (hook.source if hook is not None else ""),
            **{name: getattr(signal, name) for name in STORED},
            **{name: getattr(signal, name) or "" for name in STORED_TEXT},
            signal_type=signal.type or "",
            expires_at=signal.expires_at or now + DEFAULT_EXPIRY,
            received_at=now,
            bid=quote.bid if quote is not None else None,
            ask=quote.ask if quote is not None else None,
            payload=payload,
        )
        # the unique key decides: a copy (stored by an earlier call, perhaps for another of the
        # user's accounts) is not written, and the first signal answers
        if not insert([row], skip_conflict=True):
            return Received(_by_key(user, key), False)
        decision, body = _decide(row, signal, account=locked, market=market, now=now)
    return Received(row, True, decision, body)


def _by_key(user, key: str) -> Signal | None:
    # the unique (user, dedupe_key) index answers; no ordering for the planner to follow instead
    return next(iter(Signal.objects.filter(user=user, dedupe_key=key).order_by()[:1]), None)


def _decide(
    row: Signal, signal: sig.SignalInput, *, account: Account, market: CachedMarket, now: datetime
) -> tuple[Decision, dict]:
    """Validate, alert the owner, decide, size, execute and journal (the caller holds the lock)."""
    instrument = get_instrument(row.symbol)
    hook = row.hook
    quote = market.quote(row.symbol)
    signal = sig.with_levels(signal, quote, instrument) if quote is not None else signal
    _store_levels(row, signal)
    checks = sig.check_signal(
        signal,
        instrument=instrument,
        quote=quote,
        now=now,
        max_age_s=hook.max_signal_age_s if hook is not None else DEFAULT_MAX_AGE_S,
        min_rr=account.min_signal_rr,
    )
    failed = sig.first_failure(checks)
    _publish(row, "signal_alert", signal=representations.signal_dict(row, None))
    if failed is not None:
        result = _Outcome("rejected", failed.code, failed.message)
    else:
        result = _route(row, signal, account, instrument, market, now)
    return _settle(row, account, result, checks=checks, quote=quote, now=now)


def _store_levels(row: Signal, signal: sig.SignalInput) -> None:
    """Levels given in pips become prices against the fill side at decision time."""
    for name in LEVELS:
        setattr(row, name, getattr(signal, name))


def _route(row, signal, account, instrument, market, now) -> _Outcome:
    if signal.action in OPENING:
        return _decide_open(row, signal, account, instrument, market, now)
    if not account.auto_execute_signals:
        return _Outcome("skipped", "auto_execute_off", "Automatic execution is off for this account.")
    return _run(lambda: _manage(row, signal, account, now))


def _decide_open(row, signal, account, instrument, market, now) -> _Outcome:
    if account.signal_symbols and row.symbol not in account.signal_symbols:
        return _Outcome("skipped", "filtered", f"{row.symbol} is not among the account's signal symbols.")
    if account.signal_sources and row.source not in account.signal_sources:
        return _Outcome("skipped", "filtered", f"Source {row.source or '(none)'} is not among the account's.")
    quote = market.quote(row.symbol)
    if quote is None:
        return _Outcome("rejected", "no_price", f"No current price for {row.symbol}.")
    # the order path's view of the account (positions on other symbols summarized, not loaded),
    # read once for the sizing and the order
    session = PortfolioSession(account, focus=row.symbol)
    try:
        sizing = _size(signal, account, instrument, market, session)
    except DomainError as exc:
        return _Outcome("rejected", exc.code, exc.message)
    if sizing.multiplier == 0:
        return _Outcome(
            "skipped",
            "below_min_confidence",
            f"Confidence {row.confidence} is below the account's minimum {account.min_signal_confidence}.",
            sizing=sizing.to_json(),
        )
    if sizing.lots <= 0:
        return _Outcome(
            "rejected",
            "risk_per_trade_exceeded",
            "Even the minimum lot would risk more than the signal's risk budget.",
            sizing=sizing.to_json(),
        )
    if not account.auto_execute_signals:
        return _Outcome(
            "alerted",
            "",
            "Waiting for a click: automatic execution is off.",
            sizing.to_json(),
            lots=sizing.lots,
        )
    single = None if row.action == sig.Action.REVERSE else session
    outcome = _run(lambda: _open(row, account, sizing.lots, now, market, session), single=single)
    outcome.sizing, outcome.lots = sizing.to_json(), sizing.lots
    return outcome


def _size(signal, account, instrument, market: CachedMarket, session: PortfolioSession) -> sig.Sizing:
    figures = account_figures(account, market, portfolio=session.portfolio)
    equity = figures["equity"] if figures["equity"] is not None else account.balance
    return sig.size_signal(
        signal,
        instrument=instrument,
        quote=market.quote(signal.symbol),
        equity=equity,
        account_currency=account.currency,
        market=market,
        default_risk_pct=account.default_risk_pct,
        min_confidence=account.min_signal_confidence,
        table=sig.confidence_table(account.signal_confidence_table),
    )


def _input_of(row: Signal) -> sig.SignalInput:
    """The stored signal as the sizing reads it (its levels already prices)."""
    instrument = get_instrument(row.symbol)

    def price(value):
        return None if value is None else instrument.price(value)

    return sig.SignalInput(
        symbol=row.symbol,
        action=sig.Action(row.action),
        side=row.side or None,
        stop_loss=price(row.stop_loss),
        take_profit_1=price(row.take_profit_1),
        entry_price=price(row.entry_price),
        lots=row.lots,
        risk_pct=row.risk_pct,
        risk_amount=row.risk_amount,
        confidence=row.confidence,
    )


def _run(action, *, single: PortfolioSession | None = None) -> _Outcome:
    """Run an execution. Several steps (a reverse's close and open, a close of many) run in a
    savepoint, so a refusal undoes all of them. One order on `single` needs none: its refusals
    come before the session writes anything, and a failure after that refuses the whole signal
    (its transaction rolls back: nothing is written)."""
    try:
        if single is not None:
            trade = action()
        else:
            with transaction.atomic():
                trade = action()
    except DomainError as exc:
        if single is not None and single.wrote:
            raise
        return _Outcome("rejected", exc.code, exc.message)
    return _Outcome("executed", trade=trade)


def _order(row: Signal, side: Side, lots: Decimal) -> OrderRequest:
    return OrderRequest(
        symbol=row.symbol,
        side=side,
        lots=lots,
        **{name: getattr(row, name) for name in LEVELS},
        requested_price=row.entry_price,
        signal_id=row.signal_id or str(row.pk),
        signal_type=row.signal_type or None,
        signal_source=row.source or None,
        notes=row.notes,
    )


def _open(
    row: Signal,
    account: Account,
    lots: Decimal,
    now: datetime,
    market: CachedMarket,
    session: PortfolioSession | None = None,
) -> PaperTrade:
    """The order a buy, sell or reverse signal asks for, on the account as `session` loaded it
    (a reverse first closes the other side, then reads the account afresh)."""
    side = Side(row.side)
    if row.action == sig.Action.REVERSE or session is None:
        if row.action == sig.Action.REVERSE:
            _close_positions(row, account, side=Side.SELL if side is Side.BUY else Side.BUY)
        session = PortfolioSession(lock_account(account_id=account.pk), focus=row.symbol)
    placed = order_place_on(session=session, request=_order(row, side, lots), now=now, market=market)
    return placed.trade


def _open_positions(account: Account, symbol: str, side: Side | None = None):
    """The account's open trades on `symbol`, oldest first (FIFO, as NFA requires)."""
    trades = PaperTrade.objects.filter(account=account, symbol=symbol, status=PaperTrade.Status.OPEN)
    if side is not None:
        trades = trades.filter(side=side.value)
    return list(trades.order_by("entry_time", "id"))


def _close_positions(row, account, *, side: Side | None) -> PaperTrade | None:
    closed = None
    for trade in _open_positions(account, row.symbol, side):
        closed = trade_close(user=account.user, trade_id=trade.pk, request=CloseRequest())
    return closed


def _manage(row, signal, account, now) -> PaperTrade | None:
    action = signal.action
    if action in (sig.Action.CLOSE, sig.Action.CLOSE_LONG, sig.Action.CLOSE_SHORT):
        side = {sig.Action.CLOSE_LONG: Side.BUY, sig.Action.CLOSE_SHORT: Side.SELL}.get(action)
        closed = _close_positions(row, account, side=side)
        if closed is None:
            raise StateConflict(f"No open position on {row.symbol} to close.", code="no_position")
        return closed
    if action is sig.Action.CANCEL:
        pending = PaperTrade.objects.filter(
            account=account, symbol=row.symbol, status=PaperTrade.Status.PENDING, signal_source=row.source
        ).order_by("id")
        cancelled = None
        for trade in pending:
            cancelled = order_cancel(user=account.user, trade_id=trade.pk)
        if cancelled is None:
            raise StateConflict(f"No pending {row.symbol} order from this source.", code="no_pending_order")
        return cancelled
    # modify: the source's newest open trade on the symbol
    trade = (
        PaperTrade.objects.filter(
            account=account, symbol=row.symbol, status=PaperTrade.Status.OPEN, signal_source=row.source
        )
        .order_by("-entry_time", "-id")
        .first()
    )
    if trade is None:
        raise StateConflict(f"No open {row.symbol} trade from this source to modify.", code="no_position")
    levels = {name: getattr(row, name) for name in LEVELS if getattr(row, name) is not None}
    if not levels:
        raise InvalidInput("A modify signal needs a stop loss or a take profit.", field="stop_loss")
    return trade_modify(user=account.user, trade_id=trade.pk, request=modify_request(levels))


# ---- one click ---------------------------------------------------------------------------------
def signal_execute(
    *, user, signal_id, lot_size: Decimal | None = None, now: datetime | None = None
) -> Signal:
    """Execute an `alerted` signal once (a second click answers the executed signal, no second
    trade). Refused with `price_moved` past the drift limit and `signal_expired` after expiry;
    a refusal is journaled and leaves the signal alerted (expired once it has expired)."""
    now = now or timezone.now()
    row = selectors.signal_for(user, signal_id)
    with write_lock(), transaction.atomic():
        account = lock_account(account_id=row.account_id)
        row = Signal.objects.select_for_update().get(pk=row.pk)
        if row.status == Signal.Status.EXECUTED:
            return row
        if row.status != Signal.Status.ALERTED:
            raise StateConflict(
                f"Only an alerted signal can be executed; this one is {row.status}.", code="not_alerted"
            )
        market = CachedMarket()
        quote = market.quote(row.symbol)
        result = _click_refusal(row, account, quote, now) or _click(row, account, market, lot_size, now)
        if result.outcome == "executed":
            _settle(row, account, result, checks=[], quote=quote, now=now)
            return row
        if result.code == "signal_expired":
            row.status = Signal.Status.EXPIRED
        _settle(row, account, result, checks=[], quote=quote, now=now, keep=True)
    raise BusinessRefusal(result.message, code=result.code)


def _click(row: Signal, account: Account, market: CachedMarket, lot_size, now: datetime) -> _Outcome:
    instrument = get_instrument(row.symbol)
    session = PortfolioSession(account, focus=row.symbol)
    if lot_size is not None:
        try:
            lots = instrument.validate_lots(lot_size)
        except DomainError as exc:
            return _Outcome("rejected", exc.code, exc.message)
        sizing = {"lots": str(lots), "given_by": "click"}
    else:
        sized = _size(_input_of(row), account, instrument, market, session)
        lots, sizing = sized.lots, sized.to_json()
        if lots <= 0:
            return _Outcome("rejected", "risk_per_trade_exceeded", "The minimum lot exceeds the risk budget.")
    single = None if row.action == sig.Action.REVERSE else session
    result = _run(lambda: _open(row, account, lots, now, market, session), single=single)
    result.sizing, result.lots = sizing, lots
    return result


def _click_refusal(row: Signal, account: Account, quote: Quote | None, now: datetime) -> _Outcome | None:
    if now >= row.expires_at:
        return _Outcome("rejected", "signal_expired", f"The signal expired at {row.expires_at.isoformat()}.")
    if quote is None:
        return _Outcome("rejected", "no_price", f"No current price for {row.symbol}.")
    buy = row.side != "sell"
    reference = row.entry_price or (row.ask if buy else row.bid)
    drift = sig.drift_pips(
        instrument=get_instrument(row.symbol),
        fill=quote.ask if buy else quote.bid,
        reference=reference,
        stop_loss=row.stop_loss,
        limit_pips=account.max_signal_drift_pips,
    )
    if drift is not None:
        moved, limit = drift
        return _Outcome(
            "rejected",
            "price_moved",
            f"The price moved {moved} pips from {reference}; this account allows {limit}.",
        )
    return None


def signal_dismiss(*, user, signal_id, now: datetime | None = None) -> Signal:
    """The trader declines an alerted signal: it will not be executed."""
    now = now or timezone.now()
    row = selectors.signal_for(user, signal_id)
    with write_lock(), transaction.atomic():
        account = lock_account(account_id=row.account_id)
        row = Signal.objects.select_for_update().get(pk=row.pk)
        if row.status != Signal.Status.ALERTED:
            raise StateConflict(
                f"Only an alerted signal can be dismissed; this one is {row.status}.", code="not_alerted"
            )
        row.status = Signal.Status.DISMISSED
        _settle(
            row,
            account,
            _Outcome("skipped", "dismissed", "Dismissed by the trader."),
            checks=[],
            quote=None,
            now=now,
            keep=True,
        )
    return row


# ---- the outcome, the journal and the shadow ---------------------------------------------------
_STATUS = {
    "executed": Signal.Status.EXECUTED,
    "alerted": Signal.Status.ALERTED,
    "rejected": Signal.Status.REJECTED,
    "skipped": Signal.Status.SKIPPED,
}


# what a decision changes on the signal (its levels: pips priced at the decision)
SETTLED = ("status", "reasons", "suggested_lots", "trade", "executed_at", *LEVELS)


def _settle(
    row: Signal, account: Account, result: _Outcome, *, checks, quote: Quote | None, now: datetime, keep=False
) -> tuple[Decision, dict]:
    """Record the outcome on the signal, append the journal row, follow a refused signal's
    shadow, and queue the owner's events; returns the journal row and the signal's body."""
    if not keep:
        row.status = _STATUS[result.outcome]
    if result.code and result.outcome in ("rejected", "skipped"):
        row.reasons = [*row.reasons, result.code] if keep else [result.code]
    if result.lots is not None:
        row.suggested_lots = result.lots
    if result.trade is not None:
        row.trade = result.trade
        row.executed_at = now
    update(row, SETTLED)
    decision = journal_append(
        account=account,
        signal=row,
        time=now,
        inputs=_inputs(row.symbol, quote),
        checks=[c.to_json() for c in checks],
        outcome=result.outcome,
        reason_code=result.code,
        message=result.message,
        sizing=result.sizing or {},
        trade=result.trade,
    )
    if result.outcome in ("rejected", "skipped") and not keep:
        shadow_open(row, quote, now)
    _publish(row, "decision", decision=representations.decision_dict(decision))
    body = representations.signal_dict(row, decision)
    _publish(row, "signal_alert", signal=body)
    return decision, body


def _inputs(symbol: str, quote: Quote | None) -> dict:
    """The quote the decision saw, as the instrument's digits print it."""
    if quote is None:
        return {"bid": None, "ask": None}
    digits = get_instrument(symbol).digits
    return {"bid": f"{quote.bid:.{digits}f}", "ask": f"{quote.ask:.{digits}f}"}


def journal_append(*, account: Account, signal: Signal | None, time: datetime, **fields) -> Decision:
    """Append one journal row to the account's chain (the caller holds the account's lock)."""
    previous = latest_value(Decision, "hash", by="account", value=account.pk) or GENESIS
    decision = Decision(
        user_id=account.user_id,
        account=account,
        signal=signal,
        time=time,
        source=signal.source if signal is not None else "",
        symbol=signal.symbol if signal is not None else fields.pop("symbol", ""),
        previous_hash=previous,
        **fields,
    )
    decision.hash = sig.chain_hash(previous, decision_fields(decision))
    insert([decision])
    return decision


def decision_fields(decision: Decision) -> dict:
    """What a journal row's hash covers: every field but its id and its own hash."""
    return {
        "account": decision.account_id,
        "signal": decision.signal_id,
        "time": decision.time,
        "source": decision.source,
        "symbol": decision.symbol,
        "inputs": decision.inputs,
        "checks": decision.checks,
        "outcome": decision.outcome,
        "reason_code": decision.reason_code,
        "message": decision.message,
        "sizing": decision.sizing,
        "trade": decision.trade_id,
    }


def journal_verify(*, account: Account) -> dict:
    """`{"ok": true, "checked": n}`, or `{"ok": false, "broken_at": id}` at the first row whose
    hash or link does not match (an edited, inserted or removed row)."""
    previous = GENESIS
    checked = 0
    for decision in Decision.objects.filter(account=account).order_by("id").iterator():
        if decision.previous_hash != previous or decision.hash != sig.chain_hash(
            previous, decision_fields(decision)
        ):
            return {"ok": False, "broken_at": decision.pk, "checked": checked}
        previous = decision.hash
        checked += 1
    return {"ok": True, "checked": checked}


def shadow_open(row: Signal, quote: Quote | None, now: datetime) -> ShadowTrade | None:
    """Follow a refused signal that names a stop as if it had filled at receipt."""
    if not row.side or row.stop_loss is None or quote is None:
        return None
    side = row.side
    entry = quote.ask if side == "buy" else quote.bid
    if (side == "buy" and row.stop_loss >= entry) or (side == "sell" and row.stop_loss <= entry):
        return None  # an impossible stop: nothing to follow
    _shadowed["symbols"] = _shadowed["symbols"] | {row.symbol}
    return ShadowTrade.objects.create(
        signal=row,
        symbol=row.symbol,
        side=side,
        entry_price=entry,
        stop_loss=row.stop_loss,
        take_profit=row.take_profit_1,
        opened_at=now,
    )


_SHADOW_REFRESH_S = 5.0
_shadowed: dict = {"symbols": frozenset(), "at": -_SHADOW_REFRESH_S}


def _shadowed_symbols() -> frozenset:
    """Symbols with open shadow trades, re-read at most every few seconds, so a tick of a symbol
    without any costs no query."""
    clock = time.monotonic()
    if clock - _shadowed["at"] >= _SHADOW_REFRESH_S:
        open_ = ShadowTrade.objects.filter(status=ShadowTrade.Status.OPEN).values_list("symbol", flat=True)
        _shadowed.update(symbols=frozenset(open_.distinct()), at=clock)
    return _shadowed["symbols"]


def shadows_follow(quote: Quote) -> int:
    """Close the open shadow trades of `quote.symbol` that its price reaches (stops at the quote,
    targets at their level, as real trades fill). Returns how many closed."""
    if quote.symbol not in _shadowed_symbols():
        return 0
    closed = 0
    for shadow in ShadowTrade.objects.filter(symbol=quote.symbol, status=ShadowTrade.Status.OPEN):
        exit_price, reason = sig.shadow_exit(
            side=shadow.side, stop=shadow.stop_loss, target=shadow.take_profit, bid=quote.bid, ask=quote.ask
        )
        if exit_price is None:
            continue
        direction = 1 if shadow.side == "buy" else -1
        risk = abs(shadow.entry_price - shadow.stop_loss)
        shadow.status = ShadowTrade.Status.CLOSED
        shadow.exit_price = exit_price
        shadow.exit_reason = reason
        shadow.closed_at = quote.time
        shadow.r_multiple = ((exit_price - shadow.entry_price) * direction / risk).quantize(Decimal("0.0001"))
        shadow.save()
        closed += 1
    return closed


def _publish(row: Signal, kind: str, **body) -> None:
    events.publish_on_commit([{"type": kind, "user_id": row.user_id, **body}])


__all__ = [
    "Received",
    "journal_append",
    "journal_verify",
    "shadows_follow",
    "signal_dismiss",
    "signal_execute",
    "signal_receive",
]
