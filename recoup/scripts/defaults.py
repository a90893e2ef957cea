"""The scripts Recoup ships: one per payment profile, and a generic one, in plain words.

Each is a file ``templates/<profile>.<language>.j2`` whose id is ``<profile>.<language>``
(the id :func:`~recoup.scripts.choice.default_script_id` falls back to) and whose first line
gives its title (``{# title: Gentle reminder #}``).
"""

from __future__ import annotations

from importlib import resources

from recoup.scripts.choice import GENERIC
from recoup.scripts.render import Script, title_of

_TEMPLATES = "templates"
_SUFFIX = ".j2"


def default_scripts() -> tuple[Script, ...]:
    """Every shipped script, ordered by id."""
    folder = resources.files("recoup.scripts").joinpath(_TEMPLATES)
    found: list[Script] = []
    for entry in folder.iterdir():
        if not entry.name.endswith(_SUFFIX):
            continue
        script_id = entry.name.removesuffix(_SUFFIX)
        profile, _, language = script_id.partition(".")
        body = entry.read_text(encoding="utf-8")
        found.append(
            Script(
                id=script_id,
                title=title_of(body, script_id),
                body=body,
                profile="" if profile == GENERIC else profile,
                language=language or "en",
            )
        )
    return tuple(sorted(found, key=lambda s: s.id))
