"""Which IANA zones a postal address can lie in: the data behind ``debtor_timezone``.

Each region maps to the zone where most of its people live plus every zone it spans. For the
states split between zones, the ZIP code's first three digits (or a longer prefix) narrow the
answer only where the prefix lies wholly on one side of the line; a prefix that straddles it
keeps both zones. A postal code that does not belong to the region narrows nothing.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from recoup.domain.model import Address


@dataclass(frozen=True, slots=True)
class Zones:
    zone: str  # where most people of the area live
    candidates: tuple[str, ...]  # every zone the area spans, ``zone`` first


@dataclass(frozen=True, slots=True)
class RegionRule:
    """An area's zones, optionally narrowed by its postal codes."""

    name: str
    whole: Zones  # when the postal code is missing or decides nothing
    postal_span: frozenset[str] = frozenset()  # prefixes (``postal_width`` long) of this area
    postal_width: int = 3
    by_postal: Mapping[str, Zones | None] = field(default_factory=dict)  # longest prefix wins
    rest: Zones | None = None  # a postal code of this area that ``by_postal`` does not list


def _one(zone: str) -> Zones:
    return Zones(zone, (zone,))


def _split(zone: str, *others: str) -> Zones:
    return Zones(zone, (zone, *others))


def _span(low: int, high: int, width: int = 3) -> frozenset[str]:
    return frozenset(f"{n:0{width}d}" for n in range(low, high + 1))


ET, CT, MT, PT = "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"
PHOENIX, BOISE, DETROIT = "America/Phoenix", "America/Boise", "America/Detroit"
INDIANA, ANCHORAGE, ADAK = "America/Indiana/Indianapolis", "America/Anchorage", "America/Adak"


def _state(name: str, zone: str) -> RegionRule:
    return RegionRule(name, _one(zone))


def _split_state(
    name: str, whole: Zones, span: frozenset[str], by_postal: Mapping[str, Zones | None]
) -> RegionRule:
    return RegionRule(name, whole, span, 3, by_postal, _one(whole.zone))


_ND_WEST, _MIXED_CM = _split(MT, CT), _split(CT, MT)

US_REGIONS: dict[str, RegionRule] = {
    "AL": _split_state("Alabama", _split(CT, ET), _span(350, 369), {"368": _split(CT, ET)}),
    "AK": _split_state(
        "Alaska", _split(ANCHORAGE, ADAK), _span(995, 999),
        {"99546": _one(ADAK), "99547": _one(ADAK)},  # Adak, Atka: west of 169°30′W
    ),
    "AZ": _split_state(  # no DST, except the Navajo Nation
        "Arizona", _split(PHOENIX, MT), _span(850, 865),
        {"860": _split(PHOENIX, MT), "865": _split(MT, PHOENIX)},
    ),
    "AR": _state("Arkansas", CT),
    "CA": _state("California", PT),
    "CO": _state("Colorado", MT),
    "CT": _state("Connecticut", ET),
    "DE": _state("Delaware", ET),
    "DC": _state("District of Columbia", ET),
    "FL": _split_state(  # the panhandle west of the Apalachicola is Central
        "Florida", _split(ET, CT), _span(320, 349), {"324": _split(CT, ET), "325": _one(CT)}
    ),
    "GA": _state("Georgia", ET),
    "HI": _state("Hawaii", "Pacific/Honolulu"),
    "ID": _split_state(  # the panhandle is Pacific
        "Idaho", _split(BOISE, PT), _span(832, 838), {"835": _split(PT, BOISE), "838": _one(PT)}
    ),
    "IL": _state("Illinois", CT),
    "IN": _split_state(  # the north-west and south-west corners are Central
        "Indiana", _split(INDIANA, CT), _span(460, 479),
        {
            "463": _one(CT), "464": _one(CT), "476": _one(CT), "477": _one(CT),
            "465": _split(INDIANA, CT), "475": _split(INDIANA, CT), "479": _split(INDIANA, CT),
        },
    ),
    "IA": _state("Iowa", CT),
    "KS": _split_state(  # four western counties are Mountain
        "Kansas", _split(CT, MT), _span(660, 679), {"677": _MIXED_CM, "678": _MIXED_CM}
    ),
    "KY": _split_state(  # the western half is Central
        "Kentucky", _split(ET, CT), _span(400, 427),
        {
            "420": _one(CT), "421": _one(CT), "422": _one(CT), "423": _one(CT), "424": _one(CT),
            "401": _split(ET, CT), "425": _split(ET, CT), "426": _split(CT, ET),
            "427": _split(ET, CT),
        },
    ),
    "LA": _state("Louisiana", CT),
    "ME": _state("Maine", ET),
    "MD": _state("Maryland", ET),
    "MA": _state("Massachusetts", ET),
    "MI": _split_state(  # four Upper Peninsula counties on the Wisconsin line are Central
        "Michigan", _split(DETROIT, CT), _span(480, 499),
        {"498": _split(DETROIT, CT), "499": _split(DETROIT, CT)},
    ),
    "MN": _state("Minnesota", CT),
    "MS": _state("Mississippi", CT),
    "MO": _state("Missouri", CT),
    "MT": _state("Montana", MT),
    "NE": _split_state(  # the panhandle and the west are Mountain
        "Nebraska", _split(CT, MT), _span(680, 693),
        {"690": _MIXED_CM, "691": _MIXED_CM, "692": _MIXED_CM, "693": _one(MT)},
    ),
    "NV": _split_state(  # West Wendover and Jackpot keep Mountain time
        "Nevada", _split(PT, MT), _span(889, 898), {"898": _split(PT, MT)}
    ),
    "NH": _state("New Hampshire", ET),
    "NJ": _state("New Jersey", ET),
    "NM": _state("New Mexico", MT),
    "NY": _state("New York", ET),
    "NC": _state("North Carolina", ET),
    "ND": _split_state(  # the south-west is Mountain
        "North Dakota", _split(CT, MT), _span(580, 588),
        {"585": _MIXED_CM, "586": _ND_WEST, "588": _MIXED_CM},
    ),
    "OH": _state("Ohio", ET),
    "OK": _split_state(  # Kenton, in the panhandle, keeps Mountain time
        "Oklahoma", _split(CT, MT), _span(730, 749), {"739": _MIXED_CM}
    ),
    "OR": _split_state(  # most of Malheur County is Mountain
        "Oregon", _split(PT, BOISE), _span(970, 979), {"979": _split(BOISE, PT)}
    ),
    "PA": _state("Pennsylvania", ET),
    "RI": _state("Rhode Island", ET),
    "SC": _state("South Carolina", ET),
    "SD": _split_state(  # west of the Missouri is mostly Mountain
        "South Dakota", _split(CT, MT), _span(570, 577),
        {"575": _MIXED_CM, "576": _MIXED_CM, "577": _one(MT)},
    ),
    "TN": _split_state(  # East Tennessee is Eastern
        "Tennessee", _split(CT, ET), _span(370, 385),
        {
            "373": _split(ET, CT), "374": _one(ET), "376": _one(ET), "377": _one(ET),
            "378": _one(ET), "379": _one(ET),
        },
    ),
    "TX": _split_state(  # El Paso and Hudspeth counties are Mountain
        "Texas", _split(CT, MT), _span(750, 799) | {"733", "885"},
        {"798": _split(MT, CT), "799": _one(MT), "885": _one(MT)},
    ),
    "UT": _state("Utah", MT),
    "VT": _state("Vermont", ET),
    "VA": _state("Virginia", ET),
    "WA": _state("Washington", PT),
    "WV": _state("West Virginia", ET),
    "WI": _state("Wisconsin", CT),
    "WY": _state("Wyoming", MT),
    "PR": _state("Puerto Rico", "America/Puerto_Rico"),
    "VI": _state("U.S. Virgin Islands", "America/St_Thomas"),
    "GU": _state("Guam", "Pacific/Guam"),
    "MP": _state("Northern Mariana Islands", "Pacific/Saipan"),
    "AS": _state("American Samoa", "Pacific/Pago_Pago"),
}  # fmt: skip

CA_REGIONS: dict[str, RegionRule] = {
    "AB": _state("Alberta", "America/Edmonton"),
    "BC": RegionRule(
        "British Columbia", _split("America/Vancouver", "America/Edmonton", "America/Dawson_Creek")
    ),
    "MB": _state("Manitoba", "America/Winnipeg"),
    "NB": _state("New Brunswick", "America/Moncton"),
    "NL": RegionRule("Newfoundland and Labrador", _split("America/St_Johns", "America/Goose_Bay")),
    "NS": _state("Nova Scotia", "America/Halifax"),
    "PE": _state("Prince Edward Island", "America/Halifax"),
    "ON": RegionRule("Ontario", _split("America/Toronto", "America/Winnipeg", "America/Atikokan")),
    "QC": RegionRule(
        "Quebec", _split("America/Toronto", "America/Halifax", "America/Blanc-Sablon")
    ),
    "SK": RegionRule(  # no DST; Lloydminster keeps Alberta time, Creighton Manitoba's
        "Saskatchewan", _split("America/Regina", "America/Edmonton", "America/Winnipeg")
    ),
    "NT": _state("Northwest Territories", "America/Edmonton"),
    "NU": RegionRule(
        "Nunavut", _split("America/Iqaluit", "America/Rankin_Inlet", "America/Cambridge_Bay")
    ),
    "YT": _state("Yukon", "America/Whitehorse"),
}

AU_REGIONS: dict[str, RegionRule] = {
    "NSW": RegionRule(
        "New South Wales",
        _split("Australia/Sydney", "Australia/Broken_Hill", "Australia/Lord_Howe"),
        frozenset({"1", "2"}), 1,
        {
            "2880": _split("Australia/Broken_Hill", "Australia/Sydney"),
            "2898": _one("Australia/Lord_Howe"),
        },
        _one("Australia/Sydney"),
    ),
    "ACT": _state("Australian Capital Territory", "Australia/Sydney"),
    "VIC": _state("Victoria", "Australia/Melbourne"),
    "QLD": _state("Queensland", "Australia/Brisbane"),
    "SA": _state("South Australia", "Australia/Adelaide"),
    "WA": RegionRule("Western Australia", _split("Australia/Perth", "Australia/Eucla")),
    "TAS": _state("Tasmania", "Australia/Hobart"),
    "NT": _state("Northern Territory", "Australia/Darwin"),
}  # fmt: skip

_MADEIRA, _AZORES = _one("Atlantic/Madeira"), _one("Atlantic/Azores")
_CANARY, _CEUTA = _one("Atlantic/Canary"), _one("Africa/Ceuta")

# Countries answered without a region: a single zone, or a postal code that tells the islands.
COUNTRIES: dict[str, RegionRule] = {
    "ES": RegionRule(
        "Spain", _split("Europe/Madrid", "Atlantic/Canary"), _span(1, 52, 2), 2,
        {"35": _CANARY, "38": _CANARY, "51": _CEUTA, "52": _CEUTA}, _one("Europe/Madrid"),
    ),
    "PT": RegionRule(
        "Portugal", _split("Europe/Lisbon", "Atlantic/Madeira", "Atlantic/Azores"),
        _span(10, 99, 2), 2,
        {**dict.fromkeys(("90", "91", "92", "93", "94"), _MADEIRA),
         **dict.fromkeys(("95", "96", "97", "98", "99"), _AZORES)},
        _one("Europe/Lisbon"),
    ),
    "FR": RegionRule(  # overseas départements carry their own postal codes
        "France", _one("Europe/Paris"), _span(0, 9, 1), 1,
        {
            "971": _one("America/Guadeloupe"), "972": _one("America/Martinique"),
            "973": _one("America/Cayenne"), "974": _one("Indian/Reunion"),
            "975": _one("America/Miquelon"), "976": _one("Indian/Mayotte"),
            "977": _one("America/St_Barthelemy"), "978": _one("America/Marigot"),
            "98": None,  # Pacific collectivities and Monaco: do not guess
        },
        _one("Europe/Paris"),
    ),
    "NZ": RegionRule(
        "New Zealand", _split("Pacific/Auckland", "Pacific/Chatham"), _span(0, 9, 1), 1,
        {"8942": _one("Pacific/Chatham")}, _one("Pacific/Auckland"),
    ),
    **{
        code: RegionRule(code, _one(zone))
        for code, zone in {
            "GB": "Europe/London", "IE": "Europe/Dublin", "IM": "Europe/Isle_of_Man",
            "JE": "Europe/Jersey", "GG": "Europe/Guernsey", "DE": "Europe/Berlin",
            "IT": "Europe/Rome", "NL": "Europe/Amsterdam", "BE": "Europe/Brussels",
            "LU": "Europe/Luxembourg", "PL": "Europe/Warsaw", "AT": "Europe/Vienna",
            "CH": "Europe/Zurich", "LI": "Europe/Vaduz", "DK": "Europe/Copenhagen",
            "SE": "Europe/Stockholm", "NO": "Europe/Oslo", "FI": "Europe/Helsinki",
            "IS": "Atlantic/Reykjavik", "CZ": "Europe/Prague", "SK": "Europe/Bratislava",
            "HU": "Europe/Budapest", "RO": "Europe/Bucharest", "BG": "Europe/Sofia",
            "GR": "Europe/Athens", "HR": "Europe/Zagreb", "SI": "Europe/Ljubljana",
            "RS": "Europe/Belgrade", "EE": "Europe/Tallinn", "LV": "Europe/Riga",
            "LT": "Europe/Vilnius", "MT": "Europe/Malta", "CY": "Asia/Nicosia",
            "MC": "Europe/Monaco", "AD": "Europe/Andorra", "SM": "Europe/San_Marino",
            "IL": "Asia/Jerusalem", "ZA": "Africa/Johannesburg", "IN": "Asia/Kolkata",
            "SG": "Asia/Singapore", "HK": "Asia/Hong_Kong", "JP": "Asia/Tokyo",
            "KR": "Asia/Seoul", "PH": "Asia/Manila", "TR": "Europe/Istanbul",
            "AE": "Asia/Dubai", "JM": "America/Jamaica", "CR": "America/Costa_Rica",
            "PA": "America/Panama", "DO": "America/Santo_Domingo",
            "PR": "America/Puerto_Rico", "VI": "America/St_Thomas", "GU": "Pacific/Guam",
            "MP": "Pacific/Saipan", "AS": "Pacific/Pago_Pago",
        }.items()
    },
}  # fmt: skip

REGIONS_BY_COUNTRY: dict[str, dict[str, RegionRule]] = {
    "US": US_REGIONS,
    "CA": CA_REGIONS,
    "AU": AU_REGIONS,
}

_COUNTRY_ALIASES = {
    "USA": "US", "UNITED STATES": "US", "UK": "GB", "UNITED KINGDOM": "GB",
    "CAN": "CA", "CANADA": "CA", "AUS": "AU", "AUSTRALIA": "AU",
}  # fmt: skip

_REGION_ALIASES: dict[str, dict[str, str]] = {
    "CA": {
        "COLOMBIE-BRITANNIQUE": "BC", "NOUVEAU-BRUNSWICK": "NB", "NEWFOUNDLAND": "NL",
        "TERRE-NEUVE-ET-LABRADOR": "NL", "NF": "NL", "NOUVELLE-ECOSSE": "NS",
        "ILE-DU-PRINCE-EDOUARD": "PE", "PQ": "QC", "TERRITOIRES DU NORD-OUEST": "NT",
        "YK": "YT",
    },
    "US": {"WASHINGTON DC": "DC", "WASHINGTON, DC": "DC", "VIRGIN ISLANDS": "VI"},
}  # fmt: skip


def _fold(text: str) -> str:
    """Upper case, no accents, no dots, single spaces: ``"Québec"`` → ``"QUEBEC"``."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.replace(".", "").upper().split())


def country_code(address: Address) -> str:
    folded = _fold(address.country)
    return _COUNTRY_ALIASES.get(folded, folded)


def region_rule(country: str, region: str) -> RegionRule | None:
    """The rule for a state/province written as its code or its name, if it is known."""
    regions = REGIONS_BY_COUNTRY.get(country)
    if regions is None or not region.strip():
        return None
    folded = _fold(region)
    if folded in regions:
        return regions[folded]
    alias = _REGION_ALIASES.get(country, {}).get(folded)
    if alias is not None:
        return regions[alias]
    for rule in regions.values():
        if _fold(rule.name) == folded:
            return rule
    return None


def _postal_key(postal_code: str) -> str:
    return "".join(c for c in postal_code if c.isalnum()).upper()


def zones_for_rule(rule: RegionRule, postal_code: str) -> tuple[Zones | None, str]:
    """The zones of ``rule``'s area, narrowed by ``postal_code`` where that is reliable."""
    if not rule.postal_span:
        return rule.whole, rule.name
    key = _postal_key(postal_code)
    if not key:
        return rule.whole, f"{rule.name} (no postal code to narrow it)"
    if key[: rule.postal_width] not in rule.postal_span or not key.isascii():
        return rule.whole, f"{rule.name} (postal code {postal_code!r} is not one of its own)"
    for length in range(len(key), 0, -1):
        prefix = key[:length]
        if prefix in rule.by_postal:
            zones = rule.by_postal[prefix]
            if zones is None:
                return None, f"{rule.name} postal code {postal_code!r} is not mapped to a zone"
            return zones, f"{rule.name} postal code {postal_code!r}"
    return rule.rest or rule.whole, f"{rule.name} postal code {postal_code!r}"


def zones_for_address(address: Address) -> tuple[Zones | None, str]:
    """The zones the address lies in, or ``None`` and why the address does not decide."""
    country = country_code(address)
    if not country:
        return None, "the address has no country"
    if country in REGIONS_BY_COUNTRY:
        rule = region_rule(country, address.region)
        if rule is None:
            return (
                None,
                f"{country} spans several zones and the region {address.region!r} is unknown",
            )
        return zones_for_rule(rule, address.postal_code)
    rule = COUNTRIES.get(country)
    if rule is None:
        return None, f"no zone table for country {country!r}"
    return zones_for_rule(rule, address.postal_code)
