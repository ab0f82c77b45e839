"""The symbol resolver (docs/signals.md, Symbols): the spellings charting platforms and brokers
use for a symbol of the registry — `OANDA:EURUSD`, `EUR/USD`, `EURUSD.pro`, `GOLD`,
`BINANCE:BTCUSDT`, `BTCUSDT.P` — and a user's own aliases, checked first."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping

from .errors import UnknownSymbol
from .instruments import REGISTRY, Instrument

# Names that are not a symbol spelled another way.
NICKNAMES = {"GOLD": "XAUUSD", "SILVER": "XAGUSD", "BITCOIN": "BTCUSD", "ETHER": "ETHUSD"}
# A crypto pair quoted in a dollar stablecoin is the registry's USD pair.
STABLECOINS = ("USDT", "USDC", "BUSD", "FDUSD", "TUSD")
# What brokers and exchanges append: `.a`, `.pro`, `#`, `-ECN`, `m`, `.P` (a perpetual), `PERP`.
_SUFFIX = re.compile(r"(?:[.#_-][A-Z0-9]{0,6}|PERP|M|I|C)$")
_SEPARATORS = re.compile(r"[/_\-\s]")
MAX_SUGGESTIONS = 3


def _candidates(text: str) -> list[str]:
    """The spellings to look up, most literal first."""
    upper = text.strip().upper()
    if ":" in upper:  # an exchange or data-vendor prefix: FX:, OANDA:, FX_IDC:, BINANCE:
        upper = upper.rsplit(":", 1)[1]
    found: list[str] = []
    for spelling in (upper, _SEPARATORS.sub("", upper)):
        if spelling and spelling not in found:
            found.append(spelling)
    shorter = upper
    for _ in range(2):  # `EURUSD.pro`, `EURUSD-ECN`, `BTCUSDT.P`, then a trailing `m`
        stripped = _SUFFIX.sub("", shorter)
        if stripped == shorter or len(_SEPARATORS.sub("", stripped)) < 5:
            break
        shorter = stripped
        if (spelling := _SEPARATORS.sub("", stripped)) not in found:
            found.append(spelling)
    for spelling in list(found):
        for coin in STABLECOINS:
            if (
                spelling.endswith(coin)
                and len(spelling) > len(coin)
                and spelling[: -len(coin)] + "USD" not in found
            ):
                found.append(spelling[: -len(coin)] + "USD")
    return found


def resolve_symbol(text, *, overrides: Mapping[str, str] | None = None) -> Instrument:
    """The registry's instrument for `text`; `overrides` (alias -> symbol, alias upper-case) first.
    An unknown name raises `UnknownSymbol` with up to three suggestions."""
    if not isinstance(text, str) or not text.strip() or len(text) > 40:
        raise UnknownSymbol("A symbol is required.", field="symbol")
    overrides = overrides or {}
    for candidate in _candidates(text):
        if candidate in overrides:
            return REGISTRY[overrides[candidate]]
        name = NICKNAMES.get(candidate, candidate)
        if name in REGISTRY:
            return REGISTRY[name]
    suggestions = suggest(text)
    hint = f" Did you mean {', '.join(suggestions)}?" if suggestions else ""
    raise UnknownSymbol(
        f"Unknown symbol {text.strip()[:20]!r}.{hint}", field="symbol", suggestions=suggestions
    )


def suggest(text: str) -> list[str]:
    """Up to three registry symbols closest to `text`."""
    names = list(_candidates(text))
    found: list[str] = []
    for name in names[1:2] + names[-1:]:
        for match in difflib.get_close_matches(name, REGISTRY, n=MAX_SUGGESTIONS, cutoff=0.5):
            if match not in found:
                found.append(match)
    return found[:MAX_SUGGESTIONS]
