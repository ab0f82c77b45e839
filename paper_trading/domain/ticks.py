"""One tick's path, written once (docs/architecture.md, One tick's path).

`TickProcessor` runs a quote against a `TickStore`: the book says which entries it triggers,
they are grouped by account, each account gets the quote and a margin check and is saved
(re-indexing its book entries and re-banding its margin), and swap is booked for every daily
rollover the quote passed. The store decides where that lives: in memory (`domain.exchange`:
property tests, the engine benchmark, backtests) or in the database (`services.ticks`: the
worker and the manual feed), which adds one transaction per account.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from . import trading
from .errors import NoPrice
from .fills import Bar
from .quotes import Market, Quote
from .trading import Portfolio

log = logging.getLogger(__name__)


@dataclass
class TickResult:
    symbol: str
    bid: Decimal
    ask: Decimal
    time: datetime
    triggered: list[dict] = field(default_factory=list)  # what committed accounts did
    applied: list[int] = field(default_factory=list)  # accounts processed and committed, in order
    failed: list[dict] = field(default_factory=list)  # {account, code, message}: rolled back


class AccountUnit(Protocol):
    """One account as a store loaded it for a tick: its portfolio and whatever the store needs
    to write it back."""

    portfolio: Portfolio


class TickStore(Protocol):
    """Where the accounts, their tickets and the trigger book of a tick live."""

    tick_lock: Any  # held for the whole tick (ticks of one process in turn); None: one thread only

    def receive(self, quote: Quote) -> None:
        """Make `quote` the symbol's current price and bring the book up to date before it is
        asked (rows other processes changed)."""

    def due_rollover(self, now: datetime) -> datetime | None:
        """The next daily rollover at or before `now` that swap is still owed for, else None."""

    def holders(self, moment: datetime) -> Any:
        """A context manager yielding `(units, market)`: every account holding a position
        over the rollover `moment`, and the quotes to value its swap with."""

    def save_swap(self, unit: AccountUnit, market: Market, moment: datetime) -> None:
        """Write the swap just booked on `unit` (a failure skips that account alone)."""

    def rolled_over(self, moment: datetime) -> None:
        """Swap for `moment` is booked: the next rollover is the one after it."""

    def triggered(self, quote: Quote) -> set:
        """The book keys `quote` triggers: ticket ids and margin bands ("band", account id)."""

    def accounts_of(self, symbol: str, ticket_ids: Iterable[int]) -> dict[int, int]:
        """The account of each ticket id still known; unknown ids are dropped from the book."""

    def snapshot(self, quote: Quote, account_ids: Iterable[int]) -> Market:
        """Every quote the accounts' positions need (the ticked one, held symbols, conversion
        pairs), read once: the domain values the tick with this and nothing else."""

    def account_transaction(self) -> Any:
        """A context manager around one account's tick: what fails inside it is undone."""

    def load(self, account_id: int, *, focus: str | None, ticket_ids: set[int]) -> AccountUnit:
        """The account with `ticket_ids` loaded as tickets (`focus`: see PortfolioSession)."""

    def load_whole(self, unit: AccountUnit) -> AccountUnit:
        """The same account with every position loaded (a stop-out picks among them all)."""

    def forget(self, symbol: str, ticket_id: int) -> None:
        """Drop a book entry whose ticket is gone."""

    def save(self, unit: AccountUnit, market: Market) -> None:
        """Write the account back, re-index its book entries and re-band its margin."""

    def failed(self, account_id: int, quote: Quote, market: Market, exc: Exception) -> dict:
        """Put the account's book back as stored and report why it failed: {account, code,
        message}. Raises when no other account could be written either."""


AccountStep = Callable[..., list[dict]]


class TickProcessor:
    """The tick orchestration over one store.

    `account_step` replaces the per-account step (`apply_account`): the database path routes it
    through `TickPath.apply_tick_to_account`, which tests override to inject failures."""

    def __init__(self, store: TickStore, *, account_step: AccountStep | None = None):
        self.store = store
        self.account_step = account_step or self.apply_account

    def process(
        self,
        quote: Quote,
        *,
        bar: Bar | None = None,
        on_trigger: Callable[[], None] | None = None,
        result: TickResult | None = None,
    ) -> int:
        """Apply `quote` to every account it triggers; returns how many book entries it
        triggered. Committed and failed accounts go into `result` when one is given.

        `on_trigger` is called once, before any ticket changes, when the quote triggers something
        (the worker sends the price there, so clients hear it before the fills it caused)."""
        lock = self.store.tick_lock
        if lock is None:
            return self._process(quote, bar, on_trigger, result)
        with lock:
            return self._process(quote, bar, on_trigger, result)

    def _process(self, quote: Quote, bar, on_trigger, result) -> int:
        store = self.store
        store.receive(quote)
        if (moment := store.due_rollover(quote.time)) is not None:
            self.roll_over(moment, quote.time)
        keys = store.triggered(quote)
        if not keys:
            return 0
        if on_trigger is not None:
            on_trigger()
        by_account = self.group(quote.symbol, keys)
        market = store.snapshot(quote, by_account)
        for account_id, ticket_ids in sorted(by_account.items()):
            try:
                with store.account_transaction():
                    triggered = self.account_step(account_id, ticket_ids, quote, market, bar=bar)
            except Exception as exc:  # noqa: BLE001 - one account must never stop the others
                failure = store.failed(account_id, quote, market, exc)
                if result is not None:
                    result.failed.append(failure)
                continue
            if result is not None:
                result.applied.append(account_id)
                result.triggered.extend(triggered)
        return len(keys)

    def group(self, symbol: str, keys: set) -> dict[int, set[int]]:
        """Triggered book keys by account: its ticket ids (empty: only its margin band crossed)."""
        by_account: dict[int, set[int]] = {}
        tickets = []
        for key in keys:
            if isinstance(key, tuple):
                by_account.setdefault(key[1], set())
            else:
                tickets.append(key)
        for ticket_id, account_id in self.store.accounts_of(symbol, tickets).items():
            by_account.setdefault(account_id, set()).add(ticket_id)
        return by_account

    def apply_account(
        self, account_id: int, ticket_ids: set[int], quote: Quote, market: Market, *, bar: Bar | None = None
    ) -> list[dict]:
        """Apply `quote` to one account: fire the triggers of `ticket_ids`, check its margin,
        save. Returns what it triggered."""
        store = self.store
        # Load the triggered tickets (others only summed); a margin band alone loads all.
        unit = store.load(account_id, focus=quote.symbol if ticket_ids else None, ticket_ids=ticket_ids)
        pf = unit.portfolio
        tickets = sorted((t for t in pf.tickets if t.id in ticket_ids), key=lambda t: t.id)
        for missing in ticket_ids - {t.id for t in tickets}:
            store.forget(quote.symbol, missing)
        trading.apply_quote(pf, market, quote, tickets, bar=bar)
        triggered: list[dict] = []
        try:
            self._check_margin(pf, market, quote)
        except trading.PortfolioIncomplete:
            self._save(unit, market, triggered)
            unit = store.load_whole(unit)
            self._check_margin(unit.portfolio, market, quote)
        self._save(unit, market, triggered)
        return triggered

    def roll_over(self, moment: datetime | None, now: datetime) -> None:
        """Book swap for each rollover owed up to `now` (a weekend passes several), starting
        with `moment`."""
        while moment is not None:
            with self.store.holders(moment) as (units, market):
                for unit in units:
                    try:
                        trading.apply_rollover(unit.portfolio, market, moment)
                    except NoPrice:
                        log.warning(
                            "swap for account %s skipped at %s: no price", unit.portfolio.account.id, moment
                        )
                        continue
                    self.store.save_swap(unit, market, moment)
            self.store.rolled_over(moment)
            moment = self.store.due_rollover(now)

    @staticmethod
    def _check_margin(pf: Portfolio, market: Market, quote: Quote) -> None:
        """Margin call and stop-out at this quote; skipped (and logged) when another symbol the
        account holds has no price, so the ticked symbol's triggers still apply."""
        try:
            trading.check_margin(pf, market, quote.time)
        except NoPrice as exc:
            log.warning(
                "margin check of account %s skipped at the %s tick: %s", pf.account.id, quote.symbol, exc
            )

    def _save(self, unit: AccountUnit, market: Market, triggered: list[dict]) -> None:
        triggered.extend(
            {
                "trade": e.ticket.id if e.ticket else None,
                "event": e.type,
                "reason": e.reason,
                "account": unit.portfolio.account.id,
            }
            for e in unit.portfolio.events
        )
        self.store.save(unit, market)
