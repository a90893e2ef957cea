"""The abandoned-call cap over a campaign's history: 3% of live answers, per 30 days or per day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from recoup.compliance.abandon_cap import (
    AbandonCapPolicy,
    AbandonPeriod,
    CallOutcome,
    find_abandon_breaches,
    measure_abandon_rate,
)

US = AbandonCapPolicy()
UK = AbandonCapPolicy.uk()
DAY_ONE = datetime(2026, 1, 1, 15, 0, tzinfo=UTC)


def day_of_calls(day: int, live: int, abandoned: int) -> list[CallOutcome]:
    at = DAY_ONE + timedelta(days=day)
    answered = [CallOutcome(at, True, False) for _ in range(live - abandoned)]
    return answered + [CallOutcome(at, True, True) for _ in range(abandoned)]


def test_three_percent_of_live_answers_is_within_the_cap() -> None:
    assert find_abandon_breaches(day_of_calls(0, 100, 3), US) == []


def test_four_abandons_in_a_hundred_live_answers_is_a_breach() -> None:
    [breach] = find_abandon_breaches(day_of_calls(0, 100, 4), US)
    assert breach.worst.abandoned == 4
    assert breach.worst.live_answered == 100
    assert "4.0%" in breach.describe(US.cap)


def test_a_bad_day_is_absorbed_by_thirty_good_days() -> None:
    calls = [c for d in range(30) for c in day_of_calls(d, 100, 2)] + day_of_calls(30, 100, 10)
    calls += [c for d in range(31, 41) for c in day_of_calls(d, 100, 2)]
    # 68 of 3,000 over the 30 days to the bad one (2.3%); 30 of 1,100 in the campaign's second
    # 30-day period, the bad day and the ten after it (2.7%)
    assert find_abandon_breaches(calls, US) == []
    assert find_abandon_breaches(calls, UK) != []  # but 10% on its own day


def test_a_bad_last_day_is_a_period_of_its_own_when_the_campaign_ends_on_day_31() -> None:
    calls = [c for d in range(30) for c in day_of_calls(d, 100, 2)] + day_of_calls(30, 100, 10)
    [breach] = find_abandon_breaches(calls, US)  # "each successive 30-day period or portion"
    assert (breach.worst.abandoned, breach.worst.live_answered) == (10, 100)


def test_unanswered_and_machine_calls_are_not_in_the_denominator() -> None:
    machines = [CallOutcome(DAY_ONE, False, False) for _ in range(1000)]
    assert find_abandon_breaches(machines + day_of_calls(0, 10, 1), US) != []


def test_an_abandon_counts_as_a_live_answer_even_if_not_marked() -> None:
    [window] = measure_abandon_rate([CallOutcome(DAY_ONE, False, True)], US)
    assert (window.live_answered, window.abandoned) == (1, 1)


def test_consecutive_days_over_the_cap_are_one_breach() -> None:
    calls = [c for d in range(3) for c in day_of_calls(d, 100, 9)] + day_of_calls(5, 100, 0)
    breaches = find_abandon_breaches(calls, UK)
    assert [(b.from_day, b.to_day) for b in breaches] == [(date(2026, 1, 1), date(2026, 1, 3))]


def test_uk_days_are_london_dates() -> None:
    late = datetime(2026, 6, 1, 23, 30, tzinfo=UTC)  # 00:30 on 2 June in London (BST)
    [window] = measure_abandon_rate([CallOutcome(late, True, True)], UK)
    assert window.first_day == date(2026, 6, 2)


def test_successive_periods_follow_the_regulations_text() -> None:
    calls = [c for d in range(45) for c in day_of_calls(d, 10, 0)] + day_of_calls(40, 10, 5)
    successive = AbandonCapPolicy(period=AbandonPeriod.SUCCESSIVE_30_DAYS)
    [breach] = find_abandon_breaches(calls, successive)
    assert breach.worst.first_day == date(2026, 1, 31)
    assert (breach.worst.live_answered, breach.worst.abandoned) == (160, 5)


@settings(max_examples=100, deadline=None)
@given(
    days=st.lists(
        st.tuples(st.integers(0, 70), st.integers(1, 60), st.integers(0, 5)), max_size=25
    ),
    period=st.sampled_from(list(AbandonPeriod)),
)
def test_a_breach_is_reported_exactly_when_a_measure_is_over_the_cap(
    days: list[tuple[int, int, int]], period: AbandonPeriod
) -> None:
    calls = [c for day, live, ab in days for c in day_of_calls(day, live, min(ab, live))]
    policy = AbandonCapPolicy(period=period)
    measures = measure_abandon_rate(calls, policy)
    over = [m for m in measures if m.abandoned > policy.cap * m.live_answered]
    breaches = find_abandon_breaches(calls, policy)
    assert bool(over) == bool(breaches)
    for breach in breaches:
        assert breach.worst in over
        assert breach.worst.rate > policy.cap
    # Every measure counts exactly the calls of its days.
    for m in measures:
        in_window = [c for c in calls if m.first_day <= c.at.date() <= m.last_day]
        assert m.live_answered == len(in_window)
        assert m.abandoned == sum(c.abandoned for c in in_window)


def test_a_campaign_that_paused_is_still_judged_on_its_first_thirty_days() -> None:
    # Ten days at 20% abandoned, a pause, then two clean weeks: the first ten days are a
    # 30-day period of their own, and no later 30 days reach back to them.
    calls = [c for d in range(10) for c in day_of_calls(d, 100, 20)]
    calls += [c for d in range(45, 60) for c in day_of_calls(d, 100, 0)]
    [breach] = find_abandon_breaches(calls, US)
    assert (breach.worst.abandoned, breach.worst.live_answered) == (200, 1000)
    assert breach.worst.first_day == date(2026, 1, 1)


@settings(max_examples=100, deadline=None)
@given(
    days=st.lists(st.integers(0, 120), min_size=1, max_size=25),
    period=st.sampled_from(list(AbandonPeriod)),
)
def test_every_day_the_campaign_called_is_in_some_measure(
    days: list[int], period: AbandonPeriod
) -> None:
    calls = [c for day in days for c in day_of_calls(day, 10, 0)]
    measures = measure_abandon_rate(calls, AbandonCapPolicy(period=period))
    for call in calls:
        assert any(m.first_day <= call.at.date() <= m.last_day for m in measures)


def test_the_regulations_own_thirty_day_periods_are_never_missed_by_the_rolling_measure() -> None:
    # 47 CFR 64.1200(a)(7)(i): each successive 30-day period "or portion thereof" is measured
    # on its own. Thirty clean days, then five at 5%: every rolling 30 days holds at most 0.8%,
    # but the campaign's second period (its last five days) is at 5%.
    calls = [c for d in range(30) for c in day_of_calls(d, 1000, 0)]
    calls += [c for d in range(30, 35) for c in day_of_calls(d, 1000, 50)]
    [breach] = find_abandon_breaches(calls, US)
    assert (breach.worst.abandoned, breach.worst.live_answered) == (250, 5000)
    assert (breach.worst.first_day, breach.worst.last_day) == (date(2026, 1, 31), date(2026, 2, 4))


@settings(max_examples=100, deadline=None)
@given(
    days=st.lists(
        st.tuples(st.integers(0, 100), st.integers(1, 60), st.integers(0, 5)), max_size=25
    )
)
def test_the_rolling_measure_finds_every_breach_the_successive_periods_find(
    days: list[tuple[int, int, int]],
) -> None:
    calls = [c for day, live, ab in days for c in day_of_calls(day, live, min(ab, live))]
    successive = AbandonCapPolicy(period=AbandonPeriod.SUCCESSIVE_30_DAYS)
    if find_abandon_breaches(calls, successive):
        assert find_abandon_breaches(calls, US)
