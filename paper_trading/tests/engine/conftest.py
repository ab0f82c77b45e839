import pytest

from paper_trading import events


@pytest.fixture
def recorder():
    """Capture what the broadcaster publishes."""
    broadcaster = events.LogBroadcaster()
    previous = events.set_broadcaster(broadcaster)
    yield broadcaster.sent
    events.set_broadcaster(previous)
