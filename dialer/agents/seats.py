"""Preview seats: which queue member a preview call may reach.

A preview call joins the campaign's queue like any answered call, so while two agents of the
same campaign have calls ringing, either debtor could be handed to either agent. Asterisk's
queue has the tool for this: a caller's channel variables ``QUEUE_MIN_PENALTY`` and
``QUEUE_MAX_PENALTY`` bound the penalties of the members it may ring. Each agent of a preview
campaign is added with a penalty of their own, their *seat*, and each preview call asks for its
agent's seat only: the debtor the agent previewed reaches that agent and no one else.

Seats are small positive integers (0 is every non-preview member's penalty), the lowest free
one first, kept from the agent's login to their logout. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PreviewSeats:
    """The seats of one campaign's agents: username -> queue penalty."""

    _by_agent: dict[str, int] = field(default_factory=dict)

    def seat(self, username: str) -> int:
        """The agent's seat, given now (the lowest one free) if they have none."""
        seat = self._by_agent.get(username)
        if seat is None:
            taken = set(self._by_agent.values())
            seat = next(n for n in range(1, len(taken) + 2) if n not in taken)
            self._by_agent[username] = seat
        return seat

    def held(self, username: str) -> int | None:
        return self._by_agent.get(username)

    def free(self, username: str) -> None:
        """The agent left the campaign's queue: their seat is free for the next one."""
        self._by_agent.pop(username, None)

    def __len__(self) -> int:
        return len(self._by_agent)


def penalty_variables(seat: int) -> dict[str, str]:
    """The Originate variables that let a call reach only the member with this seat."""
    return {"QUEUE_MIN_PENALTY": str(seat), "QUEUE_MAX_PENALTY": str(seat)}
