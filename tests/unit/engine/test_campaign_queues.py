"""One queue, one campaign: a dialer will not run two campaigns on one Asterisk queue."""

import pytest

from dialer.engine.campaign_queues import SharedQueueError, refuse_shared_queue


def test_a_campaign_is_not_started_on_the_queue_of_another_running_campaign() -> None:
    running = {"retail": "collections", "utilities": "utilities"}
    with pytest.raises(SharedQueueError) as refused:
        refuse_shared_queue(running, "telecom", "collections")
    message = str(refused.value)
    assert "telecom is not started" in message
    assert "retail" in message
    assert "'collections'" in message
    assert "its own queue" in message


def test_campaigns_on_queues_of_their_own_start() -> None:
    running = {"retail": "collections"}
    refuse_shared_queue(running, "telecom", "telecom")
    refuse_shared_queue(running, "retail", "collections")  # itself, loaded again
