"""Stored bars replayed through the worker path (`PriceWorker` -> `process_tick`), broadcasts off."""

from __future__ import annotations

import io
import random
import resource
import time
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from ..engine import PaperTradingEngine
from ..models import Fill, PaperTrade, PriceCache
from ..services.accounts import AccountSettings, account_ensure_default, account_open
from ..worker import PriceWorker, ReplayWorkerFeed

USER = "bench_replay"
PIP = Decimal("0.0001")


def _place_book(first, trades: int, accounts: int, seed: int) -> None:
    """Half market positions with SL/TP 30-300 pips away, half resting limit/stop orders."""
    rng = random.Random(seed)
    User = get_user_model()
    User.objects.filter(username=USER).delete()
    user = User.objects.create_user(USER, password=None)
    account_ensure_default(user=user)
    settings = AccountSettings(
        initial_balance=Decimal("10000000.00"),
        max_risk_per_trade_pct=None,
        max_portfolio_heat_pct=None,
        max_daily_loss_pct=None,
    )
    ids = [account_open(user=user, settings=settings).pk for _ in range(accounts)]
    engine = PaperTradingEngine(user)
    mid = first.open
    engine.process_tick("EURUSD", mid, mid + PIP, first.time, source="replay")
    for n in range(trades):
        side = "buy" if n % 2 == 0 else "sell"
        d = 1 if side == "buy" else -1
        account = ids[n % accounts]
        if n < trades // 2:
            engine.place(
                symbol="EURUSD",
                side=side,
                lot_size=Decimal("0.10"),
                account=account,
                now=first.time,
                stop_loss=mid - d * rng.randint(30, 300) * PIP,
                take_profit_1=mid + d * rng.randint(30, 300) * PIP,
            )
        else:
            kind = "limit" if n % 4 < 2 else "stop"
            away = -d if kind == "limit" else d
            engine.place(
                symbol="EURUSD",
                side=side,
                entry_type=kind,
                lot_size=Decimal("0.10"),
                account=account,
                now=first.time,
                price=(price := mid + away * rng.randint(20, 200) * PIP),
                stop_loss=price - d * rng.randint(30, 300) * PIP,
                take_profit_1=price + d * rng.randint(30, 300) * PIP,
            )


def run(
    *,
    file: str | None = None,
    trades: int = 1000,
    accounts: int = 10,
    seed: int = 11,
    progress=None,
    keep: bool = False,
) -> dict:
    path = Path(file) if file else Path(settings.BASE_DIR).parent / "shared" / "data" / "EURUSD_H4.csv"
    if not path.exists():
        raise CommandError(f"{path} not found (pass --file)")
    began = time.perf_counter()
    call_command(
        "import_bars",
        file=str(path),
        symbol="EURUSD",
        timeframe="H4",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    import_seconds = time.perf_counter() - began
    bars = PriceCache.objects.filter(symbol="EURUSD", interval="4h")
    first = bars.order_by("time").first()
    _place_book(first, trades, accounts, seed)
    fills_before = Fill.objects.count()
    engine = PaperTradingEngine(sync_every=0.25, publish_every=0.1)
    worker = PriceWorker(
        ["EURUSD"],
        feed=ReplayWorkerFeed(["EURUSD"], "4h", None, None, 0),
        engine=engine,
        broadcast=False,
        build_bars=False,
    )
    began = time.perf_counter()
    worker.run(cycles=1)
    seconds = time.perf_counter() - began
    user = get_user_model().objects.get(username=USER)
    figures = {
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "bars": bars.count(),
        "import_seconds": round(import_seconds, 2),
        "ticks": worker.ticks,
        "seconds": round(seconds, 2),
        "ticks_per_s": round(worker.ticks / seconds),
        "orders_placed": trades,
        "fills": Fill.objects.count() - fills_before,
        "still_open": PaperTrade.objects.filter(user=user, status="open").count(),
        "still_pending": PaperTrade.objects.filter(user=user, status="pending").count(),
        "errors": worker.errors,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    if not keep:
        get_user_model().objects.filter(username=USER).delete()
    return figures
