"""An agent's membership of a campaign's Asterisk queue, as typed commands.

The agent state machine returns these; the AMI client (``dialer.ami.pbx``: ``queue_add``,
``queue_remove``, ``queue_pause``) sends them. No AMI text here.

The member interface is where the queue rings the agent. The lab's Asterisk 22 rings agents
through a Local channel into the ``agents`` context (``Local/agent1@agents/n``) and watches the
agent's busy state on ``Local/agent1@agents``; a site with plain phones may ring
``PJSIP/{extension}`` directly. Both come from :class:`MemberInterface` templates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_EXTENSION = re.compile(r"^[A-Za-z0-9_.+-]{1,32}$")


@dataclass(frozen=True, slots=True)
class MemberInterface:
    """How an agent's extension becomes a queue member interface and a state interface."""

    template: str = "Local/{extension}@agents/n"
    state_template: str = "Local/{extension}@agents"

    @classmethod
    def pjsip(cls) -> MemberInterface:
        return cls("PJSIP/{extension}", "PJSIP/{extension}")

    def interface(self, extension: str) -> str:
        return self.template.format(extension=check_extension(extension))

    def state_interface(self, extension: str) -> str:
        return self.state_template.format(extension=check_extension(extension))


def check_extension(extension: str) -> str:
    """The extension, if it is safe to put in a dial string (no ``/``, ``@``, ``&`` ...)."""
    if not _EXTENSION.match(extension):
        msg = f"extension {extension!r} must be 1-32 letters, digits or _ . + -"
        raise ValueError(msg)
    return extension


@dataclass(frozen=True, slots=True)
class QueueAddMember:
    queue: str
    interface: str
    member_name: str
    paused: bool
    state_interface: str
    reason: str = ""
    penalty: int = 0  # 0 unless a preview seat (see dialer.agents.seats)


@dataclass(frozen=True, slots=True)
class QueueRemoveMember:
    queue: str
    interface: str


@dataclass(frozen=True, slots=True)
class QueuePauseMember:
    queue: str
    interface: str
    paused: bool
    reason: str = ""


QueueAction = QueueAddMember | QueueRemoveMember | QueuePauseMember
