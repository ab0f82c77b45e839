"""The committed frontend/src/lib/money-vectors.json is what the domain computes today.

The dashboard's Vitest checks its display math against that file (docs/frontend.md, Money
figures); this test closes the other half: a change to the domain's money that was not followed
by `python manage.py write_test_vectors` fails here.
"""

import json
from pathlib import Path

from paper_trading.domain.vectors import money_vectors, render

COMMITTED = Path(__file__).resolve().parents[3] / "frontend" / "src" / "lib" / "money-vectors.json"
REGENERATE = "run `python manage.py write_test_vectors` and commit frontend/src/lib/money-vectors.json"


def test_committed_money_vectors_match_the_domain():
    committed = json.loads(COMMITTED.read_text())
    current = money_vectors()
    stale = [
        f"{group}: {case['name']}"
        for group in ("unrealized", "accounts", "sizing")
        for case in current[group]
        if case not in committed.get(group, [])
    ]
    assert committed == current, f"money-vectors.json is stale ({REGENERATE}); changed: " + "; ".join(stale)


def test_vectors_cover_jpy_gold_and_a_cross_pair():
    symbols = {case["instrument"]["symbol"] for case in money_vectors()["unrealized"]}
    assert {"USDJPY", "XAUUSD", "EURGBP", "GBPJPY"} <= symbols


def test_rendering_is_stable():
    assert render() == render()
