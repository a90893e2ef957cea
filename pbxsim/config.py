"""Everything a pbxsim run can be told: listening address, credentials, dialplan names,
called-party behaviour, agents, queues, timings and the time scale.

Two dialplans (:attr:`SimConfig.dialplan`):

* ``"lab"``: the lab PBX of ``shared/asterisk-transcripts`` (``customers``, ``dialer-out``,
  ``abandon-msg``, ``agents``, ``spy``; ``DIALER_*`` variables). The captures are its spec.
* ``"recoup"``: Recoup's production dialplan, ``asterisk_conf/extensions_recoup.conf``
  (``recoup-outbound``, ``recoup-dialer``, ``recoup-abandon``, ``recoup-agents``,
  ``recoup-spy``; ``RECOUP_*`` variables; UserEvents ``RecoupAMD``, ``RecoupAbandon``,
  ``RecoupDialEnded``, ``RecoupCallEnded``). Build it with :meth:`SimConfig.recoup`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

from pbxsim.behaviour import BehaviourModel

Dialplan = Literal["lab", "recoup"]

#: extensions.conf ``[globals]`` that extensions_recoup.conf reads when the Originate did not
#: set the channel variable (tests/integration/pbxsim checks them against the file)
RECOUP_GLOBALS: Final[dict[str, str]] = {
    "RECOUP_QUEUE": "collections",
    "RECOUP_QUEUE_TIMEOUT": "3",
    "RECOUP_AMD": "0",
    "RECOUP_ON_MACHINE": "hangup",
    "RECOUP_ALL_PARTY_CONSENT": "0",
    "RECOUP_ID_PROMPT": "custom/recoup-identification",
    "RECOUP_NOTICE_PROMPT": "custom/recoup-recording-notice",
    "RECOUP_MACHINE_PROMPT": "custom/recoup-machine-message",
    "RECOUP_MACHINE_SILENCE_MS": "1500",
    "RECOUP_MACHINE_WAIT_S": "20",
    "RECOUP_AGI_HOST": "127.0.0.1",
    "RECOUP_AGI_PORT": "4573",
}

#: manager.conf's ``eventfilter ... name(VarSet),header(Variable)`` list: the VarSets a
#: Recoup AMI session receives, so pbxsim sends them whatever ``noise`` says
RECOUP_VARSETS: Final = frozenset(
    {
        "RECOUP_CAMPAIGN",
        "RECOUP_LEAD",
        "AMDSTATUS",
        "AMDCAUSE",
        "MIXMONITOR_FILENAME",
        "RECOUP_MIXID",
        "QUEUESTATUS",
        "MEDIA_WEBSOCKET_CONNECTION_ID",
    }
)


@dataclass
class QueueConfig:
    name: str = "collections"
    member_timeout: float = 15.0
    retry: float = 2.0
    joinempty: frozenset[str] = frozenset({"paused", "unavailable", "invalid"})
    leavewhenempty: frozenset[str] = frozenset({"paused", "unavailable", "invalid"})

    @classmethod
    def recoup_outbound(cls, name: str = "collections") -> QueueConfig:
        """A queue made from queues.conf's ``[recoup-outbound-queue](!)`` template
        (``timeout = 3``, ``retry = 1``, joinempty/leavewhenempty
        paused,unavailable,invalid,penalty)."""
        empty = frozenset({"paused", "unavailable", "invalid", "penalty"})
        return cls(name=name, member_timeout=3.0, retry=1.0, joinempty=empty, leavewhenempty=empty)

    @classmethod
    def recoup_inbound(cls) -> QueueConfig:
        """queues.conf's ``[collections-inbound]`` (``timeout = 15``, ``retry = 2``)."""
        return cls(name="collections-inbound", member_timeout=15.0, retry=2.0)


@dataclass
class AgentConfig:
    """An agent pbxsim knows up front (added to ``queues`` at start when ``logged_in``).

    An empty ``interface`` is the dialplan's member interface (:meth:`SimConfig.agent_interface`:
    ``Local/<name>@agents/n`` in the lab, ``Local/<name>@recoup-agents/n`` for Recoup)."""

    name: str
    interface: str = ""
    queues: tuple[str, ...] = ("collections",)
    logged_in: bool = False
    paused: bool = False


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
    #: which dialplan the PBX runs (see the module docstring); :meth:`recoup` sets it up
    dialplan: Dialplan = "lab"
    #: Recoup's ``[globals]``: the defaults of the RECOUP_* variables the Originate may omit
    globals: dict[str, str] = field(default_factory=dict)
    #: seconds each Recoup prompt plays (Playback of the named RECOUP_*_PROMPT global)
    notice_seconds: float = 1.0
    machine_message_seconds: float = 12.0
    #: VarSets sent even when ``noise`` drops others
    kept_variables: frozenset[str] = frozenset()

    @classmethod
    def recoup(cls, campaign_queues: Iterable[str] = (), **overrides: Any) -> SimConfig:
        """A PBX loaded with ``asterisk_conf/`` (extensions_recoup.conf, queues.conf).

        Queues: ``collections`` and ``collections-inbound`` as in queues.conf, plus one
        ``[recoup-outbound-queue]`` queue per name in ``campaign_queues`` (``recoup-<campaign>``).
        Any field can be overridden (``recordings_dir=..., agent_answer_delay=...``).
        """
        config = cls(
            dialplan="recoup",
            customer_contexts=frozenset({"recoup-outbound"}),
            agent_contexts=frozenset({"recoup-agents"}),
            dialer_context="recoup-dialer",
            message_contexts={"recoup-abandon": 5.0},
            spy_contexts=frozenset({"recoup-spy"}),
            inbound_context="recoup-after-hours",
            queue_wait=float(RECOUP_GLOBALS["RECOUP_QUEUE_TIMEOUT"]),
            queues=[QueueConfig.recoup_outbound(), QueueConfig.recoup_inbound()],
            agi=AgiTarget(script="after-hours"),
            globals=dict(RECOUP_GLOBALS),
            kept_variables=RECOUP_VARSETS,
        )
        for name in campaign_queues:
            config.add_queue(name)
        for key, value in overrides.items():
            if not hasattr(config, key):
                msg = f"SimConfig has no field {key!r}"
                raise TypeError(msg)
            setattr(config, key, value)
        return config

    def add_queue(self, name: str, **settings: Any) -> QueueConfig:
        """Declare one more queue (as a new queues.conf section + ``queue reload``): from the
        ``[recoup-outbound-queue]`` template with the Recoup dialplan, else the lab defaults."""
        base = QueueConfig.recoup_outbound(name) if self.dialplan == "recoup" else QueueConfig(name)
        for key, value in settings.items():
            setattr(base, key, value)
        self.queues = [q for q in self.queues if q.name != name] + [base]
        return base

    def agent_interface(self, name: str) -> str:
        """The queue member interface of agent ``name`` in this dialplan."""
        context = "recoup-agents" if self.dialplan == "recoup" else "agents"
        return f"Local/{name}@{context}/n"

    def agent_state_interface(self, name: str) -> str:
        """Recoup adds members with ``StateInterface: PJSIP/<ext>``; the lab with none."""
        return f"PJSIP/{name}" if self.dialplan == "recoup" else ""

    def known_contexts(self) -> set[str]:
        lab = {"dialer-rec", "inbound"} if self.dialplan == "lab" else set()
        return {
            self.dialer_context,
            self.inbound_context,
            *lab,
            *self.customer_contexts,
            *self.agent_contexts,
            *self.message_contexts,
            *self.spy_contexts,
        }

    def exten_exists(self, context: str, exten: str) -> bool:
        """Whether ``exten`` matches an extension of ``context`` (Recoup's patterns; the lab's
        contexts take any extension)."""
        if self.dialplan != "recoup":
            return context in self.known_contexts()
        patterns = {
            "recoup-outbound": r"\+[0-9].+",  # _+X.
            "recoup-agents": r"[0-9A-Za-z].+",  # _[0-9A-Za-z].
            "recoup-dialer": r"s|queue|machine|gone",
            "recoup-abandon": r"s",
            "recoup-spy": r"listen|whisper|barge",
            "recoup-after-hours": r"s",
        }
        pattern = patterns.get(context)
        return pattern is not None and re.fullmatch(pattern, exten) is not None
