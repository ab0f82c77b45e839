"""The trade's row <-> ticket mapping follows from `Ticket` and `PaperTrade._meta`: every column has
a place, and a ticket survives the trip to its row and back (docs/architecture.md, "Persistence")."""

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal

from paper_trading.domain.orders import EntryType, Side, Status, Ticket, TimeInForce
from paper_trading.models import Account, AccountPeriod, PaperTrade
from paper_trading.persistence import SWAP_COLUMNS, mapping


def test_every_trade_column_is_a_tickets_attribute_or_the_rows_own():
    columns = {f.attname for f in PaperTrade._meta.concrete_fields}
    mapped = {column for _, column in mapping.TICKET_COLUMNS}

    assert columns == mapped | mapping.ROW_ONLY_COLUMNS
    assert not mapped & mapping.ROW_ONLY_COLUMNS
    assert {f.name for f in dataclasses.fields(Ticket)} - {a for a, _ in mapping.TICKET_COLUMNS} == {"dirty"}
    assert set(SWAP_COLUMNS) <= mapped and SWAP_COLUMNS[:2] == ["id", "account_id"]


def test_a_ticket_reads_back_from_its_row_as_it_was():
    when = datetime(2026, 11, 20, 22, 0, tzinfo=UTC)
    ticket = Ticket(
        account_id=7,
        symbol="USDJPY",
        side=Side.SELL,
        lots=Decimal("0.30"),
        entry_type=EntryType.STOP_LIMIT,
        status=Status.PENDING,
        id=11,
        price=Decimal("150.100"),
        limit_price=Decimal("150.050"),
        time_in_force=TimeInForce.GTD,
        expire_at=when,
        oco_with=12,
        client_order_id="abc",
        stop_loss=Decimal("151.000"),
        take_profit_3=Decimal("148.000"),
        trailing_stop_pips=Decimal("25.00"),
        margin=Decimal("90.0000000000"),
        initial_risk=Decimal("19.9866844207"),
        signal_source="telegram",
        notes="from a test",
        created_at=when,
    )
    row = mapping.new_row(ticket, Account(pk=7, user_id=3), AccountPeriod(pk=5))
    row.id = ticket.id
    row.created_at = ticket.created_at

    assert (row.side, row.entry_type, row.status, row.time_in_force) == (
        "sell",
        "stop_limit",
        "pending",
        "GTD",
    )
    assert (row.signal_id, row.exit_reason, row.signal_source) == ("", "", "telegram")
    assert (row.user_id, row.period_id, row.profit_loss) == (3, 5, Decimal("0.00"))
    assert dataclasses.asdict(mapping.ticket_from_row(row)) == dataclasses.asdict(ticket)
    assert row.account_id == 7 and "account_id" not in {f for f in mapping.UPDATABLE}


def test_what_the_domain_computes_by_division_is_stored_at_its_columns_scale():
    ticket = Ticket(account_id=1, symbol="EURUSD", side=Side.BUY, lots=Decimal("1"))
    ticket.pips_gained = Decimal(1) / 3
    ticket.margin = Decimal(2) / 3
    row = PaperTrade()

    mapping.copy_ticket_to_row(ticket, row)

    assert (row.pips_gained, row.margin, row.initial_risk) == (
        Decimal("0.3333"),
        Decimal("0.6666666667"),
        None,
    )
