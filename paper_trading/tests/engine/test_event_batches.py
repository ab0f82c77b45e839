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
