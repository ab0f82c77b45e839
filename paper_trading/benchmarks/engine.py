"""Tick throughput of the domain core: the trigger book against a naive scan of every ticket."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from ..domain.exchange import Exchange
from ..domain.orders import EntryType, Side
from ..domain.quotes import Quote
from ..domain.trading import OrderRequest

PIP = Decimal("0.0001")
MID = Decimal("1.10000")


def build_exchange(open_trades: int, pending: int, accounts: int, seed: int, progress=None) -> Exchange:
    """`open_trades` positions and `pending` resting orders on EURUSD, spread over `accounts`,
    with every level at least 20 pips from the 1.10000 mid so quiet ticks trigger nothing."""
    rng = random.Random(seed)
    start = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)  # a Monday morning: no rollover during the run
    ex = Exchange(start=start)
    ex.tick("EURUSD", MID - PIP / 2, MID + PIP / 2, start)
    ids = [
        ex.open_account(
            Decimal("100000000"),
            now=start,
            max_risk_per_trade_pct=None,
            max_portfolio_heat_pct=None,
            max_daily_loss_pct=None,
        ).id
        for _ in range(accounts)
    ]
    for n in range(open_trades):
        side = Side.BUY if n % 2 == 0 else Side.SELL
        d = side.direction
        sl = MID - d * rng.randint(30, 300) * PIP
        tp = MID + d * rng.randint(30, 300) * PIP
        trail = Decimal(rng.randint(40, 80)) if n % 10 == 0 else None
        ex.place(
            ids[n % accounts],
            OrderRequest(
                "EURUSD", side, Decimal("0.10"), stop_loss=sl, take_profit_1=tp, trailing_stop_pips=trail
            ),
            now=start,
        )
        if progress and n % 1000 == 0:
            progress(n, open_trades + pending)
    kinds = [EntryType.LIMIT, EntryType.STOP]
    for n in range(pending):
        side = Side.BUY if n % 2 == 0 else Side.SELL
        kind = kinds[n % 2]
        # A buy limit rests below the market, a buy stop above (mirrored for sells).
        away = -1 if (kind is EntryType.LIMIT) == (side is Side.BUY) else 1
        price = MID + away * rng.randint(20, 200) * PIP
        ex.place(
            ids[n % accounts],
            OrderRequest("EURUSD", side, Decimal("0.10"), entry_type=kind, price=price),
            now=start,
        )
    return ex


def quiet_ticks(count: int, seed: int) -> list[Quote]:
    """A random walk that stays within +-15 pips of the mid (the trailing stops' band included)."""
    rng = random.Random(seed)
    t = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    quotes, offset = [], 0
    for i in range(count):
        offset = max(-15, min(15, offset + rng.choice((-1, 0, 1))))
        mid = MID + offset * PIP
        quotes.append(Quote("EURUSD", mid - PIP / 2, mid + PIP / 2, t + timedelta(milliseconds=i), "bench"))
    return quotes


def run(
    *, open_trades=10_000, pending=2_000, accounts=100, ticks=200_000, naive_ticks=300, seed=7, progress=None
) -> dict:
    ex = build_exchange(open_trades, pending, accounts, seed, progress)
    # Trailing stops start 25-80 pips away and ratchet on the first favourable ticks; warm up
    # so the measured ticks are the steady state where nothing triggers.
    for quote in quiet_ticks(5_000, seed + 1):
        ex.apply(quote)
    quotes = quiet_ticks(ticks, seed + 2)
    fired = 0
    began = time.perf_counter()
    for quote in quotes:
        fired += ex.apply(quote)
    book_seconds = time.perf_counter() - began
    began = time.perf_counter()
    naive_hits = 0
    for quote in quotes[:naive_ticks]:
        naive_hits += ex.naive_apply(quote)
    naive_seconds = time.perf_counter() - began
    book_rate = ticks / book_seconds
    naive_rate = naive_ticks / naive_seconds
    return {
        "open_trades": sum(1 for t in ex.active() if t.status == "open"),
        "pending_orders": sum(1 for t in ex.active() if t.status == "pending"),
        "accounts": accounts,
        "ticks": ticks,
        "triggered_during_measure": fired,
        "book_ticks_per_s": round(book_rate),
        "book_us_per_tick": round(1e6 / book_rate, 2),
        "naive_ticks": naive_ticks,
        "naive_hits": naive_hits,
        "naive_ticks_per_s": round(naive_rate, 1),
        "naive_us_per_tick": round(1e6 / naive_rate, 1),
        "speedup": round(book_rate / naive_rate, 1),
    }
