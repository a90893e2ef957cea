"""Who must hear "this call is being recorded" before anything else is said.

The creditor's file may flag a debtor (``all_party_consent``), but the flag is optional and
defaults to no: a debtor whose address is in a US state whose law needs every party's consent
to record a telephone call hears the notice whatever the file says. The list leans to the safe
side (an announcement too many costs a sentence; one too few is an unlawful recording):
California, Connecticut, Delaware, Florida, Illinois, Maryland, Massachusetts, Michigan,
Montana, Nevada, New Hampshire, Pennsylvania and Washington.

Pure: the debtor comes in.
"""

from __future__ import annotations

from collections.abc import Mapping

from recoup.domain.model import Debtor

ALL_PARTY_CONSENT_STATES: Mapping[str, str] = {
    "CA": "california", "CT": "connecticut", "DE": "delaware", "FL": "florida",
    "IL": "illinois", "MD": "maryland", "MA": "massachusetts", "MI": "michigan",
    "MT": "montana", "NV": "nevada", "NH": "new hampshire", "PA": "pennsylvania",
    "WA": "washington",
}  # fmt: skip
_NAMES = frozenset(ALL_PARTY_CONSENT_STATES.values())


def in_all_party_consent_state(region: str, country: str) -> bool:
    """Whether an address (region as the post writes it: ``CA`` or ``California``) lies in a
    US all-party-consent state; an address without a country is read as a US one."""
    if country.strip().upper() not in ("", "US", "USA"):
        return False
    place = " ".join(region.split()).lower().removesuffix(".")
    return place.upper() in ALL_PARTY_CONSENT_STATES or place in _NAMES


def needs_recording_notice(debtor: Debtor) -> bool:
    """The file's flag, or an address in an all-party-consent state."""
    address = debtor.address
    return debtor.all_party_consent or in_all_party_consent_state(address.region, address.country)
