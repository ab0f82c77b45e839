"""The tick processor's two stores agree: the same random orders and ticks, driven through the
in-memory store (`Exchange`) and the database store (`TickPath`), leave the same fills, ledger
entries and balances (docs/architecture.md, One tick's path)."""

from dataclasses import fields
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paper_trading.domain.errors import DomainError
from paper_trading.domain.exchange import Exchange
from paper_trading.domain.instruments import get_instrument
from paper_trading.domain.orders import EntryType, Side
from paper_trading.domain.trading import OrderRequest
from paper_trading.engine import PaperTradingEngine
from paper_trading.market import STATE, forget_quotes
from paper_trading.models import Account, Fill, LedgerEntry
from paper_trading.persistence import account_state
from paper_trading.services.accounts import account_ensure_default

D = Decimal
START = datetime(2025, 1, 13, 12, 0, tzinfo=UTC)  # a Monday: the first rollover is 22:00 UTC
MIDS = {
    "EURUSD": D("1.10000"),
    "GBPUSD": D("1.27000"),
    "EURGBP": D("0.86000"),  # a cross: valued through GBPUSD on a USD account
    "USDJPY": D("150.000"),  # quoted in JPY: P&L divided by its own price
    "XAUUSD": D("2000.00"),
}
SYMBOLS = sorted(MIDS)
ACCOUNTS = 3

# A step of the market: every symbol moves by its own number of pips, some minutes later.
ticks = st.tuples(
    st.just("tick"),
    st.lists(st.integers(-40, 40), min_size=len(SYMBOLS), max_size=len(SYMBOLS)),
    st.integers(1, 300),
)
orders = st.tuples(
    st.just("order"),
    st.integers(0, ACCOUNTS - 1),
    st.sampled_from(SYMBOLS),
    st.sampled_from(["buy", "sell"]),
    st.sampled_from(["market", "market", "limit", "stop"]),
    st.integers(3, 25),  # pending orders rest this many pips from the market
    st.one_of(st.none(), st.integers(5, 30)),  # stop loss, pips
    st.one_of(st.none(), st.integers(5, 30)),  # take profit, pips
    st.sampled_from(["0.10", "0.50", "1.00", "5.00", "40.00"]),  # the last one strains margin
)
scenarios = st.lists(st.one_of(ticks, ticks, orders), min_size=5, max_size=30)


class Venue:
    """One store driven by the scenario: `place` and `tick` return what the caller would see."""

    def place(self, n, req: OrderRequest, now) -> str:
        """What the caller sees: "ok", or the code of the refusal; `submit` is the store's own call."""
        try:
            self.submit(n, req, now)
        except DomainError as exc:
            return exc.code
        return "ok"

    @staticmethod
    def ranked(rows: list[tuple]) -> list[tuple]:
        """One account's fills, (ticket id, ...) each: the id replaced by the ticket's rank in that
        account, as ids differ between the stores."""
        rank = {tid: i for i, tid in enumerate(sorted({row[0] for row in rows}))}
        return [(rank[row[0]], *row[1:]) for row in rows]


class Memory(Venue):
    def __init__(self, db_accounts: list[Account]):
        self.ex = Exchange(start=START)
        self.ids = []
        for row in db_accounts:
            state = account_state(row)
            # Everything the row's state carries but its id and balance (the deposit opens it).
            settings_ = {
                f.name: getattr(state, f.name) for f in fields(state) if f.name not in ("id", "balance")
            }
            self.ids.append(self.ex.open_account(row.balance, now=START, **settings_).id)

    def tick(self, symbol, bid, ask, time):
        self.ex.tick(symbol, bid, ask, time)

    def submit(self, n, req: OrderRequest, now):
        self.ex.place(self.ids[n], req, now)

    def outcome(self):
        fills, ledgers, balances = [], [], []
        for account_id in self.ids:
            rows = [
                (f.ticket.id, f.kind, f.side.value, f.lots, f.price, f.reason, f.pnl, f.pips)
                for f in self.ex.fills
                if f.ticket.account_id == account_id
            ]
            fills.append(self.ranked(rows))
            ledgers.append([(e.kind, e.amount, e.balance_after) for e in self.ex.ledgers[account_id]])
            balances.append(self.ex.portfolios[account_id].account.balance)
        return fills, ledgers, balances


class Database(Venue):
    def __init__(self, engines: list[PaperTradingEngine], accounts: list[Account]):
        self.engines, self.accounts = engines, accounts
        self.path = PaperTradingEngine()

    def tick(self, symbol, bid, ask, time):
        result = self.path.process_tick(symbol, bid, ask, time)
        assert result.failed == []

    def submit(self, n, req: OrderRequest, now):
        fields = {
            "price": req.price,
            "stop_loss": req.stop_loss,
            "take_profit_1": req.take_profit_1,
        }
        self.engines[n].place(
            symbol=req.symbol,
            side=req.side.value,
            entry_type=req.entry_type.value,
            lot_size=req.lots,
            account=self.accounts[n].pk,
            now=now,
            **{k: v for k, v in fields.items() if v is not None},
        )

    def outcome(self):
        fills, ledgers, balances = [], [], []
        for account in self.accounts:
            rows = [
                (f.trade_id, f.kind, f.side, f.lot_size, f.price, f.reason, f.pnl, f.pips)
                for f in Fill.objects.filter(account=account).order_by("id")
            ]
            fills.append(self.ranked(rows))
            entries = LedgerEntry.objects.filter(account=account).order_by("id")
            ledgers.append([(e.kind, e.amount, e.balance_after) for e in entries])
            account.refresh_from_db()
            balances.append(account.balance)
        return fills, ledgers, balances


def request(symbol, side, kind, away, sl, tp, lots, mid) -> OrderRequest:
    """An order on `symbol` with its levels `away`/`sl`/`tp` pips from `mid`."""
    pip = get_instrument(symbol).pip_size
    d = 1 if side == "buy" else -1
    entry_type = EntryType(kind)
    price = None
    reference = mid
    if entry_type is not EntryType.MARKET:
        # A buy limit rests below the market, a buy stop above (mirrored for sells).
        sign = -d if entry_type is EntryType.LIMIT else d
        price = reference = mid + sign * away * pip
    return OrderRequest(
        symbol=symbol,
        side=Side(side),
        lots=D(lots),
        entry_type=entry_type,
        price=price,
        stop_loss=None if sl is None else reference - d * sl * pip,
        take_profit_1=None if tp is None else reference + d * tp * pip,
    )


def run(venues, scenario):
    """Drive every venue through `scenario`; the answers to each order must agree as they go."""
    now = START
    mids = dict(MIDS)

    def quote(symbol):
        instrument = get_instrument(symbol)
        half = instrument.pip_size * 2
        return instrument.price(mids[symbol] - half), instrument.price(mids[symbol] + half)

    for symbol in SYMBOLS:
        for venue in venues:
            venue.tick(symbol, *quote(symbol), now)
    for step in scenario:
        if step[0] == "tick":
            _, moves, minutes = step
            now += timedelta(minutes=minutes)
            for symbol, pips in zip(SYMBOLS, moves, strict=True):
                instrument = get_instrument(symbol)
                mids[symbol] = instrument.price(mids[symbol] + pips * instrument.pip_size)
                for venue in venues:
                    venue.tick(symbol, *quote(symbol), now)
        else:
            _, n, symbol, side, kind, away, sl, tp, lots = step
            req = request(symbol, side, kind, away, sl, tp, lots, mids[symbol])
            answers = [venue.place(n, req, now) for venue in venues]
            assert len(set(answers)) == 1, answers


@pytest.fixture
def db_accounts(make_user):
    engines, accounts = [], []
    for n in range(ACCOUNTS):
        user = make_user(f"trader{n}")
        account = account_ensure_default(user=user)
        Account.objects.filter(pk=account.pk).update(
            max_risk_per_trade_pct=None, max_portfolio_heat_pct=None, max_daily_loss_pct=None
        )
        account.refresh_from_db()
        engines.append(PaperTradingEngine(user))
        accounts.append(account)
    return engines, accounts


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios)
def test_memory_and_database_stores_leave_the_same_fills_ledger_and_balances(db_accounts, scenario):
    engines, accounts = db_accounts
    with transaction.atomic():  # each example starts from the same accounts
        STATE.reset()
        forget_quotes()
        for account in accounts:
            account.refresh_from_db()
        memory, database = Memory(accounts), Database(engines, accounts)
        run([memory, database], scenario)
        assert memory.outcome() == database.outcome()
        print(
            "DBG", sorted({(f.kind, f.reason) for f in memory.ex.fills}), {e.type for e in memory.ex.events}
        )
        transaction.set_rollback(True)
