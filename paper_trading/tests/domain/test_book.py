"""The per-symbol trigger index: a quote finds exactly the entries whose levels it reaches."""

from paper_trading.domain.book import Book, SymbolBook
from paper_trading.domain.exchange import ticket_levels
from paper_trading.domain.orders import EntryType, Side, Status

from .factories import T0, D, at, order, quote, tick, ticket, venue

BID, ASK = D("1.10000"), D("1.10020")


def _book(**entries) -> SymbolBook:
    book = SymbolBook("EURUSD")
    for key, levels in entries.items():
        book.upsert(key, tuple(None if v is None else D(v) for v in levels))
    return book


def test_empty_book_triggers_nothing():
    assert SymbolBook("EURUSD").triggered(BID, ASK, T0) == set()


def test_bid_low_triggers_at_or_below_its_level():
    book = _book(stop=("1.09900", None, None, None))
    assert book.triggered(D("1.09901"), D("1.09921")) == set()
    assert book.triggered(D("1.09900"), D("1.09920")) == {"stop"}
    assert book.triggered(D("1.09500"), D("1.09520")) == {"stop"}


def test_bid_high_triggers_at_or_above_its_level():
    book = _book(target=(None, "1.10100", None, None))
    assert book.triggered(D("1.10099"), D("1.10119")) == set()
    assert book.triggered(D("1.10100"), D("1.10120")) == {"target"}


def test_ask_levels_react_to_the_ask_only():
    book = _book(buy_limit=(None, None, "1.09900", None), sell_stop=(None, None, None, "1.10100"))
    # Bid at 1.09890 is below the buy limit's level, but the ask 1.09910 is not.
    assert book.triggered(D("1.09890"), D("1.09910")) == set()
    assert book.triggered(D("1.09880"), D("1.09900")) == {"buy_limit"}
    # Bid 1.10090 below, ask 1.10110 above 1.10100.
    assert book.triggered(D("1.10090"), D("1.10110")) == {"sell_stop"}


def test_only_crossed_entries_are_returned():
    book = _book(
        a=("1.09900", "1.10100", None, None),
        b=("1.09800", "1.10200", None, None),
        c=("1.09700", "1.10300", None, None),
        d=(None, None, "1.09950", None),
    )
    assert book.triggered(BID, ASK) == set()
    assert book.triggered(D("1.10250"), D("1.10270")) == {"a", "b"}
    assert book.triggered(D("1.09800"), D("1.09820")) == {"a", "b", "d"}
    assert book.triggered(D("1.09000"), D("1.09020")) == {"a", "b", "c", "d"}


def test_triggered_entries_stay_in_the_book():
    book = _book(stop=("1.09900", None, None, None))
    assert book.triggered(D("1.09800"), D("1.09820")) == {"stop"}
    assert "stop" in book
    assert book.triggered(D("1.09800"), D("1.09820")) == {"stop"}


def test_upsert_replaces_the_levels_of_a_key():
    book = _book(stop=("1.09900", None, None, None))
    book.upsert("stop", (D("1.09500"), None, None, None))
    assert len(book) == 1
    assert book.triggered(D("1.09800"), D("1.09820")) == set()
    assert book.triggered(D("1.09500"), D("1.09520")) == {"stop"}


def test_remove_forgets_a_key():
    book = _book(stop=("1.09900", None, None, None), other=("1.09900", None, None, None))
    book.remove("stop")
    book.remove("never-there")
    assert "stop" not in book
    assert book.triggered(D("1.09800"), D("1.09820")) == {"other"}


def test_upsert_without_levels_or_expiry_stores_nothing():
    book = SymbolBook("EURUSD")
    book.upsert("x", (None, None, None, None))
    assert len(book) == 0


def test_keys_of_different_types_share_a_level():
    # Ticket ids (int) and margin bands (tuple) at the same price must not be compared.
    book = SymbolBook("EURUSD")
    book.upsert(7, (D("1.09900"), None, None, None))
    book.upsert(("margin", 1), (D("1.09900"), None, None, None))
    assert book.triggered(D("1.09900"), D("1.09920")) == {7, ("margin", 1)}


# ---- expiry --------------------------------------------------------------------------------


def test_expiry_triggers_once_its_time_has_come():
    book = SymbolBook("EURUSD")
    book.upsert("day", (None, None, D("1.09000"), None), expire_at=at(60))
    assert book.triggered(BID, ASK, at(59)) == set()
    assert book.triggered(BID, ASK) == set()  # no time, no expiry check
    assert book.triggered(BID, ASK, at(60)) == {"day"}


def test_expiry_of_an_entry_with_no_price_levels():
    book = SymbolBook("EURUSD")
    book.upsert("timer", (None, None, None, None), expire_at=at(5))
    assert "timer" in book
    assert book.triggered(BID, ASK, at(6)) == {"timer"}


def test_removed_entry_does_not_expire():
    book = SymbolBook("EURUSD")
    book.upsert("gone", (None, None, D("1.09000"), None), expire_at=at(10))
    book.remove("gone")
    assert book.triggered(BID, ASK, at(11)) == set()


def test_reregistered_entry_expires_at_its_new_time_only():
    book = SymbolBook("EURUSD")
    book.upsert("order", (None, None, D("1.09000"), None), expire_at=at(10))
    book.upsert("order", (None, None, D("1.09000"), None), expire_at=at(30))
    assert book.triggered(BID, ASK, at(11)) == set()
    assert book.triggered(BID, ASK, at(30)) == {"order"}


def test_expiry_heap_yields_entries_in_time_order():
    book = SymbolBook("EURUSD")
    for minutes in (30, 10, 20):
        book.upsert(f"m{minutes}", (None, None, None, None), expire_at=at(minutes))
    assert book.triggered(BID, ASK, at(15)) == {"m10"}
    assert book.triggered(BID, ASK, at(25)) == {"m20"}
    assert book.triggered(BID, ASK, at(35)) == {"m30"}


# ---- Book and the exchange's use of it ----------------------------------------------------------


def test_book_keeps_one_symbol_book_per_symbol():
    book = Book()
    assert book.for_symbol("EURUSD") is book.for_symbol("EURUSD")
    book.for_symbol("EURUSD").upsert(1, (D("1"), None, None, None))
    book.for_symbol("GBPUSD").upsert(1, (D("1"), None, None, None))
    book.remove_everywhere(1)
    assert 1 not in book.for_symbol("EURUSD")
    assert 1 not in book.for_symbol("GBPUSD")


def test_open_buy_registers_its_stop_and_target_on_the_bid():
    buy = ticket(
        side="buy", status=Status.OPEN, entry_price="1.10000", stop_loss="1.09900", take_profit_1="1.10100"
    )
    assert ticket_levels(buy) == (D("1.09900"), D("1.10100"), None, None)


def test_open_sell_registers_its_target_and_stop_on_the_ask():
    sell = ticket(
        side="sell", status=Status.OPEN, entry_price="1.10000", stop_loss="1.10100", take_profit_1="1.09900"
    )
    assert ticket_levels(sell) == (None, None, D("1.09900"), D("1.10100"))


def test_pending_orders_register_on_their_fill_side():
    def pending(side, entry_type, price):
        return ticket(side=side, entry_type=entry_type, price=price)

    assert ticket_levels(pending(Side.BUY, EntryType.LIMIT, "1.09900")) == (None, None, D("1.09900"), None)
    assert ticket_levels(pending(Side.BUY, EntryType.STOP, "1.10100")) == (None, None, None, D("1.10100"))
    assert ticket_levels(pending(Side.SELL, EntryType.LIMIT, "1.10100")) == (None, D("1.10100"), None, None)
    assert ticket_levels(pending(Side.SELL, EntryType.STOP, "1.09900")) == (D("1.09900"), None, None, None)


def test_quiet_tick_on_the_exchange_triggers_nothing():
    ex, acct = venue()
    tick(ex, "EURUSD", "1.10000")
    ex.place(acct.id, order(stop_loss="1.09900", take_profit_1="1.10100"))
    ex.place(acct.id, order(entry_type="limit", price="1.09500"))
    assert tick(ex, "EURUSD", "1.10050", time=at(1)) == 0
    assert tick(ex, "EURUSD", "1.10100", time=at(2)) == 1


def test_book_and_naive_scan_agree_on_what_a_quote_triggers():
    ex, acct = venue()
    tick(ex, "EURUSD", "1.10000")
    for sl, tp in (("1.09900", "1.10100"), ("1.09800", "1.10200"), ("1.09700", "1.10300")):
        ex.place(acct.id, order(stop_loss=sl, take_profit_1=tp))
    for bid in ("1.10050", "1.10150", "1.10250", "1.09850", "1.09650"):
        q = quote("EURUSD", bid, time=at(1))
        expected = ex.naive_apply(q)
        hits = {k for k in ex.book.for_symbol("EURUSD").triggered(q.bid, q.ask, q.time) if isinstance(k, int)}
        assert len(hits) == expected
