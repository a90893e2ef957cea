"""One queue, one campaign: an Asterisk queue is the campaign's pool of agents. Pure.

A predictive campaign's pacer dials for its own agents and keeps its own abandon rate under the
cap (3% per calling campaign, 47 CFR 64.1200(a)(7)). Asterisk knows no campaigns: it hands a
queued caller to any free member of the queue. Two campaigns on one queue would each dial for
agents the other's callers take, so neither could hold its cap, and a debtor would reach an
agent who answers to another campaign's rules (its retries, its jurisdiction, its scripts).
A dialer therefore does not start a campaign on a queue another running campaign uses: it logs
why and runs the others.
"""

from __future__ import annotations

from collections.abc import Mapping


def shared_queue(running: Mapping[str, str], campaign_id: str, queue: str) -> str | None:
    """What is wrong when ``queue`` is also the queue of another of the ``running`` campaigns
    (campaign id -> queue); None when it is not."""
    for other, used in running.items():
        if other != campaign_id and used == queue:
            return (
                f"campaigns {campaign_id} and {other} share the queue {queue!r}: Asterisk hands "
                "either campaign's callers to the other's agents. Give each campaign its own "
                "queue (campaign settings and asterisk_conf/queues.conf)"
            )
    return None
