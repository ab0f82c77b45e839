"""Risk-based position sizing: how many lots put a given share of equity at risk to the stop.

A result of 0 means not even the instrument's minimum lot fits the budget; the caller refuses
the order rather than trading more risk than the account allows.
"""

from decimal import Decimal

from .errors import InvalidInput
from .instruments import Instrument
from .numbers import ZERO, floor_to
from .quotes import Market, to_account_currency

HUNDRED = Decimal(100)
HALF = Decimal("0.5")


def risk_budget(equity: Decimal, risk_pct: Decimal) -> Decimal:
    """Money the trade may lose at its stop: equity x risk_pct / 100."""
    return equity * risk_pct / HUNDRED


def risk_per_lot(
    instrument: Instrument, *, entry: Decimal, stop_loss: Decimal, account_currency: str, market: Market
) -> Decimal:
    """Money one lot loses from entry to stop: |entry - stop| x contract_size, in account currency."""
    distance = abs(entry - stop_loss)
    if distance == 0:
        raise InvalidInput("The stop loss must differ from the entry price.", field="stop_loss")
    amount = distance * instrument.contract_size
    return to_account_currency(amount, instrument, account_currency, market, price=stop_loss)


def lots_for_risk(
    instrument: Instrument,
    *,
    equity: Decimal,
    risk_pct: Decimal,
    entry: Decimal,
    stop_loss: Decimal,
    account_currency: str,
    market: Market,
) -> Decimal:
    """Lots that risk `risk_pct` % of `equity` between entry and stop, floored to the lot step.

    Capped at the instrument's max lot; Decimal(0) when even the min lot would exceed the budget.
    """
    if risk_pct <= 0:
        raise InvalidInput("Risk per trade must be positive.", field="risk_pct")
    per_lot = risk_per_lot(
        instrument, entry=entry, stop_loss=stop_loss, account_currency=account_currency, market=market
    )
    lots = floor_to(risk_budget(equity, risk_pct) / per_lot, instrument.lot_step)
    if lots < instrument.min_lot:
        return ZERO
    return min(lots, instrument.max_lot)


def confidence_scaled(
    instrument: Instrument, lots: Decimal, *, confidence: Decimal | None, min_confidence: Decimal
) -> Decimal:
    """Scale risk-sized lots by signal confidence (0-100): 50 % of them at `min_confidence`,
    100 % at 100, linear between, floored to the lot step.

    Confidence is clamped into [min_confidence, 100]: whether a weak signal trades at all is
    the caller's decision. None means no confidence was given and leaves the lots unchanged.
    The result never drops below the min lot, which the unscaled size already fit.
    """
    if lots <= 0 or confidence is None:
        return lots
    confidence = min(max(confidence, min_confidence), HUNDRED)
    span = HUNDRED - min_confidence
    share = HALF + HALF * (confidence - min_confidence) / span if span > 0 else Decimal(1)
    return max(floor_to(lots * share, instrument.lot_step), instrument.min_lot)
