"""Reg F's call frequencies: 7 attempts per debt in 7 days, and a week's pause after a talk."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from recoup.compliance.contact_cap import (
    CapReading,
    CapRule,
    Contact,
    ContactCapPolicy,
    check_contact_cap,
)
from recoup.domain.model import ContactChannel

POLICY = ContactCapPolicy()  # every channel, both readings
NEW_YORK = "America/New_York"
MONDAY = datetime(2026, 6, 8, 14, 0, tzinfo=UTC)  # 10:00 in New York


def calls(*at: datetime, channel: ContactChannel = ContactChannel.CALL) -> list[Contact]:
    return [Contact(a, channel) for a in at]


def daily(count: int, start: datetime = MONDAY) -> list[Contact]:
    return calls(*(start + timedelta(days=n) for n in range(count)))


def test_seventh_call_in_a_week_is_allowed() -> None:
    assert check_contact_cap(daily(6), MONDAY + timedelta(days=6), POLICY, [NEW_YORK]).allowed


def test_eighth_call_in_seven_days_is_refused_until_the_first_leaves_the_week() -> None:
    verdict = check_contact_cap(daily(7), MONDAY + timedelta(days=6, hours=2), POLICY, [NEW_YORK])
    assert not verdict.allowed
    assert verdict.rule is CapRule.SEVEN_IN_SEVEN
    assert verdict.next_allowed_at == MONDAY + timedelta(days=7)


def test_calendar_week_refuses_a_call_that_a_rolling_week_allows() -> None:
    # Seven calls on Monday 23:30 New York time, then Sunday evening: 6 days 20 hours later.
    late_monday = datetime(2026, 6, 9, 3, 30, tzinfo=UTC)
    history = calls(*(late_monday + timedelta(minutes=n) for n in range(7)))
    sunday = late_monday + timedelta(days=6, hours=20)
    rolling = replace(POLICY, reading=CapReading.ROLLING)
    assert not check_contact_cap(history, sunday, rolling, [NEW_YORK]).allowed
    next_monday = late_monday + timedelta(days=7, hours=1)  # Tuesday 00:30 local
    assert check_contact_cap(history, next_monday, POLICY, [NEW_YORK]).allowed


def test_rolling_week_refuses_what_two_calendar_weeks_allow() -> None:
    tuesday_10am = datetime(2026, 6, 9, 14, 0, tzinfo=UTC)
    history = calls(*(tuesday_10am + timedelta(minutes=n) for n in range(7)))
    next_tuesday_930 = tuesday_10am + timedelta(days=7, minutes=-30)
    calendar = replace(POLICY, reading=CapReading.CALENDAR)
    assert check_contact_cap(history, next_tuesday_930, calendar, [NEW_YORK]).allowed
    both = check_contact_cap(history, next_tuesday_930, POLICY, [NEW_YORK])
    assert not both.allowed
    assert both.next_allowed_at == tuesday_10am + timedelta(days=7)


def test_no_call_for_seven_days_after_a_conversation() -> None:
    talk = Contact(
        MONDAY, ContactChannel.CALL, conversation=True, answered_at=MONDAY + timedelta(seconds=20)
    )
    verdict = check_contact_cap([talk], MONDAY + timedelta(days=3), POLICY, [NEW_YORK])
    assert not verdict.allowed
    assert verdict.rule is CapRule.CONVERSATION_PAUSE
    assert verdict.next_allowed_at == MONDAY + timedelta(days=7, seconds=20)
    assert check_contact_cap(
        [talk], MONDAY + timedelta(days=7, seconds=20), POLICY, [NEW_YORK]
    ).allowed


def test_conversation_date_is_the_first_day_of_the_pause_in_the_calendar_reading() -> None:
    talk = Contact(MONDAY, conversation=True)
    calendar = replace(POLICY, reading=CapReading.CALENDAR)
    next_monday_0001 = datetime(2026, 6, 15, 4, 1, tzinfo=UTC)  # 00:01 New York, day 8
    assert check_contact_cap([talk], next_monday_0001, calendar, [NEW_YORK]).allowed
    sunday_night = datetime(2026, 6, 15, 3, 59, tzinfo=UTC)  # 23:59 on day 7
    assert not check_contact_cap([talk], sunday_night, calendar, [NEW_YORK]).allowed


def test_a_conversation_recorded_ahead_of_the_clock_still_pauses_calls() -> None:
    # The clock was set back (or the dialer that recorded the talk runs ahead of this one): the
    # conversation is stored at 10:00 and the gate reads 09:30. It took place all the same.
    talk = Contact(MONDAY, conversation=True, answered_at=MONDAY + timedelta(seconds=20))
    verdict = check_contact_cap([talk], MONDAY - timedelta(minutes=30), POLICY, [NEW_YORK])
    assert verdict.rule is CapRule.CONVERSATION_PAUSE
    assert verdict.next_allowed_at == MONDAY + timedelta(days=7, seconds=20)


def test_a_text_message_conversation_pauses_calls_by_default() -> None:
    sms = Contact(MONDAY, ContactChannel.SMS, conversation=True)
    assert not check_contact_cap([sms], MONDAY + timedelta(days=1), POLICY).allowed


def test_reg_f_letter_counts_only_telephone_calls() -> None:
    letter = ContactCapPolicy.telephone_only()
    texts = calls(*(MONDAY + timedelta(hours=n) for n in range(7)), channel=ContactChannel.SMS)
    texts.append(Contact(MONDAY, ContactChannel.EMAIL, conversation=True))
    assert check_contact_cap(texts, MONDAY + timedelta(days=1), letter).allowed
    assert not check_contact_cap(texts, MONDAY + timedelta(days=1), POLICY).allowed


def test_emails_count_toward_seven_by_default() -> None:
    history = calls(*(MONDAY + timedelta(hours=n) for n in range(7)), channel=ContactChannel.EMAIL)
    verdict = check_contact_cap(history, MONDAY + timedelta(days=1), POLICY)
    assert verdict.rule is CapRule.SEVEN_IN_SEVEN


# -- properties ---------------------------------------------------------------------------------

START = datetime(2026, 3, 1, tzinfo=UTC)
HISTORIES = st.lists(
    st.builds(
        Contact,
        at=st.integers(0, 21 * 24 * 60).map(lambda m: START + timedelta(minutes=m)),
        channel=st.sampled_from(list(ContactChannel)),
        conversation=st.booleans(),
    ),
    max_size=14,
)
ZONES = st.lists(st.sampled_from([NEW_YORK, "America/Los_Angeles", "Europe/London", "UTC"]),
                 min_size=1, max_size=2, unique=True)  # fmt: skip
POLICIES = st.builds(
    ContactCapPolicy,
    reading=st.sampled_from(list(CapReading)),
    counted_channels=st.sampled_from([frozenset(ContactChannel), frozenset({ContactChannel.CALL})]),
)


def _counted(history: list[Contact], policy: ContactCapPolicy) -> list[Contact]:
    return [c for c in history if c.channel in policy.counted_channels]


@settings(max_examples=200, deadline=None)
@given(history=HISTORIES, minute=st.integers(0, 28 * 24 * 60), zones=ZONES, policy=POLICIES)
def test_an_allowed_dial_never_makes_eight_in_seven_days(
    history: list[Contact], minute: int, zones: list[str], policy: ContactCapPolicy
) -> None:
    now = START + timedelta(minutes=minute)
    if not check_contact_cap(history, now, policy, zones).allowed:
        return
    times = sorted([c.at for c in _counted(history, policy)] + [now])
    if policy.rolling:  # every 7 x 24 h span that holds the new call
        for t in times:
            if t <= now < t + timedelta(days=7):
                assert sum(1 for u in times if t <= u < t + timedelta(days=7)) <= 7
    if policy.calendar:  # every 7 consecutive local dates that hold the new call
        for zone in map(ZoneInfo, zones):
            days = [u.astimezone(zone).date() for u in times]
            today = now.astimezone(zone).date()
            for first in (today - timedelta(days=n) for n in range(7)):
                assert sum(1 for e in days if first <= e <= first + timedelta(days=6)) <= 7


@settings(max_examples=200, deadline=None)
@given(history=HISTORIES, minute=st.integers(0, 28 * 24 * 60), zones=ZONES, policy=POLICIES)
def test_an_allowed_dial_is_never_within_seven_days_after_a_conversation(
    history: list[Contact], minute: int, zones: list[str], policy: ContactCapPolicy
) -> None:
    now = START + timedelta(minutes=minute)
    if not check_contact_cap(history, now, policy, zones).allowed:
        return
    for talk in _counted(history, policy):
        if not talk.conversation or talk.conversation_at > now:
            continue
        if policy.rolling:
            assert now - talk.conversation_at >= timedelta(days=7)
        for zone in map(ZoneInfo, zones) if policy.calendar else ():
            days = (now.astimezone(zone).date() - talk.conversation_at.astimezone(zone).date()).days
            assert days >= 7  # the conversation's date is day one


@settings(max_examples=150, deadline=None)
@given(history=HISTORIES, minute=st.integers(0, 28 * 24 * 60), zones=ZONES, policy=POLICIES)
def test_next_allowed_at_is_allowed_and_the_minute_before_is_not(
    history: list[Contact], minute: int, zones: list[str], policy: ContactCapPolicy
) -> None:
    now = START + timedelta(minutes=minute)
    verdict = check_contact_cap(history, now, policy, zones)
    if verdict.allowed:
        return
    assert verdict.next_allowed_at is not None
    assert verdict.next_allowed_at > now
    assert check_contact_cap(history, verdict.next_allowed_at, policy, zones).allowed
    before = verdict.next_allowed_at - timedelta(minutes=1)
    if before > now:
        assert not check_contact_cap(history, before, policy, zones).allowed
