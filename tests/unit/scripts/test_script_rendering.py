"""What the agent sees: scripts filled from the debtor's file, opened with the mini-Miranda."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recoup.rules.payment_profile import ProfilePolicy
from recoup.scripts.context import Agency, build_script_context
from recoup.scripts.defaults import default_scripts
from recoup.scripts.render import (
    MINI_MIRANDA,
    RECORDING_ANNOUNCEMENT,
    RenderedScript,
    Script,
    ScriptTemplateError,
    compile_script,
    render_script,
)
from recoup.storage.debtor_file import DebtorFile
from tests.unit.scripts.debtor_builder import (
    TODAY,
    DebtorBuilder,
    a_debtor,
    a_good_payer_who_missed_once,
)

AGENCY = Agency("Fairway Recovery", creditor="Metro Telecom", callback_number="+18005550100")
SHIPPED = {s.id: s for s in default_scripts()}


def rendered(script_id: str, debtor: DebtorBuilder | DebtorFile) -> RenderedScript:
    file = debtor.file() if isinstance(debtor, DebtorBuilder) else debtor
    compiled = compile_script(SHIPPED[script_id])
    verdict = file.profile(TODAY, ProfilePolicy())
    context = build_script_context(
        file, verdict, TODAY, agent_name="Alex", agency=AGENCY, language=compiled.script.language
    )
    return render_script(compiled, context, all_party_consent=file.debtor.all_party_consent)


@pytest.mark.parametrize("script_id", sorted(SHIPPED))
def test_every_script_opens_with_the_mini_miranda(script_id: str) -> None:
    script = rendered(script_id, a_good_payer_who_missed_once())
    language = SHIPPED[script_id].language
    assert script.opening[-1] == MINI_MIRANDA[language]
    assert "Fairway Recovery" in script.opening[-2]
    assert script.html.index(MINI_MIRANDA[language]) < script.html.index('<section class="script">')


def test_the_mini_miranda_is_the_fdcpa_wording() -> None:
    assert MINI_MIRANDA["en"] == (
        "This is an attempt to collect a debt and any information obtained will be used for "
        "that purpose."
    )


def test_a_script_that_leaves_out_the_mini_miranda_still_carries_it() -> None:
    bare = compile_script(Script("bare", "Bare", "<p>Pay up, {{ first_name }}.</p>"))
    file = a_debtor().owing().file()
    context = build_script_context(
        file, file.profile(TODAY, ProfilePolicy()), TODAY, agent_name="Alex", agency=AGENCY,
        language="en",
    )  # fmt: skip
    script = render_script(bare, context, all_party_consent=False)
    assert MINI_MIRANDA["en"] in script.html
    assert (
        "calling from Fairway Recovery, a debt collector on behalf of Metro Telecom" in script.text
    )


def test_all_party_consent_adds_the_recording_announcement() -> None:
    script = rendered(
        "new_delinquent.en", a_good_payer_who_missed_once().in_all_party_consent_state()
    )
    assert RECORDING_ANNOUNCEMENT["en"] in script.opening
    assert script.opening.index(RECORDING_ANNOUNCEMENT["en"]) == 1  # before anything about a debt


def test_no_recording_announcement_where_one_party_consents() -> None:
    script = rendered("new_delinquent.en", a_good_payer_who_missed_once())
    assert RECORDING_ANNOUNCEMENT["en"] not in script.text


def test_spanish_script_opens_in_spanish() -> None:
    debtor = a_good_payer_who_missed_once().speaking("es").in_all_party_consent_state()
    script = rendered("new_delinquent.es", debtor)
    assert script.opening[-1] == MINI_MIRANDA["es"]
    assert RECORDING_ANNOUNCEMENT["es"] in script.opening
    assert "de octubre de 2026" in script.text


def test_the_gentle_reminder_is_filled_from_the_debtors_file() -> None:
    script = rendered("new_delinquent.en", a_good_payer_who_missed_once())
    assert "Thank you for taking my call, Maria." in script.text
    assert "480.00 USD that was due on October 21, 2026" in script.text
    assert "Last payment received: 100.00 USD on September 21, 2026." in script.text


def test_broken_promise_script_names_the_promise_that_was_missed() -> None:
    script = rendered(
        "broken_promise.en", a_debtor().owing().with_promise(broken=True, amount="150.00")
    )
    assert "you arranged to pay 150.00 USD by November 10, 2026" in script.text


def test_dispute_script_asks_for_the_problem_and_not_for_payment() -> None:
    script = rendered("disputing.en", a_debtor().owing().with_open_issue())
    assert "what went wrong" in script.text
    assert "Do not ask for payment" in script.text
    assert "How much" not in script.text


def test_high_balance_script_lists_each_debt() -> None:
    debtor = a_debtor().owing("5200.00", days_past_due=100).owing("2000.00", days_past_due=40)
    script = rendered("high_balance.en", debtor)
    assert "The balance past due is 7,200.00 USD" in script.text
    assert "INV-1: 5,200.00 USD, due August 12, 2026 (100 days past due)" in script.text


def test_debtor_names_are_shown_not_obeyed() -> None:
    script = rendered("generic.en", a_debtor().named("<b>Eve</b>").owing())
    assert "<b>Eve</b>" not in script.html
    assert "&lt;b&gt;Eve&lt;/b&gt;" in script.html


def test_a_template_typo_fails_loudly() -> None:
    with pytest.raises(ScriptTemplateError, match="frist_name"):
        compile_script(Script("typo", "Typo", "<p>Hello {{ frist_name }}</p>"))


def test_a_misspelt_field_of_a_fact_fails_loudly_at_load_time() -> None:
    body = "{% if last_payment %}<p>{{ last_payment.amout }}</p>{% endif %}"
    with pytest.raises(ScriptTemplateError, match="amout"):
        compile_script(Script("typo", "Typo", body))


def test_a_broken_template_fails_loudly() -> None:
    with pytest.raises(ScriptTemplateError, match="typo"):
        compile_script(Script("typo", "Typo", "<p>{% if first_name %}unclosed</p>"))


def test_a_script_cannot_reach_into_python() -> None:
    with pytest.raises(ScriptTemplateError, match="does not render"):
        compile_script(Script("escape", "Escape", "{{ debts.__class__.__mro__ }}"))


def test_shipped_scripts_have_titles() -> None:
    assert SHIPPED["new_delinquent.en"].title == "Gentle reminder"
    assert all(s.title != s.id for s in SHIPPED.values())


names = st.text(max_size=20).filter(lambda name: "None" not in name)
amounts = st.integers(min_value=1, max_value=10_000_000).map(lambda m: f"{m // 100}.{m % 100:02d}")


@st.composite
def debtor_files(draw: st.DrawFn) -> DebtorFile:
    builder = (
        a_debtor()
        .named(draw(names.filter(bool)), draw(names))
        .speaking(draw(st.sampled_from(["en", "es", "fr", "es-MX", ""])))
    )
    if draw(st.booleans()):
        builder = builder.in_all_party_consent_state()
    builder.with_paid_invoices(draw(st.integers(0, 3)), days_late=draw(st.integers(0, 40)))
    for _ in range(draw(st.integers(0, 3))):
        builder.owing(
            draw(amounts),
            days_past_due=draw(st.integers(-30, 400)),
            currency=draw(st.sampled_from(["USD", "USD", "EUR", "GBP"])),
        )
    if draw(st.booleans()):
        builder.with_promise(broken=draw(st.booleans()), amount=draw(amounts))
    if draw(st.booleans()):
        builder.with_open_issue()
    return builder.file()


@settings(max_examples=60, deadline=timedelta(seconds=2))
@given(file=debtor_files(), script_id=st.sampled_from(sorted(SHIPPED)))
def test_every_shipped_script_renders_for_any_debtor_with_the_mini_miranda(
    file: DebtorFile, script_id: str
) -> None:
    script = rendered(script_id, file)
    language = SHIPPED[script_id].language
    assert MINI_MIRANDA[language] in script.text
    assert (RECORDING_ANNOUNCEMENT[language] in script.text) == file.debtor.all_party_consent
    assert "None" not in script.text.replace(file.debtor.name, "")


def test_a_script_cannot_hide_the_opening_with_a_style() -> None:
    body = "<style>.opening { display: none }</style><p>Pay, {{ first_name }}.</p>"
    with pytest.raises(ScriptTemplateError, match="<style>"):
        compile_script(Script("hide", "Hide", body))
    with pytest.raises(ScriptTemplateError, match="only class"):
        compile_script(Script("hide", "Hide", '<p style="display:none">x</p>'))


def test_a_script_cannot_print_the_debtors_data_unescaped() -> None:
    with pytest.raises(ScriptTemplateError, match="escaping"):
        compile_script(Script("raw", "Raw", "<p>{{ debtor_name|safe }}</p>"))
    with pytest.raises(ScriptTemplateError, match="escaping"):
        compile_script(
            Script("raw", "Raw", "{% autoescape false %}{{ debtor_name }}{% endautoescape %}")
        )
