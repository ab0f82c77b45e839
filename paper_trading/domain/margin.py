"""Margin bands: how far each symbol may move before an account's margin level needs a look.

Equity moves by at most (long + short units) x price move, so while bid stays above
`bid_low` and ask below `ask_high` the account cannot reach the next threshold. The
account's headroom is split across the symbols it holds, with a safety factor for the
conversion rate drifting, so independent moves on several symbols stay covered.
"""

from decimal import Decimal

from .errors import NoPrice
from .instruments import get_instrument
from .numbers import ZERO
from .quotes import Market, to_account_currency
from .trading import MARGIN_CALL_LEVEL, STOP_OUT_LEVEL, Portfolio

SAFETY = Decimal("0.5")
ALWAYS = Decimal("1e12")


def margin_bands(pf: Portfolio, market: Market) -> dict[str, tuple[Decimal, Decimal]]:
    """{symbol: (bid_low, ask_high)} for every symbol the account holds; empty without margin."""
    used = pf.margin_used()
    if not used:
        return {}
    threshold = STOP_OUT_LEVEL if pf.account.margin_call else MARGIN_CALL_LEVEL
    headroom = pf.equity(market) - used * threshold / 100
    units = pf.units_by_symbol()
    bands = {}
    for symbol, qty in units.items():
        quote = market.quote(symbol)
        if quote is None or headroom <= 0:
            bands[symbol] = (ALWAYS, ZERO)
            continue
        per_unit = to_account_currency(
            Decimal(1), get_instrument(symbol), pf.account.currency, market, price=quote.mid
        )
        band = headroom * SAFETY / len(units) / (qty * per_unit)
        bands[symbol] = (quote.bid - band, quote.ask + band)
    return bands


def band_key(account_id: int) -> tuple[str, int]:
    """The book key of an account's margin band (ticket keys are plain ids)."""
    return ("margin", account_id)


def band_levels(pf: Portfolio, market: Market) -> dict:
    """Book levels (bid_low, bid_high, ask_low, ask_high) of the account's band per symbol; when a
    conversion price is missing, every tick of the symbol looks (the band is "always")."""
    try:
        bands = margin_bands(pf, market)
    except NoPrice:
        bands = {symbol: (ALWAYS, ZERO) for symbol in pf.units_by_symbol()}
    return {symbol: (bid_low, None, None, ask_high) for symbol, (bid_low, ask_high) in bands.items()}
