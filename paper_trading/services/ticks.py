"""The tick path: one quote applied to every account it triggers, the trigger book kept in
step with the database, and the daily rollover's swap."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import InvalidOperation
from time import monotonic

from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Min
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..domain.errors import DomainError
from ..domain.fills import Bar
from ..domain.instruments import get_instrument
from ..domain.numbers import to_decimal
from ..domain.quotes import Market, Quote, QuoteBoard, checked_quote, symbols_needed
from ..domain.sessions import next_rollover
from ..domain.ticks import TickProcessor, TickResult
from ..domain.trading import Portfolio
from ..market import STATE, current_quote, publish_quote, quote_snapshot
from ..models import Account, PaperTrade
from ..persistence import (
    ACTIVE,
    SWAP_COLUMNS,
    PortfolioSession,
    account_state,
    lock_account,
    summarize_positions,
)
from ..selectors import account_figures
from .common import after_save, index_row, publish_account, reband, write_lock
from .signals import shadows_follow

log = logging.getLogger(__name__)
SYNC_OVERLAP = timedelta(seconds=5)
SWAP_FIELDS = ["swap", "last_swap_at", "profit_loss", "updated_at"]  # all a rollover changes on a trade


def failure_code(exc: Exception) -> tuple[str, str]:
    """The code and message an account's failed tick is reported with (docs/api.md)."""
    if isinstance(exc, DomainError):
        return exc.code, exc.message
    # decimal.InvalidOperation: a figure beyond a column's digits (Django's check on SQLite);
    # SQLSTATE 22003: PostgreSQL's numeric field overflow.
    if isinstance(exc, InvalidOperation) or getattr(exc.__cause__, "sqlstate", None) == "22003":
        return "numeric_overflow", "A figure of this account exceeds what the database can store."
    return "processing_error", "Processing this account failed; see the server log."


def loose_quote(symbol, bid, ask, time: datetime | None = None, *, source: str = "manual") -> Quote:
    """A `Quote` from loose values (strings, numbers; no time: now), checked by `process_quote`."""
    instrument = get_instrument(symbol)
    return Quote(
        instrument.symbol,
        to_decimal(bid, field="bid"),
        to_decimal(ask, field="ask"),
        time or timezone.now(),
        source,
    )


class TickPath:
    """The database store of the tick processor (`domain.ticks`), for one process: the worker,
    the manual feed and `PaperTradingEngine.process_tick`. Each account is written in its own
    transaction; the trigger book is this process's `STATE`, kept in step with the rows."""

    def __init__(self, *, sync_every: float = 0.0, publish_every: float = 0.0):
        """`sync_every` / `publish_every` (seconds of wall time) let a fast replay skip the book
        sync query and the shared-quote write on most ticks; 0 (the default) does both on every
        tick, which is what live polling, the manual feed and the tests want."""
        self.sync_every = sync_every
        self.publish_every = publish_every
        self._published: dict[str, float] = {}
        self._trust_book = True
        self.tick_lock = STATE.tick_lock
        self.processor = TickProcessor(self, account_step=self.apply_tick_to_account)

    def process_tick(self, symbol, bid, ask, time: datetime | None = None, *, source: str = "manual"):
        """`process_quote` for loose values (strings, numbers; no time: now)."""
        return self.process_quote(loose_quote(symbol, bid, ask, time, source=source))

    def process_quote(
        self, quote: Quote, *, bar: Bar | None = None, on_trigger: Callable[[], None] | None = None
    ) -> TickResult:
        """Apply one quote to every account: pending orders, SL/TP, trailing, expiry, margin.

        `on_trigger` is called once, before any trade changes, when the quote triggers something
        (the worker sends the price there, so clients hear it before the fills it caused)."""
        quote = checked_quote(quote)
        result = TickResult(quote.symbol, quote.bid, quote.ask, quote.time)
        self.processor.process(quote, bar=bar, on_trigger=on_trigger, result=result)
        shadows_follow(quote)
        return result

    def apply_tick_to_account(
        self, account_id: int, trade_ids: set[int], quote: Quote, market: Market, *, bar: Bar | None = None
    ) -> list[dict]:
        """Apply `quote` to one account inside the caller's transaction: lock it, fire the
        triggers of `trade_ids` (empty: only its margin band was crossed), check its margin,
        save. Returns what it triggered."""
        return self.processor.apply_account(account_id, trade_ids, quote, market, bar=bar)

    # ---- the store (domain.ticks.TickStore) ---------------------------------------------------
    def receive(self, quote: Quote) -> None:
        wall = monotonic()
        if wall - self._published.get(quote.symbol, -1e9) >= self.publish_every:
            publish_quote(quote)
            self._published[quote.symbol] = wall
        if wall - STATE.synced_wall.get(quote.symbol, -1e9) >= self.sync_every:
            self.sync_book(quote.symbol)
            STATE.synced_wall[quote.symbol] = wall
        self._trust_book = STATE.next_rollover is not None
        if STATE.next_rollover is None:
            # This process's first quote: rollovers passed while no process was running are
            # still owed to the positions held over them (and the book holds only the symbols
            # synced so far, so an empty one proves nothing).
            STATE.next_rollover = next_rollover(min(self._swap_owed_since() or quote.time, quote.time))

    def due_rollover(self, now: datetime) -> datetime | None:
        while STATE.next_rollover is not None and STATE.next_rollover <= now:
            moment = STATE.next_rollover
            if self._trust_book and not STATE.open_ids:
                # The synced book holds no open position: no swap is due anywhere, no query needed.
                STATE.next_rollover = next_rollover(now)
                return None
            earliest = PaperTrade.objects.filter(status=PaperTrade.Status.OPEN).aggregate(Min("entry_time"))[
                "entry_time__min"
            ]
            if earliest is None or earliest >= moment:
                # Nobody held a position over this rollover: skip ahead (a tick years later costs one query).
                STATE.next_rollover = next_rollover(max(moment, min(earliest or now, now)))
                continue
            return moment
        return None

    def rolled_over(self, moment: datetime) -> None:
        STATE.next_rollover = next_rollover(moment)

    @contextmanager
    def holders(self, moment: datetime):
        """Every account holding a position over `moment`, locked in one query (in id order, as
        every other path locks one account), positions read in one query."""
        held = PaperTrade.objects.filter(status=PaperTrade.Status.OPEN, entry_time__lt=moment)
        account_ids = sorted(set(held.values_list("account_id", flat=True)))
        if not account_ids:
            yield [], QuoteBoard()
            return
        with write_lock(), transaction.atomic():
            accounts = list(
                Account.objects.select_for_update(of=("self",))
                .select_related("period")
                .filter(pk__in=account_ids)
                .order_by("pk")
            )
            positions: dict[int, list[tuple]] = defaultdict(list)
            rows = PaperTrade.objects.filter(account_id__in=account_ids, status=PaperTrade.Status.OPEN)
            for values in rows.order_by("id").values_list(*SWAP_COLUMNS):
                positions[values[1]].append(values)  # SWAP_COLUMNS[1] is account_id
            symbol_at = SWAP_COLUMNS.index("symbol")
            needed = set()
            for account in accounts:
                needed |= symbols_needed(account.currency, {v[symbol_at] for v in positions[account.pk]})
            yield (
                (
                    PortfolioSession(account, positions_only=True, preloaded=positions[account.pk])
                    for account in accounts
                ),
                quote_snapshot(needed),
            )

    def save_swap(self, session: PortfolioSession, market: Market, moment: datetime) -> None:
        account = session.account
        try:
            with transaction.atomic():  # one account's failure leaves the others' swap
                session.save(fields=SWAP_FIELDS)
        except (OperationalError, InterfaceError):
            raise
        except Exception:  # noqa: BLE001 - and must not block every later tick either
            log.exception(
                "swap for account %s at %s failed; nothing was written for it",
                account.pk,
                moment,
            )
            return
        # Levels did not move: only the margin bands (balance) and the owner's screen.
        reband(session.portfolio, market)
        publish_account(account, account_figures(account, market, portfolio=session.portfolio))

    def triggered(self, quote: Quote) -> set:
        return STATE.triggered(quote.symbol, quote.bid, quote.ask, quote.time)

    def accounts_of(self, symbol: str, ticket_ids) -> dict[int, int]:
        ids = list(ticket_ids)
        found = dict(PaperTrade.objects.filter(pk__in=ids).values_list("id", "account_id")) if ids else {}
        for missing in set(ids) - found.keys():
            self.forget(symbol, missing)
        return found

    def snapshot(self, quote: Quote, account_ids) -> Market:
        """Other symbols at their last known price (cache, then database): one market per tick."""
        held = (
            PaperTrade.objects.filter(account_id__in=list(account_ids), status__in=ACTIVE)
            .values_list("account__currency", "symbol")
            .distinct()
        )
        needed = {quote.symbol}
        for currency, symbol in held:
            needed |= symbols_needed(currency, {symbol, quote.symbol})
        return quote_snapshot(needed, given=quote, stored=True)

    @contextmanager
    def account_transaction(self):
        # One transaction per account: a failure rolls back that account alone (its events are
        # never sent) and the tick goes on with the next one.
        with write_lock(), transaction.atomic():
            yield

    def load(self, account_id: int, *, focus: str | None, ticket_ids: set[int]) -> PortfolioSession:
        return PortfolioSession(lock_account(account_id=account_id), focus=focus, ticket_ids=ticket_ids)

    def load_whole(self, session: PortfolioSession) -> PortfolioSession:
        return PortfolioSession(session.account)  # every position, same lock

    def forget(self, symbol: str, ticket_id: int) -> None:
        STATE.remove(symbol, ticket_id)
        STATE.open_ids.discard(ticket_id)

    def save(self, session: PortfolioSession, market: Market) -> None:
        rows = session.save()
        after_save(session, rows, market=market)

    def failed(self, account_id: int, quote: Quote, market: Market, exc: Exception) -> dict:
        failure = self._account_failed(account_id, quote, market, exc)
        if isinstance(exc, OperationalError | InterfaceError):
            # The database refused or lost the connection: no other account could be written
            # either. The caller retries; the book re-evaluates what is left.
            raise exc
        return failure

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
        results = []
        symbols = quotes or {
            t["symbol"] for t in PaperTrade.objects.filter(status__in=ACTIVE).values("symbol")
        }
        for symbol in symbols:
            if quotes:
                bid, ask = quotes[symbol]
                results.append(self.process_tick(symbol, bid, ask))
            elif (quote := current_quote(symbol)) is not None:
                results.append(self.process_quote(quote))
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
            held = PaperTrade.objects.filter(account_id=account_id, status=PaperTrade.Status.OPEN)
            positions = summarize_positions(held)
            market = quote_snapshot(symbols_needed(account.currency, {p.symbol for p in positions}))
            reband(Portfolio(account_state(account), [], positions), market)
        STATE.synced_at[symbol] = started

    @staticmethod
    def _swap_owed_since() -> datetime | None:
        """The earliest moment from which an open position may still owe swap: its last booked
        rollover, or its entry."""
        owed = PaperTrade.objects.filter(status=PaperTrade.Status.OPEN).aggregate(
            since=Min(Coalesce("last_swap_at", "entry_time"))
        )
        return owed["since"]
