"""The symbol resolver, the validation checks, sizing, the journal chain and the webhook's
checks of docs/signals.md, worked by hand."""

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paper_trading.domain import signals as sig
from paper_trading.domain.errors import InvalidInput, UnknownSymbol
from paper_trading.domain.instruments import get_instrument
from paper_trading.domain.quotes import Quote, QuoteBoard
from paper_trading.domain.symbols import resolve_symbol

D = Decimal
WEDNESDAY = datetime(2026, 12, 2, 14, 30, tzinfo=UTC)


def quote(symbol, bid, ask, time=WEDNESDAY):
    return Quote(symbol, D(bid), D(ask), time)


def signal(**fields):
    return sig.SignalInput(**{"symbol": "EURUSD", "action": sig.Action.BUY, "side": "buy", **fields})


# ---- symbols -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "symbol"),
    [
        ("EURUSD", "EURUSD"),
        ("EUR/USD", "EURUSD"),
        ("EUR_USD", "EURUSD"),
        ("FX:EURUSD", "EURUSD"),
        ("OANDA:EURUSD", "EURUSD"),
        ("FX_IDC:EURUSD", "EURUSD"),
        ("eurusd", "EURUSD"),
        ("EURUSD.a", "EURUSD"),
        ("EURUSDm", "EURUSD"),
        ("EURUSD.pro", "EURUSD"),
        ("EURUSD-ECN", "EURUSD"),
        ("XAUUSD", "XAUUSD"),
        ("GOLD", "XAUUSD"),
        ("BINANCE:BTCUSDT", "BTCUSD"),
        ("BTCUSDT.P", "BTCUSD"),
        ("ETHUSDC", "ETHUSD"),
        ("OANDA:USD_JPY", "USDJPY"),
    ],
)
def test_resolver_reads_the_spellings_platforms_use(text, symbol):
    assert resolve_symbol(text).symbol == symbol


def test_a_users_alias_wins():
    assert resolve_symbol("gold", overrides={"GOLD": "XAGUSD"}).symbol == "XAGUSD"


def test_unknown_symbol_has_at_most_three_suggestions():
    with pytest.raises(UnknownSymbol) as refused:
        resolve_symbol("GBPUSX")
    assert 1 <= len(refused.value.suggestions) <= 3
    assert refused.value.suggestions[0] == "GBPUSD"
    assert refused.value.extra == {"suggestions": refused.value.suggestions}


# ---- checks ------------------------------------------------------------------------------------
def codes(checks):
    return [c.code for c in checks if not c.passed]


def check(s, *, now=WEDNESDAY, q=None, **kw):
    instrument = get_instrument(s.symbol)
    return sig.check_signal(
        s, instrument=instrument, quote=q or quote("EURUSD", "1.09990", "1.10000"), now=now, **kw
    )


def test_a_good_buy_passes_every_check():
    checks = check(signal(stop_loss=D("1.0950"), take_profit_1=D("1.1100"), alert_time=WEDNESDAY))
    assert codes(checks) == []
    assert {c.name for c in checks} == {"age_seconds", "seconds_ahead", "market_open", "sl_tp_geometry"}


@pytest.mark.parametrize(
    ("levels", "side"),
    [
        ({"stop_loss": D("1.1050")}, "buy"),  # SL above the fill at 1.10000
        ({"take_profit_1": D("1.0900")}, "buy"),
        ({"take_profit_1": D("1.1200"), "take_profit_2": D("1.1100")}, "buy"),  # TP2 before TP1
        ({"stop_loss": D("1.0900")}, "sell"),  # a sell's SL below its fill at 1.09990
        ({"take_profit_1": D("1.1050")}, "sell"),
    ],
)
def test_invalid_sl_geometry(levels, side):
    action = sig.Action.BUY if side == "buy" else sig.Action.SELL
    assert codes(check(signal(action=action, side=side, **levels))) == ["invalid_sl_geometry"]


def test_geometry_measures_from_the_signals_entry_when_given():
    # Entry 1.1050 given: SL 1.1020 < 1.1050 < TP 1.1100 passes although the market is at 1.1000.
    assert (
        codes(check(signal(entry_price=D("1.1050"), stop_loss=D("1.1020"), take_profit_1=D("1.1100")))) == []
    )


def test_rr_below_min():
    # Fill 1.10000, SL 1.09800 (20 pips), TP1 1.10300 (30 pips): R:R 1.50.
    s = signal(stop_loss=D("1.09800"), take_profit_1=D("1.10300"))
    assert codes(check(s, min_rr=D("2"))) == ["rr_below_min"]
    assert codes(check(s, min_rr=D("1.5"))) == []
    (rr,) = [c for c in check(s, min_rr=D("2")) if c.name == "reward_risk"]
    assert (rr.value, rr.limit) == (D("1.50"), D("2"))


def test_stale_signal_after_max_age():
    assert codes(check(signal(alert_time=WEDNESDAY - timedelta(seconds=61)), max_age_s=60)) == [
        "stale_signal"
    ]
    assert codes(check(signal(alert_time=WEDNESDAY - timedelta(seconds=60)), max_age_s=60)) == []


def test_future_timestamp_beyond_five_seconds():
    assert codes(check(signal(alert_time=WEDNESDAY + timedelta(seconds=6)))) == ["future_timestamp"]
    assert codes(check(signal(alert_time=WEDNESDAY + timedelta(seconds=5)))) == []


def test_signal_expired():
    assert codes(check(signal(expires_at=WEDNESDAY))) == ["signal_expired"]
    assert codes(check(signal(expires_at=WEDNESDAY + timedelta(seconds=1)))) == []


@pytest.mark.parametrize(
    ("moment", "closed"),
    [
        (datetime(2026, 12, 4, 21, 59, tzinfo=UTC), False),  # Friday 16:59 New York (EST, UTC-5)
        (datetime(2026, 12, 4, 22, 0, tzinfo=UTC), True),  # Friday 17:00 New York
        (datetime(2026, 12, 5, 12, 0, tzinfo=UTC), True),  # Saturday
        (datetime(2026, 12, 6, 21, 59, tzinfo=UTC), True),  # Sunday 16:59 New York
        (datetime(2026, 12, 6, 22, 0, tzinfo=UTC), False),  # Sunday 17:00 New York: open
        (datetime(2026, 7, 3, 21, 0, tzinfo=UTC), True),  # Friday 17:00 New York in summer (EDT, UTC-4)
    ],
)
def test_market_closed_for_fx_over_the_weekend(moment, closed):
    assert codes(check(signal(), now=moment)) == (["market_closed"] if closed else [])


def test_crypto_never_closes():
    saturday = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    s = signal(symbol="BTCUSD")
    assert codes(check(s, now=saturday, q=quote("BTCUSD", "60000", "60010"))) == []


# ---- sizing ------------------------------------------------------------------------------------
def size(
    s, q, *, equity="10000", currency="USD", market=None, risk="1", min_conf="75", table=sig.DEFAULT_TABLE
):
    return sig.size_signal(
        s,
        instrument=get_instrument(s.symbol),
        quote=q,
        equity=D(equity),
        account_currency=currency,
        market=market or QuoteBoard(),
        default_risk_pct=D(risk),
        min_confidence=D(min_conf),
        table=table,
    )


def test_eurusd_risk_sizing_by_hand():
    # Fill at ask 1.10000, SL 1.09800: 20 pips. One lot's pip: 0.0001 x 100000 = 10 USD.
    # Budget 10000 x 1 % = 100; 100 / (20 x 10) = 0.5 lots.
    sized = size(signal(stop_loss=D("1.09800")), quote("EURUSD", "1.09990", "1.10000"))
    assert (sized.budget, sized.stop_pips, sized.pip_value, sized.raw_lots) == (
        D("100"),
        D("20"),
        D("10"),
        D("0.5"),
    )
    assert (sized.multiplier, sized.lots, sized.risk_pct_from) == (D("1.0"), D("0.50"), "account")


def test_usdjpy_pip_value_is_converted_at_the_stop_price():
    # Sell fills at bid 150.000, SL 150.500: 50 pips. One lot's pip: 0.01 x 100000 = 1000 JPY,
    # / 150.500 = 6.6445... USD. Budget 100: 100 / (50 x 6.6445) = 0.30100 -> 0.30 lots.
    s = signal(symbol="USDJPY", action=sig.Action.SELL, side="sell", stop_loss=D("150.500"))
    sized = size(s, quote("USDJPY", "150.000", "150.020"))
    assert sized.stop_pips == D("50")
    assert sized.pip_value.quantize(D("0.0001")) == D("6.6445")
    assert sized.lots == D("0.30")


def test_xauusd_sizing():
    # Buy fills at 2000.50, SL 1995.50: 5.00 / 0.1 = 50 pips. One lot's pip: 0.1 x 100 = 10 USD.
    # Risk 2 %: 200 / (50 x 10) = 0.4 lots.
    s = signal(symbol="XAUUSD", stop_loss=D("1995.50"), risk_pct=D("2"))
    sized = size(s, quote("XAUUSD", "2000.20", "2000.50"))
    assert (sized.stop_pips, sized.pip_value, sized.lots, sized.risk_pct_from) == (
        D("50"),
        D("10"),
        D("0.40"),
        "signal",
    )


def test_cross_pair_converts_through_gbpusd():
    # EURGBP buy fills at 0.85010, SL 0.84810: 20 pips. One lot's pip: 10 GBP x GBPUSD mid 1.25 = 12.5 USD.
    # Budget 100: 100 / (20 x 12.5) = 0.4 lots.
    board = QuoteBoard()
    board.update(quote("GBPUSD", "1.24990", "1.25010"))
    s = signal(symbol="EURGBP", stop_loss=D("0.84810"))
    sized = size(s, quote("EURGBP", "0.85000", "0.85010"), market=board)
    assert (sized.pip_value, sized.lots) == (D("12.50000"), D("0.40"))


def test_risk_amount_is_a_share_of_equity():
    # 50 USD of 10000 is 0.5 %: 50 / (20 x 10) = 0.25 lots.
    sized = size(signal(stop_loss=D("1.09800"), risk_amount=D("50")), quote("EURUSD", "1.09990", "1.10000"))
    assert (sized.risk_pct, sized.risk_pct_from, sized.lots) == (D("0.5"), "risk_amount", D("0.25"))


@pytest.mark.parametrize(
    ("confidence", "multiplier", "lots"),
    [
        (None, "1.0", "0.50"),
        ("74.99", "0", "0"),  # below the account's minimum 75: not executed
        ("75", "1.0", "0.50"),
        ("84.99", "1.0", "0.50"),
        ("85", "1.25", "0.62"),  # 0.5 x 1.25 = 0.625, rounded down
        ("94.99", "1.25", "0.62"),
        ("95", "1.5", "0.75"),
        ("100", "1.5", "0.75"),
    ],
)
def test_confidence_table(confidence, multiplier, lots):
    s = signal(stop_loss=D("1.09800"), confidence=None if confidence is None else D(confidence))
    sized = size(s, quote("EURUSD", "1.09990", "1.10000"))
    assert (sized.multiplier, sized.lots) == (D(multiplier), D(lots))


def test_an_accounts_own_table():
    table = sig.confidence_table([{"from": "50", "multiplier": "0.5"}, {"from": "90", "multiplier": "2"}])
    s = signal(stop_loss=D("1.09800"), confidence=D("60"))
    assert size(s, quote("EURUSD", "1.09990", "1.10000"), min_conf="50", table=table).lots == D("0.25")
    assert sig.confidence_table_json(table) == [
        {"from": "50", "multiplier": "0.5"},
        {"from": "90", "multiplier": "2"},
    ]


@pytest.mark.parametrize(
    "table",
    [
        [],
        [{"from": 90, "multiplier": 1}, {"from": 80, "multiplier": 1}],
        [{"from": 50}],
        [{"from": 50, "multiplier": 0}],
    ],
)
def test_a_bad_table_is_refused(table):
    with pytest.raises(InvalidInput):
        sig.confidence_table(table)


def test_lots_round_down_and_cap_at_max_lot():
    # 1 pip stop on 1,000,000 equity: 10000 / (1 x 10) = 1000 lots, capped at EURUSD's max 100.
    s = signal(stop_loss=D("1.09990"))
    sized = size(s, quote("EURUSD", "1.09990", "1.10000"), equity="1000000")
    assert (sized.raw_lots, sized.capped, sized.lots) == (D("1000"), True, D("100"))


def test_zero_lots_when_min_lot_exceeds_the_budget():
    # 100 pips on 100 equity at 1 %: 1 / (100 x 10) = 0.001 lots, below the 0.01 minimum.
    sized = size(signal(stop_loss=D("1.09000")), quote("EURUSD", "1.09990", "1.10000"), equity="100")
    assert sized.lots == D("0")


def test_sizing_needs_a_stop_unless_lots_are_given():
    with pytest.raises(InvalidInput):
        size(signal(), quote("EURUSD", "1.09990", "1.10000"))
    assert size(signal(lots=D("0.3")), quote("EURUSD", "1.09990", "1.10000")).lots == D("0.30")


@given(
    stop_pips=st.integers(min_value=1, max_value=2000),
    equity=st.integers(min_value=100, max_value=10_000_000),
    risk=st.decimals(min_value="0.01", max_value="10", places=2),
    confidence=st.one_of(st.none(), st.decimals(min_value="75", max_value="100", places=2)),
    symbol=st.sampled_from(["EURUSD", "USDJPY", "XAUUSD", "EURGBP"]),
)
def test_loss_at_stop_never_exceeds_budget_times_multiplier(stop_pips, equity, risk, confidence, symbol):
    asks = {"EURUSD": "1.10000", "USDJPY": "150.000", "XAUUSD": "2000.00", "EURGBP": "0.85000"}
    instrument = get_instrument(symbol)
    ask = D(asks[symbol])
    stop = ask - stop_pips * instrument.pip_size
    board = QuoteBoard()
    board.update(quote("GBPUSD", "1.25", "1.25"))
    s = signal(symbol=symbol, stop_loss=stop, confidence=confidence, risk_pct=risk)
    sized = size(s, quote(symbol, ask - instrument.pip_size, ask), equity=str(equity), market=board)
    loss_in_quote = sized.lots * (ask - stop) * instrument.contract_size
    loss = {"USDJPY": loss_in_quote / stop, "EURGBP": loss_in_quote * D("1.25")}.get(symbol, loss_in_quote)
    assert loss <= sized.budget * sized.multiplier


# ---- journal chain and webhook checks ----------------------------------------------------------
def test_chain_hash_is_sha256_of_previous_and_canonical_row():
    row = {"b": D("1.10"), "a": WEDNESDAY, "c": [1, "x"]}
    canonical = b'{"a":"2026-12-02T14:30:00+00:00","b":"1.10","c":[1,"x"]}'
    assert sig.canonical_bytes(row) == canonical
    assert sig.chain_hash("0" * 64, row) == hashlib.sha256(b"0" * 64 + canonical).hexdigest()


def test_ip_allowlist_takes_addresses_and_ranges():
    assert sig.ip_allowed("52.89.214.238", ["52.89.214.238"])
    assert sig.ip_allowed("10.1.2.3", ["10.0.0.0/8"])
    assert not sig.ip_allowed("10.1.2.3", ["52.89.214.238", "192.168.0.0/16"])
    assert not sig.ip_allowed("not an ip", ["0.0.0.0/0"])


def test_secrets_match_exactly():
    assert sig.secrets_match("s3cret", "s3cret")
    assert not sig.secrets_match("s3cre", "s3cret")


def standard_signature(key: bytes, msg_id: str, stamp: int, body: bytes) -> str:
    # The Standard Webhooks recipe, written out here: base64(HMAC-SHA256(key, "id.timestamp.body")).
    mac = hmac.new(key, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def test_standard_webhooks_signature():
    key = b"0123456789abcdef0123456789abcdef"
    secret = "whsec_" + base64.b64encode(key).decode()
    body = b'{"symbol":"EURUSD","action":"buy"}'
    stamp = int(WEDNESDAY.timestamp())
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(stamp)}
    good = standard_signature(key, "msg_1", stamp, body)
    assert sig.verify_signature(secret, {**headers, "webhook-signature": good}, body, now=WEDNESDAY) is None
    # Several signatures (key rotation): one valid is enough.
    both = f"v1,AAAA {good}"
    assert sig.verify_signature(secret, {**headers, "webhook-signature": both}, body, now=WEDNESDAY) is None
    assert sig.verify_signature(
        secret, {**headers, "webhook-signature": good}, body + b" ", now=WEDNESDAY
    ) == ("bad_signature")
    late = WEDNESDAY + timedelta(minutes=5, seconds=1)
    assert (
        sig.verify_signature(secret, {**headers, "webhook-signature": good}, body, now=late)
        == "signature_expired"
    )
    assert sig.verify_signature(secret, headers, body, now=WEDNESDAY) == "missing_signature"


def test_a_plain_secret_signs_with_its_bytes():
    stamp = int(WEDNESDAY.timestamp())
    good = standard_signature(b"plain-secret", "m", stamp, b"x")
    headers = {"webhook-id": "m", "webhook-timestamp": str(stamp), "webhook-signature": good}
    assert sig.verify_signature("plain-secret", headers, b"x", now=WEDNESDAY) is None


def test_drift_limit_defaults_to_a_quarter_of_the_stop():
    eurusd = get_instrument("EURUSD")
    # Reference 1.10000, SL 1.09800 (20 pips): limit 5 pips. A fill at 1.10060 is 6 pips away.
    assert sig.drift_pips(
        instrument=eurusd, fill=D("1.10060"), reference=D("1.10000"), stop_loss=D("1.09800"), limit_pips=None
    ) == (D("6.0"), D("5.0"))
    assert (
        sig.drift_pips(
            instrument=eurusd,
            fill=D("1.10050"),
            reference=D("1.10000"),
            stop_loss=D("1.09800"),
            limit_pips=None,
        )
        is None
    )


def test_shadow_exit_stop_first_at_the_quote_and_target_at_its_level():
    # A buy valued at the bid: gapping through the stop fills at the gapped bid.
    assert sig.shadow_exit(
        side="buy", stop=D("1.098"), target=D("1.103"), bid=D("1.0970"), ask=D("1.0972")
    ) == (
        D("1.0970"),
        "sl_hit",
    )
    assert sig.shadow_exit(
        side="buy", stop=D("1.098"), target=D("1.103"), bid=D("1.1040"), ask=D("1.1042")
    ) == (
        D("1.103"),
        "tp1_hit",
    )
    assert sig.shadow_exit(side="sell", stop=D("1.103"), target=None, bid=D("1.1000"), ask=D("1.1002")) == (
        None,
        "",
    )
