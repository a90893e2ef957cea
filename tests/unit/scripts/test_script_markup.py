"""A script a manager edits reaches the agent's browser as HTML: whatever the template says and
whoever the debtor is, no markup but plain text tags gets there."""

from __future__ import annotations

import pytest

from recoup.rules.payment_profile import ProfilePolicy
from recoup.scripts.context import Agency, build_script_context
from recoup.scripts.library import PendingPop
from recoup.scripts.render import (
    MINI_MIRANDA,
    RenderedScript,
    Script,
    ScriptTemplateError,
    compile_script,
    render_script,
)
from tests.unit.scripts.debtor_builder import TODAY, DebtorBuilder, a_debtor

AGENCY = Agency("Fairway Recovery", creditor="Metro Telecom")


def rendered_for(body: str, debtor: DebtorBuilder) -> RenderedScript:
    compiled = compile_script(Script("edited", "Edited", body))
    file = debtor.file()
    context = build_script_context(
        file, file.profile(TODAY, ProfilePolicy()), TODAY, agent_name="Alex", agency=AGENCY,
        language="en",
    )  # fmt: skip
    return render_script(compiled, context, all_party_consent=False)


@pytest.mark.parametrize(
    "body",
    [
        '<p>Hello</p><img src=x onerror="alert(1)"',
        "<p>Hello</p><script",
        "<p>Hello <p class=x onclick=alert(1)</p>",
    ],
)
def test_a_tag_left_open_is_refused_when_the_script_is_saved(body: str) -> None:
    # The page around the body closes it: "<img ... \n</section>" is an img with onerror.
    with pytest.raises(ScriptTemplateError, match="<"):
        compile_script(Script("open", "Open", body))


def test_a_script_tag_in_a_branch_the_sample_debtor_never_takes_is_refused() -> None:
    body = (
        '{% if profile == "current" %}<p>Thanks, {{ first_name }}.</p>'
        "{% else %}<script>fetch('/api/v1/agents/me')</script>{% endif %}"
    )
    with pytest.raises(ScriptTemplateError, match="<script>"):
        compile_script(Script("branch", "Branch", body))


def test_markup_made_while_rendering_never_reaches_the_agents_browser() -> None:
    # map("safe") turns the debtor's own text into markup; only rendering can see it.
    body = "<p>{{ [debtor_name]|map('safe')|join }}</p>"
    script = rendered_for(body, a_debtor().named('<img src=x onerror="alert(1)">').owing())
    assert "<img" not in script.html
    assert "&lt;img" in script.html
    assert MINI_MIRANDA["en"] in script.text


@pytest.mark.parametrize(
    ("body", "fact"),
    [
        ("<p>You last paid {{ last_payment.amount }}.</p>", "last_payment"),
        ("<p>You promised {{ pending_promise.amount }}.</p>", "pending_promise"),
        ("<p>Your oldest debt is {{ debts[0].balance }}.</p>", "debts"),
    ],
)
def test_a_script_that_needs_a_fact_some_debtors_lack_is_refused_when_saved(
    body: str, fact: str
) -> None:
    # Otherwise it renders for the sample debtor and fails on the call of the first debtor
    # who never paid: the agent gets no screen pop at all.
    with pytest.raises(ScriptTemplateError, match=fact):
        compile_script(Script("needs", "Needs", body))


def test_a_script_that_tests_its_facts_first_is_accepted() -> None:
    body = "{% if last_payment %}<p>You last paid {{ last_payment.amount }}.</p>{% endif %}"
    script = rendered_for(body, a_debtor().owing())
    assert "You last paid" not in script.text


def test_a_script_that_fails_for_one_debtor_gives_way_to_the_shipped_one_on_the_call() -> None:
    # Fine for the sample debtor (one open issue); a division by zero for a debtor with none.
    edited = compile_script(Script("edited", "Edited", "<p>{{ 100 // open_issues }}</p>"))
    file = a_debtor().owing().file()
    verdict = file.profile(TODAY, ProfilePolicy())
    pending = PendingPop(file, verdict, "retail", TODAY, (), edited, "rule 1", ProfilePolicy())
    pop = pending.render("Alex", AGENCY)
    assert pop.script.script_id == f"{verdict.profile.value}.en"
    assert MINI_MIRANDA["en"] in pop.script.text
    assert "edited could not be used" in pop.script_reason
