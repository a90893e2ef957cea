"""Everything a pbxsim run can be told: listening address, credentials, dialplan names,
called-party behaviour, agents, queues, timings and the time scale."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pbxsim.behaviour import BehaviourModel


@dataclass
class QueueConfig:
    name: str = "collections"
    member_timeout: float = 15.0
    retry: float = 2.0
    joinempty: frozenset[str] = frozenset({"paused", "unavailable", "invalid"})
    leavewhenempty: frozenset[str] = frozenset({"paused", "unavailable", "invalid"})


@dataclass
class AgentConfig:
    """An agent pbxsim knows up front (added to ``queues`` at start when ``logged_in``)."""

    name: str
    interface: str = ""
    queues: tuple[str, ...] = ("collections",)
    logged_in: bool = False
    paused: bool = False

    def __post_init__(self) -> None:
        if not self.interface:
            self.interface = f"Local/{self.name}@agents/n"


@dataclass
class AgiTarget:
    """Where inbound calls go over FastAGI."""

    host: str = "127.0.0.1"
    port: int = 4573
    script: str = "ivr"


@dataclass
class SimConfig:
    host: str = "127.0.0.1"
    port: int = 0  # 0: any free port (tests); the CLI defaults to 5038
    username: str = "dialer"
    secret: str = "dialerpass"  # noqa: S105 - the lab's documented test secret
    time_scale: float = 1.0
    #: seconds (simulated) before a bad Login is answered; Asterisk waits about 1 s
    auth_failure_delay: float = 1.0
    #: probability (0..1) that each VarSet/Newexten "noise" event is sent; 1 = like Asterisk
    noise: float = 1.0
    noise_seed: int = 7
    behaviour: BehaviourModel = field(default_factory=BehaviourModel)
    customer_contexts: frozenset[str] = frozenset({"customers", "customers2"})
    agent_contexts: frozenset[str] = frozenset({"agents", "agents-short"})
    dialer_context: str = "dialer-out"
    #: contexts a Redirect may send a channel to, with how long their message plays
    message_contexts: dict[str, float] = field(default_factory=lambda: {"abandon-msg": 3.1})
    spy_contexts: frozenset[str] = frozenset({"spy", "audiospy"})
    #: where inbound calls go: its ;2 half answers and runs AGI against ``agi``
    inbound_context: str = "inbound"
    queue_wait: float = 60.0  # Queue(collections,,,,60)
    queues: list[QueueConfig] = field(default_factory=lambda: [QueueConfig()])
    agents: list[AgentConfig] = field(default_factory=list)
    auto_answer: bool = True
    agent_answer_delay: float = 0.5
    #: AMD() timings and how often it gets the answer wrong (NOTSURE)
    amd_human_delay: float = 1.0
    amd_machine_delay: float = 1.6
    amd_notsure_rate: float = 0.0
    recordings_dir: Path = field(default_factory=lambda: Path("var/recordings"))
    record: bool = True
    agi: AgiTarget = field(default_factory=AgiTarget)
    system_name: str = ""

    def known_contexts(self) -> set[str]:
        return {
            self.dialer_context,
            "dialer-rec",
            "inbound",
            *self.customer_contexts,
            *self.agent_contexts,
            *self.message_contexts,
            *self.spy_contexts,
        }
