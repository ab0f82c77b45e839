"""`events.batched()`: what a block queues goes out after commit in one publish, and a rolled-back
savepoint inside still drops its own events (docs/architecture.md, Events)."""

import pytest
from django.db import transaction

from paper_trading import events

pytestmark = pytest.mark.django_db(transaction=True)


class Recorder:
    def __init__(self):
        self.calls: list[list[str]] = []

    def publish(self, event):
        self.calls.append([event["type"]])

    def publish_many(self, batch):
        self.calls.append([event["type"] for event in batch])


@pytest.fixture
def recorder():
    recorder = Recorder()
    previous = events.set_broadcaster(recorder)
    yield recorder
    events.set_broadcaster(previous)


def test_a_batch_is_one_publish_after_commit(recorder):
    with transaction.atomic(), events.batched():
        events.publish_on_commit([{"type": "a"}])
        events.publish_on_commit([{"type": "b"}, {"type": "c"}])
        assert recorder.calls == []
    assert recorder.calls == [["a", "b", "c"]]


def test_a_rolled_back_savepoint_drops_its_events_from_the_batch(recorder):
    with transaction.atomic(), events.batched():
        events.publish_on_commit([{"type": "kept"}])
        try:
            with transaction.atomic():
                events.publish_on_commit([{"type": "undone"}])
                raise RuntimeError
        except RuntimeError:
            pass
        events.publish_on_commit([{"type": "after"}])
    assert recorder.calls == [["kept", "after"]]


def test_a_rolled_back_transaction_publishes_nothing(recorder):
    with pytest.raises(RuntimeError), transaction.atomic(), events.batched():
        events.publish_on_commit([{"type": "undone"}])
        raise RuntimeError
    assert recorder.calls == []


def test_without_a_batch_each_call_publishes_on_its_own(recorder):
    with transaction.atomic():
        events.publish_on_commit([{"type": "a"}])
        events.publish_on_commit([{"type": "b"}])
    assert recorder.calls == [["a"], ["b"]]


def test_a_batch_sends_only_the_latest_alert_of_a_signal_and_update_of_an_account(recorder):
    sent = []
    recorder.publish_many = sent.extend
    with transaction.atomic(), events.batched():
        events.publish_on_commit([{"type": "signal_alert", "signal": {"id": 7, "status": "received"}}])
        events.publish_on_commit([{"type": "trade_execution", "trade": {"id": 3}}])
        events.publish_on_commit([{"type": "account_update", "account": {"id": 1, "balance": "1"}}])
        events.publish_on_commit([{"type": "signal_alert", "signal": {"id": 8, "status": "alerted"}}])
        events.publish_on_commit([{"type": "account_update", "account": {"id": 1, "balance": "2"}}])
        events.publish_on_commit([{"type": "signal_alert", "signal": {"id": 7, "status": "executed"}}])
    assert [(e["type"], (e.get("signal") or e.get("account") or e.get("trade"))) for e in sent] == [
        ("trade_execution", {"id": 3}),
        ("signal_alert", {"id": 8, "status": "alerted"}),  # another signal: kept
        ("account_update", {"id": 1, "balance": "2"}),
        ("signal_alert", {"id": 7, "status": "executed"}),
    ]


def test_outside_a_batch_every_event_is_sent(recorder):
    with transaction.atomic():
        events.publish_on_commit([{"type": "signal_alert", "signal": {"id": 7}}])
        events.publish_on_commit([{"type": "signal_alert", "signal": {"id": 7}}])
    assert recorder.calls == [["signal_alert"], ["signal_alert"]]
