"""The instrument registry (docs/domain.md, Instruments): data, not code branches."""

from dataclasses import dataclass, field
from decimal import Decimal

from .errors import InvalidInput, UnknownSymbol
from .numbers import is_multiple

D = Decimal
# NFA "major" currencies: pairs of two of these get 50:1, everything else 20:1.
NFA_MAJORS = frozenset({"USD", "EUR", "JPY", "GBP", "CHF", "CAD", "AUD", "NZD", "SEK", "NOK", "DKK"})


@dataclass(frozen=True, slots=True)
class Instrument:
    symbol: str
    description: str
    asset_class: str
    base_currency: str
    quote_currency: str
    pip_size: Decimal
    digits: int
    contract_size: Decimal
    min_lot: Decimal = D("0.01")
    lot_step: Decimal = D("0.01")
    max_lot: Decimal = D("100")
    default_spread_pips: Decimal = D("1.0")
    max_leverage: int = 50
    swap_long_points: Decimal = D("0")
    swap_short_points: Decimal = D("0")
    trades_weekends: bool = False
    # Sane price bounds: a quote outside them is refused wherever it comes from (a provider's
    # glitch, a mistyped manual tick); wide enough for any price seen in decades (docs/domain.md).
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    point: Decimal = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "point", D(1).scaleb(-self.digits))

    def price(self, value: Decimal) -> Decimal:
        """Round a price to the instrument's digits (for display and derived levels)."""
        return value.quantize(self.point)

    def pips(self, distance: Decimal) -> Decimal:
        return distance / self.pip_size

    def validate_lots(self, lots: Decimal, *, field: str = "lot_size") -> Decimal:
        """Off-grid lots are refused, not rounded silently (STYLE lesson 5). Valid lots come back
        at the step's scale ("0.1" -> 0.10), so a trade reads the same in every answer and event."""
        if lots <= 0:
            raise InvalidInput("Lot size must be positive.", field=field)
        if lots < self.min_lot:
            raise InvalidInput(f"Lot size must be at least {self.min_lot}.", field=field)
        if lots > self.max_lot:
            raise InvalidInput(f"Lot size must be at most {self.max_lot}.", field=field)
        if not is_multiple(lots, self.lot_step):
            raise InvalidInput(f"Lot size must be a multiple of {self.lot_step}.", field=field)
        return lots.quantize(self.lot_step)

    def price_bounds_error(self, bid: Decimal, ask: Decimal) -> tuple[str, str] | None:
        """(field, message) when bid or ask lies outside the instrument's sane bounds."""
        for name, value in (("bid", bid), ("ask", ask)):
            if (self.min_price is not None and value < self.min_price) or (
                self.max_price is not None and value > self.max_price
            ):
                return name, (
                    f"{self.symbol} {name} {value} is outside the sane range "
                    f"{self.min_price}-{self.max_price}."
                )
        return None

    def as_dict(self) -> dict:
        return {
            "symbol": self.symbol,
            "description": self.description,
            "asset_class": self.asset_class,
            "base_currency": self.base_currency,
            "quote_currency": self.quote_currency,
            "pip_size": str(self.pip_size),
            "digits": self.digits,
            "contract_size": str(self.contract_size),
            "min_lot": str(self.min_lot),
            "lot_step": str(self.lot_step),
            "max_lot": str(self.max_lot),
            "default_spread_pips": str(self.default_spread_pips),
            "max_leverage": self.max_leverage,
            "swap_long": str(self.swap_long_points),
            "swap_short": str(self.swap_short_points),
        }


def _fx(symbol, description, pip, digits, spread, swap_long, swap_short, bounds):
    base, quote = symbol[:3], symbol[3:]
    majors = base in NFA_MAJORS and quote in NFA_MAJORS
    return Instrument(
        symbol=symbol,
        description=description,
        asset_class="fx",
        base_currency=base,
        quote_currency=quote,
        pip_size=D(pip),
        digits=digits,
        contract_size=D(100000),
        default_spread_pips=D(spread),
        max_leverage=50 if majors else 20,
        swap_long_points=D(swap_long),
        swap_short_points=D(swap_short),
        min_price=D(bounds[0]),
        max_price=D(bounds[1]),
    )


# Swap points are per lot per night in points (10**-digits), MT5 style; typical retail values.
_INSTRUMENTS = [
    _fx("EURUSD", "Euro vs US Dollar", "0.0001", 5, "1.0", "-7.2", "2.1", ("0.5", "2.5")),
    _fx("GBPUSD", "British Pound vs US Dollar", "0.0001", 5, "1.4", "-3.9", "-1.6", ("0.5", "3")),
    _fx("AUDUSD", "Australian Dollar vs US Dollar", "0.0001", 5, "1.2", "-3.4", "-0.9", ("0.2", "1.5")),
    _fx("NZDUSD", "New Zealand Dollar vs US Dollar", "0.0001", 5, "1.6", "-2.8", "-1.2", ("0.2", "1.5")),
    _fx("USDJPY", "US Dollar vs Japanese Yen", "0.01", 3, "1.1", "12.4", "-25.1", ("50", "400")),
    _fx("EURJPY", "Euro vs Japanese Yen", "0.01", 3, "1.8", "8.1", "-19.7", ("50", "400")),
    _fx("GBPJPY", "British Pound vs Japanese Yen", "0.01", 3, "2.6", "10.2", "-24.3", ("50", "500")),
    _fx("USDCHF", "US Dollar vs Swiss Franc", "0.0001", 5, "1.4", "4.9", "-11.6", ("0.3", "2.5")),
    _fx("USDCAD", "US Dollar vs Canadian Dollar", "0.0001", 5, "1.6", "0.8", "-6.9", ("0.5", "2.5")),
    _fx("EURGBP", "Euro vs British Pound", "0.0001", 5, "1.3", "-5.6", "0.4", ("0.3", "1.5")),
    Instrument(
        symbol="XAUUSD",
        description="Spot Gold vs US Dollar",
        asset_class="metal",
        base_currency="XAU",
        quote_currency="USD",
        pip_size=D("0.1"),
        digits=2,
        contract_size=D(100),
        default_spread_pips=D("3.0"),
        max_leverage=20,
        swap_long_points=D("-45.0"),
        swap_short_points=D("18.0"),
        min_price=D("100"),
        max_price=D("50000"),
    ),
    Instrument(
        symbol="XAGUSD",
        description="Spot Silver vs US Dollar",
        asset_class="metal",
        base_currency="XAG",
        quote_currency="USD",
        pip_size=D("0.01"),
        digits=3,
        contract_size=D(5000),
        default_spread_pips=D("3.0"),
        max_leverage=20,
        swap_long_points=D("-6.0"),
        swap_short_points=D("1.5"),
        min_price=D("1"),
        max_price=D("1000"),
    ),
    Instrument(
        symbol="BTCUSD",
        description="Bitcoin vs US Dollar",
        asset_class="crypto",
        base_currency="BTC",
        quote_currency="USD",
        pip_size=D("1"),
        digits=2,
        contract_size=D(1),
        max_lot=D("50"),
        default_spread_pips=D("20"),
        max_leverage=20,
        swap_long_points=D("-2000"),
        swap_short_points=D("-2000"),
        trades_weekends=True,
        min_price=D("100"),
        max_price=D("10000000"),
    ),
    Instrument(
        symbol="ETHUSD",
        description="Ether vs US Dollar",
        asset_class="crypto",
        base_currency="ETH",
        quote_currency="USD",
        pip_size=D("0.1"),
        digits=2,
        contract_size=D(1),
        max_lot=D("500"),
        default_spread_pips=D("15"),
        max_leverage=20,
        swap_long_points=D("-150"),
        swap_short_points=D("-150"),
        trades_weekends=True,
        min_price=D("1"),
        max_price=D("1000000"),
    ),
]

REGISTRY: dict[str, Instrument] = {i.symbol: i for i in _INSTRUMENTS}


def normalize_symbol(symbol) -> str:
    """Accept `eurusd`, `EUR/USD`, `EUR_USD` and `EURUSD` alike."""
    if not isinstance(symbol, str):
        raise InvalidInput("A symbol is required.", field="symbol")
    return symbol.strip().upper().replace("/", "").replace("_", "").replace("-", "")


def get_instrument(symbol) -> Instrument:
    key = normalize_symbol(symbol)
    try:
        return REGISTRY[key]
    except KeyError:
        raise UnknownSymbol(f"Unknown symbol {str(symbol)[:20]!r}.", field="symbol") from None


def find_pair(base: str, quote: str) -> Instrument | None:
    return REGISTRY.get(base + quote)
