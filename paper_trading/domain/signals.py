"""Signals, pure (docs/signals.md): the bodies a script or a TradingView alert sends, read into one
typed `SignalInput`; the checks a signal must pass; its risk-based size; its dedupe key; the
journal's hash chain; and the webhook's own checks (source address, secret, signature)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from .errors import InvalidInput
from .instruments import Instrument
from .numbers import ZERO, floor_to, to_decimal, to_whole
from .quotes import Market, Quote, to_account_currency
from .sessions import market_closed
from .symbols import resolve_symbol

HUNDRED = Decimal(100)
FUTURE_TOLERANCE = timedelta(seconds=5)
SIGNATURE_TOLERANCE = timedelta(minutes=5)
MAX_TEXT = 500  # a free-text field's longest accepted value (notes: 2000)


class Action(StrEnum):
    BUY = "buy"
    SELL = "sell"
    CLOSE = "close"
    CLOSE_LONG = "close_long"
    CLOSE_SHORT = "close_short"
    REVERSE = "reverse"
    CANCEL = "cancel"
    MODIFY = "modify"


ACTION_ALIASES = {"long": "buy", "short": "sell", "flat": "close", "exit": "close"}
OPENING = frozenset({Action.BUY, Action.SELL, Action.REVERSE})
POSITIONS = ("long", "short", "flat")


@dataclass(frozen=True, slots=True)
class SignalInput:
    """A signal as its service receives it. Prices are Decimals; levels given in pips stay in pips
    until `with_levels` turns them into prices against the fill side of a quote."""

    symbol: str
    action: Action
    side: str | None = None  # the side an opening action opens (a reverse: the new side)
    entry_price: Decimal | None = None
    stop_loss: Decimal | None = None
    take_profit_1: Decimal | None = None
    take_profit_2: Decimal | None = None
    take_profit_3: Decimal | None = None
    sl_pips: Decimal | None = None
    tp1_pips: Decimal | None = None
    tp2_pips: Decimal | None = None
    tp3_pips: Decimal | None = None
    lots: Decimal | None = None
    risk_pct: Decimal | None = None
    risk_amount: Decimal | None = None
    confidence: Decimal | None = None  # 0-100
    type: str | None = None
    source: str | None = None
    signal_id: str | None = None
    idempotency_key: str | None = None
    timeframe: str | None = None
    alert_time: datetime | None = None
    expires_at: datetime | None = None
    notes: str | None = None
    account: int | None = None
    secret: str | None = None  # never stored: the payload drops it

    @property
    def opens(self) -> bool:
        return self.action in OPENING


# ---- reading a body ----------------------------------------------------------------------------
# TradingView's and other senders' names for our fields.
ALIASES = {
    "pair": "symbol",
    "ticker": "symbol",
    "price": "entry_price",
    "entry": "entry_price",
    "sl": "stop_loss",
    "tp": "take_profit_1",
    "tp1": "take_profit_1",
    "tp2": "take_profit_2",
    "tp3": "take_profit_3",
    "tp_pips": "tp1_pips",
    "lot_size": "lots",
    "side": "direction",
    "qty": "lots",
    "risk": "risk_pct",
    "comment": "notes",
    "message": "notes",
    "id": "signal_id",
    "tf": "timeframe",
    "interval": "timeframe",
    "time": "alert_time",
    "timenow": "alert_time",
    "strategy": "type",
    "signal_type": "type",
}
DECIMALS = (
    "entry_price",
    "stop_loss",
    "take_profit_1",
    "take_profit_2",
    "take_profit_3",
    "sl_pips",
    "tp1_pips",
    "tp2_pips",
    "tp3_pips",
    "lots",
    "risk_pct",
    "risk_amount",
    "confidence",
)
TEXTS = ("type", "source", "signal_id", "idempotency_key", "timeframe", "secret")
#: The body's own field names, in the order the schema lists them (`side` follows from the action).
BODY_FIELDS = (
    *(f.name for f in fields(SignalInput) if f.name != "side"),
    "direction",
    "market_position",
    "prev_market_position",
)
KNOWN = frozenset(BODY_FIELDS)


def parse_signal(
    body: bytes, content_type: str | None, *, overrides: Mapping[str, str] | None = None
) -> tuple[SignalInput, dict]:
    """The signal of a request body and its canonical payload (what is stored and hashed for the
    dedupe key, without the secret). JSON, text/plain holding JSON, or the one-line form."""
    text = _text(body)
    mapping = _json_object(text) if text.lstrip().startswith("{") else None
    if mapping is None:
        if (content_type or "").split(";")[0].strip().lower() == "application/json" and text.strip():
            raise InvalidInput("The body is not a JSON object.", field="non_field_errors")
        mapping = one_line(text)
    return signal_from_mapping(mapping, resolve=lambda s: resolve_symbol(s, overrides=overrides))


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("The body is not UTF-8 text.", field="non_field_errors") from None


def _json_object(text: str) -> dict | None:
    try:
        data = json.loads(text, parse_float=Decimal, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise InvalidInput(
            "The body starts like JSON but does not parse.", field="non_field_errors"
        ) from None
    if not isinstance(data, dict):
        raise InvalidInput("Expected a JSON object.", field="non_field_errors")
    return data


def _no_constant(name: str):
    raise ValueError(name)  # NaN, Infinity: not numbers a signal may carry


def one_line(text: str) -> dict:
    """`buy EURUSD sl=1.0950 tp=1.1100 risk=1`: an action, a symbol, then key=value pairs."""
    words = text.split()
    if not words:
        raise InvalidInput("The body is empty.", field="non_field_errors")
    if len(words) > 40 or len(text) > 2000:
        raise InvalidInput("A one-line signal has at most 40 words.", field="non_field_errors")
    mapping: dict[str, str] = {}
    plain = []
    for word in words:
        key, sep, value = word.partition("=")
        if sep:
            if not key or not value:
                raise InvalidInput(f"{word!r} is not key=value.", field="non_field_errors")
            mapping[key.lower()] = value
        else:
            plain.append(word)
    if len(plain) != 2:
        raise InvalidInput(
            "A one-line signal reads: action symbol key=value ... (e.g. buy EURUSD sl=1.0950 tp=1.1100).",
            field="non_field_errors",
        )
    mapping.setdefault("action", plain[0])
    mapping.setdefault("symbol", plain[1])
    return mapping


def signal_from_mapping(given: Mapping, *, resolve: Callable[[str], Instrument]) -> tuple[SignalInput, dict]:
    """A `SignalInput` from a JSON object's fields (aliases accepted, unknown keys ignored: alert
    templates carry extras) and its canonical payload."""
    data: dict[str, object] = {}
    for key, value in given.items():
        if not isinstance(key, str):
            continue
        name = ALIASES.get(key.strip().lower(), key.strip().lower())
        if name in KNOWN and name not in data and value is not None and value != "":
            data[name] = value
    if "symbol" not in data:
        raise InvalidInput("A symbol is required (symbol, pair or ticker).", field="symbol")
    if not isinstance(data["symbol"], str):
        raise InvalidInput("The symbol must be text.", field="symbol")
    action, side = _action(data)
    values: dict[str, object] = {"symbol": resolve(data["symbol"]).symbol, "action": action, "side": side}
    for name in DECIMALS:
        if name in data:
            values[name] = to_decimal(_number(data[name], name), field=name)
    if "confidence" in values:
        values["confidence"] = confidence_0_100(values["confidence"])
    for name in TEXTS:
        if name in data:
            values[name] = _short_text(data[name], name)
    if "notes" in data:
        values["notes"] = _short_text(data["notes"], "notes", limit=2000)
    for name in ("alert_time", "expires_at"):
        if name in data:
            values[name] = parse_time(data[name], field=name)
    if "account" in data:
        account = to_whole(data["account"])
        if account is None or account <= 0:
            raise InvalidInput("The account is an id.", field="account")
        values["account"] = account
    signal = SignalInput(**values)
    _check_numbers(signal)
    return signal, canonical_payload(signal)


def _number(value, name: str):
    if isinstance(value, bool | dict | list):
        raise InvalidInput("A number is required.", field=name)
    return value


def _short_text(value, name: str, *, limit: int = 100) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise InvalidInput("Text is required.", field=name)
    text = str(value).strip()
    if len(text) > (limit if name != "secret" else 200):
        raise InvalidInput(f"At most {limit} characters.", field=name)
    return text


def _word(data: dict, name: str) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput("Text is required.", field=name)
    return value.strip().lower()


def _action(data: dict) -> tuple[Action, str | None]:
    """The action and, for an opening one, its side. TradingView's strategy alerts say `buy` or
    `sell` with `market_position` and `prev_market_position`, which tell open, close and
    reverse apart: sell to flat from long closes the long; buy to long from short reverses."""
    word = _word(data, "action") or _word(data, "direction")
    if word is None:
        raise InvalidInput(
            "An action is required (buy, sell, close, reverse, cancel, modify).", field="action"
        )
    word = ACTION_ALIASES.get(word, word)
    try:
        action = Action(word)
    except ValueError:
        raise InvalidInput(
            f"Unknown action {word[:20]!r}: buy, sell, long, short, close, close_long, close_short, "
            "flat, reverse, cancel or modify.",
            field="action",
        ) from None
    position, previous = _word(data, "market_position"), _word(data, "prev_market_position")
    for name, value in (("market_position", position), ("prev_market_position", previous)):
        if value is not None and value not in POSITIONS:
            raise InvalidInput("long, short or flat.", field=name)
    if action in (Action.BUY, Action.SELL) and position is not None:
        if position == "flat":
            return (Action.CLOSE_SHORT if action is Action.BUY else Action.CLOSE_LONG), None
        if previous is not None and previous != "flat" and previous != position:
            return Action.REVERSE, action.value
    if action is Action.REVERSE:
        side = _word(data, "direction") or position
        side = ACTION_ALIASES.get(side, side) if side else None
        if side not in ("buy", "sell"):
            raise InvalidInput("A reverse names the new side: direction buy or sell.", field="direction")
        return action, side
    return action, action.value if action in (Action.BUY, Action.SELL) else None


def _check_numbers(signal: SignalInput) -> None:
    sizes = [n for n in ("lots", "risk_pct", "risk_amount") if getattr(signal, n) is not None]
    if len(sizes) > 1:
        raise InvalidInput(
            f"Give one of lots, risk_pct and risk_amount, not {' and '.join(sizes)}.", field=sizes[1]
        )
    for name in (
        "lots",
        "risk_amount",
        "entry_price",
        "stop_loss",
        "take_profit_1",
        "take_profit_2",
        "take_profit_3",
    ):
        value = getattr(signal, name)
        if value is not None and value <= 0:
            raise InvalidInput("Must be positive.", field=name)
    for name in ("sl_pips", "tp1_pips", "tp2_pips", "tp3_pips"):
        value = getattr(signal, name)
        if value is not None and not ZERO < value <= Decimal(100000):
            raise InvalidInput("Pips must be positive (at most 100000).", field=name)
    if signal.risk_pct is not None and not ZERO < signal.risk_pct <= HUNDRED:
        raise InvalidInput("Risk is a percentage of equity, above 0 and at most 100.", field="risk_pct")
    for level, pips in (("stop_loss", "sl_pips"), ("take_profit_1", "tp1_pips")):
        if getattr(signal, level) is not None and getattr(signal, pips) is not None:
            raise InvalidInput(f"Give {level} or {pips}, not both.", field=pips)


def confidence_0_100(value: Decimal) -> Decimal:
    """Confidence stored 0-100: a value in [0, 1] is a fraction (so `1` is 100 %), one in (1, 100]
    is a percentage already; anything else is refused."""
    if ZERO <= value <= 1:
        return (value * HUNDRED).quantize(Decimal("0.01"))
    if 1 < value <= HUNDRED:
        return value.quantize(Decimal("0.01"))
    raise InvalidInput("Confidence is 0-1 or 0-100.", field="confidence")


def parse_time(value, *, field: str) -> datetime:
    """ISO 8601 (no zone: UTC) or UNIX time in seconds or milliseconds, as an aware UTC datetime."""
    if isinstance(value, bool):
        raise InvalidInput("A time is required.", field=field)
    if isinstance(value, int | Decimal) or (isinstance(value, str) and value.strip().isdigit()):
        if isinstance(value, str) and len(value.strip()) > 15:
            raise InvalidInput("The time is out of range.", field=field)
        number = Decimal(value.strip() if isinstance(value, str) else value)
        if not number.is_finite():
            raise InvalidInput("The time is out of range.", field=field)
        seconds = number / 1000 if number > 10**11 else number  # beyond 5138 AD in seconds: milliseconds
        try:
            return datetime.fromtimestamp(float(seconds), UTC)
        except (OverflowError, OSError, ValueError):
            raise InvalidInput("The time is out of range.", field=field) from None
    if not isinstance(value, str) or len(value) > 40:
        raise InvalidInput("An ISO 8601 time or UNIX seconds/milliseconds.", field=field)
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidInput("An ISO 8601 time or UNIX seconds/milliseconds.", field=field) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):
        raise InvalidInput("The time is out of range.", field=field) from None


def canonical_payload(signal: SignalInput) -> dict:
    """The signal as JSON values, secret left out: stored with the signal and, without a
    `signal_id` or `idempotency_key`, hashed into its dedupe key."""
    return {
        f.name: _json_value(value)
        for f in fields(signal)
        if (value := getattr(signal, f.name)) is not None and f.name != "secret"
    }


def input_from_payload(payload: Mapping) -> SignalInput:
    """The `SignalInput` a canonical payload was made from (how a stored signal is decided)."""
    values: dict[str, object] = dict(payload)
    for name in DECIMALS:
        if name in values:
            values[name] = Decimal(str(values[name]))
    for name in ("alert_time", "expires_at"):
        if name in values:
            values[name] = datetime.fromisoformat(str(values[name]))
    values["action"] = Action(values["action"])
    return SignalInput(**values)


def dedupe_key(owner_id: int, signal: SignalInput, payload: Mapping) -> str:
    """(owner, source, signal_id) when the signal has an id; else its idempotency key; else a hash
    of its canonical body, which holds the action and the alert time, so the close and the buy of
    one reverse in the same second are two signals."""
    if signal.signal_id:
        return f"id:{owner_id}:{signal.source or ''}:{signal.signal_id}"[:300]
    if signal.idempotency_key:
        return f"key:{owner_id}:{signal.idempotency_key}"[:300]
    return f"body:{owner_id}:{hashlib.sha256(canonical_bytes(payload)).hexdigest()}"


# ---- levels and checks -------------------------------------------------------------------------
def fill_price(signal: SignalInput, quote: Quote) -> Decimal:
    """The price the signal's side fills at now: a buy at the ask, a sell at the bid."""
    return quote.bid if signal.side == "sell" else quote.ask


def with_levels(signal: SignalInput, quote: Quote, instrument: Instrument) -> SignalInput:
    """Levels given in pips as prices, measured from the signal's entry or else the fill side."""
    if signal.side is None:
        return signal
    entry = signal.entry_price or fill_price(signal, quote)
    direction = -1 if signal.side == "sell" else 1
    changes = {}
    for pips, level, sign in (
        ("sl_pips", "stop_loss", -1),
        ("tp1_pips", "take_profit_1", 1),
        ("tp2_pips", "take_profit_2", 1),
        ("tp3_pips", "take_profit_3", 1),
    ):
        distance = getattr(signal, pips)
        if distance is not None and getattr(signal, level) is None:
            changes[level] = instrument.price(entry + sign * direction * distance * instrument.pip_size)
            changes[pips] = None
    return replace(signal, **changes) if changes else signal


@dataclass(frozen=True, slots=True)
class Check:
    """One check of the decision: its numbers go into the journal."""

    name: str
    passed: bool
    code: str
    value: object = None
    limit: object = None
    message: str = ""

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "passed": self.passed,
            "code": self.code,
            "value": _json_value(self.value),
            "limit": _json_value(self.limit),
        }


def _json_value(value):
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    return str(value)


def check_signal(
    signal: SignalInput,
    *,
    instrument: Instrument,
    quote: Quote | None,
    now: datetime,
    max_age_s: int = 60,
    min_rr: Decimal | None = None,
) -> list[Check]:
    """Every check of docs/signals.md, Validation, with its value and limit, in order."""
    checks = [
        _age(signal, now, max_age_s),
        _future(signal, now),
        _expiry(signal, now),
        _market_open(instrument, now),
    ]
    if signal.side is not None:
        entry = signal.entry_price or (fill_price(signal, quote) if quote is not None else None)
        checks.append(_geometry(signal, entry))
        checks.append(_reward_risk(signal, entry, min_rr))
    return [c for c in checks if c is not None]


def first_failure(checks: list[Check]) -> Check | None:
    return next((c for c in checks if not c.passed), None)


def _age(signal, now, max_age_s) -> Check | None:
    if signal.alert_time is None:
        return None
    age = Decimal((now - signal.alert_time).total_seconds()).quantize(Decimal("0.001"))
    passed = age <= max_age_s
    return Check(
        "age_seconds",
        passed,
        "stale_signal",
        age,
        max_age_s,
        "" if passed else (f"The alert is {age} s old; this door accepts at most {max_age_s} s."),
    )


def _future(signal, now) -> Check | None:
    if signal.alert_time is None:
        return None
    ahead = Decimal((signal.alert_time - now).total_seconds()).quantize(Decimal("0.001"))
    passed = ahead <= Decimal(FUTURE_TOLERANCE.seconds)
    return Check(
        "seconds_ahead",
        passed,
        "future_timestamp",
        ahead,
        FUTURE_TOLERANCE.seconds,
        ""
        if passed
        else (f"The alert time is {ahead} s in the future (clock skew over {FUTURE_TOLERANCE.seconds} s)."),
    )


def _expiry(signal, now) -> Check | None:
    if signal.expires_at is None:
        return None
    passed = signal.expires_at > now
    return Check(
        "expires_at",
        passed,
        "signal_expired",
        now,
        signal.expires_at,
        "" if passed else (f"The signal expired at {signal.expires_at.isoformat()}."),
    )


def _market_open(instrument, now) -> Check:
    closed = market_closed(instrument, now)
    return Check(
        "market_open",
        not closed,
        "market_closed",
        not closed,
        True,
        (
            f"{instrument.symbol} does not trade from Friday 17:00 to Sunday 17:00 New York time."
            if closed
            else ""
        ),
    )


def _geometry(signal: SignalInput, entry: Decimal | None) -> Check:
    """A buy: SL < entry < TP1 < TP2 < TP3; a sell mirrored. Missing levels are skipped."""
    levels = [signal.stop_loss, entry, signal.take_profit_1, signal.take_profit_2, signal.take_profit_3]
    chain = [v for v in levels if v is not None]
    ordered = chain if signal.side == "buy" else chain[::-1]
    passed = all(a < b for a, b in zip(ordered, ordered[1:], strict=False))
    shown = "SL < entry < TP1 < TP2 < TP3" if signal.side == "buy" else "TP3 < TP2 < TP1 < entry < SL"
    return Check(
        "sl_tp_geometry",
        passed,
        "invalid_sl_geometry",
        [str(v) for v in chain],
        shown,
        "" if passed else (f"For a {signal.side} the levels must read {shown}."),
    )


def _reward_risk(signal, entry, min_rr) -> Check | None:
    if min_rr is None or entry is None or signal.stop_loss is None or signal.take_profit_1 is None:
        return None
    risk = abs(entry - signal.stop_loss)
    if risk == 0:
        return None
    rr = (abs(signal.take_profit_1 - entry) / risk).quantize(Decimal("0.01"))
    passed = rr >= min_rr
    return Check(
        "reward_risk",
        passed,
        "rr_below_min",
        rr,
        min_rr,
        "" if passed else (f"Reward to risk {rr} is below this account's minimum {min_rr}."),
    )


# ---- sizing ------------------------------------------------------------------------------------
# (from confidence, multiplier), ascending: below the first row's `from` (the account's minimum,
# filled in at decision time when the row says None) nothing is executed.
DEFAULT_TABLE: tuple[tuple[Decimal | None, Decimal], ...] = (
    (None, Decimal("1.0")),
    (Decimal("85"), Decimal("1.25")),
    (Decimal("95"), Decimal("1.5")),
)


def confidence_table(value) -> tuple[tuple[Decimal | None, Decimal], ...]:
    """An account's table from JSON `[{"from": 85, "multiplier": "1.25"}, ...]` (null: the
    default). Rows ascend by `from` (0-100); multipliers are above 0 and at most 5."""
    if value is None:
        return DEFAULT_TABLE
    if not isinstance(value, list) or not 1 <= len(value) <= 10:
        raise InvalidInput("A list of 1 to 10 rows {from, multiplier}.", field="signal_confidence_table")
    rows = []
    for row in value:
        if not isinstance(row, Mapping) or set(row) != {"from", "multiplier"}:
            raise InvalidInput("Each row is {from, multiplier}.", field="signal_confidence_table")
        start = to_decimal(row["from"], field="signal_confidence_table")
        multiplier = to_decimal(row["multiplier"], field="signal_confidence_table")
        if not ZERO <= start <= HUNDRED or not ZERO < multiplier <= 5:
            raise InvalidInput(
                "from is 0-100; multiplier above 0, at most 5.", field="signal_confidence_table"
            )
        rows.append((start, multiplier))
    if [r[0] for r in rows] != sorted({r[0] for r in rows}):
        raise InvalidInput("Rows ascend by from, each once.", field="signal_confidence_table")
    return tuple(rows)


def confidence_table_json(table) -> list[dict] | None:
    if table is DEFAULT_TABLE:
        return None
    return [{"from": str(start), "multiplier": str(multiplier)} for start, multiplier in table]


def confidence_multiplier(
    confidence: Decimal | None, *, min_confidence: Decimal, table=DEFAULT_TABLE
) -> Decimal:
    """The lot multiplier of a confidence: 0 below the account's minimum (not executed), 1.0 for a
    signal without one, else the last row at or below it."""
    if confidence is None:
        return Decimal("1.0")
    if confidence < min_confidence:
        return ZERO
    chosen = ZERO
    for start, multiplier in table:
        if confidence >= (min_confidence if start is None else start):
            chosen = multiplier
    return chosen


@dataclass(frozen=True, slots=True)
class Sizing:
    """Every term of a signal's lot arithmetic (docs/signals.md, Sizing)."""

    method: str  # "risk" | "lots"
    equity: Decimal
    risk_pct: Decimal | None
    risk_pct_from: str | None  # "signal", "risk_amount" or "account"
    budget: Decimal | None
    entry: Decimal
    stop_loss: Decimal | None
    stop_pips: Decimal | None
    pip_value: Decimal | None  # one lot's pip, account currency
    raw_lots: Decimal
    confidence: Decimal | None
    multiplier: Decimal
    scaled_lots: Decimal
    lot_step: Decimal
    max_lot: Decimal
    capped: bool
    lots: Decimal

    def to_json(self) -> dict:
        return {f.name: _json_value(getattr(self, f.name)) for f in fields(self)}


def size_signal(
    signal: SignalInput,
    *,
    instrument: Instrument,
    quote: Quote,
    equity: Decimal,
    account_currency: str,
    market: Market,
    default_risk_pct: Decimal,
    min_confidence: Decimal,
    table=DEFAULT_TABLE,
) -> Sizing:
    """lots = equity x risk % / (stop distance in pips x one lot's pip value in account currency),
    times the confidence multiplier, rounded down to the lot step and capped at the max lot; the
    stop distance is measured from the current fill-side price. A signal's own `lots` are taken
    as they are (on the lot grid). 0 lots: the minimum lot does not fit the budget."""
    entry = fill_price(signal, quote)
    multiplier = confidence_multiplier(signal.confidence, min_confidence=min_confidence, table=table)
    common = {
        "equity": equity,
        "entry": entry,
        "stop_loss": signal.stop_loss,
        "confidence": signal.confidence,
        "multiplier": multiplier,
        "lot_step": instrument.lot_step,
        "max_lot": instrument.max_lot,
    }
    if signal.lots is not None:
        lots = instrument.validate_lots(signal.lots, field="lots") if multiplier else ZERO
        return Sizing(
            method="lots", risk_pct=None, risk_pct_from=None, budget=None, stop_pips=None, pip_value=None,
            raw_lots=signal.lots, scaled_lots=lots, capped=False, lots=lots, **common,
        )  # fmt: skip
    if signal.stop_loss is None:
        raise InvalidInput(
            "Risk-based sizing needs a stop loss (stop_loss or sl_pips), or give lots.", field="stop_loss"
        )
    if signal.risk_amount is not None:
        risk_pct, source = signal.risk_amount * HUNDRED / equity, "risk_amount"
    elif signal.risk_pct is not None:
        risk_pct, source = signal.risk_pct, "signal"
    else:
        risk_pct, source = default_risk_pct, "account"
    budget = equity * risk_pct / HUNDRED
    stop_pips = abs(entry - signal.stop_loss) / instrument.pip_size
    if stop_pips == 0:
        raise InvalidInput("The stop loss is at the current price.", field="stop_loss")
    pip_value = to_account_currency(
        instrument.pip_size * instrument.contract_size,
        instrument,
        account_currency,
        market,
        price=signal.stop_loss,
    )
    raw = budget / (stop_pips * pip_value)
    scaled = floor_to(raw * multiplier, instrument.lot_step)
    capped = scaled > instrument.max_lot
    lots = min(scaled, instrument.max_lot)
    if lots < instrument.min_lot:
        lots = ZERO
    return Sizing(
        method="risk", risk_pct=risk_pct, risk_pct_from=source, budget=budget, stop_pips=stop_pips,
        pip_value=pip_value, raw_lots=raw, scaled_lots=scaled, capped=capped, lots=lots, **common,
    )  # fmt: skip


def drift_pips(
    *, instrument: Instrument, fill: Decimal, reference: Decimal | None, stop_loss: Decimal | None,
    limit_pips: Decimal | None,
) -> tuple[Decimal, Decimal] | None:  # fmt: skip
    """(moved, limit) in pips when a one-click fill would be further from the reference than the
    limit (the account's, else a quarter of the stop distance); None when it is within it."""
    if reference is None:
        return None
    if limit_pips is None:
        if stop_loss is None:
            return None
        limit_pips = abs(reference - stop_loss) / instrument.pip_size / 4
    moved = abs(fill - reference) / instrument.pip_size
    if moved > limit_pips:
        return moved.quantize(Decimal("0.1")), Decimal(limit_pips).quantize(Decimal("0.1"))
    return None


def shadow_exit(
    *, side: str, stop: Decimal, target: Decimal | None, bid: Decimal, ask: Decimal
) -> tuple[Decimal | None, str]:
    """Where a shadow position leaves on this quote: a buy is valued at the bid, a sell at the ask;
    a stop fills at the quote (a gap fills worse), a target at its level; the stop first."""
    price = bid if side == "buy" else ask
    if (side == "buy" and price <= stop) or (side == "sell" and price >= stop):
        return price, "sl_hit"
    if target is not None and ((side == "buy" and price >= target) or (side == "sell" and price <= target)):
        return target, "tp1_hit"
    return None, ""


# ---- the journal's chain -----------------------------------------------------------------------
def canonical_bytes(row: Mapping) -> bytes:
    """A row as sorted-key JSON without whitespace; Decimals and datetimes as strings."""
    return json.dumps(
        row, sort_keys=True, separators=(",", ":"), default=_json_value, ensure_ascii=False
    ).encode()


def chain_hash(previous: str, row: Mapping) -> str:
    """sha256(previous hash + canonical row), hex."""
    return hashlib.sha256(previous.encode() + canonical_bytes(row)).hexdigest()


# ---- the webhook's checks ----------------------------------------------------------------------
def secrets_match(given: str, expected: str) -> bool:
    """Constant-time comparison of a body's secret with the token's."""
    return hmac.compare_digest(given.encode(), expected.encode())


def ip_allowed(address: str, allowed) -> bool:
    """Whether `address` is one of `allowed` (addresses or CIDR ranges)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for item in allowed:
        try:
            if ip in ipaddress.ip_network(item, strict=False):
                return True
        except ValueError:
            continue
    return False


def _secret_key(secret: str) -> bytes:
    """Standard Webhooks secrets read `whsec_<base64>`; any other secret is used as its bytes."""
    if secret.startswith("whsec_"):
        try:
            return base64.b64decode(secret[6:], validate=True)
        except (binascii.Error, ValueError):
            pass
    return secret.encode()


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The Standard Webhooks signature `v1,<base64 HMAC-SHA256 of id.timestamp.body>`."""
    content = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(_secret_key(secret), content, hashlib.sha256).digest()).decode()


def verify_signature(secret: str, headers: Mapping[str, str], body: bytes, *, now: datetime) -> str | None:
    """None when `webhook-signature` holds a valid v1 signature of `webhook-id.webhook-timestamp.body`
    made within 5 minutes of now; else the refusal's code."""
    msg_id, stamp, given = (headers.get(h) for h in ("webhook-id", "webhook-timestamp", "webhook-signature"))
    if not msg_id or not stamp or not given:
        return "missing_signature"
    if not stamp.isdigit() or len(stamp) > 12:
        return "signature_expired"
    if abs(now - datetime.fromtimestamp(int(stamp), UTC)) > SIGNATURE_TOLERANCE:
        return "signature_expired"
    expected = sign(secret, msg_id, int(stamp), body).encode()
    for candidate in given.split():
        if hmac.compare_digest(candidate.encode(), expected):
            return None
    return "bad_signature"
