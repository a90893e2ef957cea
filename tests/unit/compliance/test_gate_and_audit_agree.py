"""A dialer that obeys the gate leaves a history the audit finds clean, and vice versa."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from recoup.compliance.audit import (
    AttemptRecord,
    AuditPolicies,
    AuditRule,
    DebtorRecord,
    audit_debt,
)
from recoup.compliance.contact_cap import Contact
from recoup.compliance.facts import contact_channel, debtor_zones
from recoup.compliance.gate import CompliancePolicy, DialFacts, check_dial
from recoup.domain.model import ContactChannel

START = datetime(2026, 3, 1, tzinfo=UTC)
PHONE = "+12125550100"
ZONE_SETS = st.lists(
    st.sampled_from(["America/New_York", "America/Los_Angeles", "Europe/London"]),
    min_size=1, max_size=2, unique=True,
)  # fmt: skip
TRIES = st.lists(
    st.tuples(
        st.integers(0, 30 * 24 * 60),  # minute the dialer wants to call at
        st.sampled_from(list(ContactChannel)),
        st.booleans(),  # conversation
        st.booleans(),  # abandoned
        st.integers(0, 3600),  # seconds the call lasted (an abandon is at its end)
    ),
    max_size=30,
)


def record(n: int, contact: Contact) -> AttemptRecord:
    return AttemptRecord(n, "INV-1", "P-1", "C1", contact)


@settings(max_examples=100, deadline=None)
@given(tries=TRIES, zones=ZONE_SETS, uk_mode=st.booleans())
def test_a_history_the_gate_let_through_is_clean_in_the_audit(
    tries: list[tuple[int, ContactChannel, bool, bool, int]], zones: list[str], uk_mode: bool
) -> None:
    policy = replace(CompliancePolicy(), uk_mode=uk_mode)
    made: list[Contact] = []
    for minute, channel, conversation, abandoned, lasted in sorted(tries):
        at = START + timedelta(minutes=minute)
        contact = Contact(at, channel, conversation, abandoned and channel is ContactChannel.CALL,
                          phone=PHONE, closed_at=at + timedelta(seconds=lasted))  # fmt: skip
        if channel is not ContactChannel.CALL:
            made.append(contact)  # texts, e-mails and letters do not pass the dialer's gate
            continue
        facts = DialFacts("INV-1", "P-1", PHONE, tuple(zones), balance_minor=1, history=tuple(made))
        if check_dial(facts, at, policy).allowed:
            made.append(contact)
    attempts = [record(n, c) for n, c in enumerate(made)]
    abandons = {PHONE: sorted(c.abandoned_at for c in made if c.abandoned)}
    findings = audit_debt(
        attempts, DebtorRecord(tuple(zones)), AuditPolicies(policy), phone_abandons=abandons
    )
    assert findings == []


@settings(max_examples=100, deadline=None)
@given(tries=TRIES, zones=ZONE_SETS)
def test_every_call_the_gate_would_refuse_is_a_finding(
    tries: list[tuple[int, ContactChannel, bool, bool, int]], zones: list[str]
) -> None:
    policy = CompliancePolicy()
    contacts = [
        Contact(START + timedelta(minutes=m), ch, talk, False, phone=PHONE)
        for m, ch, talk, _, _ in sorted(tries)
    ]
    attempts = [record(n, c) for n, c in enumerate(contacts)]
    findings = audit_debt(attempts, DebtorRecord(tuple(zones)), AuditPolicies(policy))
    flagged = {f.attempt_id for f in findings}
    for n, contact in enumerate(contacts):
        if contact.channel is not ContactChannel.CALL:
            continue
        facts = DialFacts("INV-1", "P-1", PHONE, tuple(zones), balance_minor=1,
                          history=tuple(contacts[:n]))  # fmt: skip
        assert check_dial(facts, contact.at, policy).allowed == (n not in flagged)
    assert all(f.rule is not AuditRule.DO_NOT_CALL for f in findings)


def test_a_uk_redial_72_hours_after_the_abandon_is_lawful_to_gate_and_audit_alike() -> None:
    policy = replace(CompliancePolicy(), uk_mode=True)
    abandoned = Contact(START + timedelta(hours=10), abandoned=True, phone=PHONE,
                        closed_at=START + timedelta(hours=10, seconds=92))  # fmt: skip
    redial = Contact(abandoned.abandoned_at + timedelta(hours=72), phone=PHONE)
    facts = DialFacts("INV-1", "P-1", PHONE, ("Europe/London",), balance_minor=1,
                      history=(abandoned,))  # fmt: skip
    assert check_dial(facts, redial.at, policy).allowed
    findings = audit_debt(
        [record(0, abandoned), record(1, redial)], DebtorRecord(("Europe/London",)),
        AuditPolicies(policy), phone_abandons={PHONE: [abandoned.abandoned_at]},
    )  # fmt: skip
    assert findings == []


def test_a_call_placed_before_another_call_was_answered_is_not_a_pause_breach() -> None:
    # Two campaigns call the same debt seconds apart; the first is answered after the second
    # went out. The gate could not have known of that conversation: the audit does not blame it.
    monday_10am = datetime(2026, 3, 2, 15, tzinfo=UTC)
    first = Contact(monday_10am, conversation=True, phone=PHONE,
                    answered_at=monday_10am + timedelta(seconds=30))  # fmt: skip
    second = Contact(monday_10am + timedelta(seconds=10), phone="+12125550199")
    facts = DialFacts("INV-1", "P-1", second.phone, ("America/New_York",), balance_minor=1,
                      history=(replace(first, conversation=False, answered_at=None),))  # fmt: skip
    assert check_dial(facts, second.at, CompliancePolicy()).allowed
    findings = audit_debt(
        [record(0, first), record(1, second)], DebtorRecord(("America/New_York",)),
        AuditPolicies(CompliancePolicy()),
    )  # fmt: skip
    assert findings == []


def test_stored_zone_candidates_and_the_zone_are_all_checked() -> None:
    assert debtor_zones("America/New_York", "America/New_York, America/Chicago") == (
        "America/New_York",
        "America/Chicago",
    )
    assert debtor_zones("America/Denver", "") == ("America/Denver",)
    assert debtor_zones("Europe/London", "Europe/Dublin") == ("Europe/Dublin", "Europe/London")


def test_a_channel_this_version_does_not_know_counts_as_a_call() -> None:
    assert contact_channel("sms") is ContactChannel.SMS
    assert contact_channel("fax") is ContactChannel.CALL
