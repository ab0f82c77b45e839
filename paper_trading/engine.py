"""PaperTradingEngine: the Python API of docs/architecture.md (Python API), a thin facade.

Each method reads its loose arguments into the typed request of `domain/requests.py` (the same
mapping the REST serializers use) and calls one service (`paper_trading.services`) or selector;
orders, closes and queries are scoped to the engine's user, a tick applies to every account.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from . import selectors
from .domain.fills import Bar
from .domain.numbers import to_decimal
from .domain.quotes import Quote
from .domain.requests import close_request, modify_request, order_request
from .domain.ticks import TickResult
from .models import Account, PaperTrade
from .services import accounts, orders, trades
from .services.orders import PlaceResult
from .services.ticks import TickPath, loose_quote


class PaperTradingEngine:
    """Services scoped to one user (orders, closes, queries); ticks apply to every account."""

    def __init__(self, user=None, *, sync_every: float = 0.0, publish_every: float = 0.0):
        """`sync_every` / `publish_every`: see `TickPath`."""
        self.user = user
        self.ticks = TickPath(sync_every=sync_every, publish_every=publish_every)

    # ---- accounts -------------------------------------------------------------------------
    def get_account(self, account_id=None) -> Account:
        return accounts.account_ensure(user=self.user, account_id=account_id)

    def create_account(self, **fields) -> Account:
        """A new account with `fields` (those of `POST accounts/`; the rest take their defaults)."""
        return accounts.account_open(user=self.user, settings=accounts.account_settings(fields))

    def update_account(self, account_id, changes: dict) -> Account:
        return accounts.account_update(
            user=self.user, account_id=account_id, changes=accounts.account_settings(changes, changes=True)
        )

    def reset_account(self, account_id, initial_balance: Decimal | None = None) -> Account:
        return accounts.account_reset(
            user=self.user,
            account_id=account_id,
            initial_balance=to_decimal(initial_balance, field="initial_balance", allow_none=True),
        )

    # ---- orders ---------------------------------------------------------------------------
    def execute_order(
        self,
        pair,
        order_type,
        entry_price=None,
        stop_loss=None,
        take_profit_1=None,
        lot_size=Decimal("0.01"),
        **keywords,
    ) -> PaperTrade:
        """Market order (docs/architecture.md, Python API): `entry_price` is the price the caller
        saw (requested); `keywords` are those of `trades/execute/`."""
        return self.place(
            symbol=pair,
            side=order_type,
            entry_type="market",
            lot_size=lot_size,
            requested_price=entry_price,
            stop_loss=stop_loss,
            take_profit_1=take_profit_1,
            **keywords,
        ).trade

    def place_order(
        self, symbol, side, entry_type="market", lot_size=Decimal("0.01"), **keywords
    ) -> PaperTrade:
        """Any order type, as `POST orders/` places it; `keywords` are its fields."""
        return self.place(
            symbol=symbol, side=side, entry_type=entry_type, lot_size=lot_size, **keywords
        ).trade

    def place(
        self,
        *,
        symbol,
        side,
        entry_type="market",
        lot_size=Decimal("0.01"),
        account=None,
        now: datetime | None = None,
        **fields,
    ) -> PlaceResult:
        """Any entry order; `fields` are the rest of `domain.requests.ORDER_FIELDS`. Idempotent
        on `client_order_id`."""
        request = order_request(
            {"symbol": symbol, "side": side, "entry_type": entry_type, "lot_size": lot_size, **fields}
        )
        return orders.order_place(user=self.user, request=request, account_id=account, now=now)

    def close_position(self, trade_id, lot_size=None, exit_price=None, max_deviation_pips=None) -> PaperTrade:
        request = close_request(
            {"lot_size": lot_size, "exit_price": exit_price, "max_deviation_pips": max_deviation_pips}
        )
        return trades.trade_close(user=self.user, trade_id=trade_id, request=request)

    def cancel_order(self, trade_id) -> PaperTrade:
        return orders.order_cancel(user=self.user, trade_id=trade_id)

    def modify_trade(self, trade_id, changes: dict) -> PaperTrade:
        return trades.trade_modify(user=self.user, trade_id=trade_id, request=modify_request(changes))

    # ---- reports (the figures of GET trades/open_positions/, performance/, equity_curve/) ----
    def get_open_positions(self, account=None) -> list[dict]:
        """The user's open trades, newest first, each as the REST body renders it (live
        `current_price`, `unrealized_pips`, `unrealized_pnl`); `account`: one account only."""
        return selectors.open_position_bodies(self.user, account)

    def get_performance_summary(self, days=30, account=None) -> dict:
        """The performance report of the last `days` days (1..36500) of the account's current
        period (the default account if absent): the `performance/` figures as Decimals."""
        days = selectors.parse_days(days)
        chosen = accounts.account_ensure(user=self.user, account_id=account)
        return selectors.performance_summary(chosen, days)

    def get_equity_curve(self, days=30, account=None) -> list[dict]:
        """`{time, balance, equity}` points of the last `days` days of the account's current
        period and one for now (the `equity_curve/` points, as datetimes and Decimals)."""
        days = selectors.parse_days(days)
        chosen = accounts.account_ensure(user=self.user, account_id=account)
        return selectors.equity_curve(chosen, days)

    # ---- market events --------------------------------------------------------------------
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
        """Apply one quote to every account: pending orders, SL/TP, trailing, expiry, margin."""
        quote = loose_quote(symbol, bid, ask, time, source=source)
        return self.ticks.process_quote(quote, bar=bar, on_trigger=on_trigger)

    def process_quote(
        self, quote: Quote, *, bar: Bar | None = None, on_trigger: Callable[[], None] | None = None
    ) -> TickResult:
        """`process_tick` for a quote already made (the worker's and the manual feed's)."""
        return self.ticks.process_quote(quote, bar=bar, on_trigger=on_trigger)

    def apply_tick_to_account(
        self, account_id: int, trade_ids: set[int], quote, market, *, bar=None
    ) -> list[dict]:
        return self.ticks.apply_tick_to_account(account_id, trade_ids, quote, market, bar=bar)

    def update_positions(self, quotes=None) -> list[TickResult]:
        """Re-run the tick path on the current quotes (or the given `{symbol: (bid, ask)}`)."""
        return self.ticks.update_positions(quotes)

    def sync_book(self, symbol: str) -> None:
        self.ticks.sync_book(symbol)

    def expire_orders(self, now: datetime | None = None) -> int:
        return orders.orders_expire(now=now)

    def snapshot_equity(self, now: datetime | None = None) -> int:
        return accounts.equity_snapshot(now=now)
