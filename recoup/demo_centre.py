"""The contact centre on pbxsim with sample debtors: ``recoup demo`` and its headless run.

:func:`prepare_demo` builds the database (sample debtors through the real import, default
scripts, one predictive campaign and its dialing list); :func:`run_campaign` starts pbxsim,
the dialer and simulated agents on a time-scaled clock and runs until every lead is worked
(nothing due, nothing in progress) or the calling session ends; :func:`campaign_summary` reads
what happened back from the database, as a supervisor would see it.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from dialer.ami.session import AmiSettings as SessionSettings
from dialer.campaigns.config import CampaignConfig
from dialer.campaigns.lists import build_dialing_list, create_campaign
from dialer.engine.autopilot import AutoAgent, run_agents
from dialer.engine.runner import DialerSettings
from pbxsim import PbxSim, SimConfig
from pbxsim.behaviour import Spread
from recoup.bus.local import InProcessBus
from recoup.clock import Clock, ScaledClock
from recoup.contact_centre import ContactCentre, running_dialer
from recoup.demo_data import write_sample_files
from recoup.imports.run import import_accounts, import_payments
from recoup.rules.payment_profile import ProfilePolicy
from recoup.scripts.library import seed_default_scripts
from recoup.storage import tables as t

DEMO_CAMPAIGN = "demo"
DEMO_QUEUE = "recoup-demo"


def demo_start(today: date | None = None) -> datetime:
    """15:30 UTC on the next weekday: 10:30 in New York, 07:30 in Los Angeles (the calling
    window opens there at 08:00, so the gate is seen at work)."""
    day = today or datetime.now(UTC).date()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 15, 30, tzinfo=UTC)


def demo_campaign_config(*, wrap_up_s: int = 60) -> CampaignConfig:
    return CampaignConfig.model_validate(
        {"caller_id": "+12125550100", "queue": DEMO_QUEUE, "wrap_up_s": wrap_up_s}
    )


async def prepare_demo(
    engine: AsyncEngine, folder: Path, *, debtors: int, seed: int, now: datetime
) -> dict[str, int]:
    """Into a migrated database: ``debtors`` sample debtors, default scripts, the campaign and
    its dialing list."""
    files = write_sample_files(folder, debtors, today=now.date(), seed=seed)
    accounts = await import_accounts(
        engine, files.accounts, now=now, default_region="US", default_timezone="America/New_York"
    )
    payments = await import_payments(engine, files.payments, now=now)
    async with engine.begin() as conn:
        await seed_default_scripts(conn)
        await create_campaign(
            conn, DEMO_CAMPAIGN, "Demo: past-due retail", demo_campaign_config(), now=now,
            active=True,
        )  # fmt: skip
        build = await build_dialing_list(conn, DEMO_CAMPAIGN, now.date(), ProfilePolicy())
    return {
        "debtors": debtors,
        "debts": files.debts,
        "accounts_rejected": len(accounts.rejected),
        "payments_rejected": len(payments.rejected),
        "leads": build.on_list,
    }


@dataclass
class DemoRun:
    centre: ContactCentre
    pbx: PbxSim
    agents: list[AutoAgent] = field(default_factory=list)


def demo_pbx_config(*, seed: int, talk_s: tuple[float, float] = (30.0, 240.0)) -> SimConfig:
    config = SimConfig.recoup(campaign_queues=[DEMO_QUEUE], agent_answer_delay=0.5)
    config.behaviour.reseed(seed)
    config.behaviour.talk_time = Spread(*talk_s)
    config.behaviour.agent_hangs_up = 0.0  # the debtor ends the call; the agent then wraps up
    return config


@contextlib.asynccontextmanager
async def demo_contact_centre(
    engine: AsyncEngine,
    *,
    clock: Clock,
    agents: int,
    seed: int,
    pbx_config: SimConfig,
    bus: InProcessBus | None = None,
    mqtt_url: str | None = None,
) -> AsyncIterator[DemoRun]:
    """pbxsim, the dialer and ``agents`` simulated agents, running for the block."""
    bus = bus or InProcessBus()
    async with PbxSim(pbx_config, clock) as pbx:
        ami = SessionSettings(
            host=pbx.host, port=pbx.port, username=pbx_config.username,
            secret=pbx_config.secret, pbx_name="pbxsim",
        )  # fmt: skip
        settings = DialerSettings(
            dialer_id="demo-dialer", claim_renew_s=30.0,
            supervisor_phone="Local/{extension}@recoup-agents/n",  # pbxsim's phones
        )  # fmt: skip
        async with running_dialer(
            engine=engine, ami=ami, clock=clock, bus=bus, settings=settings, mqtt_url=mqtt_url
        ) as centre:
            rng = random.Random(seed)
            run = DemoRun(centre, pbx)
            run.agents = [
                AutoAgent(
                    f"agent{i + 1}",
                    f"{1001 + i}",
                    DEMO_CAMPAIGN,
                    centre.desk,
                    bus,
                    clock,
                    random.Random(rng.random()),
                )
                for i in range(agents)
            ]
            task = asyncio.create_task(run_agents(run.agents))
            try:
                yield run
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


async def leads_left(engine: AsyncEngine, campaign_id: str, now: datetime) -> int:
    """Leads still to work in this session: due now, held for a call, or never tried yet
    (waiting for the debtor's calling window to open, say)."""
    cl = t.campaign_lead
    async with engine.connect() as conn:
        left = await conn.execute(
            select(func.count())
            .select_from(cl)
            .where(
                cl.c.campaign_id == campaign_id,
                (cl.c.status == "claimed")
                | (
                    (cl.c.status == "ready")
                    & ((cl.c.attempts == 0) | cl.c.next_at.is_(None) | (cl.c.next_at <= now))
                ),
            )
        )
        return int(left.scalar_one())


async def work_until_done(run: DemoRun, engine: AsyncEngine, clock: Clock, until: datetime) -> str:
    """Wait until every lead is worked (nothing due, no call, no agent holding one)."""
    dialer = run.centre.dialer
    quiet = 0
    while clock.now() < until:
        await clock.sleep(5.0)
        busy_agents = any(
            a.call_id is not None for r in dialer.campaigns.values() for a in r.roster
        )
        idle = not dialer.book.calls and not busy_agents and dialer.store.available
        if idle and await leads_left(engine, DEMO_CAMPAIGN, clock.now()) == 0:
            quiet += 1
            if quiet >= 2:
                return "every lead worked"
        else:
            quiet = 0
    return "the calling session ended"


async def campaign_summary(
    engine: AsyncEngine, campaign_id: str, *, started: datetime, ended: datetime
) -> dict[str, Any]:
    """Calls by outcome, occupancy, abandon rate, promises, refusals by the gate and why."""
    a, r, s = t.contact_attempt, t.dial_refusal, t.agent_state_change
    async with engine.connect() as conn:
        attempts = list(
            await conn.execute(
                select(a.c.outcome, a.c.abandoned, a.c.live_answer, a.c.connected_at).where(
                    a.c.campaign_id == campaign_id, a.c.at >= started
                )
            )
        )
        refusals = list(
            await conn.execute(
                select(r.c.rule, func.count()).where(r.c.campaign_id == campaign_id)
                .group_by(r.c.rule)
            )
        )  # fmt: skip
        promises = (await conn.execute(select(func.count()).select_from(t.promise))).scalar_one()
        issues = (await conn.execute(select(func.count()).select_from(t.issue))).scalar_one()
        states = list(
            await conn.execute(
                select(s.c.username, s.c.state, s.c.at)
                .where(s.c.campaign_id == campaign_id)
                .order_by(s.c.username, s.c.at)
            )
        )
    outcomes = Counter(row.outcome or "with agent, not disposed" for row in attempts)
    live = sum(1 for row in attempts if row.live_answer)
    abandoned = sum(1 for row in attempts if row.abandoned)
    return {
        "calls": len(attempts),
        "calls_by_outcome": dict(sorted(outcomes.items())),
        "live_answers": live,
        "connected_to_agent": sum(1 for row in attempts if row.connected_at is not None),
        "abandoned": abandoned,
        "abandon_rate": round(abandoned / live, 4) if live else 0.0,
        "occupancy": _occupancy(states, ended),
        "promises": int(promises),
        "issues_opened": int(issues),
        "refusals_by_rule": {rule: int(n) for rule, n in refusals},
    }


def _occupancy(states: list[Any], ended: datetime) -> float:
    """(on call + wrap-up) / logged-in time, over every agent."""
    spent: dict[str, float] = defaultdict(float)
    by_agent: dict[str, list[Any]] = defaultdict(list)
    for row in states:
        by_agent[row.username].append(row)
    for rows in by_agent.values():
        for current, following in zip(rows, [*rows[1:], None], strict=True):
            start = _utc(current.at)
            stop = _utc(following.at) if following is not None else ended
            seconds = max(0.0, (stop - start).total_seconds())
            if current.state != "logged_out":
                spent["logged_in"] += seconds
            if current.state in ("on_call", "wrap_up"):
                spent["working"] += seconds
    return round(spent["working"] / spent["logged_in"], 4) if spent["logged_in"] else 0.0


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class HeadlessOptions:
    agents: int = 5
    debtors: int = 200
    speed: float = 30.0
    seed: int = 1
    hours: float = 8.0
    talk_s: tuple[float, float] = (30.0, 240.0)


async def run_headless(
    engine: AsyncEngine, folder: Path, options: HeadlessOptions,
    *, mqtt_url: str | None = None, start: datetime | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Prepare the demo database, work the campaign on pbxsim, and summarise it."""
    started = start or demo_start()
    clock = ScaledClock(options.speed, start=started)
    prepared = await prepare_demo(
        engine, folder, debtors=options.debtors, seed=options.seed, now=clock.now()
    )
    pbx_config = demo_pbx_config(seed=options.seed, talk_s=options.talk_s)
    until = started + timedelta(hours=options.hours)
    async with demo_contact_centre(
        engine, clock=clock, agents=options.agents, seed=options.seed, pbx_config=pbx_config,
        mqtt_url=mqtt_url,
    ) as run:  # fmt: skip
        why = await work_until_done(run, engine, clock, until)
        ended = clock.now()
        unfinished = [
            f"{c.channel_id} {c.phase.value} debt {c.debt_id}"
            for c in run.centre.dialer.book.calls.values()
        ]
        holding = [
            f"{a.username} {a.status.value} {a.call_id}"
            for r in run.centre.dialer.campaigns.values()
            for a in r.roster
            if a.call_id is not None
        ]
        gaps = sorted(run.centre.dialer.answer_to_bridge)
        scripts = Counter(f"{p} -> {s}" for a in run.agents for p, s in a.scripts)
    summary = await campaign_summary(engine, DEMO_CAMPAIGN, started=started, ended=ended)
    return {
        "campaign": DEMO_CAMPAIGN,
        "agents": options.agents,
        "speed": options.speed,
        "seed": options.seed,
        "started": started.isoformat(),
        "ended": ended.isoformat(),
        "simulated_minutes": round((ended - started).total_seconds() / 60, 1),
        "stopped_because": why,
        "prepared": prepared,
        **summary,
        "answer_to_agent_p50_s": round(gaps[len(gaps) // 2], 3) if gaps else None,
        "calls_in_progress_at_end": unfinished,
        "agents_holding_a_call_at_end": holding,
        "scripts_by_profile": dict(sorted(scripts.items())),
    }


def render_summary(summary: dict[str, Any]) -> str:
    lines = [
        "",
        f"Recoup demo: campaign {summary['campaign']}, {summary['agents']} agents, "
        f"{summary['prepared']['leads']} leads, x{summary['speed']:g} time",
        f"  {summary['simulated_minutes']} simulated minutes; "
        f"stopped: {summary['stopped_because']}",
        f"  calls placed: {summary['calls']}   live answers: {summary['live_answers']}   "
        f"reached an agent: {summary['connected_to_agent']}",
        f"  abandon rate: {summary['abandon_rate']:.2%} ({summary['abandoned']} abandoned; cap 3%)",
        f"  agent occupancy: {summary['occupancy']:.1%}",
        f"  promises to pay: {summary['promises']}   issues opened: {summary['issues_opened']}",
        "  calls by outcome:",
        *(f"    {k:28} {v}" for k, v in summary["calls_by_outcome"].items()),
        "  dials refused by the compliance gate:",
        *(f"    {k:28} {v}" for k, v in summary["refusals_by_rule"].items()),
    ]
    if not summary["refusals_by_rule"]:
        lines.append("    none")
    lines += ["  scripts shown, by payment profile:"]
    lines += [f"    {k}: {v}" for k, v in summary["scripts_by_profile"].items()]
    return "\n".join(lines)
