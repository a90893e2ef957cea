"""The debtor's timezone: the creditor's explicit zone with the address's and the phones', else
the address, else the phone.

Calling hours (08:00–21:00 at the debtor's location, FDCPA 1692c(a)(1), Reg F 1006.6(b)(1)(i))
depend on it, so the rule is conservative. It returns one ``zone`` (shown to agents, used to
plan the day) and every ``candidates`` zone the debtor may be in: the dialer must find the hour
lawful in *all* of them. Reg F's commentary on 1006.6(b)(1)(i) reads the same way: with
conflicting or ambiguous location information (an area code in one zone, an address in
another), a time is convenient only if it is convenient in every location the collector's
information points to.

Order of sources:

1. ``explicit``: an IANA zone the creditor gave, when the tz database knows it (an unknown name
   is ignored, and the reason says so). It becomes ``zone``, but it is one more piece of
   location information, not a replacement for the rest: the zones the address and phones
   point to (below) stay among the ``candidates``, so a creditor's zone can only narrow the
   hours, never allow a call that the address or a phone rules out. When address and phones
   tell nothing, the explicit zone is the only candidate (it replaces the default guess).
2. ``address``: the state/province (and, for split states, the ZIP prefix) or the country;
   see :mod:`recoup.rules.timezone_regions`.
3. ``phone``: phonenumbers' zones for each valid number.
4. ``default``: the policy's zone, when nothing above tells.

When the address decides, a *geographic* phone number (a landline, any NANP number, whose
area code names a place) whose zones differ still adds them to ``candidates``: that is
location information that conflicts with the address. A mobile or non-geographic number
(a UK 07, an Australian 04, a toll-free 800) names only a country, not a place, so it does
not widen an address; such numbers are used only when no address or geographic number is
known. The address still chooses ``zone`` (the issue says so).

Pure: the inputs are values, and the tz and numbering data are read-only package data.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Literal

import phonenumbers
from phonenumbers import timezone as phone_timezone

from recoup.domain.model import Address
from recoup.rules.timezone_regions import COUNTRIES, zones_for_address

TimezoneSource = Literal["explicit", "address", "phone", "default"]

_NOT_ZONES = frozenset({"", "Factory", "localtime", "posixrules", "Etc/Unknown"})


@dataclass(frozen=True, slots=True)
class TimezoneResolution:
    zone: str  # IANA name used for the debtor's local time
    candidates: tuple[str, ...]  # every zone the debtor may be in; ``zone`` first
    source: TimezoneSource
    reason: str  # plain words for the supervisor


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_iana_zone(name: str) -> bool:
    """Whether ``name`` is a zone of the tz database (links such as ``US/Eastern`` included)."""
    if name in _NOT_ZONES or name.startswith(("posix/", "right/")):
        return False
    return name in _known_zones()


@dataclass(frozen=True, slots=True)
class _PhoneZones:
    number: str
    region: str  # ISO country of the number
    zones: tuple[str, ...]
    geographic: bool


def _phone_zones(phone: str) -> _PhoneZones | None:
    try:
        parsed = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    zones = tuple(z for z in phone_timezone.time_zones_for_number(parsed) if is_iana_zone(z))
    if not zones:
        return None
    region = phonenumbers.region_code_for_country_code(parsed.country_code or 0)
    return _PhoneZones(phone, region, zones, phonenumbers.is_number_geographical(parsed))


def _unique(zones: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(zones))


def _pick_zone(candidates: tuple[str, ...], regions: Sequence[str], default_zone: str) -> str:
    """The likeliest of several zones: the operator's own, else the country's main one."""
    if default_zone in candidates:
        return default_zone
    for region in regions:
        rule = COUNTRIES.get(region)
        if rule is not None and rule.whole.zone in candidates:
            return rule.whole.zone
    return candidates[0]


def resolve_debtor_timezone(
    *,
    address: Address,
    phones: Sequence[str],
    default_zone: str,
    explicit: str | None = None,
) -> TimezoneResolution:
    """Where the debtor is, for calling hours. ``default_zone`` must be a valid IANA zone."""
    if not is_iana_zone(default_zone):
        msg = f"default zone {default_zone!r} is not an IANA zone"
        raise ValueError(msg)
    name = (explicit or "").strip()
    notes: list[str] = []
    if name and not is_iana_zone(name):
        notes.append(f"the creditor's zone {explicit!r} is not an IANA zone and was ignored")
        name = ""
    found = _from_address_and_phones(address, phones, default_zone, notes)
    if not name:
        return found
    if found.source == "default":
        return TimezoneResolution(name, (name,), "explicit", f"the creditor gave {name}")
    others = [z for z in found.candidates if z != name]
    reason = f"the creditor gave {name}"
    if others:
        reason += f"; {', '.join(others)} as well, from {found.reason}"
    return TimezoneResolution(name, _unique((name, *found.candidates)), "explicit", reason)


def _from_address_and_phones(
    address: Address, phones: Sequence[str], default_zone: str, notes: list[str]
) -> TimezoneResolution:
    """The zones the address and the phones point to (``notes`` are added to the reason)."""
    known = [z for z in (_phone_zones(p) for p in phones) if z is not None]
    geographic = [p for p in known if p.geographic]

    found, why = zones_for_address(address)
    if found is not None:
        widened = [z for p in geographic for z in p.zones if z not in found.candidates]
        reason = f"address: {why}"
        if widened:
            numbers = ", ".join(p.number for p in geographic if set(p.zones) & set(widened))
            reason += f"; phone {numbers} points to {', '.join(_unique(widened))} as well"
        return TimezoneResolution(
            found.zone, _unique((*found.candidates, *widened)), "address", _join(reason, notes)
        )
    notes.append(why)
    if len(known) < len(phones):
        notes.append(f"{len(phones) - len(known)} phone number(s) gave no zone")

    usable = geographic or known
    if usable:
        candidates = _unique(z for p in usable for z in p.zones)
        zone = _pick_zone(candidates, [p.region for p in usable], default_zone)
        candidates = _unique((zone, *candidates))
        kind = "geographic " if geographic else ""
        numbers = ", ".join(p.number for p in usable)
        reason = f"{kind}phone {numbers}: {', '.join(candidates)}"
        return TimezoneResolution(zone, candidates, "phone", _join(reason, notes))

    return TimezoneResolution(
        default_zone, (default_zone,), "default", _join(f"default zone {default_zone}", notes)
    )


def _join(reason: str, notes: Sequence[str]) -> str:
    return "; ".join((reason, *notes))
