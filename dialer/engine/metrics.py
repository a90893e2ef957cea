"""Prometheus metrics of the dialer: calls by outcome, agents by state, dial level, abandon
rate against the cap, and whether AMD is on. One registry per dialer (no global state), served
by the agent API at ``/metrics``."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "DialerMetrics"]


class DialerMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.calls = Counter(
            "recoup_calls", "Outbound calls by final outcome", ["campaign", "outcome"], registry=r
        )
        self.refusals = Counter(
            "recoup_dial_refusals", "Dials the compliance gate refused, by rule",
            ["campaign", "rule"], registry=r,
        )  # fmt: skip
        self.agents = Gauge("recoup_agents", "Agents by state", ["campaign", "state"], registry=r)
        self.dial_level = Gauge(
            "recoup_dial_level", "Lines in use per working agent", ["campaign"], registry=r
        )
        self.abandon_rate = Gauge(
            "recoup_abandon_rate", "Abandoned / live-answered over the legal window",
            ["campaign"], registry=r,
        )  # fmt: skip
        self.abandon_cap = Gauge(
            "recoup_abandon_cap", "The campaign's abandon target", ["campaign"], registry=r
        )
        self.amd_on = Gauge(
            "recoup_amd_on", "1 while the campaign uses AMD", ["campaign"], registry=r
        )
        self.answer_to_bridge = Histogram(
            "recoup_answer_to_agent_seconds",
            "From a person on the line to an agent connected",
            ["campaign"],
            buckets=(0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0),
            registry=r,
        )

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
