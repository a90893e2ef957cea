"""What a pacer sees at one moment, and what it answers.

A pacer is a pure function of a :class:`PacingSnapshot`: the campaign's agents and lines at
``now``, its abandon meter and its learned estimates. It returns a :class:`DialDecision`: how many
calls to place now, in which mode, and why (the reason is shown to supervisors).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from dialer.pacing.abandon_meter import AbandonReading
from dialer.pacing.estimates import CampaignEstimates


class DialMode(StrEnum):
    """How a campaign dials."""

    PREVIEW = "preview"  # the agent asks for the next call
    PROGRESSIVE = "progressive"  # a fixed number of lines per free agent
    PREDICTIVE = "predictive"  # as many lines as the forecast allows


@dataclass(frozen=True, slots=True)
class PacingSnapshot:
    """A campaign's agents and lines at ``now``.

    Elapsed times are seconds since the talk, wrap-up or ringing started.
    """

    now: datetime
    agents_free: int
    talking: tuple[float, ...]
    wrapping: tuple[float, ...]
    ringing: tuple[float, ...]
    waiting: int
    abandon: AbandonReading
    estimates: CampaignEstimates
    on_machines: int = 0  # agents handling a machine answer (AMD off)
    screening: int = 0  # answered calls AMD is still listening to: each may be a person
    agents_paused: int = 0
    preview_requests: int = 0
    connect_limit_s: float = 2.0
    amd_on: bool = True

    @property
    def agents_working(self) -> int:
        """Agents logged in and not paused: free, talking, wrapping up or on a machine."""
        return self.agents_free + len(self.talking) + len(self.wrapping) + self.on_machines

    @property
    def wants_agent_share(self) -> float:
        """The share of dials answered by someone an agent must take: people, and machines too
        while AMD is off."""
        estimates = self.estimates
        if self.amd_on:
            return estimates.live.value
        return estimates.live.value + estimates.machine.value

    @property
    def calls_in_progress(self) -> int:
        """Lines that hold a call not yet with an agent."""
        return len(self.ringing) + self.screening + self.waiting

    @property
    def person_share_of_answers(self) -> float:
        """Of the calls answered, the share that are people (the rest machines): what a call
        AMD is still listening to will turn out to be."""
        estimates = self.estimates
        answered = estimates.live.value + estimates.machine.value
        return estimates.live.value / answered if answered > 0 else 1.0


@dataclass(frozen=True, slots=True)
class DialDecision:
    """How many calls to place now, and why."""

    dials: int
    mode: DialMode
    reason: str


class Pacer(Protocol):
    """A dialing policy."""

    name: str
    tick_s: float  # how often the campaign asks it

    def decide(self, snapshot: PacingSnapshot) -> DialDecision: ...


def one_to_one(snapshot: PacingSnapshot, ratio: float = 1.0) -> int:
    """Dialing at ``ratio`` lines per agent ready or talking, less the lines already in use.

    At 1:1 this is progressive dialing: one call for each free agent who has none on the way.
    """
    if snapshot.agents_working == 0:
        return 0
    talking = len(snapshot.talking)
    lines = round(ratio * (snapshot.agents_free + talking))
    return max(0, lines - talking - snapshot.calls_in_progress)
