"""The instrument registry (docs/domain.md, Instruments): data, not code branches."""

import tomllib
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import MappingProxyType

from .errors import InvalidInput, UnknownSymbol
from .numbers import is_multiple

D = Decimal
# The registry's data: one row per instrument (docs/domain.md, Instruments).
DATA_FILE = Path(__file__).with_name("instruments.toml")


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
    # Where the sim feed starts this symbol.
    start_price: Decimal = D("1")
    # Provider name -> its code for this symbol (absent: not covered), and the note for a code
    # that is a stand-in (e.g. a future for spot). Not part of equality or the symbols/ body.
    providers: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    proxies: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
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


# Keys of a row and how each is parsed; a key absent here is refused. Required keys are those
# without a default on Instrument, and the two below.
_PARSERS = {
    "symbol": "str",
    "description": "str",
    "asset_class": "str",
    "base_currency": "str",
    "quote_currency": "str",
    "pip_size": "decimal",
    "digits": "int",
    "contract_size": "decimal",
    "min_lot": "decimal",
    "lot_step": "decimal",
    "max_lot": "decimal",
    "default_spread_pips": "decimal",
    "max_leverage": "int",
    "swap_long_points": "decimal",
    "swap_short_points": "decimal",
    "trades_weekends": "bool",
    "min_price": "decimal",
    "max_price": "decimal",
    "start_price": "decimal",
    "providers": "codes",
    "proxies": "codes",
}
_OPTIONAL = {f.name for f in fields(Instrument) if f.init and f.default is not MISSING}
_OPTIONAL |= {f.name for f in fields(Instrument) if f.init and f.default_factory is not MISSING}
# start_price: the sim needs one for every symbol; max_leverage: the NFA cap (50 majors, 20 the
# rest) is a per-row decision, not a default to inherit by omission.
REQUIRED = (frozenset(_PARSERS) - _OPTIONAL) | {"start_price", "max_leverage"}


class InstrumentDataError(ValueError):
    """The instrument file is malformed; the message names the row and the key."""


def _parse(where: str, key: str, kind: str, value):
    if kind == "str" and isinstance(value, str) and value.strip():
        return value
    if kind == "int" and isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if kind == "bool" and isinstance(value, bool):
        return value
    if kind == "decimal" and isinstance(value, str):
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = None
        if number is not None and number.is_finite():
            return number
    if kind == "codes" and isinstance(value, dict):
        if all(isinstance(v, str) and v for v in value.values()):
            return MappingProxyType(dict(value))
    expected = {
        "str": "a non-empty string",
        "int": "a non-negative integer",
        "bool": "true or false",
        "decimal": 'a decimal written as a string (e.g. "0.0001")',
        "codes": "a table of provider = non-empty string",
    }[kind]
    raise InstrumentDataError(f"{where}: {key} must be {expected}, not {value!r}.")


def parse_instrument(row, index: int = 0) -> Instrument:
    """One row of the file as an Instrument; InstrumentDataError naming the row otherwise."""
    if not isinstance(row, dict):
        raise InstrumentDataError(f"instrument #{index + 1}: a row must be a table.")
    symbol = row.get("symbol")
    where = f"instrument {symbol!r}" if isinstance(symbol, str) else f"instrument #{index + 1}"
    unknown = sorted(set(row) - set(_PARSERS))
    if unknown:
        raise InstrumentDataError(f"{where}: unknown key(s) {', '.join(unknown)}.")
    missing = sorted(REQUIRED - set(row))
    if missing:
        raise InstrumentDataError(f"{where}: missing key(s) {', '.join(missing)}.")
    values = {key: _parse(where, key, _PARSERS[key], value) for key, value in row.items()}
    if normalize_symbol(values["symbol"]) != values["symbol"]:
        raise InstrumentDataError(f"{where}: symbol must be upper case letters and digits only.")
    for key in ("pip_size", "contract_size", "min_lot", "lot_step", "max_lot", "start_price"):
        if key in values and values[key] <= 0:
            raise InstrumentDataError(f"{where}: {key} must be positive.")
    instrument = Instrument(**values)
    if instrument.min_lot > instrument.max_lot:
        raise InstrumentDataError(f"{where}: min_lot is above max_lot.")
    if instrument.price_bounds_error(instrument.start_price, instrument.start_price):
        raise InstrumentDataError(f"{where}: start_price is outside min_price-max_price.")
    if set(instrument.proxies) - set(instrument.providers):
        raise InstrumentDataError(f"{where}: proxies name a provider without a code.")
    return instrument


def load_instruments(path: Path | str = DATA_FILE) -> dict[str, Instrument]:
    """The registry from a TOML file: symbol -> Instrument, in the file's order. Every row is
    checked here, so a bad file fails at import with a message naming the row, not mid-trade."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise InstrumentDataError(f"{path.name}: not valid TOML ({exc}).") from None
    unknown = sorted(set(data) - {"instrument"})
    if unknown:
        raise InstrumentDataError(f"{path.name}: unknown top-level key(s) {', '.join(unknown)}.")
    rows = data.get("instrument")
    if not isinstance(rows, list) or not rows:
        raise InstrumentDataError(f"{path.name}: no [[instrument]] rows.")
    registry: dict[str, Instrument] = {}
    for index, row in enumerate(rows):
        instrument = parse_instrument(row, index)
        if instrument.symbol in registry:
            raise InstrumentDataError(f"instrument {instrument.symbol!r}: listed twice.")
        registry[instrument.symbol] = instrument
    return registry


def normalize_symbol(symbol) -> str:
    """Accept `eurusd`, `EUR/USD`, `EUR_USD` and `EURUSD` alike."""
    if not isinstance(symbol, str):
        raise InvalidInput("A symbol is required.", field="symbol")
    return symbol.strip().upper().replace("/", "").replace("_", "").replace("-", "")


REGISTRY: dict[str, Instrument] = load_instruments()


def get_instrument(symbol) -> Instrument:
    key = normalize_symbol(symbol)
    try:
        return REGISTRY[key]
    except KeyError:
        raise UnknownSymbol(f"Unknown symbol {str(symbol)[:20]!r}.", field="symbol") from None


def find_pair(base: str, quote: str) -> Instrument | None:
    return REGISTRY.get(base + quote)


def provider_codes(provider: str, registry: Mapping[str, Instrument] | None = None) -> dict[str, str]:
    """Symbol -> `provider`'s code, for the symbols it carries (its symbol map)."""
    registry = REGISTRY if registry is None else registry
    return {s: i.providers[provider] for s, i in registry.items() if provider in i.providers}


def provider_proxies(provider: str, registry: Mapping[str, Instrument] | None = None) -> dict[str, str]:
    """Symbol -> `provider`'s note for the codes that stand in for another market."""
    registry = REGISTRY if registry is None else registry
    return {s: i.proxies[provider] for s, i in registry.items() if provider in i.proxies}
