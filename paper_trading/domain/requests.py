"""The typed requests the services take, and the one mapping from field names to each.

An edge (a DRF input serializer, the `PaperTradingEngine` Python API) reads its loose input
into one of these through `order_request`, `close_request` or `modify_request`; the services
never see `**kwargs`. The field names are those of docs/api.md; the REST serializers rename
their wire names (`order_type`, `type`, `entry_price`) onto them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Final

from .errors import InvalidInput
from .instruments import get_instrument
from .numbers import to_decimal
from .orders import EntryType, Side, TimeInForce
from .trading import MODIFIABLE, OrderRequest


class Unset:
    """The value of a change that was not asked for (None is a change: it clears a level)."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Final = Unset()

#: The decimal fields of an order: prices, pips and deviations.
ORDER_DECIMALS = (
    "price",
    "limit_price",
    "stop_loss",
    "take_profit_1",
    "take_profit_2",
    "take_profit_3",
    "trailing_stop_pips",
    "requested_price",
    "max_deviation_pips",
)
#: The keyword names of an order, as `POST orders/` and `PaperTradingEngine.place` spell them.
ORDER_FIELDS = frozenset(
    {
        "symbol",
        "side",
        "entry_type",
        "lot_size",
        *ORDER_DECIMALS,
        "breakeven_after_tp1",
        "time_in_force",
        "expire_at",
        "oco_with",
        "client_order_id",
        "signal_id",
        "signal_type",
        "signal_source",
        "notes",
    }
)
_MODIFY_DECIMALS = frozenset(
    {"stop_loss", "take_profit_1", "take_profit_2", "take_profit_3", "trailing_stop_pips", "price"}
)


def _unknown(given: Mapping, known) -> str | None:
    extra = set(given) - set(known)
    return sorted(extra)[0] if extra else None


def order_request(given: Mapping[str, object]) -> OrderRequest:
    """An entry order from its fields (values typed or loose: "0.10", 1.1, "BUY", "limit").

    Absent fields take the defaults of docs/api.md (market, 0.01 lots, GTC); a name that is
    not an order field is a TypeError, as an unexpected keyword argument is.
    """
    name = _unknown(given, ORDER_FIELDS)
    if name is not None:
        raise TypeError(f"unexpected order field {name!r}")
    if not given.get("symbol"):
        raise InvalidInput("This field is required.", field="symbol")
    symbol = get_instrument(given["symbol"]).symbol
    try:
        entry_type = EntryType(str(given.get("entry_type") or "market").lower())
    except ValueError:
        raise InvalidInput("Must be market, limit, stop or stop_limit.", field="type") from None
    try:
        tif = TimeInForce(str(given.get("time_in_force") or "GTC").upper())
    except ValueError:
        raise InvalidInput("Must be GTC, DAY, GTD, IOC or FOK.", field="time_in_force") from None
    side = Side.parse(given.get("side"), field="side")
    lots = given.get("lot_size")
    lots = to_decimal(Decimal("0.01") if lots is None else lots, field="lot_size")
    prices = {name: to_decimal(given.get(name), field=name, allow_none=True) for name in ORDER_DECIMALS}
    return OrderRequest(
        symbol=symbol,
        side=side,
        lots=lots,
        entry_type=entry_type,
        breakeven_after_tp1=bool(given.get("breakeven_after_tp1") or False),
        time_in_force=tif,
        expire_at=given.get("expire_at"),
        oco_with=given.get("oco_with"),
        client_order_id=given.get("client_order_id") or None,
        signal_id=given.get("signal_id") or None,
        signal_type=given.get("signal_type") or None,
        signal_source=given.get("signal_source") or None,
        notes=given.get("notes") or "",
        **prices,
    )


@dataclass(frozen=True, slots=True)
class CloseRequest:
    """Close an open trade at market: all of it, or `lots` of it (docs/api.md, Closing)."""

    lots: Decimal | None = None
    requested_price: Decimal | None = None  # the price the caller saw (`exit_price`)
    max_deviation_pips: Decimal | None = None


def close_request(given: Mapping[str, object]) -> CloseRequest:
    """A close from `lot_size`, `exit_price` and `max_deviation_pips` (each optional)."""
    name = _unknown(given, ("lot_size", "exit_price", "max_deviation_pips"))
    if name is not None:
        raise TypeError(f"unexpected close field {name!r}")
    return CloseRequest(
        lots=to_decimal(given.get("lot_size"), field="lot_size", allow_none=True),
        requested_price=to_decimal(given.get("exit_price"), field="exit_price", allow_none=True),
        max_deviation_pips=to_decimal(
            given.get("max_deviation_pips"), field="max_deviation_pips", allow_none=True
        ),
    )


@dataclass(frozen=True, slots=True)
class ModifyRequest:
    """The changes to a trade's protective levels and notes, and to a pending order's price and
    expiry (docs/api.md, Modifying); a field left UNSET is not changed, None clears it."""

    stop_loss: Decimal | None | Unset = UNSET
    take_profit_1: Decimal | None | Unset = UNSET
    take_profit_2: Decimal | None | Unset = UNSET
    take_profit_3: Decimal | None | Unset = UNSET
    trailing_stop_pips: Decimal | None | Unset = UNSET
    breakeven_after_tp1: bool | Unset = UNSET
    notes: str | Unset = UNSET
    price: Decimal | None | Unset = UNSET
    expire_at: datetime | None | Unset = UNSET

    def changes(self) -> dict[str, object]:
        """The fields asked for, by name (what `trading.modify_ticket` applies)."""
        return {f.name: v for f in fields(self) if (v := getattr(self, f.name)) is not UNSET}


def modify_request(given: Mapping[str, object]) -> ModifyRequest:
    """The changes from their field names; a name that cannot be modified is refused."""
    name = _unknown(given, MODIFIABLE)
    if name is not None:
        raise InvalidInput("This field cannot be modified.", field=name)
    return ModifyRequest(
        **{
            name: to_decimal(value, field=name, allow_none=True) if name in _MODIFY_DECIMALS else value
            for name, value in given.items()
        }
    )
