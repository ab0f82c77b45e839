"""Invariants over random order flow (STYLE lesson 10): the ledger explains the balance, a buy and
a sell over the same path mirror each other, and a trade is closed at most once."""

from datetime import timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from paper_trading.domain.errors import DomainError
from paper_trading.domain.instruments import get_instrument
from paper_trading.domain.numbers import CENT

from .factories import T0, D, order, tick, venue

START = {"EURUSD": D("1.10000"), "USDJPY": D("150.000"), "XAUUSD": D("2000.00")}
lots_st = st.integers(min_value=1, max_value=200).map(lambda n: D(n) / 100)

tick_op = st.tuples(
    st.just("tick"),
    st.one_of(st.integers(-400, 400), st.integers(-3000, 3000)),  # move in points; now and then a gap
    st.integers(min_value=0, max_value=30),  # spread in points
    st.integers(min_value=1, max_value=600),  # minutes later (crosses 17:00 New York now and then)
)
market_op = st.tuples(
    st.just("market"),
    st.sampled_from(["buy", "sell"]),
    lots_st,
    st.one_of(st.none(), st.integers(min_value=5, max_value=80)),  # SL distance in pips
    st.integers(min_value=0, max_value=3),  # how many TP levels
    st.one_of(st.none(), st.integers(min_value=5, max_value=50)),  # trailing pips
    st.booleans(),  # breakeven after TP1
)
pending_op = st.tuples(
    st.just("pending"),
    st.sampled_from(["buy", "sell"]),
    lots_st,
    st.sampled_from(["limit", "stop", "stop_limit"]),
    st.integers(min_value=1, max_value=60),  # distance from the market in pips
    st.sampled_from(["GTC", "DAY", "IOC"]),
    st.one_of(st.none(), st.integers(min_value=5, max_value=80)),
)
close_op = st.tuples(st.just("close"), st.integers(min_value=0, max_value=50), st.booleans())
cancel_op = st.tuples(st.just("cancel"), st.integers(min_value=0, max_value=50))
ops_st = st.lists(st.one_of(tick_op, tick_op, market_op, pending_op, close_op, cancel_op), max_size=40)
account_st = st.fixed_dictionaries(
    {
        "balance": st.sampled_from([D("3000"), D("100000")]),
        "mode": st.sampled_from(["hedging", "netting", "nfa"]),
        "commission_per_lot": st.sampled_from([D(0), D("3.5"), D("7")]),
        "commission_pct": st.sampled_from([D(0), D("0.002")]),
        "slippage_pips": st.sampled_from([D(0), D("0.3")]),
    }
)


class Run:
    """Drives random operations on one account of an exchange; refusals are part of the game."""

    def __init__(self, symbol: str, settings_: dict):
        settings_ = dict(settings_)
        self.ex, self.acct = venue(settings_.pop("balance"), **settings_)
        self.symbol = symbol
        self.instrument = get_instrument(symbol)
        self.bid, self.spread, self.time = START[symbol], D(0), T0
        self.ordered = D(0)  # lots of every accepted order
        self.tick(0, 0, 0)

    @property
    def ask(self) -> Decimal:
        return self.bid + self.spread

    def tick(self, points: int, spread: int, minutes: int) -> None:
        point = self.instrument.point
        self.bid = max(self.bid + points * point, START[self.symbol] / 2)
        self.spread = spread * point
        self.time += timedelta(minutes=minutes)
        tick(self.ex, self.symbol, self.bid, self.ask, self.time)

    def level(self, side: str, pips: int, *, against: bool) -> Decimal:
        """A price `pips` away from the fill side: against the trade (a stop) or for it (a target)."""
        pip = self.instrument.pip_size
        if side == "buy":
            return self.bid - pips * pip if against else self.ask + pips * pip
        return self.ask + pips * pip if against else self.bid - pips * pip

    def play(self, ops, after_each=None) -> "Run":
        """Apply `ops` in turn, calling `after_each(self)` after every one."""
        for op in ops:
            self.apply(op)
            if after_each is not None:
                after_each(self)
        return self

    def apply(self, op) -> None:
        kind = op[0]
        try:
            if kind == "tick":
                self.tick(*op[1:])
            elif kind == "market":
                _, side, lots, sl, n_tp, trailing, breakeven = op
                tps = {
                    f"take_profit_{i}": self.level(side, 10 * i, against=False) for i in range(1, n_tp + 1)
                }
                req = order(
                    self.symbol,
                    side,
                    lots,
                    trailing_stop_pips=trailing,
                    breakeven_after_tp1=breakeven,
                    stop_loss=self.level(side, sl, against=True) if sl else None,
                    **tps,
                )
                self.ex.place(self.acct.id, req)
                self.ordered += lots
            elif kind == "pending":
                _, side, lots, entry_type, distance, tif, sl = op
                resting_limit = entry_type == "limit"
                price = self.level(side, distance, against=resting_limit)
                limit = price + (1 if side == "buy" else -1) * 5 * self.instrument.pip_size
                reference = limit if entry_type == "stop_limit" else price
                direction = 1 if side == "buy" else -1
                stop = reference - direction * sl * self.instrument.pip_size if sl else None
                req = order(
                    self.symbol,
                    side,
                    lots,
                    entry_type=entry_type,
                    price=price,
                    time_in_force=tif,
                    limit_price=limit if entry_type == "stop_limit" else None,
                    stop_loss=stop,
                )
                self.ex.place(self.acct.id, req)
                self.ordered += lots
            elif kind == "close":
                _, index, partial = op
                open_ = self.ex.portfolios[self.acct.id].open_tickets()
                if open_:
                    ticket = open_[index % len(open_)]
                    lots = (ticket.lots / 2).quantize(CENT) if partial and ticket.lots >= D("0.02") else None
                    self.ex.close(self.acct.id, ticket.id, lots=lots)
            elif kind == "cancel":
                pending = self.ex.portfolios[self.acct.id].pending_tickets()
                if pending:
                    self.ex.cancel(self.acct.id, pending[op[1] % len(pending)].id)
        except DomainError:
            pass


def _check_ledger(run: Run) -> None:
    ledger = run.ex.ledgers[run.acct.id]
    running = D(0)
    for entry in ledger:
        assert entry.amount == entry.amount.quantize(CENT)
        running += entry.amount
        assert entry.balance_after == running
    assert run.acct.balance == running


@settings(max_examples=60, deadline=None)
@given(symbol=st.sampled_from(sorted(START)), account=account_st, ops=ops_st)
def test_balance_equals_the_sum_of_the_ledger_after_any_sequence(symbol, account, ops):
    Run(symbol, account).play(ops, after_each=_check_ledger)


@settings(max_examples=60, deadline=None)
@given(symbol=st.sampled_from(sorted(START)), account=account_st, ops=ops_st)
def test_a_trade_is_closed_at_most_once(symbol, account, ops):
    run = Run(symbol, account).play(ops)
    remaining: dict[int, Decimal] = {}
    closed_at: dict[int, int] = {}
    for n, fill in enumerate(run.ex.fills):
        key = id(fill.ticket)
        assert key not in closed_at, "a fill after the trade was closed"
        remaining[key] = remaining.get(key, D(0)) + (fill.lots if fill.kind == "entry" else -fill.lots)
        assert remaining[key] >= 0, "closed more lots than were open"
        if remaining[key] == 0:
            closed_at[key] = n
    for ticket in run.ex.history:
        if ticket.status == "closed":
            assert id(ticket) in closed_at
            assert ticket.lots == 0
    for ticket in run.ex.active():
        assert id(ticket) not in closed_at


def _check_fills_match_orders(run: Run) -> None:
    # Entry fills (including those netted into a position) never add up to more than was ordered.
    entered = sum((f.lots for f in run.ex.fills if f.kind == "entry"), D(0))
    assert entered <= run.ordered


@settings(max_examples=60, deadline=None)
@given(symbol=st.sampled_from(sorted(START)), account=account_st, ops=ops_st)
def test_orders_fill_at_most_their_own_lots(symbol, account, ops):
    _check_fills_match_orders(Run(symbol, account).play(ops))


small_tick_op = st.tuples(st.just("tick"), st.integers(-150, 150), st.integers(0, 5), st.integers(1, 30))
netting_ops_st = st.lists(
    st.one_of(small_tick_op, small_tick_op, market_op, pending_op, close_op), max_size=30
)


@settings(max_examples=60, deadline=None)
@given(symbol=st.sampled_from(sorted(START)), ops=netting_ops_st)
def test_netting_keeps_one_position_and_fills_each_order_once(symbol, ops):
    run = Run(symbol, {"balance": D("100000"), "mode": "netting"})
    for op in ops:
        run.apply(op)
        assert len(run.ex.portfolios[run.acct.id].open_tickets()) <= 1
    _check_fills_match_orders(run)
    _check_ledger(run)


path_st = st.lists(
    st.tuples(st.integers(min_value=-300, max_value=300), st.integers(min_value=0, max_value=4)),
    min_size=1,
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(symbol=st.sampled_from(sorted(START)), lots=lots_st, path=path_st)
def test_buy_and_sell_over_the_same_path_have_opposite_gross_pnl(symbol, lots, path):
    # Zero spread (bid == ask), no commission, no slippage: each closing fill of the buy and of the
    # sell happens at the same price, so their gross P&L (and pips) are exact opposites.
    run = Run(symbol, {"balance": D("1000000"), "mode": "hedging"})
    buy = run.ex.place(run.acct.id, order(symbol, "buy", lots))
    sell = run.ex.place(run.acct.id, order(symbol, "sell", lots))
    assert buy.entry_price == sell.entry_price
    for points, step in path:
        run.tick(points, 0, 7)
        if step == 0 and buy.lots >= D("0.02"):
            part = (buy.lots / 2).quantize(CENT)
            run.ex.close(run.acct.id, buy.id, lots=part)
            run.ex.close(run.acct.id, sell.id, lots=part)
    run.ex.close(run.acct.id, buy.id)
    run.ex.close(run.acct.id, sell.id)
    buy_exits = [f for f in run.ex.fills if f.ticket is buy and f.kind == "exit"]
    sell_exits = [f for f in run.ex.fills if f.ticket is sell and f.kind == "exit"]
    assert [f.pnl for f in buy_exits] == [-f.pnl for f in sell_exits]
    assert [f.pips for f in buy_exits] == [-f.pips for f in sell_exits]
    assert buy.realized_pnl == -sell.realized_pnl
    assert buy.pips_gained == -sell.pips_gained
