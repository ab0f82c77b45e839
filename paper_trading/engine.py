"""PaperTradingEngine: the services that change state.

Every state change follows one shape: lock the account row, load its portfolio, call the
pure domain, save atomically, and publish events after commit. A tick is a market event:
the trigger book says which tickets it touches, and only those accounts are loaded.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from time import monotonic

from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Min
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import events, representations, selectors
from .domain import trading
from .domain.errors import DomainError, InvalidInput, NoPrice, NotFound, StateConflict
from .domain.exchange import ticket_levels
from .domain.fills import Bar
from .domain.instruments import get_instrument
from .domain.margin import band_key, band_levels
from .domain.numbers import money, to_decimal
from .domain.orders import EntryType, Side, Status, TimeInForce
from .domain.quotes import make_quote
from .domain.sessions import next_rollover
from .domain.trading import OrderRequest, Portfolio
from .market import STATE, CachedMarket, publish_quote
from .models import (
    Account,
    AccountPeriod,
    EquitySnapshot,
    Fill,
    LedgerEntry,
    PaperTrade,
    PerformanceMetrics,
)
from .repository import (
    ACTIVE,
    SWAP_COLUMNS,
    PortfolioSession,
    account_state,
    lock_account,
    summarize_positions,
    ticket_from_row,
)

log = logging.getLogger(__name__)
SYNC_OVERLAP = timedelta(seconds=5)
SWAP_FIELDS = ["swap", "last_swap_at", "profit_loss", "updated_at"]  # all a rollover changes on a trade
ACCOUNT_SETTINGS = (  # what a trader may change on an account, besides its name
    "leverage",
    "mode",
    "slippage_pips",
    "commission_per_lot",
    "commission_pct",
    "max_risk_per_trade_pct",
    "max_portfolio_heat_pct",
    "max_daily_loss_pct",
    "auto_execute_signals",
    "min_signal_confidence",
    "default_risk_pct",
)
ACCOUNT_FIELDS = {"name", *ACCOUNT_SETTINGS}
# SQLite has no row locks: serialize the embedded default's writers in-process instead.
_SQLITE_WRITE_LOCK = threading.RLock()


@dataclass
class PlaceResult:
    trade: PaperTrade
    created: bool
    body: dict | None = None  # the trade as its event carried it (the REST body is the same object)
    # Without a body: every fill of a trade the order created (None: ask the database), and the
    # quotes the order saw, to render it from.
    fills: list | None = None
    market: CachedMarket | None = None


class _NoDefaultAccount(Exception):
    """The user has no default account yet: create it outside the order's transaction, retry."""


@dataclass
class TickResult:
    symbol: str
    bid: Decimal
    ask: Decimal
    time: datetime
    triggered: list[dict] = field(default_factory=list)  # what committed accounts did
    applied: list[int] = field(default_factory=list)  # accounts processed and committed, in order
    failed: list[dict] = field(default_factory=list)  # {account, code, message}: rolled back


def failure_code(exc: Exception) -> tuple[str, str]:
    """The code and message an account's failed tick is reported with (docs/api.md)."""
    if isinstance(exc, DomainError):
        return exc.code, exc.message
    # decimal.InvalidOperation: a figure beyond a column's digits (Django's check on SQLite);
    # SQLSTATE 22003: PostgreSQL's numeric field overflow.
    if isinstance(exc, InvalidOperation) or getattr(exc.__cause__, "sqlstate", None) == "22003":
        return "numeric_overflow", "A figure of this account exceeds what the database can store."
    return "processing_error", "Processing this account failed; see the server log."


def _write_lock():
    return _SQLITE_WRITE_LOCK if connection.vendor == "sqlite" else nullcontext()


@contextmanager
def locked_portfolio(
    account_id: int, *, focus: str | None = None, ticket_ids=frozenset(), positions_only=False
):
    """Lock the account row and load its active tickets (`focus`: see PortfolioSession)."""
    with _write_lock(), transaction.atomic():
        account = lock_account(account_id=account_id)
        session = PortfolioSession(account, focus=focus, ticket_ids=ticket_ids, positions_only=positions_only)
        yield session


def ensure_default_account(user) -> Account:
    """The user's default account, created (with its first period and deposit) on first use."""
    account = Account.objects.filter(user=user, is_default=True).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return open_account(user, name="Paper account", is_default=True)
    except IntegrityError:
        return Account.objects.get(user=user, is_default=True)


def open_account(
    user, *, initial_balance: Decimal = Decimal("10000.00"), is_default=False, **fields
) -> Account:
    now = timezone.now()
    with transaction.atomic():
        account = Account.objects.create(
            user=user,
            initial_balance=initial_balance,
            balance=initial_balance,
            is_default=is_default,
            **fields,
        )
        period = AccountPeriod.objects.create(
            account=account, number=1, initial_balance=initial_balance, started_at=now
        )
        account.period = period
        account.save(update_fields=["period"])
        LedgerEntry.objects.create(
            account=account,
            period=period,
            kind="deposit",
            amount=initial_balance,
            balance_after=initial_balance,
            created_at=now,
            note="initial deposit",
        )
        EquitySnapshot.objects.create(
            account=account, time=now, balance=initial_balance, equity=initial_balance
        )
    return account


def account_figures(account: Account, market=None, *, portfolio: Portfolio | None = None) -> dict:
    """Live balance, equity, unrealized P&L, margin used, free margin and margin level."""
    market = market or CachedMarket()
    pf = portfolio
    if pf is None:
        rows = PaperTrade.objects.filter(account=account, status=PaperTrade.Status.OPEN)
        pf = Portfolio(account_state(account), [ticket_from_row(r) for r in rows])
    used = pf.margin_used()
    try:
        unrealized = pf.unrealized(market)
    except NoPrice:
        unrealized = None
    equity = None if unrealized is None else account.balance + unrealized
    level = None if not used or equity is None else (equity / used * 100).quantize(Decimal("0.01"))
    return {
        "balance": account.balance,
        "equity": None if equity is None else money(equity),
        "unrealized_pnl": None if unrealized is None else money(unrealized),
        "margin_used": money(used),
        "free_margin": None if equity is None else money(equity - used),
        "margin_level": level,
    }


def report_account(user, account_id=None) -> Account:
    """The account a report is about: the user's `account_id` (404 if not theirs), or the default
    account, created on first use, when it is absent (docs/api.md, Reports)."""
    if account_id is None:
        return ensure_default_account(user)
    return selectors.account_for(user, account_id)


def _index_row(row: PaperTrade) -> None:
    """Register an active trade's trigger levels in this process's book, or drop a finished one."""
    if row.status in ACTIVE:
        ticket = ticket_from_row(row)
        STATE.upsert(row.symbol, row.pk, ticket_levels(ticket), ticket.expire_at)
    else:
        STATE.remove(row.symbol, row.pk)
    STATE.indexed[row.pk] = row.updated_at
    if row.status == PaperTrade.Status.OPEN:
        STATE.open_ids.add(row.pk)
    else:
        STATE.open_ids.discard(row.pk)


def client_order_hash(payload: dict) -> str:
    canonical = json.dumps({k: str(v) for k, v in sorted(payload.items()) if v is not None}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


class PaperTradingEngine:
    """Services scoped to one user (orders, closes, queries); ticks apply to every account."""

    def __init__(self, user=None, *, sync_every: float = 0.0, publish_every: float = 0.0):
        """`sync_every` / `publish_every` (seconds of wall time) let a fast replay skip the book
        sync query and the shared-quote write on most ticks; 0 (the default) does both on every
        tick, which is what live polling, the manual feed and the tests want."""
        self.user = user
        self.sync_every = sync_every
        self.publish_every = publish_every
        self._published: dict[str, float] = {}

    # ---- accounts -------------------------------------------------------------------------
    def get_account(self, account_id=None) -> Account:
        if account_id is None:
            return ensure_default_account(self.user)
        try:
            return Account.objects.get(pk=int(account_id), user=self.user)
        except (Account.DoesNotExist, ValueError, TypeError):
            raise NotFound("No such account.") from None

    def create_account(self, **fields) -> Account:
        ensure_default_account(self.user)
        initial = fields.pop("initial_balance", Decimal("10000.00"))
        return open_account(self.user, initial_balance=initial, **fields)

    def update_account(self, account_id, changes: dict) -> Account:
        unknown = set(changes) - ACCOUNT_FIELDS
        if unknown:
            raise InvalidInput("This field cannot be changed.", field=sorted(unknown)[0])
        account = self.get_account(account_id)
        with _write_lock(), transaction.atomic():
            account = Account.objects.select_for_update().get(pk=account.pk)
            if (
                "mode" in changes
                and changes["mode"] != account.mode
                and account.trades.filter(status__in=ACTIVE).exists()
            ):
                raise StateConflict(
                    "Close open trades and orders before changing the mode.", code="has_open_trades"
                )
            for name, value in changes.items():
                setattr(account, name, value)
            account.save()
        self._publish_account(account)
        return account

    def reset_account(self, account_id, initial_balance: Decimal | None = None) -> Account:
        """Close the current period (open trades at market, pending cancelled), keep it, start anew."""
        account = self.get_account(account_id)
        if initial_balance is not None and initial_balance <= 0:
            raise InvalidInput("Initial balance must be positive.", field="initial_balance")
        now = timezone.now()
        with locked_portfolio(account.pk) as session:
            trading.close_everything(session.portfolio, CachedMarket(), now)
            rows = session.save()
            account = session.account
            period = session.period
            period.ended_at = now
            period.final_balance = account.balance
            period.save()
            fresh = initial_balance if initial_balance is not None else account.initial_balance
            new_period = AccountPeriod.objects.create(
                account=account, number=period.number + 1, initial_balance=fresh, started_at=now
            )
            LedgerEntry.objects.create(
                account=account,
                period=new_period,
                kind="reset",
                amount=fresh,
                balance_after=fresh,
                created_at=now,
                note=f"period {new_period.number}",
            )
            account.initial_balance = fresh
            account.period = new_period
            account.balance = fresh
            account.margin_call = False
            account.realized_today = Decimal("0")
            account.save()
            EquitySnapshot.objects.create(account=account, time=now, balance=fresh, equity=fresh)
            self._after_save(session, rows)
        return account

    # ---- orders ---------------------------------------------------------------------------
    def execute_order(
        self,
        pair,
        order_type,
        entry_price=None,
        stop_loss=None,
        take_profit_1=None,
        lot_size=Decimal("0.01"),
        **kwargs,
    ) -> PaperTrade:
        """Market order (docs/architecture.md, Python API): `entry_price` is the price the caller
        saw (requested)."""
        return self.place(
            symbol=pair,
            side=order_type,
            entry_type="market",
            lot_size=lot_size,
            requested_price=entry_price,
            stop_loss=stop_loss,
            take_profit_1=take_profit_1,
            **kwargs,
        ).trade

    def place_order(
        self, symbol, side, entry_type="market", lot_size=Decimal("0.01"), **kwargs
    ) -> PaperTrade:
        return self.place(symbol=symbol, side=side, entry_type=entry_type, lot_size=lot_size, **kwargs).trade

    def place(
        self,
        *,
        symbol,
        side,
        entry_type="market",
        lot_size=Decimal("0.01"),
        account=None,
        now: datetime | None = None,
        **kwargs,
    ) -> PlaceResult:
        """Any entry order; idempotent on `client_order_id`."""
        req = self._order_request(symbol, side, entry_type, lot_size, kwargs)
        now = now or timezone.now()
        try:
            return self._place(req, account, now)
        except _NoDefaultAccount:
            ensure_default_account(self.user)
            return self._place(req, account, now)

    def _lock_own_account(self, account) -> Account:
        """Lock the user's account `account` (an id), or the default one: one query (another
        user's account is a 404, docs/api.md, Errors)."""
        if account is None:
            try:
                return lock_account(user_id=self.user.pk)
            except NotFound:
                raise _NoDefaultAccount from None
        try:
            account_id = int(account)
        except (ValueError, TypeError):
            raise NotFound("No such account.") from None
        return lock_account(account_id=account_id, user_id=self.user.pk)

    def _place(self, req: OrderRequest, account, now: datetime) -> PlaceResult:
        with _write_lock(), transaction.atomic():
            account_row = self._lock_own_account(account)
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
            if req.oco_with is not None:
                sibling = session.portfolio.find(req.oco_with)
                if sibling is None or sibling.status is not Status.PENDING:
                    raise InvalidInput(
                        "oco_with must be a pending order of the same account.", field="oco_with"
                    )
            market = CachedMarket()
            ticket = trading.place_order(session.portfolio, market, req, now)
            rows = session.save(extra_hash=fingerprint)
            if req.oco_with is not None:
                PaperTrade.objects.filter(pk=req.oco_with, oco_with__isnull=True).update(
                    oco_with_id=ticket.id
                )
            self._after_save(session, rows, market=market)
            body = session.rendered.get(ticket.id)
            return PlaceResult(
                session.row_for(ticket.id),
                True,
                # The fills matter only to a caller that renders the trade itself.
                fills=session.fills_of_new(ticket.id) if body is None else None,
                market=market,
                body=body,
            )

    def _order_request(self, symbol, side, entry_type, lot_size, kw) -> OrderRequest:
        instrument = get_instrument(symbol)
        try:
            etype = EntryType(str(entry_type).lower())
        except ValueError:
            raise InvalidInput("Must be market, limit, stop or stop_limit.", field="type") from None
        try:
            tif = TimeInForce(str(kw.get("time_in_force") or "GTC").upper())
        except ValueError:
            raise InvalidInput("Must be GTC, DAY, GTD, IOC or FOK.", field="time_in_force") from None

        def dec(name):
            return to_decimal(kw.get(name), field=name, allow_none=True)

        return OrderRequest(
            symbol=instrument.symbol,
            side=Side.parse(side, field="side"),
            lots=to_decimal(lot_size, field="lot_size"),
            entry_type=etype,
            price=dec("price"),
            limit_price=dec("limit_price"),
            stop_loss=dec("stop_loss"),
            take_profit_1=dec("take_profit_1"),
            take_profit_2=dec("take_profit_2"),
            take_profit_3=dec("take_profit_3"),
            trailing_stop_pips=dec("trailing_stop_pips"),
            breakeven_after_tp1=bool(kw.get("breakeven_after_tp1") or False),
            time_in_force=tif,
            expire_at=kw.get("expire_at"),
            oco_with=kw.get("oco_with"),
            client_order_id=kw.get("client_order_id") or None,
            requested_price=dec("requested_price"),
            max_deviation_pips=dec("max_deviation_pips"),
            signal_id=kw.get("signal_id") or None,
            signal_type=kw.get("signal_type") or None,
            signal_source=kw.get("signal_source") or None,
            notes=kw.get("notes") or "",
        )

    def _trade(self, trade_id) -> PaperTrade:
        try:
            return PaperTrade.objects.get(pk=int(trade_id), user=self.user)
        except (PaperTrade.DoesNotExist, ValueError, TypeError):
            raise NotFound("No such trade.") from None

    def close_position(self, trade_id, lot_size=None, exit_price=None, max_deviation_pips=None) -> PaperTrade:
        lots = to_decimal(lot_size, field="lot_size", allow_none=True)
        requested = to_decimal(exit_price, field="exit_price", allow_none=True)
        deviation = to_decimal(max_deviation_pips, field="max_deviation_pips", allow_none=True)

        def close(pf, market, ticket):
            trading.close_ticket(
                pf,
                market,
                ticket,
                timezone.now(),
                lots=lots,
                requested_price=requested,
                max_deviation_pips=deviation,
            )

        return self._change_trade(trade_id, close, gone="not_open", message="Trade is {status}, not open.")

    def cancel_order(self, trade_id) -> PaperTrade:
        return self._change_trade(
            trade_id,
            lambda pf, market, ticket: trading.cancel_ticket(pf, ticket, timezone.now()),
            gone="not_pending",
            message="Only pending orders can be cancelled; this one is {status}.",
        )

    def modify_trade(self, trade_id, changes: dict) -> PaperTrade:
        prices = {
            "stop_loss",
            "take_profit_1",
            "take_profit_2",
            "take_profit_3",
            "trailing_stop_pips",
            "price",
        }
        parsed = {
            name: to_decimal(value, field=name, allow_none=True) if name in prices else value
            for name, value in changes.items()
        }
        return self._change_trade(
            trade_id,
            lambda pf, market, ticket: trading.modify_ticket(pf, market, ticket, parsed, timezone.now()),
            gone="not_active",
            message="A {status} trade cannot be modified.",
        )

    def _change_trade(self, trade_id, operation, *, gone: str, message: str) -> PaperTrade:
        """Lock the trade's account, apply `operation(portfolio, market, ticket)`, save, publish.

        A trade that is no longer active is not loaded, so it answers 409 with `gone`.
        """
        trade = self._trade(trade_id)
        market = CachedMarket()
        with locked_portfolio(trade.account_id, focus=trade.symbol, ticket_ids={trade.pk}) as session:
            ticket = session.portfolio.find(trade.pk)
            if ticket is None:
                status = PaperTrade.objects.values_list("status", flat=True).get(pk=trade.pk)
                raise StateConflict(message.format(status=status), code=gone)
            operation(session.portfolio, market, ticket)
            rows = session.save()
            self._after_save(session, rows, market=market)
            return session.row_for(trade.pk)

    # ---- reports (the figures of GET trades/open_positions/, performance/, equity_curve/) ----
    def get_open_positions(self, account=None) -> list[dict]:
        """The user's open trades, newest first, each as the REST body renders it (live
        `current_price`, `unrealized_pips`, `unrealized_pnl`); `account`: one account only."""
        market = CachedMarket()
        return [
            representations.trade_dict(row, market, fills=list(row.fills.all()))
            for row in selectors.open_positions(self.user, account)
        ]

    def get_performance_summary(self, days=30, account=None) -> dict:
        """The performance report of the last `days` days (1..36500) of the account's current
        period (the default account if absent): the `performance/` figures as Decimals."""
        days = selectors.parse_days(days)
        chosen = report_account(self.user, account)
        return selectors.performance_summary(chosen, days, account_figures(chosen))

    def get_equity_curve(self, days=30, account=None) -> list[dict]:
        """`{time, balance, equity}` points of the last `days` days of the account's current
        period and one for now (the `equity_curve/` points, as datetimes and Decimals)."""
        days = selectors.parse_days(days)
        chosen = report_account(self.user, account)
        return selectors.equity_curve(chosen, days, account_figures(chosen))

    # ---- the tick path -------------------------------------------------------------------
    def process_tick(
        self,
        symbol,
        bid,
        ask,
        time: datetime | None = None,
        *,
        source: str = "manual",
        bar: Bar | None = None,
        on_trigger: Callable[[], None] | None = None,
    ) -> TickResult:
        """Apply one quote to every account: pending orders, SL/TP, trailing, expiry, margin.

        `on_trigger` is called once, before any trade changes, when the quote triggers something
        (the worker sends the price there, so clients hear it before the fills it caused)."""
        instrument = get_instrument(symbol)
        quote = make_quote(
            instrument.symbol,
            to_decimal(bid, field="bid"),
            to_decimal(ask, field="ask"),
            time or timezone.now(),
            source,
        )
        wall = monotonic()
        if wall - self._published.get(quote.symbol, -1e9) >= self.publish_every:
            publish_quote(quote)
            self._published[quote.symbol] = wall
        result = TickResult(quote.symbol, quote.bid, quote.ask, quote.time)
        with STATE.tick_lock:
            if wall - STATE.synced_wall.get(quote.symbol, -1e9) >= self.sync_every:
                self.sync_book(quote.symbol)
                STATE.synced_wall[quote.symbol] = wall
            if STATE.next_rollover is None:
                # This process's first quote: rollovers passed while no process was running are
                # still owed to the positions held over them.
                STATE.next_rollover = next_rollover(min(self._swap_owed_since() or quote.time, quote.time))
                if STATE.next_rollover <= quote.time:
                    self._rollover(quote.time, trust_book=False)
            elif quote.time >= STATE.next_rollover:
                self._rollover(quote.time)
            keys = STATE.triggered(quote.symbol, quote.bid, quote.ask, quote.time)
            if not keys:
                return result
            if on_trigger is not None:
                on_trigger()
            by_account: dict[int, set[int]] = defaultdict(set)
            for key in keys:
                if isinstance(key, tuple):
                    by_account.setdefault(key[1], set())
                else:
                    account_id = (
                        PaperTrade.objects.filter(pk=key).values_list("account_id", flat=True).first()
                    )
                    if account_id is None:
                        STATE.remove(quote.symbol, key)
                        STATE.open_ids.discard(key)
                    else:
                        by_account[account_id].add(key)
            # Other symbols at their last known price (cache, then database): one market per tick.
            market = CachedMarket({quote.symbol: quote}, stored=True)
            for account_id, trade_ids in sorted(by_account.items()):
                # One transaction per account: a failure rolls back that account alone (its
                # events are never sent) and the tick goes on with the next one.
                try:
                    with _write_lock(), transaction.atomic():
                        triggered = self.apply_tick_to_account(account_id, trade_ids, quote, market, bar=bar)
                except Exception as exc:  # noqa: BLE001 - one account must never stop the others
                    failure = self._account_failed(account_id, quote, market, exc)
                    if isinstance(exc, OperationalError | InterfaceError):
                        # The database refused or lost the connection: no other account could be
                        # written either. The caller retries; the book re-evaluates what is left.
                        raise
                    result.failed.append(failure)
                    continue
                result.applied.append(account_id)
                result.triggered.extend(triggered)
        return result

    def apply_tick_to_account(
        self, account_id: int, trade_ids: set[int], quote, market, *, bar: Bar | None = None
    ) -> list[dict]:
        """Apply `quote` to one account inside the caller's transaction: lock it, fire the
        triggers of `trade_ids` (empty: only its margin band was crossed), check its margin,
        save. Returns what it triggered."""
        account = lock_account(account_id=account_id)
        # Load the triggered trades (others only summed); a margin band alone loads all.
        focus = quote.symbol if trade_ids else None
        session = PortfolioSession(account, focus=focus, ticket_ids=trade_ids)
        pf = session.portfolio
        tickets = [t for t in pf.tickets if t.id in trade_ids]
        for missing in trade_ids - {t.id for t in tickets}:
            STATE.remove(quote.symbol, missing)
            STATE.open_ids.discard(missing)
        trading.apply_quote(pf, market, quote, tickets, bar=bar)
        triggered: list[dict] = []
        try:
            self._check_margin(pf, market, quote)
        except trading.PortfolioIncomplete:
            self._finish_tick(session, market, triggered)
            session = PortfolioSession(session.account)  # every position, same lock
            self._check_margin(session.portfolio, market, quote)
        self._finish_tick(session, market, triggered)
        return triggered

    @staticmethod
    def _check_margin(pf: Portfolio, market, quote) -> None:
        """Margin call and stop-out at this quote; skipped (and logged) when another symbol the
        account holds has no price anywhere, so the ticked symbol's triggers still apply."""
        try:
            trading.check_margin(pf, market, quote.time)
        except NoPrice as exc:
            log.warning(
                "margin check of account %s skipped at the %s tick: %s", pf.account.id, quote.symbol, exc
            )

    def _finish_tick(self, session: PortfolioSession, market, triggered: list[dict]) -> None:
        triggered.extend(
            {
                "trade": e.ticket.id if e.ticket else None,
                "event": e.type,
                "reason": e.reason,
                "account": session.account.pk,
            }
            for e in session.portfolio.events
        )
        rows = session.save()
        self._after_save(session, rows, market=market)

    def _account_failed(self, account_id: int, quote, market, exc: Exception) -> dict:
        """Log a failed account with its traceback, put its trades back in the book as the
        database has them (the rollback undid what the book had already learned), and say why."""
        log.error(
            "tick %s %s/%s failed for account %s; nothing was written for it",
            quote.symbol,
            quote.bid,
            quote.ask,
            account_id,
            exc_info=exc,
        )
        try:
            self._reload_account_book(account_id, market)
        except Exception:  # noqa: BLE001 - the database itself failed: resync every symbol next tick
            log.exception("could not reload the book of account %s; full resync at the next tick", account_id)
            STATE.synced_at.clear()
        code, message = failure_code(exc)
        return {"account": account_id, "code": code, "message": message}

    def _reload_account_book(self, account_id: int, market) -> None:
        """Index the account's active trades and its margin band from the database."""
        rows = PaperTrade.objects.filter(account_id=account_id, status__in=ACTIVE)
        for row in rows:
            _index_row(row)
        positions = summarize_positions(rows.filter(status=PaperTrade.Status.OPEN))
        self._reband(Portfolio(account_state(Account.objects.get(pk=account_id)), [], positions), market)

    def update_positions(self, quotes=None) -> list[TickResult]:
        """Re-run the tick path on the current quotes (or the given `{symbol: (bid, ask)}`)."""
        from .market import current_quote

        results = []
        symbols = quotes or {
            t["symbol"] for t in PaperTrade.objects.filter(status__in=ACTIVE).values("symbol")
        }
        for symbol in symbols:
            if quotes:
                bid, ask = quotes[symbol]
                results.append(self.process_tick(symbol, bid, ask))
            elif (quote := current_quote(symbol)) is not None:
                results.append(
                    self.process_tick(symbol, quote.bid, quote.ask, quote.time, source=quote.source)
                )
        return results

    def expire_orders(self, now: datetime | None = None) -> int:
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
                self._after_save(session, rows)
        return expired

    def snapshot_equity(self, now: datetime | None = None) -> int:
        """One EquitySnapshot per account holding positions (the equity curve and drawdown read
        these), and today's PerformanceMetrics balance/equity. Returns how many were taken."""
        now = now or timezone.now()
        account_ids = (
            PaperTrade.objects.filter(status=PaperTrade.Status.OPEN)
            .values_list("account_id", flat=True)
            .distinct()
        )
        market = CachedMarket()
        taken = 0
        for account in Account.objects.filter(pk__in=list(account_ids)):
            figures = account_figures(account, market)
            if figures["equity"] is None:
                continue
            EquitySnapshot.objects.create(
                account=account, time=now, balance=account.balance, equity=figures["equity"]
            )
            PerformanceMetrics.objects.update_or_create(
                account=account,
                date=now.date(),
                defaults={"balance": account.balance, "equity": figures["equity"]},
            )
            taken += 1
        return taken

    def sync_book(self, symbol: str) -> None:
        """Bring this process's trigger book up to date with rows other processes changed."""
        since = STATE.synced_at.get(symbol)
        started = timezone.now()
        rows = PaperTrade.objects.filter(symbol=symbol)
        if since is None:
            rows = rows.filter(status__in=ACTIVE)
        else:
            # The overlap re-reads recent rows (clock skew between processes); skip the versions
            # this process wrote and indexed itself.
            recent = rows.filter(updated_at__gte=since - SYNC_OVERLAP).values_list("id", "updated_at")
            changed = [pk for pk, updated in recent if STATE.indexed.get(pk) != updated]
            if not changed:
                STATE.synced_at[symbol] = started
                return
            rows = rows.filter(pk__in=changed)
        accounts = set()
        for row in rows:
            accounts.add(row.account_id)
            _index_row(row)
        for account_id in accounts:
            # Bands need the account's sums per (symbol, side), not its positions one by one.
            account = Account.objects.get(pk=account_id)
            positions = PaperTrade.objects.filter(account_id=account_id, status=PaperTrade.Status.OPEN)
            self._reband(
                Portfolio(account_state(account), [], summarize_positions(positions)), CachedMarket()
            )
        STATE.synced_at[symbol] = started

    def _reband(self, pf: Portfolio, market) -> None:
        key = band_key(pf.account.id)
        STATE.remove_everywhere(key)
        for symbol, levels in band_levels(pf, market).items():
            STATE.upsert(symbol, key, levels)

    @staticmethod
    def _swap_owed_since() -> datetime | None:
        """The earliest moment from which an open position may still owe swap: its last booked
        rollover, or its entry."""
        owed = PaperTrade.objects.filter(status=PaperTrade.Status.OPEN).aggregate(
            since=Min(Coalesce("last_swap_at", "entry_time"))
        )
        return owed["since"]

    def _rollover(self, now: datetime, *, trust_book: bool = True) -> None:
        """Book swap for each 17:00 New York passed since the last tick (a weekend passes several).

        `trust_book`: an empty book means no open positions. Not at a process's first quote, when
        the book holds only the symbols synced so far."""
        while STATE.next_rollover is not None and STATE.next_rollover <= now:
            moment = STATE.next_rollover
            if trust_book and not STATE.open_ids:
                # The synced book holds no open position: no swap is due anywhere, no query needed.
                STATE.next_rollover = next_rollover(now)
                return
            earliest = PaperTrade.objects.filter(status=PaperTrade.Status.OPEN).aggregate(Min("entry_time"))[
                "entry_time__min"
            ]
            if earliest is None or earliest >= moment:
                # Nobody held a position over this rollover: skip ahead (a tick years later costs one query).
                STATE.next_rollover = next_rollover(max(moment, min(earliest or now, now)))
                continue
            self._book_swaps(moment)
            STATE.next_rollover = next_rollover(moment)

    def _book_swaps(self, moment: datetime) -> None:
        """Swap for every position held over `moment`: every holding account locked in one query
        (in id order, as every other path locks one account), positions read in one query."""
        held = PaperTrade.objects.filter(status=PaperTrade.Status.OPEN, entry_time__lt=moment)
        account_ids = sorted(set(held.values_list("account_id", flat=True)))
        if not account_ids:
            return
        market = CachedMarket()
        with _write_lock(), transaction.atomic():
            accounts = (
                Account.objects.select_for_update(of=("self",))
                .select_related("period")
                .filter(pk__in=account_ids)
                .order_by("pk")
            )
            positions: dict[int, list[tuple]] = defaultdict(list)
            rows = PaperTrade.objects.filter(account_id__in=account_ids, status=PaperTrade.Status.OPEN)
            for values in rows.order_by("id").values_list(*SWAP_COLUMNS):
                positions[values[1]].append(values)  # SWAP_COLUMNS[1] is account_id
            for account in accounts:
                session = PortfolioSession(account, positions_only=True, preloaded=positions[account.pk])
                try:
                    trading.apply_rollover(session.portfolio, market, moment)
                except NoPrice:
                    log.warning("swap for account %s skipped at %s: no price", account.pk, moment)
                    continue
                try:
                    with transaction.atomic():  # one account's failure leaves the others' swap
                        session.save(fields=SWAP_FIELDS)
                except (OperationalError, InterfaceError):
                    raise
                except Exception:  # noqa: BLE001 - and must not block every later tick either
                    log.exception(
                        "swap for account %s at %s failed; nothing was written for it", account.pk, moment
                    )
                    continue
                # Levels did not move: only the margin bands (balance) and the owner's screen.
                self._reband(session.portfolio, market)
                self._publish_account(account, account_figures(account, market, portfolio=session.portfolio))

    # ---- after a save: book, snapshots, metrics, events ------------------------------------------
    def _after_save(self, session: PortfolioSession, rows: list[PaperTrade], market=None) -> None:
        market = market or CachedMarket()
        pf = session.portfolio
        account = session.account
        for row in rows:
            _index_row(row)
        self._reband(pf, market)
        outgoing = []
        closed_today = [r for r in rows if r.status == PaperTrade.Status.CLOSED and r.exit_time]
        if rows or pf.events:
            figures = account_figures(account, market, portfolio=pf)
            if figures["equity"] is not None and closed_today:
                EquitySnapshot.objects.create(
                    account=account, time=timezone.now(), balance=account.balance, equity=figures["equity"]
                )
            if closed_today:
                self._record_daily(account, closed_today, figures)
            by_id = {r.pk: r for r in rows}
            fills = self._event_fills(session, pf.events)
            for event in pf.events:
                if event.type == "margin_call":
                    outgoing.append(
                        {
                            "type": "margin_call",
                            "user_id": account.user_id,
                            "account": representations.account_dict(account, figures),
                        }
                    )
                    continue
                row = by_id.get(event.ticket.id) or session.rows.get(event.ticket.id)
                if row is None:
                    continue
                outgoing.append(
                    {
                        "type": event.type,
                        "user_id": account.user_id,
                        "account_id": account.pk,
                        "symbol": row.symbol,
                        "reason": event.reason,
                        "trade": self._rendered(session, row, market, fills.get(row.pk, [])),
                    }
                )
            outgoing.append(
                {
                    "type": "account_update",
                    "user_id": account.user_id,
                    "account": representations.account_dict(account, figures),
                }
            )
        pf.events.clear()
        events.publish_on_commit(outgoing)

    @staticmethod
    def _rendered(session: PortfolioSession, row: PaperTrade, market, fills: list) -> dict:
        """The trade as events and the REST answer show it, rendered once per operation."""
        body = session.rendered.get(row.pk)
        if body is None:
            body = session.rendered[row.pk] = representations.trade_dict(row, market, fills=fills)
        return body

    @staticmethod
    def _event_fills(session: PortfolioSession, portfolio_events) -> dict[int, list[Fill]]:
        """The fills of every trade an event carries (events show the REST trade, fills
        included): a new trade's from the session, the others' in one query."""
        ids = {e.ticket.id for e in portfolio_events if e.type != "margin_call" and e.ticket is not None}
        found: dict[int, list[Fill]] = {}
        older = []
        for trade_id in ids:
            new = session.fills_of_new(trade_id)
            if new is None:
                older.append(trade_id)
            else:
                found[trade_id] = new
        if older:
            for fill in Fill.objects.filter(trade_id__in=older).order_by("time", "id"):
                found.setdefault(fill.trade_id, []).append(fill)
        return found

    def _record_daily(self, account: Account, closed: list[PaperTrade], figures: dict) -> None:
        today = timezone.now().date()
        row, _ = PerformanceMetrics.objects.get_or_create(account=account, date=today)
        wins = sum(1 for r in closed if r.profit_loss > 0)
        losses = sum(1 for r in closed if r.profit_loss < 0)
        PerformanceMetrics.objects.filter(pk=row.pk).update(
            trades_closed=F("trades_closed") + len(closed),
            winning_trades=F("winning_trades") + wins,
            losing_trades=F("losing_trades") + losses,
            pnl=F("pnl") + sum((r.profit_loss for r in closed), Decimal(0)),
            pips=F("pips") + sum((r.pips_gained for r in closed), Decimal(0)),
            balance=account.balance,
            equity=figures["equity"] if figures["equity"] is not None else account.balance,
        )

    def _publish_account(self, account: Account, figures: dict | None = None) -> None:
        events.publish_on_commit(
            [
                {
                    "type": "account_update",
                    "user_id": account.user_id,
                    "account": representations.account_dict(account, figures or account_figures(account)),
                }
            ]
        )
