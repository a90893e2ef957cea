"""Rendering a script: Jinja2 in a sandbox, strict about names, HTML-escaped, and an opening
the template cannot leave out.

- Templates run in a :class:`~jinja2.sandbox.SandboxedEnvironment`: a script is data an admin
  edits, and must not reach Python's internals.
- ``StrictUndefined``, and every template is checked when it is loaded: the names it uses must
  be fields of :class:`~recoup.scripts.context.ScriptContext`, and it must render on a sample
  context with every fact present. A typo is a :class:`ScriptTemplateError` at load (and test)
  time, never a blank on an agent's screen.
- Autoescape: the output is HTML; a debtor called ``<b>`` is shown, not obeyed. A script may
  use only plain text markup (:data:`ALLOWED_TAGS`, no attribute but ``class``), and neither
  the ``safe`` filter nor ``{% autoescape false %}``: no ``<style>`` or ``<script>`` can hide
  the opening or reach the agent's browser. The markup of every branch is checked at load,
  not only the one the sample takes, and every rendered body again: markup a filter made
  while rendering is shown as text, never obeyed.
- The renderer puts the opening in front of every script: the greeting, the right-party check,
  the recording announcement where the debtor's state needs all-party consent, and the
  mini-Miranda (FDCPA 1692e(11)) with the agency's name. A script body cannot omit them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from html import unescape

from jinja2 import StrictUndefined, Template, TemplateError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import escape

from recoup.scripts.context import ABSENT_FACTS, CONTEXT_NAMES, ScriptContext, sample_context

MINI_MIRANDA: Mapping[str, str] = {
    "en": "This is an attempt to collect a debt and any information obtained will be used "
    "for that purpose.",
    "es": "Este es un intento de cobrar una deuda y cualquier información obtenida será "
    "utilizada para ese propósito.",
}
RECORDING_ANNOUNCEMENT: Mapping[str, str] = {
    "en": "This call is being recorded.",
    "es": "Esta llamada está siendo grabada.",
}
_GREETING: Mapping[str, str] = {
    "en": "Hello, may I speak with {debtor}?",
    "es": "Buenos días, ¿podría hablar con {debtor}?",
}
_RIGHT_PARTY: Mapping[str, str] = {
    "en": "Go on only once you are speaking with {debtor}. To anyone else, give only your "
    "first name and a number to call back; say nothing about a debt.",
    "es": "Continúe solo cuando hable con {debtor}. A cualquier otra persona, dé solo su "
    "nombre y un número para devolver la llamada; no mencione ninguna deuda.",
}
_IDENTIFICATION: Mapping[str, str] = {
    "en": "My name is {agent}, calling from {agency}, a debt collector{behalf}.",
    "es": "Mi nombre es {agent} y le llamo de {agency}, una agencia de cobranza{behalf}.",
}
_BEHALF: Mapping[str, str] = {"en": " on behalf of {creditor}", "es": " en nombre de {creditor}"}
ALLOWED_TAGS: frozenset[str] = frozenset(
    {"p", "ul", "ol", "li", "strong", "em", "b", "i", "h3", "h4", "br", "span", "div"}
)
_TAG = re.compile(r"<\s*/?\s*([A-Za-z][A-Za-z0-9-]*)([^>]*)>")
_ATTRIBUTE = re.compile(r"([^\s=/]+)\s*=")
_OPENS_MARKUP = re.compile(r"<[A-Za-z/!?]")  # how a tag, a comment or a doctype begins
_TITLE = re.compile(r"^\s*\{#-?\s*title:\s*(?P<title>.+?)\s*-?#\}")


class ScriptTemplateError(ValueError):
    """A script that would not render for every debtor: refused when it is loaded."""


def script_environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


@dataclass(frozen=True, slots=True)
class Script:
    """A script as stored: its body is a Jinja template over :class:`ScriptContext`."""

    id: str
    title: str
    body: str
    profile: str = ""
    language: str = "en"


@dataclass(frozen=True, slots=True)
class CompiledScript:
    script: Script
    template: Template


@dataclass(frozen=True, slots=True)
class RenderedScript:
    script_id: str
    title: str
    language: str
    opening: tuple[str, ...]  # plain text, in order: what the agent says first
    html: str  # the opening and the body, HTML-escaped

    @property
    def text(self) -> str:
        """The script without markup (for search, logs and tests)."""
        plain = unescape(re.sub(r"<[^>]+>", " ", self.html))
        return re.sub(r"\s+", " ", plain).strip()


def title_of(body: str, fallback: str) -> str:
    """The title from a first line ``{# title: Gentle reminder #}``, else ``fallback``."""
    found = _TITLE.match(body)
    return found.group("title") if found else fallback


def compile_script(
    script: Script, environment: SandboxedEnvironment | None = None
) -> CompiledScript:
    """Parse and check ``script``; a :class:`ScriptTemplateError` names what is wrong."""
    env = environment or script_environment()
    try:
        parsed = env.parse(script.body)
    except TemplateError as error:
        msg = f"script {script.id}: {error}"
        raise ScriptTemplateError(msg) from error
    unknown = sorted(meta.find_undeclared_variables(parsed) - CONTEXT_NAMES)
    if unknown:
        msg = (
            f"script {script.id} uses {', '.join(unknown)}, which a script cannot know; "
            f"it may use {', '.join(sorted(CONTEXT_NAMES))}"
        )
        raise ScriptTemplateError(msg)
    unescaped = [f.name for f in parsed.find_all(nodes.Filter) if f.name == "safe"]
    if unescaped or any(parsed.find_all(nodes.ScopedEvalContextModifier)):
        msg = f"script {script.id} turns off HTML escaping, which a script may not do"
        raise ScriptTemplateError(msg)
    try:
        template = env.from_string(script.body)
        full = sample_context(script.language).template_variables()
        sample = template.render(full)
    except TemplateError as error:
        msg = f"script {script.id} does not render: {error}"
        raise ScriptTemplateError(msg) from error
    for fact, absent in ABSENT_FACTS.items():
        # The debtor who never paid, has no promise, owes nothing: each must still render.
        try:
            template.render(full | {fact: absent})
        except TemplateError as error:
            msg = (
                f"script {script.id} does not render for a debtor without {fact} ({error}): "
                f"test it first, {{% if {fact} %}}"
            )
            raise ScriptTemplateError(msg) from error
    # Every branch's markup, not only the one the sample debtor takes; then the sample page.
    for page in (_every_branch(parsed), sample):
        problem = markup_problem(page)
        if problem:
            msg = f"script {script.id} {problem}"
            raise ScriptTemplateError(msg)
    return CompiledScript(script, template)


def _every_branch(parsed: nodes.Template) -> str:
    """The template's own text in source order, whichever branch it sits in, with each
    expression as a plain ``x`` (autoescaped output cannot open a tag)."""
    return "".join(
        child.data if isinstance(child, nodes.TemplateData) else "x"
        for output in parsed.find_all(nodes.Output)
        for child in output.nodes
    )


def markup_problem(page: str) -> str | None:
    """Why ``page`` may not reach the agent's browser, or None: a tag other than
    :data:`ALLOWED_TAGS`, an attribute other than ``class``, or a ``<`` that opens no whole
    tag (the page around a body would close ``<img onerror=...`` for it)."""
    for tag, attributes in _TAG.findall(page):
        if tag.lower() not in ALLOWED_TAGS:
            return f"uses <{tag}>; a script may use {', '.join(sorted(ALLOWED_TAGS))}"
        extra = sorted({a.lower() for a in _ATTRIBUTE.findall(attributes)} - {"class"})
        if extra:
            return f"sets {', '.join(extra)} on <{tag}>; only class is allowed"
    stray = _OPENS_MARKUP.search(_TAG.sub("", page))
    if stray:
        return f"leaves {stray.group()!r} open (a tag needs its '>'; write &lt; for the sign)"
    return None


def _language(language: str) -> str:
    primary = language.split("-", 1)[0].lower()
    return primary if primary in MINI_MIRANDA else "en"


def _opening(context: ScriptContext, all_party_consent: bool) -> list[tuple[str, str]]:
    """(kind, text) pairs: ``say`` is read to the debtor, ``note`` is for the agent."""
    lang = _language(context.language)
    behalf = (
        _BEHALF[lang].format(creditor=context.creditor_name)
        if context.creditor_name and context.creditor_name != context.agency_name
        else ""
    )
    lines = [("say", _GREETING[lang].format(debtor=context.debtor_name))]
    if all_party_consent:
        lines.append(("say", RECORDING_ANNOUNCEMENT[lang]))
    lines.append(
        ("note", _RIGHT_PARTY[lang].format(debtor=context.first_name or context.debtor_name))
    )
    identification = _IDENTIFICATION[lang].format(
        agent=context.agent_name, agency=context.agency_name, behalf=behalf
    )
    lines.append(("say", identification))
    lines.append(("say", MINI_MIRANDA[lang]))
    return lines


def opening_lines(context: ScriptContext, *, all_party_consent: bool) -> tuple[str, ...]:
    """What the agent says before the script: it always ends with the mini-Miranda."""
    return tuple(text for _kind, text in _opening(context, all_party_consent))


def render_script(
    compiled: CompiledScript, context: ScriptContext, *, all_party_consent: bool
) -> RenderedScript:
    """The opening, then the script's body, as HTML for the agent's screen."""
    opening = _opening(context, all_party_consent)
    paragraphs = "\n".join(f'<p class="{kind}">{escape(text)}</p>' for kind, text in opening)
    try:
        body = compiled.template.render(context.template_variables())
    except (TemplateError, ArithmeticError, LookupError, TypeError, ValueError) as error:
        # A template is data: whatever it trips over for this debtor is this one error.
        msg = f"script {compiled.script.id} does not render for this debtor: {error!r}"
        raise ScriptTemplateError(msg) from error
    body = body.strip()
    if markup_problem(body):
        # Markup made while rendering (a filter that marks text safe): shown, never obeyed.
        body = str(escape(body))
    page = (
        f'<section class="opening">\n{paragraphs}\n</section>\n'
        f'<section class="script">\n{body}\n</section>'
    )
    return RenderedScript(
        script_id=compiled.script.id,
        title=compiled.script.title,
        language=context.language,
        opening=tuple(text for _kind, text in opening),
        html=page,
    )
