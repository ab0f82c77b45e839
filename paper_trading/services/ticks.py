"""The tick path: one quote applied to every account it triggers, the trigger book kept in
step with the database, and the daily rollover's swap."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from time import monotonic

from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Min
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..domain import trading
from ..domain.errors import DomainError, NoPrice
from ..domain.fills import Bar
from ..domain.instruments import get_instrument
from ..domain.numbers import to_decimal
from ..domain.quotes import make_quote
from ..domain.sessions import next_rollover
from ..domain.trading import Portfolio
from ..market import STATE, CachedMarket, publish_quote
from ..models import Account, PaperTrade
from ..persistence import (
    ACTIVE,
    SWAP_COLUMNS,
    PortfolioSession,
    account_state,
    lock_account,
    summarize_positions,
)
from .common import account_figures, after_save, index_row, publish_account, reband, write_lock

log = logging.getLogger(__name__)
SYNC_OVERLAP = timedelta(seconds=5)
SWAP_FIELDS = ["swap", "last_swap_at", "profit_loss", "updated_at"]  # all a rollover changes on a trade


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


class TickPath:
    """The tick path of one process: which quotes it publishes and how often it syncs the book."""

    def __init__(self, *, sync_every: float = 0.0, publish_every: float = 0.0):
        """`sync_every` / `publish_every` (seconds of wall time) let a fast replay skip the book
        sync query and the shared-quote write on most ticks; 0 (the default) does both on every
        tick, which is what live polling, the manual feed and the tests want."""
        self.sync_every = sync_every
        self.publish_every = publish_every
        self._published: dict[str, float] = {}

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
                    with write_lock(), transaction.atomic():
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
        after_save(session, rows, market=market)

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
            index_row(row)
        positions = summarize_positions(rows.filter(status=PaperTrade.Status.OPEN))
        reband(Portfolio(account_state(Account.objects.get(pk=account_id)), [], positions), market)

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
            index_row(row)
        for account_id in accounts:
            # Bands need the account's sums per (symbol, side), not its positions one by one.
            account = Account.objects.get(pk=account_id)
            positions = PaperTrade.objects.filter(account_id=account_id, status=PaperTrade.Status.OPEN)
            reband(Portfolio(account_state(account), [], summarize_positions(positions)), CachedMarket())
        STATE.synced_at[symbol] = started

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
        with write_lock(), transaction.atomic():
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
                reband(session.portfolio, market)
                publish_account(account, account_figures(account, market, portfolio=session.portfolio))
