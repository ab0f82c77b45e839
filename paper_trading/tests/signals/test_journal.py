"""The decision journal (docs/signals.md, The decision journal): one row per decision, filters,
CSV and JSON-lines export, the hash chain that shows an edited row, and owners."""

import csv
import hashlib
import io
import json

import pytest

from paper_trading.models import Decision
from paper_trading.tests.api.support import url

pytestmark = pytest.mark.django_db


@pytest.fixture
def journal(send, btc, auto):
    """Three decisions: executed (source a), rejected invalid_sl_geometry (a), skipped (b)."""
    send({"symbol": "BTCUSD", "action": "buy", "stop_loss": "59010", "source": "a"})
    send({"symbol": "BTCUSD", "action": "buy", "stop_loss": "60500", "source": "a"})
    send({"symbol": "BTCUSD", "action": "buy", "stop_loss": "59010", "source": "b", "confidence": 50})
    return list(Decision.objects.order_by("id"))


def listed(api, **query):
    answer = api.get(url("decisions/"), query)
    assert answer.status_code == 200
    return [(row["source"], row["outcome"], row["reason_code"]) for row in answer.json()["results"]]


def test_each_decision_is_a_row_with_its_inputs_and_checks(api, journal):
    assert [(d.outcome, d.reason_code) for d in journal] == [
        ("executed", ""),
        ("rejected", "invalid_sl_geometry"),
        ("skipped", "below_min_confidence"),
    ]
    row = api.get(url(f"decisions/{journal[0].pk}/")).json()
    assert row["inputs"] == {"bid": "60000.00", "ask": "60010.00"}
    geometry = {c["code"]: c for c in row["checks"]}["invalid_sl_geometry"]
    assert (geometry["passed"], geometry["value"]) == (True, ["59010", "60010"])
    assert row["sizing"]["lots"] == "0.10" and row["trade"] is not None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"source": "a"}, {("a", "executed", ""), ("a", "rejected", "invalid_sl_geometry")}),
        ({"outcome": "skipped"}, {("b", "skipped", "below_min_confidence")}),
        ({"code": "invalid_sl_geometry"}, {("a", "rejected", "invalid_sl_geometry")}),
        ({"from": "2099-01-01T00:00:00Z"}, set()),
    ],
)
def test_filters(api, journal, query, expected):
    assert set(listed(api, **query)) == expected


def test_a_bad_filter_is_400(api, journal):
    answer = api.get(url("decisions/"), {"outcome": "won"})
    assert (answer.status_code, answer.json()["code"]) == (400, "validation_error")


def test_csv_export_has_a_header_and_a_row_per_decision(api, journal):
    answer = api.get(url("decisions/export/"), {"as": "csv"})
    assert (answer.status_code, answer["Content-Type"]) == (200, "text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode())))
    assert [r["outcome"] for r in rows] == ["executed", "rejected", "skipped"]
    assert json.loads(rows[0]["inputs"]) == {"bid": "60000.00", "ask": "60010.00"}
    assert rows[2]["hash"] == journal[2].hash


def test_jsonl_export_is_one_object_a_line_filtered_like_the_list(api, journal):
    answer = api.get(url("decisions/export/"), {"as": "jsonl", "source": "b"})
    assert answer["Content-Type"] == "application/x-ndjson"
    lines = b"".join(answer.streaming_content).decode().splitlines()
    assert [json.loads(line)["reason_code"] for line in lines] == ["below_min_confidence"]


def test_the_chain_links_each_row_to_the_one_before(journal):
    assert journal[0].previous_hash == "0" * 64
    for before, after in zip(journal, journal[1:], strict=False):
        assert after.previous_hash == before.hash
    # sha256 over the previous hash and the row as sorted, compact JSON, written out here
    first = journal[0]
    row = {
        "account": first.account_id,
        "signal": first.signal_id,
        "time": first.time.isoformat(),
        "source": "a",
        "symbol": "BTCUSD",
        "inputs": {"bid": "60000.00", "ask": "60010.00"},
        "checks": first.checks,
        "outcome": "executed",
        "reason_code": "",
        "message": first.message,
        "sizing": first.sizing,
        "trade": first.trade_id,
    }
    canonical = json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert first.hash == hashlib.sha256(("0" * 64 + canonical).encode()).hexdigest()


def test_verify_answers_ok_with_the_count(api, journal):
    assert api.get(url("decisions/verify/")).json() == {"ok": True, "checked": 3, "broken_at": None}


def test_verify_finds_an_edited_row(api, journal):
    Decision.objects.filter(pk=journal[1].pk).update(outcome="executed", reason_code="")
    assert api.get(url("decisions/verify/")).json() == {"ok": False, "broken_at": journal[1].pk, "checked": 1}


def test_verify_finds_a_removed_row(api, journal):
    Decision.objects.filter(pk=journal[1].pk).delete()
    assert api.get(url("decisions/verify/")).json()["broken_at"] == journal[2].pk


def test_a_journal_row_cannot_be_saved_again(journal):
    row = journal[0]
    row.outcome = "rejected"
    with pytest.raises(Exception, match="(?i)immutable|append"):
        row.save()


def test_another_user_reads_none_of_it(client_for, other_user, journal):
    theirs = client_for(other_user)
    assert theirs.get(url("decisions/")).json()["results"] == []
    assert theirs.get(url(f"decisions/{journal[0].pk}/")).status_code == 404
    assert theirs.get(url("decisions/"), {"account": journal[0].account_id}).json()["results"] == []
    assert theirs.get(url("decisions/verify/"), {"account": journal[0].account_id}).status_code == 404
    assert b"below_min_confidence" not in theirs.get(url("decisions/export/")).content


def test_the_journal_is_read_only(api, journal):
    assert api.post(url("decisions/"), {}, format="json").status_code == 405
    assert api.delete(url(f"decisions/{journal[0].pk}/")).status_code == 405
