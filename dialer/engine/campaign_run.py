"""One running campaign's live state: its agents, meter, estimates and pacer. Pure: no I/O.

The dialer keeps one :class:`CampaignRun` per active campaign. It holds what pacing needs
between ticks (the roster of agents, the abandon meter, the estimates learned from the
campaign's own calls, the pacer and its last decision, AMD's verdict) and the leads the
dialer holds for calls in progress, keyed by the call's ChannelId. The runner does the I/O and
asks this object what to do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from dialer.agents.membership import MemberInterface
from dialer.agents.roster import Roster
from dialer.agents.seats import PreviewSeats
from dialer.agents.state import AgentPolicy, AgentStatus
from dialer.campaigns.claims import ClaimedLead
from dialer.campaigns.config import CampaignConfig
from dialer.engine.calls import AFTER_GREETING_SILENCE_S, CallBook
from dialer.pacing.abandon_meter import AbandonMeter
from dialer.pacing.amd_governor import AmdVerdict, govern_amd
from dialer.pacing.estimates import CampaignEstimates
from dialer.pacing.predictive import PredictivePacer
from dialer.pacing.snapshot import DialDecision, DialMode, PacingSnapshot, one_to_one
from recoup.compliance.campaign_policy import policy_from_campaign_config
from recoup.compliance.gate import CompliancePolicy

#: what the campaign's AMD is assumed to get wrong (people taken for machines) until measured
DEFAULT_AMD_FALSE_POSITIVE = 0.005


@dataclass
class CampaignRun:
    campaign_id: str
    name: str
    config: CampaignConfig
    members: MemberInterface
    amd_false_positive: float = DEFAULT_AMD_FALSE_POSITIVE
    roster: Roster = field(init=False)
    meter: AbandonMeter = field(init=False)
    policy: CompliancePolicy = field(init=False)
    amd: AmdVerdict = field(init=False)
    estimates: CampaignEstimates = field(default_factory=CampaignEstimates)
    pacer: PredictivePacer = field(default_factory=PredictivePacer)
    decision: DialDecision | None = None
    #: ChannelId -> the lead its call is about (claimed until released)
    leads: dict[str, ClaimedLead] = field(default_factory=dict)
    #: agents who asked for a preview lead, and the lead they see
    previews: dict[str, tuple[ClaimedLead, str]] = field(default_factory=dict)  # + ChannelId
    #: each agent's queue penalty in a preview campaign: their calls reach them alone
    seats: PreviewSeats = field(default_factory=PreviewSeats)
    stopped: bool = False
    placed: int = 0
    refused: int = 0

    def __post_init__(self) -> None:
        self.roster = Roster(
            self.campaign_id, AgentPolicy(members=self.members, wrap_up_s=self.config.wrap_up_s)
        )
        self.meter = AbandonMeter(
            self.config.abandon_target,
            uk_mode=self.config.uk_mode,
            amd_false_positive=self.amd_false_positive if self.config.amd.enabled else 0.0,
            timezone=ZoneInfo("Europe/London") if self.config.uk_mode else None,
        )
        self.policy = policy_from_campaign_config(self.config.to_json())
        if self.config.amd.enabled:
            self.amd = govern_amd(self.amd_false_positive, self.config.abandon_target)
        else:
            self.amd = AmdVerdict(use_amd=False, reason="AMD off in the campaign's settings")

    @property
    def connect_window_s(self) -> float:
        """How long a person the dialer hears of may wait for an agent: the connect limit runs
        from the end of their greeting, and with AMD on the dialer hears of them only once AMD
        has heard its after-greeting silence."""
        silence = AFTER_GREETING_SILENCE_S if self.amd.use_amd else 0.0
        return max(0.0, self.config.connect_limit_s - silence)

    @property
    def queue(self) -> str:
        return self.config.queue

    @property
    def mode(self) -> DialMode:
        return DialMode(self.config.dial_mode.value)

    def snapshot(self, book: CallBook, now: datetime, monotonic: float) -> PacingSnapshot:
        counts = self.roster.counts(now)
        ringing = book.ringing_elapsed(monotonic, self.campaign_id)
        waiting = book.waiting(self.campaign_id)
        return PacingSnapshot(
            now=now,
            agents_free=counts.free,
            talking=counts.talking,
            wrapping=counts.wrapping,
            ringing=ringing,
            waiting=waiting,
            screening=book.screening(self.campaign_id),
            abandon=self.meter.reading(now),
            estimates=self.estimates,
            agents_paused=counts.paused,
            connect_limit_s=self.connect_window_s,
            amd_on=self.amd.use_amd,
        )

    def decide(self, book: CallBook, now: datetime, monotonic: float) -> DialDecision:
        """How many calls to place now. Preview campaigns never dial on their own."""
        if self.stopped:
            return DialDecision(0, self.mode, "campaign stopped")
        snapshot = self.snapshot(book, now, monotonic)
        if self.mode is DialMode.PREVIEW:
            decision = DialDecision(0, DialMode.PREVIEW, "preview: agents ask for each lead")
        elif self.mode is DialMode.PROGRESSIVE:
            dials = one_to_one(snapshot)
            decision = DialDecision(dials, DialMode.PROGRESSIVE, f"{dials} call(s): 1:1")
        else:
            decision = self.pacer.decide(snapshot)
        self.decision = decision
        return decision

    def dial_level(self, book: CallBook) -> float:
        """Lines in use per working agent (what supervisors call the dial level)."""
        working = sum(
            1 for a in self.roster if a.status not in (AgentStatus.LOGGED_OUT, AgentStatus.PAUSED)
        )
        lines = len(book.for_campaign(self.campaign_id))
        return lines / working if working else 0.0

    def agents_logged_in(self) -> int:
        return sum(1 for _ in self.roster)
