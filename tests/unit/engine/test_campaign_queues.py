"""One queue, one campaign: a dialer will not run two campaigns on one Asterisk queue."""

from dialer.engine.campaign_queues import shared_queue


def test_a_campaign_is_not_started_on_the_queue_of_another_running_campaign() -> None:
    running = {"retail": "collections", "utilities": "utilities"}
    message = shared_queue(running, "telecom", "collections")
    assert message is not None
    assert "telecom" in message
    assert "retail" in message
    assert "'collections'" in message
    assert "its own queue" in message


def test_campaigns_on_queues_of_their_own_start() -> None:
    running = {"retail": "collections"}
    assert shared_queue(running, "telecom", "telecom") is None
    assert shared_queue(running, "retail", "collections") is None  # itself, loaded again
