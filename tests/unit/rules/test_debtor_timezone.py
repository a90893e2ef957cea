"""Where the debtor is, for calling hours: the explicit zone with address and phone, else the
address, else the phone, else the default."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from recoup.compliance.calling_window import CallingWindow, check_calling_window
from recoup.domain.model import Address
from recoup.rules.debtor_timezone import (
    TimezoneResolution,
    is_iana_zone,
    resolve_debtor_timezone,
)
from recoup.rules.timezone_regions import COUNTRIES, REGIONS_BY_COUNTRY

HOME = "America/New_York"  # the operator's default zone in these tests
WINDOW = CallingWindow()  # 08:00-21:00


def us(region: str, zip_code: str = "") -> Address:
    return Address(region=region, postal_code=zip_code, country="US")


def resolve(
    address: Address | None = None, phones: tuple[str, ...] = (), explicit: str | None = None
) -> TimezoneResolution:
    return resolve_debtor_timezone(
        address=address or Address(), phones=phones, default_zone=HOME, explicit=explicit
    )


@pytest.mark.parametrize(
    ("address", "zone", "candidates"),
    [
        (us("NY", "10001"), "America/New_York", ("America/New_York",)),
        (us("New York"), "America/New_York", ("America/New_York",)),
        (us("TX", "79901"), "America/Denver", ("America/Denver",)),
        (us("TX", "75201"), "America/Chicago", ("America/Chicago",)),
        (us("FL", "32501"), "America/Chicago", ("America/Chicago",)),
        (us("FL", "33101"), "America/New_York", ("America/New_York",)),
        (us("IN", "46402"), "America/Chicago", ("America/Chicago",)),
        (us("IN", "47708"), "America/Chicago", ("America/Chicago",)),
        (us("IN", "46204"), "America/Indiana/Indianapolis", ("America/Indiana/Indianapolis",)),
        (us("KY", "42001"), "America/Chicago", ("America/Chicago",)),
        (us("KY", "40502"), "America/New_York", ("America/New_York",)),
        (us("TN", "37902"), "America/New_York", ("America/New_York",)),
        (us("TN", "38103"), "America/Chicago", ("America/Chicago",)),
        (us("ID", "83814"), "America/Los_Angeles", ("America/Los_Angeles",)),
        (us("ID", "83702"), "America/Boise", ("America/Boise",)),
        (us("OR", "97914"), "America/Boise", ("America/Boise", "America/Los_Angeles")),
        (us("SD", "57701"), "America/Denver", ("America/Denver",)),
        (us("NE", "69361"), "America/Denver", ("America/Denver",)),
        (us("MI", "48201"), "America/Detroit", ("America/Detroit",)),
        (us("AK", "99546"), "America/Adak", ("America/Adak",)),
        (us("HI", "96813"), "Pacific/Honolulu", ("Pacific/Honolulu",)),
        (us("PR", "00901"), "America/Puerto_Rico", ("America/Puerto_Rico",)),
        (Address(region="Québec", country="CA"), "America/Toronto", None),
        (Address(region="NSW", postal_code="2898", country="AU"), "Australia/Lord_Howe", None),
        (Address(region="Victoria", country="AU"), "Australia/Melbourne", None),
        (Address(postal_code="SW1A 1AA", country="GB"), "Europe/London", ("Europe/London",)),
        (Address(postal_code="35001", country="ES"), "Atlantic/Canary", ("Atlantic/Canary",)),
        (Address(postal_code="28001", country="ES"), "Europe/Madrid", ("Europe/Madrid",)),
        (Address(postal_code="9500-123", country="PT"), "Atlantic/Azores", ("Atlantic/Azores",)),
        (Address(postal_code="97200", country="FR"), "America/Martinique", None),
        (Address(country="de"), "Europe/Berlin", ("Europe/Berlin",)),
    ],
)
def test_address_decides_the_zone(
    address: Address, zone: str, candidates: tuple[str, ...] | None
) -> None:
    found = resolve(address)
    assert (found.zone, found.source) == (zone, "address")
    if candidates is not None:
        assert found.candidates == candidates


def test_el_paso_is_mountain_though_texas_is_central() -> None:
    assert resolve(us("TX", "79925-1234")).zone == "America/Denver"


def test_texas_without_a_zip_keeps_both_of_its_zones() -> None:
    found = resolve(us("TX"))
    assert found.zone == "America/Chicago"
    assert set(found.candidates) == {"America/Chicago", "America/Denver"}


def test_a_zip_prefix_straddling_the_line_keeps_both_zones() -> None:
    found = resolve(us("FL", "32401"))  # Panama City: Central, Gulf County partly Eastern
    assert found.zone == "America/Chicago"
    assert set(found.candidates) == {"America/Chicago", "America/New_York"}


def test_a_zip_from_another_state_does_not_narrow_a_split_state() -> None:
    found = resolve(us("TX", "10001"))
    assert set(found.candidates) == {"America/Chicago", "America/Denver"}
    assert "not one of its own" in found.reason


def test_arizona_keeps_no_dst_but_the_navajo_nation_keeps_denver_as_candidate() -> None:
    assert resolve(us("AZ", "85004")).candidates == ("America/Phoenix",)
    assert set(resolve(us("AZ")).candidates) == {"America/Phoenix", "America/Denver"}
    assert resolve(us("AZ", "86515")).zone == "America/Denver"  # Window Rock


def test_manhattan_landline_is_new_york() -> None:
    found = resolve(phones=("+12125551234",))
    assert (found.zone, found.candidates, found.source) == (
        "America/New_York",
        ("America/New_York",),
        "phone",
    )


def test_london_landline_is_london() -> None:
    found = resolve(phones=("+442071234567",))
    assert (found.zone, found.source) == ("Europe/London", "phone")


def test_us_mobile_takes_the_zone_of_its_area_code() -> None:
    assert resolve(phones=("+13105550123",)).zone == "America/Los_Angeles"  # 310: LA mobile
    assert resolve(phones=("+19175550123",)).zone == "America/New_York"  # 917: NYC mobile


def test_uk_mobile_lists_every_british_zone_and_prefers_london() -> None:
    found = resolve(phones=("+447911123456",))
    assert found.zone == "Europe/London"
    assert set(found.candidates) >= {"Europe/London", "Europe/Jersey", "Europe/Guernsey"}


def test_a_landline_is_preferred_to_a_mobile_that_names_only_a_country() -> None:
    found = resolve(phones=("+61412345678", "+61212345678"))
    assert found.candidates == ("Australia/Sydney",)


def test_unknown_country_falls_back_to_the_default_zone() -> None:
    found = resolve(Address(country="ZZ"))
    assert (found.zone, found.candidates, found.source) == (HOME, (HOME,), "default")
    assert "ZZ" in found.reason


def test_nothing_known_falls_back_to_the_default_zone() -> None:
    assert resolve(phones=("not a number", "+1555")).source == "default"


def test_invalid_explicit_zone_falls_through_with_a_reason() -> None:
    found = resolve(us("CA"), explicit="Mars/Olympus_Mons")
    assert (found.zone, found.source) == ("America/Los_Angeles", "address")
    assert "Mars/Olympus_Mons" in found.reason


def test_the_creditors_explicit_zone_joins_the_zones_of_address_and_phone() -> None:
    found = resolve(us("NY"), ("+13105550123",), explicit="America/Chicago")
    assert (found.zone, found.source) == ("America/Chicago", "explicit")
    assert found.candidates == ("America/Chicago", "America/New_York", "America/Los_Angeles")
    assert "America/Los_Angeles" in found.reason
    alone = resolve(Address(country="ZZ"), ("not a number",), explicit="Europe/Dublin")
    assert (alone.zone, alone.candidates, alone.source) == (
        "Europe/Dublin",
        ("Europe/Dublin",),
        "explicit",
    )


def test_an_explicit_new_york_zone_does_not_allow_5_30_am_at_a_los_angeles_address() -> None:
    found = resolve(us("CA", "90012"), ("+12125550123",), explicit="America/New_York")
    half_past_eight_in_new_york = datetime(2024, 6, 3, 12, 30, tzinfo=UTC)
    assert not check_calling_window(found.candidates, half_past_eight_in_new_york, WINDOW).allowed


def test_address_wins_over_a_landline_elsewhere_but_keeps_its_zone_as_candidate() -> None:
    found = resolve(us("CA", "94105"), ("+12125551234",))
    assert (found.zone, found.source) == ("America/Los_Angeles", "address")
    assert found.candidates == ("America/Los_Angeles", "America/New_York")
    assert "+12125551234" in found.reason


def test_a_mobile_that_names_only_a_country_does_not_widen_an_address() -> None:
    found = resolve(Address(country="GB"), ("+61412345678",))
    assert found.candidates == ("Europe/London",)


def test_a_misconfigured_default_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="Nowhere/Land"):
        resolve_debtor_timezone(address=Address(), phones=(), default_zone="Nowhere/Land")


def test_every_zone_in_the_address_tables_is_a_real_iana_zone() -> None:
    rules = [*COUNTRIES.values()] + [r for rs in REGIONS_BY_COUNTRY.values() for r in rs.values()]
    for rule in rules:
        areas = [rule.whole, rule.rest, *rule.by_postal.values()]
        for zones in (z for z in areas if z is not None):
            assert zones.zone == zones.candidates[0], rule.name
            assert all(is_iana_zone(z) for z in zones.candidates), rule.name


# --- properties ---------------------------------------------------------------------------

ZONES = sorted({"America/New_York", "Europe/London", "Australia/Perth", "UTC", "US/Eastern"})
COUNTRY_CODES = ["US", "CA", "AU", "GB", "ES", "PT", "FR", "NZ", "DE", "ZZ", "", "usa"]
REGIONS = ["NY", "TX", "FL", "IN", "KY", "AZ", "AK", "Québec", "ON", "NSW", "WA", "", "Narnia"]
POSTAL = ["10001", "79901", "32401", "99546", "2880", "35001", "9500-123", "97100", "", "x"]
PHONES = ["+12125551234", "+447911123456", "+61412345678", "+18005551234", "+19075550000"]

addresses = st.builds(
    Address,
    region=st.sampled_from(REGIONS) | st.text(max_size=12),
    postal_code=st.sampled_from(POSTAL) | st.text(max_size=10),
    country=st.sampled_from(COUNTRY_CODES) | st.text(max_size=4),
)
phone_lists = st.lists(st.sampled_from(PHONES) | st.text(max_size=16), max_size=4).map(tuple)
explicit_zones = (
    st.none() | st.sampled_from([*ZONES, "Mars/Base", "", "localtime"]) | st.text(max_size=20)
)


@given(addresses, phone_lists, st.sampled_from(ZONES), explicit_zones)
def test_zone_is_always_a_known_zone_and_among_the_candidates(
    address: Address, phones: tuple[str, ...], default: str, explicit: str | None
) -> None:
    found = resolve_debtor_timezone(
        address=address, phones=phones, default_zone=default, explicit=explicit
    )
    assert is_iana_zone(found.zone)
    assert found.candidates[0] == found.zone
    assert all(is_iana_zone(z) for z in found.candidates)
    assert len(set(found.candidates)) == len(found.candidates)
    assert found.reason


@given(addresses, phone_lists, st.sampled_from(ZONES), explicit_zones)
def test_the_answer_depends_only_on_the_inputs(
    address: Address, phones: tuple[str, ...], default: str, explicit: str | None
) -> None:
    first = resolve_debtor_timezone(
        address=address, phones=phones, default_zone=default, explicit=explicit
    )
    again = resolve_debtor_timezone(
        address=Address(address.line1, address.city, address.region, address.postal_code,
                        address.country),
        phones=tuple(phones), default_zone=default, explicit=explicit,
    )  # fmt: skip
    assert first == again


@given(addresses, phone_lists, st.sampled_from(ZONES), st.sampled_from(ZONES))
def test_a_valid_explicit_zone_is_the_debtors_zone_and_drops_no_other_candidate(
    address: Address, phones: tuple[str, ...], default: str, explicit: str
) -> None:
    without = resolve_debtor_timezone(address=address, phones=phones, default_zone=default)
    found = resolve_debtor_timezone(
        address=address, phones=phones, default_zone=default, explicit=explicit
    )
    assert (found.zone, found.source) == (explicit, "explicit")
    if without.source != "default":  # the default zone is a guess, not information
        assert set(without.candidates) <= set(found.candidates)


@settings(deadline=None)
@given(
    addresses, phone_lists, st.sampled_from(ZONES), st.sampled_from(ZONES),
    st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 12, 31),
                 timezones=st.just(UTC)),
)  # fmt: skip
def test_a_call_refused_on_address_and_phone_is_refused_whatever_zone_the_creditor_adds(
    address: Address, phones: tuple[str, ...], default: str, explicit: str, at: datetime
) -> None:
    without = resolve_debtor_timezone(address=address, phones=phones, default_zone=default)
    found = resolve_debtor_timezone(
        address=address, phones=phones, default_zone=default, explicit=explicit
    )
    assume(without.source != "default")
    if not check_calling_window(without.candidates, at, WINDOW, find_next=False).allowed:
        assert not check_calling_window(found.candidates, at, WINDOW, find_next=False).allowed
