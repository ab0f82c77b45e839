"""Signal bodies (docs/signals.md, Bodies): JSON, text/plain JSON, the one-line form, TradingView's
aliases and strategy positions, every action, confidence and time formats."""

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from paper_trading.domain.errors import InvalidInput, UnknownSymbol
from paper_trading.domain.signals import Action, input_from_payload, parse_signal

D = Decimal


def parse(body, content_type="application/json", **kw):
    data = body.encode() if isinstance(body, str) else body
    return parse_signal(data, content_type, **kw)[0]


def test_json_body_reads_every_field():
    signal = parse(
        '{"symbol": "EURUSD", "action": "buy", "entry_price": "1.10000", "stop_loss": 1.095, '
        '"take_profit_1": "1.1100", "take_profit_2": "1.1200", "take_profit_3": "1.1300", "confidence": 80, '
        '"type": "breakout", "source": "model-a", "signal_id": "a-1", "timeframe": "1h", "risk_pct": "0.5", '
        '"notes": "n", "account": 3}'
    )
    assert (signal.symbol, signal.action, signal.side) == ("EURUSD", Action.BUY, "buy")
    assert signal.stop_loss == D("1.095") and signal.take_profit_3 == D("1.1300")
    assert (signal.confidence, signal.risk_pct, signal.account) == (D("80.00"), D("0.5"), 3)
    assert (signal.type, signal.source, signal.signal_id, signal.timeframe) == (
        "breakout",
        "model-a",
        "a-1",
        "1h",
    )


def test_text_plain_json_is_read_as_json():
    # TradingView posts the alert message as text/plain unless it parses as JSON.
    signal = parse(
        '{"ticker": "OANDA:XAUUSD", "action": "sell", "sl": "2010.5"}', "text/plain; charset=utf-8"
    )
    assert (signal.symbol, signal.action, signal.stop_loss) == ("XAUUSD", Action.SELL, D("2010.5"))


def test_one_line_form():
    signal = parse("buy EURUSD sl=1.0950 tp=1.1100 risk=1", "text/plain")
    assert (signal.action, signal.symbol) == (Action.BUY, "EURUSD")
    assert (signal.stop_loss, signal.take_profit_1, signal.risk_pct) == (D("1.0950"), D("1.1100"), D("1"))


def test_one_line_form_with_pips_lots_and_id():
    signal = parse("SELL gbpusd sl_pips=25 tp_pips=50 lots=0.30 id=x7 source=desk", None)
    assert (signal.side, signal.sl_pips, signal.tp1_pips, signal.lots) == (
        "sell",
        D("25"),
        D("50"),
        D("0.30"),
    )
    assert (signal.signal_id, signal.source) == ("x7", "desk")


def test_tradingview_aliases():
    signal = parse(
        '{"ticker": "FX:EURUSD", "action": "{{strategy.order.action}}", "price": "1.1", "sl": "1.09", '
        '"tp": "1.12", "comment": "from TV", "interval": "15"}'.replace("{{strategy.order.action}}", "buy")
    )
    assert (signal.entry_price, signal.stop_loss, signal.take_profit_1) == (D("1.1"), D("1.09"), D("1.12"))
    assert (signal.notes, signal.timeframe) == ("from TV", "15")


@pytest.mark.parametrize(
    ("words", "action", "side"),
    [
        ("long", Action.BUY, "buy"),
        ("short", Action.SELL, "sell"),
        ("close", Action.CLOSE, None),
        ("flat", Action.CLOSE, None),
        ("close_long", Action.CLOSE_LONG, None),
        ("close_short", Action.CLOSE_SHORT, None),
        ("cancel", Action.CANCEL, None),
        ("modify", Action.MODIFY, None),
    ],
)
def test_each_action(words, action, side):
    signal = parse(f'{{"symbol": "EURUSD", "action": "{words}"}}')
    assert (signal.action, signal.side) == (action, side)


def test_direction_is_an_alias_for_opening_actions():
    assert parse('{"symbol": "EURUSD", "direction": "short"}').action is Action.SELL


def test_reverse_names_its_new_side():
    signal = parse('{"symbol": "EURUSD", "action": "reverse", "direction": "sell"}')
    assert (signal.action, signal.side) == (Action.REVERSE, "sell")
    with pytest.raises(InvalidInput) as refused:
        parse('{"symbol": "EURUSD", "action": "reverse"}')
    assert refused.value.field == "direction"


@pytest.mark.parametrize(
    ("action", "position", "previous", "expected", "side"),
    [
        ("buy", "long", "flat", Action.BUY, "buy"),  # an entry
        ("sell", "flat", "long", Action.CLOSE_LONG, None),  # the long's exit
        ("buy", "flat", "short", Action.CLOSE_SHORT, None),
        ("buy", "long", "short", Action.REVERSE, "buy"),  # short -> long in one order
        ("sell", "short", "long", Action.REVERSE, "sell"),
    ],
)
def test_tradingview_strategy_positions_tell_open_close_and_reverse_apart(
    action, position, previous, expected, side
):
    body = {"ticker": "EURUSD", "action": action, "market_position": position}
    body["prev_market_position"] = previous
    signal = parse(json.dumps(body))
    assert (signal.action, signal.side) == (expected, side)


@pytest.mark.parametrize(
    ("given", "stored"),
    [("0.85", D("85.00")), ("1", D("100.00")), ("0", D("0.00")), ("85", D("85.00")), ("100", D("100.00"))],
)
def test_confidence_is_stored_0_to_100(given, stored):
    # 0-1 is a fraction (so 1 is 100 %), above 1 up to 100 a percentage.
    assert parse(f'{{"symbol": "EURUSD", "action": "buy", "confidence": "{given}"}}').confidence == stored


@pytest.mark.parametrize("given", ["-0.1", "100.5", "250"])
def test_confidence_outside_both_ranges_is_refused(given):
    with pytest.raises(InvalidInput) as refused:
        parse(f'{{"symbol": "EURUSD", "action": "buy", "confidence": "{given}"}}')
    assert refused.value.field == "confidence"


@pytest.mark.parametrize(
    ("given", "moment"),
    [
        ('"2026-12-02T14:30:00Z"', datetime(2026, 12, 2, 14, 30, tzinfo=UTC)),
        ('"2026-12-02T14:30:00"', datetime(2026, 12, 2, 14, 30, tzinfo=UTC)),  # no zone: UTC
        ('"2026-12-02T09:30:00-05:00"', datetime(2026, 12, 2, 14, 30, tzinfo=UTC)),
        ("1796221800", datetime(2026, 12, 2, 14, 30, tzinfo=UTC)),  # UNIX seconds
        ("1796221800000", datetime(2026, 12, 2, 14, 30, tzinfo=UTC)),  # UNIX milliseconds
        ('"1796221800000"', datetime(2026, 12, 2, 14, 30, tzinfo=UTC)),
    ],
)
def test_alert_time_formats(given, moment):
    assert parse(f'{{"symbol": "EURUSD", "action": "buy", "alert_time": {given}}}').alert_time == moment


def test_timenow_alias_reads_tradingview_time():
    signal = parse('{"symbol": "EURUSD", "action": "buy", "timenow": "2026-12-02T14:30:00Z"}')
    assert signal.alert_time == datetime(2026, 12, 2, 14, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"action": "buy"}', "symbol"),
        ('{"symbol": "EURUSD"}', "action"),
        ('{"symbol": "EURUSD", "action": "hold"}', "action"),
        ('{"symbol": "EURUSD", "action": "buy", "stop_loss": "NaN"}', "stop_loss"),
        ('{"symbol": "EURUSD", "action": "buy", "stop_loss": "1e999"}', "stop_loss"),
        ('{"symbol": "EURUSD", "action": "buy", "stop_loss": true}', "stop_loss"),
        ('{"symbol": "EURUSD", "action": "buy", "stop_loss": "abc"}', "stop_loss"),
        ('{"symbol": "EURUSD", "action": "buy", "lots": "0.1", "risk_pct": "1"}', "risk_pct"),
        ('{"symbol": "EURUSD", "action": "buy", "stop_loss": "1.09", "sl_pips": "20"}', "sl_pips"),
        ('{"symbol": "EURUSD", "action": "buy", "alert_time": "yesterday"}', "alert_time"),
        ('{"symbol": "EURUSD", "action": "buy", "alert_time": "999999999999999"}', "alert_time"),
        ('{"symbol": "EURUSD", "action": "buy", "alert_time": "0001-01-01T00:00:00+01:00"}', "alert_time"),
        ('{"symbol": "EURUSD", "action": "buy", "expires_at": 1e300}', "expires_at"),
        (
            '{"symbol": "EURUSD", "action": "buy", "notes": ' + "[" * 50000 + "]" * 50000 + "}",
            "non_field_errors",
        ),
        ('{"symbol": "EURUSD", "action": "buy", "risk_pct": "150"}', "risk_pct"),
        ('{"symbol": "EURUSD", "action": "buy", "lots": "-1"}', "lots"),
        ('{"symbol": "EURUSD", "action": "buy", "account": "x"}', "account"),
        ("[1, 2]", "non_field_errors"),
        ('{"symbol": "EURUSD", ', "non_field_errors"),
        ("buy", "non_field_errors"),
        ("buy EURUSD now please", "non_field_errors"),
        ("", "non_field_errors"),
    ],
)
def test_bodies_that_do_not_parse_name_the_field(body, field):
    with pytest.raises(InvalidInput) as refused:
        parse(body)
    assert refused.value.field == field


def test_a_nan_literal_is_not_a_number():
    with pytest.raises(InvalidInput):
        parse('{"symbol": "EURUSD", "action": "buy", "stop_loss": NaN}')


def test_non_utf8_is_refused():
    with pytest.raises(InvalidInput):
        parse(b'{"symbol": "\xff"}')


def test_unknown_keys_are_ignored():
    # Alert templates carry extras ({{exchange}}, {{volume}}): they do not refuse the alert.
    assert (
        parse('{"symbol": "EURUSD", "action": "buy", "exchange": "OANDA", "volume": 12}').symbol == "EURUSD"
    )


def test_unknown_symbol_suggests():
    with pytest.raises(UnknownSymbol) as refused:
        parse('{"symbol": "EURUSX", "action": "buy"}')
    assert "EURUSD" in refused.value.suggestions
    assert "EURUSD" in refused.value.message


def test_overrides_resolve_first():
    signal = parse('{"symbol": "MYGOLD", "action": "buy"}', overrides={"MYGOLD": "XAUUSD"})
    assert signal.symbol == "XAUUSD"


def test_payload_drops_the_secret_and_rebuilds_the_signal():
    signal, payload = parse_signal(
        b'{"symbol": "EURUSD", "action": "buy", "secret": "s3", "stop_loss": "1.09", '
        b'"alert_time": 1796221800}',
        "application/json",
    )
    assert "secret" not in payload and signal.secret == "s3"
    assert payload["stop_loss"] == "1.09" and payload["alert_time"] == "2026-12-02T14:30:00+00:00"
    rebuilt = input_from_payload(payload)
    assert (rebuilt.symbol, rebuilt.action, rebuilt.stop_loss, rebuilt.alert_time) == (
        "EURUSD",
        Action.BUY,
        D("1.09"),
        datetime(2026, 12, 2, 14, 30, tzinfo=UTC),
    )
