"""Position arithmetic: pips, P&L, unrealized values and R multiples (docs/domain.md, Pips and P&L)."""

from decimal import Decimal

from .instruments import Instrument
from .numbers import ZERO
from .orders import Ticket
from .quotes import Market, Quote, to_account_currency


def pips_between(instrument: Instrument, entry: Decimal, exit_: Decimal, direction: int) -> Decimal:
    """pips = (exit - entry) x direction / pip_size."""
    return (exit_ - entry) * direction / instrument.pip_size


def pnl_quote(
    instrument: Instrument, entry: Decimal, exit_: Decimal, direction: int, lots: Decimal
) -> Decimal:
    """P&L in the quote currency = (exit - entry) x direction x lots x contract_size."""
    return (exit_ - entry) * direction * lots * instrument.contract_size


def pnl_account(
    instrument: Instrument,
    entry: Decimal,
    exit_: Decimal,
    direction: int,
    lots: Decimal,
    account_currency: str,
    market: Market,
) -> Decimal:
    """P&L converted to the account currency at the rate at `exit_` (unquantized)."""
    amount = pnl_quote(instrument, entry, exit_, direction, lots)
    return to_account_currency(amount, instrument, account_currency, market, price=exit_)


def notional_account(
    instrument: Instrument, lots: Decimal, price: Decimal, account_currency: str, market: Market
) -> Decimal:
    """lots x contract_size x price, in the account currency."""
    amount = lots * instrument.contract_size * price
    return to_account_currency(amount, instrument, account_currency, market, price=price)


def margin_for(
    instrument: Instrument,
    lots: Decimal,
    price: Decimal,
    leverage: int,
    account_currency: str,
    market: Market,
) -> Decimal:
    """Margin = lots x contract_size x price / leverage, in the account currency."""
    return notional_account(instrument, lots, price, account_currency, market) / leverage


def mark_price(ticket: Ticket, quote: Quote) -> Decimal:
    """A buy position is valued at bid, a sell at ask."""
    return quote.bid if ticket.direction > 0 else quote.ask


def unrealized(ticket: Ticket, instrument: Instrument, quote: Quote, account_currency: str, market: Market):
    """(pips, P&L in account currency) of the open lots at the current quote."""
    price = mark_price(ticket, quote)
    pips = pips_between(instrument, ticket.entry_price, price, ticket.direction)
    pnl = pnl_account(
        instrument, ticket.entry_price, price, ticket.direction, ticket.lots, account_currency, market
    )
    return pips, pnl


def risk_units(entry: Decimal, stop: Decimal, direction: int, lots: Decimal) -> tuple[Decimal, Decimal]:
    """What open risk is summed from (docs/domain.md §7, "Portfolio heat"): lots x stop distance,
    and the same divided by the stop; both 0 once the stop is at or beyond break-even. They add up
    over the positions of one (symbol, side), so an exposure keeps their sums, not the positions."""
    distance = (entry - stop) * direction
    if distance <= 0:
        return ZERO, ZERO
    units = distance * lots
    return units, units / stop


def risk_of_units(
    instrument: Instrument, units: Decimal, units_per_stop: Decimal, account_currency: str, market: Market
) -> Decimal:
    """Money lost if every stop is hit, from summed `risk_units`: x contract_size, converted at each
    stop (what the per-stop sum is for when the account currency is the base currency)."""
    if instrument.base_currency == account_currency != instrument.quote_currency:
        return units_per_stop * instrument.contract_size
    amount = units * instrument.contract_size
    return to_account_currency(amount, instrument, account_currency, market, price=Decimal(1))


def risk_amount(
    instrument: Instrument,
    entry: Decimal,
    stop: Decimal | None,
    direction: int,
    lots: Decimal,
    account_currency: str,
    market: Market,
) -> Decimal | None:
    """Money lost if the stop is hit: |entry - SL| x lots x contract_size, converted; 0 once the
    stop is at or beyond break-even; None without a stop."""
    if stop is None:
        return None
    units, per_stop = risk_units(entry, stop, direction, lots)
    if not units:
        return ZERO
    return risk_of_units(instrument, units, per_stop, account_currency, market)


def reward_risk(
    entry: Decimal, stop: Decimal | None, target: Decimal | None, direction: int
) -> Decimal | None:
    """Planned R:R = distance to the first target over distance to the stop."""
    if stop is None or target is None:
        return None
    risk = (entry - stop) * direction
    reward = (target - entry) * direction
    if risk <= 0:
        return None
    return reward / risk
