"""Scripts and script rules in the database, and the screen pop built from them.

``script`` holds the templates (shipped defaults seeded by :func:`seed_default_scripts`,
edited ones saved by :func:`save_script`, which refuses a template that would not render);
``script_rule`` holds the rule table read by :func:`~recoup.scripts.choice.pick_script`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from recoup.compliance.local_time import zone_named
from recoup.domain.model import Debtor, Issue, IssueStatus
from recoup.rules.payment_profile import (
    PaymentProfile,
    ProfilePolicy,
    ProfileVerdict,
    is_outstanding,
)
from recoup.scripts.choice import ScriptRule, pick_script
from recoup.scripts.context import Agency, build_script_context
from recoup.scripts.defaults import default_scripts
from recoup.scripts.recording_notice import needs_recording_notice
from recoup.scripts.render import (
    CompiledScript,
    Script,
    ScriptTemplateError,
    compile_script,
    render_script,
)
from recoup.scripts.screen_pop import ScreenPop
from recoup.storage import tables as t
from recoup.storage.debtor_file import DebtorFile, load_debtor_files


class DebtorNotFoundError(LookupError):
    """No debtor with that id."""


async def save_script(connection: AsyncConnection, script: Script) -> None:
    """Insert or replace ``script``; a template that would not render is refused first."""
    compile_script(script)
    values = {
        "title": script.title,
        "profile": script.profile,
        "language": script.language,
        "body": script.body,
    }
    updated = await connection.execute(
        update(t.script).where(t.script.c.id == script.id).values(**values)
    )
    if updated.rowcount == 0:
        await connection.execute(insert(t.script).values(id=script.id, **values))


async def seed_default_scripts(connection: AsyncConnection) -> list[str]:
    """Add the shipped scripts that are missing (an edited one is left alone); their ids."""
    present = set((await connection.execute(select(t.script.c.id))).scalars())
    added = [s for s in default_scripts() if s.id not in present]
    for script in added:
        compile_script(script)
    if added:
        await connection.execute(
            insert(t.script),
            [
                {"id": s.id, "title": s.title, "profile": s.profile, "language": s.language,
                 "body": s.body}
                for s in added
            ],
        )  # fmt: skip
    return [s.id for s in added]


async def load_scripts(connection: AsyncConnection) -> dict[str, Script]:
    rows = (await connection.execute(select(t.script).order_by(t.script.c.id))).mappings()
    return {
        r["id"]: Script(r["id"], r["title"], r["body"], r["profile"], r["language"]) for r in rows
    }


async def add_script_rule(connection: AsyncConnection, rule: ScriptRule) -> int:
    """Store ``rule`` (its id is given by the database) and return its id."""
    result = await connection.execute(
        insert(t.script_rule)
        .values(
            priority=rule.priority,
            campaign_id=rule.campaign_id,
            profile=rule.profile.value if rule.profile else "",
            segment=rule.segment,
            language=rule.language,
            script_id=rule.script_id,
        )
        .returning(t.script_rule.c.id)
    )
    return int(result.scalar_one())


async def load_script_rules(connection: AsyncConnection) -> list[ScriptRule]:
    rows = (await connection.execute(select(t.script_rule).order_by(t.script_rule.c.id))).mappings()
    return [
        ScriptRule(
            script_id=r["script_id"],
            profile=PaymentProfile(r["profile"]) if r["profile"] else None,
            segment=r["segment"],
            language=r["language"],
            campaign_id=r["campaign_id"],
            priority=r["priority"],
            id=r["id"],
        )
        for r in rows
    ]


async def _open_issues(connection: AsyncConnection, debtor_id: str) -> tuple[Issue, ...]:
    query = (
        select(t.issue)
        .join(t.debt, t.debt.c.id == t.issue.c.debt_id)
        .join(t.account, t.account.c.id == t.debt.c.account_id)
        .where(t.account.c.debtor_id == debtor_id, t.issue.c.status != IssueStatus.RESOLVED.value)
        .order_by(t.issue.c.opened_at, t.issue.c.id)
    )
    return tuple(
        Issue(r["id"], r["bucket"], r["debt_id"], r["description"], r["owner"],
              IssueStatus(r["status"]), r["opened_at"], r["resolution"], r["resolved_at"])
        for r in (await connection.execute(query)).mappings()
    )  # fmt: skip


async def _segment(connection: AsyncConnection, file: DebtorFile) -> str:
    """The segment of the account that holds the oldest outstanding debt (else the first)."""
    rows = await connection.execute(
        select(t.account.c.id, t.account.c.segment)
        .where(t.account.c.debtor_id == file.debtor.id)
        .order_by(t.account.c.id)
    )
    segments: dict[str, str] = dict(rows.tuples().all())
    owing = sorted((d for d in file.debts if is_outstanding(d)), key=lambda d: (d.due_date, d.id))
    if owing and owing[0].account_id in segments:
        return segments[owing[0].account_id]
    return next(iter(segments.values()), "")


@functools.lru_cache(maxsize=256)
def _compile(script: Script) -> CompiledScript:
    """Compiling a template costs far more than rendering it: once per script version."""
    return compile_script(script)


def _compiled(
    scripts: dict[str, Script], script_id: str, profile: PaymentProfile, language: str
) -> tuple[CompiledScript, str]:
    """The chosen script compiled; a broken stored one gives way to the shipped default."""
    try:
        return _compile(scripts[script_id]), ""
    except (KeyError, ScriptTemplateError) as error:
        return _shipped(script_id, error, profile, language)


def _shipped(
    script_id: str, error: Exception, profile: PaymentProfile, language: str
) -> tuple[CompiledScript, str]:
    """The shipped default for the profile, and a note on why ``script_id`` gave way to it."""
    shipped = {s.id: s for s in default_scripts()}
    fallback = pick_script([], profile, "", language, "", available=shipped.keys()).script_id
    note = f"; script {script_id} could not be used ({error}), shipped {fallback} instead"
    return _compile(shipped[fallback]), note


@dataclass(frozen=True, slots=True)
class PendingPop:
    """Everything a screen pop needs from the database, before the agent is known.

    The dialer loads it when a person answers and renders it (pure, fast) for whichever agent
    the queue connects, so the connect itself waits for no database read."""

    file: DebtorFile
    verdict: ProfileVerdict
    segment: str
    today: date
    open_issues: tuple[Issue, ...]
    compiled: CompiledScript
    script_reason: str
    policy: ProfilePolicy

    def render(self, agent_name: str, agency: Agency) -> ScreenPop:
        file = self.file
        context = build_script_context(
            file, self.verdict, self.today, agent_name=agent_name, agency=agency,
            language=self.compiled.script.language, policy=self.policy,
        )  # fmt: skip
        consent = needs_recording_notice(file.debtor)
        reason = self.script_reason
        try:
            rendered = render_script(self.compiled, context, all_party_consent=consent)
        except ScriptTemplateError as error:
            # The call is live: the shipped script for the profile, never no screen pop.
            compiled, note = _shipped(
                self.compiled.script.id, error, self.verdict.profile, file.debtor.language
            )
            context = build_script_context(
                file, self.verdict, self.today, agent_name=agent_name, agency=agency,
                language=compiled.script.language, policy=self.policy,
            )  # fmt: skip
            rendered = render_script(compiled, context, all_party_consent=consent)
            reason += note
        return ScreenPop(
            debtor=file.debtor,
            segment=self.segment,
            today=self.today,
            debts=tuple(sorted(file.debts, key=lambda d: (d.due_date, d.id))),
            payments=tuple(
                sorted(file.payments, key=lambda p: (p.paid_on, p.reference, p.debt_id))
            ),
            promises=tuple(sorted(file.promises, key=lambda p: (p.due_on, p.id))),
            open_issues=self.open_issues,
            verdict=self.verdict,
            script=rendered,
            script_reason=reason,
        )


def debtors_today(debtor: Debtor, now: datetime) -> date:
    """The date on the debtor's own calendar at ``now``: what "today", "due today" and "days
    past due" mean to the person on the phone (UTC when their zone is unknown)."""
    zone = zone_named(debtor.timezone)
    return (now.astimezone(zone) if zone else now.astimezone(UTC)).date()


async def load_screen_pop(
    connection: AsyncConnection,
    debtor_id: str,
    *,
    today: date | None = None,
    now: datetime | None = None,
    campaign_id: str = "",
    policy: ProfilePolicy | None = None,
) -> PendingPop:
    """Read the debtor's file, profile, segment, open issues and chosen script.

    Give ``now`` (the call's instant) and the day is the debtor's own (see
    :func:`debtors_today`): at 7 pm in California the UTC date is already tomorrow, and a
    debt due today would be read out as past due. ``today`` is taken as it is."""
    if (today is None) == (now is None):
        msg = "give either the call's instant (now) or the debtor's date (today)"
        raise ValueError(msg)
    files = await load_debtor_files(connection, [debtor_id])
    if not files:
        msg = f"no debtor {debtor_id}"
        raise DebtorNotFoundError(msg)
    file = files[0]
    if now is not None:
        today = debtors_today(file.debtor, now)
    if today is None:  # ruled out above; for the type checker
        raise ValueError(debtor_id)
    rules_policy = policy or ProfilePolicy()
    verdict = file.profile(today, rules_policy)
    segment = await _segment(connection, file)
    # The shipped scripts are always there to fall back on; stored ones (edited) win.
    scripts = {s.id: s for s in default_scripts()} | await load_scripts(connection)
    choice = pick_script(
        await load_script_rules(connection),
        verdict.profile,
        segment,
        file.debtor.language,
        campaign_id,
        available=scripts.keys(),
    )
    compiled, note = _compiled(scripts, choice.script_id, verdict.profile, file.debtor.language)
    return PendingPop(
        file, verdict, segment, today, await _open_issues(connection, debtor_id), compiled,
        choice.reason + note, rules_policy,
    )  # fmt: skip


async def screen_pop(
    connection: AsyncConnection,
    debtor_id: str,
    *,
    today: date | None = None,
    now: datetime | None = None,
    agent_name: str,
    agency: Agency,
    campaign_id: str = "",
    policy: ProfilePolicy | None = None,
) -> ScreenPop:
    """The debtor's file (debts oldest due first, payments and promises by date), profile and
    rendered script for the agent who takes the call."""
    pending = await load_screen_pop(
        connection, debtor_id, today=today, now=now, campaign_id=campaign_id, policy=policy
    )
    return pending.render(agent_name, agency)
