"""Per-source and per-type scorecards of signals (docs/signals.md, Scorecards): pure arithmetic
over plain values, so the figures can be checked by hand."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from .numbers import money

ZERO = Decimal(0)
R_PLACES = Decimal("0.01")
RATE_PLACES = Decimal("0.1")


@dataclass(frozen=True, slots=True)
class SignalFacts:
    """What the scorecard needs of one signal and, when it was executed and closed, its trade."""

    source: str
    type: str
    status: str
    reasons: tuple[str, ...] = ()
    closed: bool = False
    pnl: Decimal | None = None  # the trade's realized P&L, account currency, net of costs
    r: Decimal | None = None  # pnl / initial risk
    tp_levels_hit: int = 0
    tp_levels_set: int = 0
    mfe_r: Decimal | None = None
    mae_r: Decimal | None = None
    delay_seconds: Decimal | None = None  # alert_time -> fill
    shadow_r: Decimal | None = None  # a refused signal's shadow outcome, once it closed
    shadow_open: bool = False


@dataclass
class _Tally:
    received: int = 0
    by_status: Counter = field(default_factory=Counter)
    rejected_by_code: Counter = field(default_factory=Counter)
    pnls: list[Decimal] = field(default_factory=list)
    rs: list[Decimal] = field(default_factory=list)
    tp_hits: Counter = field(default_factory=Counter)
    tp_chances: Counter = field(default_factory=Counter)
    mfe: list[Decimal] = field(default_factory=list)
    mae: list[Decimal] = field(default_factory=list)
    delays: list[Decimal] = field(default_factory=list)
    shadow_rs: list[Decimal] = field(default_factory=list)
    shadow_open: int = 0

    def add(self, facts: SignalFacts) -> None:
        self.received += 1
        self.by_status[facts.status] += 1
        if facts.status in ("rejected", "skipped"):
            for code in facts.reasons[-1:]:
                self.rejected_by_code[code] += 1
        if facts.closed and facts.pnl is not None:
            self.pnls.append(facts.pnl)
            if facts.r is not None:
                self.rs.append(facts.r)
            for level in (1, 2, 3):
                if facts.tp_levels_set >= level:
                    self.tp_chances[level] += 1
                    self.tp_hits[level] += facts.tp_levels_hit >= level
        for values, value in (
            (self.mfe, facts.mfe_r),
            (self.mae, facts.mae_r),
            (self.delays, facts.delay_seconds),
        ):
            if value is not None:
                values.append(value)
        if facts.shadow_r is not None:
            self.shadow_rs.append(facts.shadow_r)
        self.shadow_open += facts.shadow_open


def _mean(values: list[Decimal], places: Decimal) -> Decimal | None:
    return (sum(values, ZERO) / len(values)).quantize(places) if values else None


def _rate(hits: int, of: int) -> Decimal | None:
    return (Decimal(100) * hits / of).quantize(RATE_PLACES) if of else None


def _row(key: dict, tally: _Tally) -> dict:
    wins = [p for p in tally.pnls if p > 0]
    losses = [p for p in tally.pnls if p < 0]
    gross_loss = -sum(losses, ZERO)
    shadow_wins = [r for r in tally.shadow_rs if r > 0]
    return {
        **key,
        "received": tally.received,
        "executed": tally.by_status["executed"],
        "alerted": tally.by_status["alerted"],
        "rejected": tally.by_status["rejected"],
        "skipped": tally.by_status["skipped"],
        "rejected_by_code": dict(sorted(tally.rejected_by_code.items())),
        "closed_trades": len(tally.pnls),
        "win_rate": _rate(len(wins), len(tally.pnls)),
        "avg_r": _mean(tally.rs, R_PLACES),
        "expectancy_r": _mean(tally.rs, R_PLACES),
        "expectancy": money(sum(tally.pnls, ZERO) / len(tally.pnls)) if tally.pnls else None,
        "total_pnl": money(sum(tally.pnls, ZERO)),
        "profit_factor": (sum(wins, ZERO) / gross_loss).quantize(R_PLACES) if gross_loss else None,
        "tp1_hit_rate": _rate(tally.tp_hits[1], tally.tp_chances[1]),
        "tp2_hit_rate": _rate(tally.tp_hits[2], tally.tp_chances[2]),
        "tp3_hit_rate": _rate(tally.tp_hits[3], tally.tp_chances[3]),
        "avg_mfe_r": _mean(tally.mfe, R_PLACES),
        "avg_mae_r": _mean(tally.mae, R_PLACES),
        "avg_delay_seconds": _mean(tally.delays, RATE_PLACES),
        "shadow_closed": len(tally.shadow_rs),
        "shadow_open": tally.shadow_open,
        "shadow_win_rate": _rate(len(shadow_wins), len(tally.shadow_rs)),
        "shadow_avg_r": _mean(tally.shadow_rs, R_PLACES),
        "shadow_total_r": sum(tally.shadow_rs, ZERO).quantize(R_PLACES) if tally.shadow_rs else None,
    }


def scorecards(facts: Iterable[SignalFacts]) -> dict[str, list[dict]]:
    """`{"by_source": [...], "by_type": [...]}`: one row per source and one per type, each with
    the counts, the closed trades' win rate, R and money figures, TP hit rates, excursions, the
    alert-to-fill delay and what the refused signals' shadows made."""
    by_source: dict[str, _Tally] = defaultdict(_Tally)
    by_type: dict[str, _Tally] = defaultdict(_Tally)
    for item in facts:
        by_source[item.source].add(item)
        by_type[item.type].add(item)
    return {
        "by_source": [_row({"source": k, "type": None}, t) for k, t in sorted(by_source.items())],
        "by_type": [_row({"source": None, "type": k}, t) for k, t in sorted(by_type.items())],
    }
