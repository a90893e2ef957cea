"""Which script the agent reads: a rule table over (campaign, payment profile, segment, language).

A :class:`ScriptRule` names a script and the conditions it applies under. Each condition is
either a value or ``""`` (any). A rule *matches* a debtor when every condition it sets is met:

- ``campaign_id``, ``profile`` and ``segment`` must equal the debtor's;
- ``language`` must equal the debtor's language or its primary subtag (a rule for ``es``
  matches a debtor whose language is ``es-MX``), compared case-insensitively, ``_`` as ``-``.

Among the matching rules:

1. the *most specific* wins: the rule that sets the most conditions (a rule for
   ``broken_promise`` in Spanish beats one for ``broken_promise`` in any language);
2. between rules equally specific, the lower ``priority`` wins (the table's convention);
3. then the rule that sets the weightier conditions, in the order campaign, profile, segment,
   language (a campaign's own script beats a profile's script of the same priority);
4. then the lower rule id, then the script id, so the answer never depends on row order.

No rule matching, the choice falls back to the default script for the profile
(``<profile>.<language>``), then to the generic one (``generic.<language>``), trying the
debtor's language, its primary subtag and then ``en`` for each. Only scripts in ``available``
are chosen from the fallbacks; with none there, :class:`ScriptNotFoundError`.

Pure: the rules and the available script ids come in.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from recoup.rules.payment_profile import PaymentProfile

FALLBACK_LANGUAGE = "en"
GENERIC = "generic"


class ScriptNotFoundError(LookupError):
    """No rule matches and neither a default nor a generic script is available."""


@dataclass(frozen=True, slots=True)
class ScriptRule:
    """Use ``script_id`` where every condition that is set ("" is any) holds."""

    script_id: str
    profile: PaymentProfile | None = None
    segment: str = ""
    language: str = ""
    campaign_id: str = ""
    priority: int = 100  # lower wins among rules equally specific
    id: int = 0

    @property
    def specificity(self) -> int:
        return sum(bool(c) for c in (self.campaign_id, self.profile, self.segment, self.language))

    def matches(
        self, profile: PaymentProfile, segment: str, languages: Collection[str], campaign_id: str
    ) -> bool:
        return (
            (not self.campaign_id or self.campaign_id == campaign_id)
            and (self.profile is None or self.profile is profile)
            and (not self.segment or self.segment == segment)
            and (not self.language or debtor_languages(self.language)[0] in languages)
        )

    def describe(self) -> str:
        conditions = [
            f"{name}={value}"
            for name, value in (
                ("campaign", self.campaign_id),
                ("profile", self.profile.value if self.profile else ""),
                ("segment", self.segment),
                ("language", self.language),
            )
            if value
        ]
        where = ", ".join(conditions) or "any debtor"
        return f"rule {self.id} ({where}; priority {self.priority})"


@dataclass(frozen=True, slots=True)
class ScriptChoice:
    script_id: str
    reason: str  # for the supervisor: which rule or fallback chose it
    rule: ScriptRule | None = None


def default_script_id(profile: PaymentProfile | str, language: str) -> str:
    """The id of a default script: ``broken_promise.en``, ``generic.es``."""
    name = profile.value if isinstance(profile, PaymentProfile) else profile
    return f"{name}.{language.lower()}"


def debtor_languages(language: str) -> tuple[str, ...]:
    """``es-MX`` -> ``("es-mx", "es")``: the debtor's language and its primary subtag."""
    full = language.strip().lower().replace("_", "-")
    primary = full.split("-", 1)[0]
    return tuple(dict.fromkeys(x for x in (full, primary) if x)) or (FALLBACK_LANGUAGE,)


def language_fallbacks(language: str) -> tuple[str, ...]:
    """``es-MX`` -> ``("es-mx", "es", "en")``: the languages to try for a default script."""
    return tuple(dict.fromkeys((*debtor_languages(language), FALLBACK_LANGUAGE)))


def _rank(rule: ScriptRule) -> tuple[int, int, tuple[bool, ...], int, str]:
    weight = (not rule.campaign_id, rule.profile is None, not rule.segment, not rule.language)
    return (-rule.specificity, rule.priority, weight, rule.id, rule.script_id)


def pick_script(
    rules: Iterable[ScriptRule],
    profile: PaymentProfile,
    segment: str,
    language: str,
    campaign_id: str,
    *,
    available: Collection[str],
) -> ScriptChoice:
    """The script for this debtor, and why (see the module's rules)."""
    spoken = debtor_languages(language)
    matching = [r for r in rules if r.matches(profile, segment, spoken, campaign_id)]
    if matching:
        best = min(matching, key=_rank)
        return ScriptChoice(best.script_id, f"chosen by {best.describe()}", best)
    for name in (profile.value, GENERIC):
        for candidate in language_fallbacks(language):
            script_id = default_script_id(name, candidate)
            if script_id in available:
                what = "generic script" if name == GENERIC else f"default script for {name}"
                return ScriptChoice(script_id, f"no rule matches: the {what} in {candidate}")
    msg = f"no script for {profile.value} in {language or 'any language'} and no generic script"
    raise ScriptNotFoundError(msg)


def choose_script(
    rules: Iterable[ScriptRule],
    profile: PaymentProfile,
    segment: str,
    language: str,
    campaign_id: str,
    *,
    available: Collection[str],
) -> str:
    """The id of the script for this debtor (see :func:`pick_script`)."""
    return pick_script(
        rules, profile, segment, language, campaign_id, available=available
    ).script_id
