"""Which script the agent reads: the rule table and its fallbacks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recoup.rules.payment_profile import PaymentProfile, ProfilePolicy
from recoup.scripts.choice import (
    ScriptNotFoundError,
    ScriptRule,
    choose_script,
    default_script_id,
    pick_script,
)
from recoup.scripts.defaults import default_scripts
from tests.unit.scripts.debtor_builder import (
    TODAY,
    a_debtor,
    a_good_payer_who_missed_once,
    a_habitual_late_payer,
)

P = PaymentProfile
SHIPPED = frozenset(s.id for s in default_scripts())


def script_for(builder: object, rules: list[ScriptRule] | None = None, campaign: str = "") -> str:
    file = builder.file()  # type: ignore[attr-defined]
    verdict = file.profile(TODAY, ProfilePolicy())
    return choose_script(
        rules or [], verdict.profile, "retail", file.debtor.language, campaign, available=SHIPPED
    )


def test_broken_promise_gets_the_follow_up_script() -> None:
    assert script_for(a_debtor().owing().with_promise(broken=True)) == "broken_promise.en"


def test_good_payer_who_missed_once_gets_the_gentle_reminder() -> None:
    assert script_for(a_good_payer_who_missed_once()) == "new_delinquent.en"


def test_habitual_late_payer_gets_the_firmer_script() -> None:
    assert script_for(a_habitual_late_payer()) == "habitual_late.en"


def test_debtor_with_an_open_dispute_gets_the_problem_solving_script() -> None:
    debtor = a_good_payer_who_missed_once().with_promise(broken=True).with_open_issue()
    assert script_for(debtor) == "disputing.en"


def test_large_overdue_balance_gets_the_payment_plan_script() -> None:
    debtor = a_debtor().with_paid_invoices(2).owing("7200.00", days_past_due=140)
    assert script_for(debtor) == "high_balance.en"


def test_debtor_who_never_paid_gets_the_verification_script() -> None:
    assert script_for(a_debtor().owing("96.40", days_past_due=21)) == "never_paid.en"


def test_paid_up_and_current_debtors_get_thanks_and_a_courtesy_call() -> None:
    assert script_for(a_debtor().with_paid_invoices(2)) == "paid_up.en"
    assert script_for(a_debtor().owing("89.90", days_past_due=-10)) == "current.en"


def test_spanish_speaker_gets_the_spanish_gentle_reminder() -> None:
    assert script_for(a_good_payer_who_missed_once().speaking("es")) == "new_delinquent.es"


def test_language_without_its_own_script_falls_back_to_english() -> None:
    assert script_for(a_good_payer_who_missed_once().speaking("fr")) == "new_delinquent.en"
    assert script_for(a_habitual_late_payer().speaking("es")) == "habitual_late.en"


def test_regional_language_uses_the_script_of_its_language() -> None:
    assert script_for(a_good_payer_who_missed_once().speaking("es-MX")) == "new_delinquent.es"


def test_profile_without_a_script_gets_the_generic_one_in_the_debtors_language() -> None:
    available = {"generic.en", "generic.es"}
    assert choose_script([], P.HABITUAL_LATE, "", "es", "", available=available) == "generic.es"
    assert choose_script([], P.HABITUAL_LATE, "", "de", "", available=available) == "generic.en"


def test_no_script_at_all_is_an_error_not_a_blank_screen() -> None:
    with pytest.raises(ScriptNotFoundError, match="broken_promise"):
        choose_script([], P.BROKEN_PROMISE, "", "en", "", available=set())


def test_a_rule_outranks_the_default_for_the_profile() -> None:
    rules = [ScriptRule("soft_touch", profile=P.NEW_DELINQUENT, segment="retail")]
    assert script_for(a_good_payer_who_missed_once(), rules) == "soft_touch"


def test_the_most_specific_rule_wins_whatever_its_priority() -> None:
    rules = [
        ScriptRule("any_broken", profile=P.BROKEN_PROMISE, priority=1, id=1),
        ScriptRule("c1_broken", profile=P.BROKEN_PROMISE, campaign_id="c1", priority=900, id=2),
    ]
    assert script_for(a_debtor().owing().with_promise(broken=True), rules, "c1") == "c1_broken"


def test_lower_priority_wins_between_rules_equally_specific() -> None:
    rules = [
        ScriptRule("second", profile=P.BROKEN_PROMISE, priority=50, id=1),
        ScriptRule("first", segment="retail", priority=10, id=2),
    ]
    assert script_for(a_debtor().owing().with_promise(broken=True), rules) == "first"


def test_campaign_outweighs_profile_at_equal_specificity_and_priority() -> None:
    rules = [
        ScriptRule("profile_script", profile=P.NEW_DELINQUENT, id=1),
        ScriptRule("campaign_script", campaign_id="c1", id=2),
    ]
    choice = pick_script(rules, P.NEW_DELINQUENT, "", "en", "c1", available=SHIPPED)
    assert choice.script_id == "campaign_script"
    assert "campaign=c1" in choice.reason


def test_a_rule_for_another_campaign_segment_or_language_does_not_apply() -> None:
    rules = [
        ScriptRule("other_campaign", campaign_id="c2"),
        ScriptRule("other_segment", segment="telecom"),
        ScriptRule("german", language="de"),
    ]
    assert script_for(a_good_payer_who_missed_once(), rules, "c1") == "new_delinquent.en"


def test_the_choice_says_why_for_the_supervisor() -> None:
    choice = pick_script([], P.CURRENT, "", "es", "", available=SHIPPED)
    assert choice.script_id == "current.en"
    assert choice.reason == "no rule matches: the default script for current in en"


def test_default_script_ids_name_profile_and_language() -> None:
    assert default_script_id(P.BROKEN_PROMISE, "ES") == "broken_promise.es"


def test_every_profile_has_a_shipped_english_script() -> None:
    assert {default_script_id(p, "en") for p in PaymentProfile} <= SHIPPED


fields = st.sampled_from(["", "a", "b"])
rules_strategy = st.lists(
    st.builds(
        ScriptRule,
        script_id=st.sampled_from(["s1", "s2", "s3", "s4"]),
        profile=st.none() | st.sampled_from([P.BROKEN_PROMISE, P.CURRENT]),
        segment=fields,
        language=st.sampled_from(["", "en", "es"]),
        campaign_id=fields,
        priority=st.integers(0, 3),
        id=st.integers(0, 100),
    ),
    max_size=8,
)


@given(
    rules=rules_strategy,
    profile=st.sampled_from([P.BROKEN_PROMISE, P.CURRENT]),
    segment=st.sampled_from(["a", "b"]),
    language=st.sampled_from(["en", "es", "fr"]),
    campaign=st.sampled_from(["a", "b"]),
)
def test_the_chosen_rule_matches_and_no_matching_rule_is_more_specific(
    rules: list[ScriptRule], profile: P, segment: str, language: str, campaign: str
) -> None:
    choice = pick_script(rules, profile, segment, language, campaign, available=SHIPPED)
    spoken = (language,)
    matching = [r for r in rules if r.matches(profile, segment, spoken, campaign)]
    if not matching:
        assert choice.rule is None
        assert choice.script_id in SHIPPED
        return
    assert choice.rule in matching
    assert all(r.specificity <= choice.rule.specificity for r in matching)
    assert all(
        r.priority >= choice.rule.priority
        for r in matching
        if r.specificity == choice.rule.specificity
    )


def test_spanish_speaker_who_broke_a_promise_gets_the_spanish_follow_up() -> None:
    debtor = a_debtor().speaking("es").owing().with_promise(broken=True)
    assert script_for(debtor) == "broken_promise.es"


@pytest.mark.parametrize("written", ["es_MX", "ES-mx", " es-MX "])
def test_a_mexican_spanish_rule_reaches_a_mexican_debtor_however_the_locale_is_written(
    written: str,
) -> None:
    rules = [ScriptRule("reminder.es-mx", language=written, id=1)]
    debtor = a_good_payer_who_missed_once().speaking("es-MX")
    assert script_for(debtor, rules) == "reminder.es-mx"
