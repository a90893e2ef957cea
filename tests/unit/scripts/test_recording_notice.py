"""The recording notice: every debtor whose state needs all parties' consent to record a call
hears it, whether or not the creditor's file said so."""

from __future__ import annotations

from dataclasses import replace

import pytest

from recoup.domain.model import Address
from recoup.rules.payment_profile import ProfilePolicy
from recoup.scripts.context import Agency
from recoup.scripts.defaults import default_scripts
from recoup.scripts.library import PendingPop
from recoup.scripts.recording_notice import needs_recording_notice
from recoup.scripts.render import RECORDING_ANNOUNCEMENT, compile_script
from tests.unit.scripts.debtor_builder import TODAY, DebtorBuilder, a_debtor

SHIPPED_GENERIC = "generic.en"


def living_in(region: str, country: str = "US") -> DebtorBuilder:
    builder = a_debtor().owing()
    builder.debtor = replace(
        builder.debtor, address=Address("1 Market St", "Somewhere", region, "94105", country)
    )
    return builder


def opening_for(builder: DebtorBuilder) -> tuple[str, ...]:
    script = next(s for s in default_scripts() if s.id == SHIPPED_GENERIC)
    file = builder.file()
    verdict = file.profile(TODAY, ProfilePolicy())
    pending = PendingPop(file, verdict, "", TODAY, (), compile_script(script), "", ProfilePolicy())
    return pending.render("Alex", Agency("Fairway Recovery")).script.opening


def test_a_californian_imported_without_the_flag_still_hears_the_recording_notice() -> None:
    assert RECORDING_ANNOUNCEMENT["en"] in opening_for(living_in("CA"))


@pytest.mark.parametrize("region", ["CA", "ca", "California", " Florida ", "PA", "WA", "IL"])
def test_all_party_consent_states_by_code_or_name(region: str) -> None:
    assert needs_recording_notice(living_in(region).debtor)


@pytest.mark.parametrize(
    ("region", "country"), [("TX", "US"), ("NY", "US"), ("ON", "CA"), ("", ""), ("CA", "GB")]
)
def test_one_party_consent_places_need_only_the_flag(region: str, country: str) -> None:
    debtor = living_in(region, country).debtor
    assert not needs_recording_notice(debtor)
    assert needs_recording_notice(replace(debtor, all_party_consent=True))
    assert RECORDING_ANNOUNCEMENT["en"] not in opening_for(living_in(region, country))
