"""The persistence boundary: rows <-> domain objects (`mapping`), the order path's SQL (`sql`), the
unit of work that loads a portfolio under the account lock and writes it back (`session`), and
the REST token lookup (`tokens`). Callers import these names from here (docs/architecture.md,
"Persistence")."""

from .mapping import (
    ACTIVE,
    SWAP_COLUMNS,
    NumericOverflow,
    account_state,
    as_stored,
    check_storable,
    ticket_from_row,
)
from .session import PortfolioSession
from .sql import (
    fetch,
    fetch_with_related,
    insert,
    latest_value,
    lock_account,
    statement_cursor,
    summarize_positions,
    update,
    update_rows,
    values_where,
)
from .tokens import token_and_user

__all__ = [
    "ACTIVE",
    "SWAP_COLUMNS",
    "NumericOverflow",
    "PortfolioSession",
    "account_state",
    "as_stored",
    "check_storable",
    "fetch",
    "fetch_with_related",
    "insert",
    "latest_value",
    "lock_account",
    "statement_cursor",
    "summarize_positions",
    "ticket_from_row",
    "token_and_user",
    "update",
    "update_rows",
    "values_where",
]
