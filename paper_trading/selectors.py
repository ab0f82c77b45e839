"""Read queries. Owner scoping lives here, once: every query starts from the user."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models import F, Max, Min, Prefetch, QuerySet
from django.utils import timezone

from . import representations
from .domain.errors import InvalidInput, NoPrice, NotFound
from .domain.metrics import ClosedTrade, performance_report
from .domain.numbers import money, to_whole
from .domain.positions import reward_risk
from .domain.scorecard import ZERO, SignalFacts, scorecards
from .domain.trading import Portfolio
from .market import CachedMarket
from .models import (
    Account,
    AccountPeriod,
    Decision,
    EquitySnapshot,
    Fill,
    LedgerEntry,
    PaperTrade,
    PriceCache,
    Signal,
    SymbolAlias,
    WebhookHook,
)
from .persistence import account_state, ticket_from_row, values_where


def trades_for(user) -> QuerySet[PaperTrade]:
    return (
        PaperTrade.objects.filter(user=user)
        .select_related("account")
        .prefetch_related(Prefetch("fills", queryset=Fill.objects.order_by("time", "id")))
    )


def _id(value) -> int:
    """A row id from a path or query string: ASCII digits only (int() also reads "1_0" and
    full-width digits)."""
    number = to_whole(value)
    if number is None:
        raise ValueError(value)
    return number


def _one(queryset: QuerySet, object_id, what: str):
    """The row `object_id` of an owner-scoped queryset; another user's row is NotFound too."""
    try:
        return queryset.get(pk=_id(object_id))
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise NotFound(f"No such {what}.") from None


def trade_for(user, trade_id) -> PaperTrade:
    return _one(trades_for(user), trade_id, "trade")


def accounts_for(user) -> QuerySet[Account]:
    return Account.objects.filter(user=user).select_related("period")


def account_for(user, account_id) -> Account:
    return _one(accounts_for(user), account_id, "account")


# ---- signals (docs/signals.md) -----------------------------------------------------------------
def _owned(model, what: str, *related: str):
    """The pair of reads every owned object has: all of a user's rows, and one of them by id
    (another user's row is NotFound)."""

    def all_for(user) -> QuerySet:
        return model.objects.filter(user=user).select_related(*related)

    def one_for(user, object_id):
        return _one(all_for(user), object_id, what)

    return all_for, one_for


hooks_for, hook_for = _owned(WebhookHook, "webhook token")
aliases_for, alias_for = _owned(SymbolAlias, "symbol alias")
signals_for, signal_for = _owned(Signal, "signal", "account")
decisions_for, decision_for = _owned(Decision, "decision")


def alias_map(user) -> dict[str, str]:
    """The user's own symbol names, upper-cased, for the resolver."""
    rows = values_where(SymbolAlias, ("alias", "symbol"), by="user", value=user.pk)
    return {alias.upper(): symbol for alias, symbol in rows}


def default_account(user) -> Account | None:
    """The user's default account, or None before its first use (the write that opens it:
    `services.accounts.account_ensure_default`)."""
    return Account.objects.filter(user=user, is_default=True).first()


def account_figures(account: Account, market=None, *, portfolio: Portfolio | None = None) -> dict:
    """Live balance, equity, unrealized P&L, margin used, free margin and margin level; equity and
    what follows from it are None while a position's quote is missing."""
    market = market or CachedMarket()
    pf = portfolio
    if pf is None:
        rows = PaperTrade.objects.filter(account=account, status=PaperTrade.Status.OPEN)
        pf = Portfolio(account_state(account), [ticket_from_row(r) for r in rows])
    used = pf.margin_used()
    try:
        unrealized = pf.unrealized(market)
    except NoPrice:
        unrealized = None
    equity = None if unrealized is None else account.balance + unrealized
    level = None if not used or equity is None else (equity / used * 100).quantize(Decimal("0.01"))
    return {
        "balance": account.balance,
        "equity": None if equity is None else money(equity),
        "unrealized_pnl": None if unrealized is None else money(unrealized),
        "margin_used": money(used),
        "free_margin": None if equity is None else money(equity - used),
        "margin_level": level,
    }


#: `?period=current`: the period each account is in now (the one its last reset started).
CURRENT_PERIOD = "current"


def names_current_period(value) -> bool:
    """`?period=current` as both period filters read it: any case, spaces around allowed."""
    return str(value).strip().lower() == CURRENT_PERIOD


def period_of(account: Account, period_number) -> AccountPeriod:
    """The account's period numbered `period_number` (a `?period=` value, so text or a number)."""
    try:
        number = _id(period_number)
    except ValueError:
        raise InvalidInput("period must be a whole number or 'current'.", field="period") from None
    try:
        return account.periods.get(number=number)
    except AccountPeriod.DoesNotExist:
        raise NotFound("No such period.") from None


def ledger_for(account: Account, period_number=None) -> QuerySet[LedgerEntry]:
    if period_number is None or names_current_period(period_number):
        period = account.current_period
    else:
        period = period_of(account, period_number)
    return LedgerEntry.objects.filter(account=account, period=period).order_by("created_at", "id")


def trades_in_period(trades: QuerySet[PaperTrade], *, user, account_id, period) -> QuerySet[PaperTrade]:
    """`trades` narrowed to one period: `current` is each account's own current period; a number
    names a period of the user's account `account_id` (numbers restart at 1 on every account, so
    one is meaningless without the account). A list filter answers an unknown number with 400,
    like any other filter value it cannot match."""
    if names_current_period(period):
        return trades.filter(period_id=F("account__period_id"))
    if account_id is None:
        raise InvalidInput(
            "period=<number> needs account=<id>; period=current works across accounts.", field="period"
        )
    account = account_for(user, account_id)
    try:
        return trades.filter(period=period_of(account, period))
    except NotFound:
        raise InvalidInput(f"Account {account.pk} has no period {period}.", field="period") from None


def parse_days(value, default=30) -> int:
    if value in (None, ""):
        return default
    days = to_whole(value)
    if days is None:
        raise InvalidInput("days must be a whole number.", field="days")
    if not 1 <= days <= 36500:
        raise InvalidInput("days must be between 1 and 36500.", field="days")
    return days


def closed_trades(account: Account, since) -> list[ClosedTrade]:
    rows = PaperTrade.objects.filter(
        account=account, status=PaperTrade.Status.CLOSED, exit_time__gte=since, period=account.current_period
    )
    out = []
    for r in rows.order_by("exit_time", "id"):
        direction = 1 if r.side == "buy" else -1
        out.append(
            ClosedTrade(
                symbol=r.symbol,
                source=r.signal_source or None,
                side=r.side,
                entry_time=r.entry_time,
                exit_time=r.exit_time,
                pips=r.pips_gained,
                pnl=r.profit_loss,
                initial_risk=r.initial_risk or None,
                planned_rr=reward_risk(r.entry_price, r.stop_loss, r.take_profit_1, direction),
            )
        )
    return out


def equity_points(account: Account, since) -> list[tuple]:
    rows = EquitySnapshot.objects.filter(account=account, time__gte=since).order_by("time", "id")
    period = account.current_period
    if period is not None:
        rows = rows.filter(time__gte=period.started_at)
    return list(rows.values_list("time", "balance", "equity"))


def open_positions(user, account_id=None) -> QuerySet[PaperTrade]:
    """The user's open trades, newest first; `account_id`: one of the user's accounts only."""
    trades = trades_for(user).filter(status=PaperTrade.Status.OPEN)
    if account_id is not None:
        trades = trades.filter(account=account_for(user, account_id))
    return trades


def open_position_bodies(user, account_id=None) -> list[dict]:
    """Every open trade of `open_positions`, each as the REST body renders it (live
    `current_price`, `unrealized_pips`, `unrealized_pnl`)."""
    market = CachedMarket()
    return [
        representations.trade_dict(row, market, fills=list(row.fills.all()))
        for row in open_positions(user, account_id)
    ]


def performance_summary(account: Account, days: int) -> dict:
    """The performance report over the last `days` days of the account's current period, its
    figures as Decimals, the equity the account's live one."""
    figures = account_figures(account)
    since = timezone.now() - timedelta(days=days)
    trades = closed_trades(account, since)
    series = equity_points(account, since)
    report = performance_report(
        trades,
        initial_balance=account.current_period.initial_balance
        if account.current_period
        else account.initial_balance,
        current_balance=account.balance,
        equity=figures["equity"] if figures["equity"] is not None else account.balance,
        equity_series=series or None,
    )
    report["account"] = account.pk
    report["days"] = days
    return report


def equity_curve(account: Account, days: int) -> list[dict]:
    """The `equity_curve/` points as `{time, balance, equity}` with datetimes and Decimals: the
    snapshots of the last `days` days of the current period, then one for now when the live
    equity is known."""
    figures = account_figures(account)
    now = timezone.now()
    points = [
        {"time": t, "balance": b, "equity": e}
        for t, b, e in equity_points(account, now - timedelta(days=days))
    ]
    if figures["equity"] is not None:
        points.append({"time": now, "balance": account.balance, "equity": figures["equity"]})
    return points


SCORECARD_SIGNALS = 10_000  # the newest signals a scorecard reads
EXCURSION_BARS = "1m"


def signal_scorecard(user, *, account: Account | None = None) -> dict:
    """`GET signals/performance/`: per source and per type (docs/signals.md, Scorecards)."""
    signals = signals_for(user).select_related("trade", "shadow").order_by("-id")
    if account is not None:
        signals = signals.filter(account=account)
    facts = [_signal_facts(s) for s in signals[:SCORECARD_SIGNALS]]
    return representations.scorecards_dict(scorecards(facts))


def _signal_facts(signal: Signal) -> SignalFacts:
    trade = signal.trade
    shadow = getattr(signal, "shadow", None)  # (the reverse one-to-one raises AttributeError when absent)
    closed = trade is not None and trade.status == PaperTrade.Status.CLOSED
    r = None
    if closed and trade.initial_risk:
        r = (trade.profit_loss / trade.initial_risk).quantize(Decimal("0.0001"))
    mfe = mae = delay = None
    if trade is not None and trade.entry_time is not None:
        if signal.alert_time is not None:
            delay = Decimal((trade.entry_time - signal.alert_time).total_seconds()).quantize(Decimal("0.001"))
        if closed:
            mfe, mae = _excursions_r(trade, signal.stop_loss or trade.stop_loss)
    return SignalFacts(
        source=signal.source,
        type=signal.signal_type,
        status=signal.status,
        reasons=tuple(signal.reasons or ()),
        closed=closed,
        pnl=trade.profit_loss if closed else None,
        r=r,
        tp_levels_hit=trade.tp_levels_hit if closed else 0,
        tp_levels_set=sum(getattr(trade, f"take_profit_{n}") is not None for n in (1, 2, 3)) if closed else 0,
        mfe_r=mfe,
        mae_r=mae,
        delay_seconds=delay,
        shadow_r=shadow.r_multiple if shadow is not None and shadow.status == "closed" else None,
        shadow_open=shadow is not None and shadow.status == "open",
    )


def _excursions_r(trade: PaperTrade, stop: Decimal | None) -> tuple[Decimal | None, Decimal | None]:
    """Maximum favourable and adverse excursion of a closed trade in R, from the stored one-minute
    bars of its life (None without a stop or without bars)."""
    if stop is None or trade.entry_price is None or trade.exit_time is None:
        return None, None
    risk = abs(trade.entry_price - stop)
    if risk == 0:
        return None, None
    bars = PriceCache.objects.filter(
        symbol=trade.symbol, interval=EXCURSION_BARS, time__gte=trade.entry_time, time__lte=trade.exit_time
    ).aggregate(high=Max("high"), low=Min("low"))
    if bars["high"] is None:
        return None, None
    up, down = bars["high"] - trade.entry_price, trade.entry_price - bars["low"]
    favourable, adverse = (up, down) if trade.side == "buy" else (down, up)
    places = Decimal("0.01")
    return (max(favourable, ZERO) / risk).quantize(places), (max(adverse, ZERO) / risk).quantize(places)
