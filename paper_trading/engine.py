"""PaperTradingEngine: the Python API of docs/architecture.md (Python API), a thin facade.

Each method parses its loose arguments and calls one service (`paper_trading.services`);
orders, closes and queries are scoped to the engine's user, a tick applies to every account.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from . import representations, selectors
from .domain.errors import InvalidInput
from .domain.fills import Bar
from .domain.instruments import get_instrument
from .domain.numbers import to_decimal
from .domain.orders import EntryType, Side, TimeInForce
from .domain.quotes import Quote
from .domain.ticks import TickResult
from .domain.trading import OrderRequest
from .market import CachedMarket
from .models import Account, PaperTrade
from .services import accounts, orders, trades
from .services.common import account_figures
from .services.orders import PlaceResult
from .services.ticks import TickPath


class PaperTradingEngine:
    """Services scoped to one user (orders, closes, queries); ticks apply to every account."""

    def __init__(self, user=None, *, sync_every: float = 0.0, publish_every: float = 0.0):
        """`sync_every` / `publish_every`: see `TickPath`."""
        self.user = user
        self.ticks = TickPath(sync_every=sync_every, publish_every=publish_every)

    # ---- accounts -------------------------------------------------------------------------
    def get_account(self, account_id=None) -> Account:
        return accounts.account_of(self.user, account_id)

    def create_account(self, **fields) -> Account:
        accounts.account_ensure_default(self.user)
        initial = fields.pop("initial_balance", Decimal("10000.00"))
        return accounts.account_open(user=self.user, initial_balance=initial, **fields)

    def update_account(self, account_id, changes: dict) -> Account:
        return accounts.account_update(user=self.user, account_id=account_id, changes=changes)

    def reset_account(self, account_id, initial_balance: Decimal | None = None) -> Account:
        return accounts.account_reset(user=self.user, account_id=account_id, initial_balance=initial_balance)

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
        return orders.order_place(user=self.user, request=req, account_id=account, now=now)

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

    def close_position(self, trade_id, lot_size=None, exit_price=None, max_deviation_pips=None) -> PaperTrade:
        return trades.trade_close(
            user=self.user,
            trade_id=trade_id,
            lots=to_decimal(lot_size, field="lot_size", allow_none=True),
            requested_price=to_decimal(exit_price, field="exit_price", allow_none=True),
            max_deviation_pips=to_decimal(max_deviation_pips, field="max_deviation_pips", allow_none=True),
        )

    def cancel_order(self, trade_id) -> PaperTrade:
        return orders.order_cancel(user=self.user, trade_id=trade_id)

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
        return trades.trade_modify(user=self.user, trade_id=trade_id, changes=parsed)

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
        chosen = accounts.account_of(self.user, account)
        return selectors.performance_summary(chosen, days, account_figures(chosen))

    def get_equity_curve(self, days=30, account=None) -> list[dict]:
        """`{time, balance, equity}` points of the last `days` days of the account's current
        period and one for now (the `equity_curve/` points, as datetimes and Decimals)."""
        days = selectors.parse_days(days)
        chosen = accounts.account_of(self.user, account)
        return selectors.equity_curve(chosen, days, account_figures(chosen))

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
        return self.ticks.process_tick(symbol, bid, ask, time, source=source, bar=bar, on_trigger=on_trigger)

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
