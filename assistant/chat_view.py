"""What the chat shows in the conversation: answer messages, status lines and notices.

Pure functions from an ``Answer`` to HTML; no Gradio here, so every view is tested as
text. The chat renders messages as HTML, not Markdown (``render_markdown=False``), so
nothing a model writes is ever read as Markdown: a ``[link](https://…)`` in a statement
stays text. Everything taken from the corpus, the model or the user is HTML-escaped,
and Gradio's sanitizer runs over the result as a second line of defence.

An answer message reads top to bottom: the premise check, the bottom line, the evidence
(From the Guidelines, From the Research), what the checks removed, a short list of the
sources, and a footer. Each [n] is a button; ``chat.js`` turns it into a popover with
the quote (hover or focus) and a jump to the quote in the sources panel (click).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from assistant.answer import REFUSAL, Answer, Citation, scope_terms
from assistant.followup import Rewrite
from assistant.render import (
    BOTTOM_LINE,
    GUIDELINES,
    NO_PREMISE_EVIDENCE,
    PREMISE,
    RESEARCH,
    SOURCES,
    doi_url,
    group_by_source,
    part_label,
    part_refusal,
    pubmed_url,
    question_refusal,
    refusal_why,
    removed_note,
    safe_url,
    shows_premise,
)

if TYPE_CHECKING:
    from ingest import Settings

TITLE = "citewise"
DISCLAIMER = (
    "Decision support drawn from a fixed corpus of publications, which may be incomplete or out of date. "
    "Check each [n] against its quoted source before acting on it."
)
BUG_MESSAGE = "An unexpected error occurred; this is a bug in citewise, please report the question you asked."
SEARCHING = "Searching the corpus…"
LOADING = "Loading the index and the model (first question only)…"
# How a source's text came to be in the corpus, as a clinician reads it on the card.
PROVENANCE_LABELS = {
    "full-text": "Publication text",
    "abstract": "Abstract",
    "summary": "Summary written for this corpus",
}
PROVENANCE_HELP = {
    "full-text": "The quote is the publication's own words.",
    "abstract": "The quote is from the published abstract.",
    "summary": "The quote is from a summary written for this corpus, not the publication's words.",
}


@dataclass(frozen=True, slots=True)
class ChatTexts:
    """The corpus-specific words of the chat page."""

    subtitle: str
    examples: tuple[str, ...]
    placeholder: str  # the question box

    @property
    def empty_chat(self) -> str:
        """What the empty conversation shows (Markdown), above the examples."""
        return (
            f"**{self.subtitle}**\n\nEach statement quotes its source verbatim; hover or focus a [n] to "
            "see the quote, click it to see the passage. Try an example:"
        )


def chat_texts(settings: Settings | None = None) -> ChatTexts:
    """The chat's subtitle, examples and placeholder, from the live corpus's lexicon
    (``corpus/lexicon.yaml``, stored with the index); generic words when there is none."""
    from ingest.lexicon import Lexicon, read_lexicon

    chat = (read_lexicon(settings) if settings is not None else Lexicon()).chat
    return ChatTexts(chat.subtitle, tuple(chat.examples), chat.placeholder)


def answer_key(answer: Answer) -> str:
    """A token for element ids: the answer id, made safe for HTML ids ("a" without one)."""
    return re.sub(r"[^A-Za-z0-9-]", "", answer.id or "") or "a"


def answer_blocks(answer: Answer, rewrite: Rewrite | None = None) -> list[str]:
    """The answer message as HTML blocks, in reading order; the last one is the footer."""
    key = answer_key(answer)
    searched = []
    if rewrite is not None and rewrite.is_followup:
        searched = [f'<p class="cw-searched">Follow-up searched as: “{_e(rewrite.query)}”</p>']
    if answer.refused:
        return [*searched, refusal_html(answer), _footer(answer, key)]
    blocks = [
        *searched,
        _premise(answer, key),
        _bottom_line(answer, key),
        *_evidence(answer, key),
        _warnings(answer),
        _removed(answer),
        _source_list(answer),
        _popovers(answer, key) + _footer(answer, key),
    ]
    return [b for b in blocks if b]


def answer_html(answer: Answer, rewrite: Rewrite | None = None) -> str:
    """The whole answer message."""
    return _wrap(answer, "".join(answer_blocks(answer, rewrite)))


def reveal_steps(answer: Answer, rewrite: Rewrite | None = None) -> list[str]:
    """Growing prefixes of the message, a block at a time, ending with all of it.

    Used to reveal an answer that is already complete and checked; every step is
    well-formed HTML, and only the last has the footer (so "finished" is visible).
    """
    blocks = answer_blocks(answer, rewrite)
    return [_wrap(answer, "".join(blocks[:end])) for end in range(1, len(blocks) + 1)]


def _wrap(answer: Answer, body: str) -> str:
    return f'<div class="cw-answer" id="cw-answer-{answer_key(answer)}">{body}</div>'


def cite_button(c: Citation, i: int, key: str) -> str:
    """The [n] marker of citation ``i`` (0-based position in ``answer.citations``)."""
    return (
        f'<button type="button" class="cw-cite" id="cw-cite-{key}-{i}">[{c.n}]'
        f'<span class="cw-sr"> source {c.n}, {_e(c.evidence or "")}</span></button>'
        + (' <span class="cw-tag-secondary">secondary source</span>' if c.secondary else "")
    )


def _statement(c: Citation, i: int, key: str) -> str:
    return f"{_e(c.statement.rstrip())} {cite_button(c, i, key)}"


def _indexed(answer: Answer, role: str) -> list[tuple[int, Citation]]:
    return [(i, c) for i, c in enumerate(answer.citations) if c.role == role]


def _premise(answer: Answer, key: str) -> str:
    if not shows_premise(answer):
        return ""
    items = _indexed(answer, "premise")
    assumes = f"<p>The question assumes: “{_e(answer.premise)}”</p>" if answer.premise else ""
    lines = "".join(f"<li>{_statement(c, i, key)}</li>" for i, c in items)
    said = f"<ul>{lines}</ul>" if items else f"<p>{_e(NO_PREMISE_EVIDENCE)}</p>"
    return (
        f'<section class="cw-premise" role="note"><p class="cw-kicker">{PREMISE}</p>{assumes}{said}</section>'
    )


def _bottom_line(answer: Answer, key: str) -> str:
    leads = [(i - 1, answer.citations[i - 1]) for i in answer.lead if 0 < i <= len(answer.citations)]
    why_not = next((u.reason for u in answer.unanswered), None)
    if not leads and why_not:  # only the premise could be checked
        body = f'<p><span class="cw-unanswered">{_e(question_refusal(why_not))}</span></p>'
    elif not leads:
        return ""
    elif len(answer.parts) < 2:
        body = "<p>" + " ".join(_statement(c, i, key) for i, c in leads) + "</p>"
    else:
        rows = []
        why = {u.part: u.reason for u in answer.unanswered}
        for p, part in enumerate(answer.parts):
            said = " ".join(_statement(c, i, key) for i, c in leads if c.part == p)
            if not said and p in why:
                said = f'<span class="cw-unanswered">{_e(part_refusal(why[p]))}</span>'
            if said:
                rows.append(f"<li><em>{_e(part_label(part))}</em> {said}</li>")
        body = f"<ul>{''.join(rows)}</ul>"
    return f'<section class="cw-bottom" role="note"><p class="cw-kicker">{BOTTOM_LINE}</p>{body}</section>'


def _evidence(answer: Answer, key: str) -> list[str]:
    items = _indexed(answer, "evidence")
    sections = []
    for heading, guideline in ((GUIDELINES, True), (RESEARCH, False)):
        mine = [(i, c) for i, c in items if (c.evidence_level == 1) == guideline]
        if mine:
            lines = "".join(f"<li>{_statement(c, i, key)}</li>" for i, c in mine)
            sections.append(f"<h3>{heading}</h3><ul>{lines}</ul>")
    return sections


def _warnings(answer: Answer) -> str:
    if not answer.warnings:
        return ""
    items = "".join(f"<li>{_e(w)}</li>" for w in answer.warnings)
    return f'<ul class="cw-warnings" role="note">{items}</ul>'


def _removed(answer: Answer) -> str:
    if not answer.dropped:
        return ""
    return (
        f'<p class="cw-removed" role="note">{_e(removed_note(answer))} Only statements that their '
        "quoted source supports are shown.</p>"
    )


def refusal_html(answer: Answer) -> str:
    """A refusal in plain words: why, what the corpus covers, what the checks removed."""
    reason = refusal_why(answer.refusal_reason)  # the heading says it is a refusal
    parts = ['<p class="cw-kicker">Not answered</p>', f"<p><strong>{_e(REFUSAL)}</strong></p>"]
    if reason:
        parts.append(f"<p>{_e(reason)}</p>")
    if answer.dropped:
        parts.append(f"<p>{_e(removed_note(answer))}</p>")
    if answer.scope:
        parts.append(f"<p><strong>What the corpus covers:</strong> {_e(scope_terms(answer.scope))}</p>")
    parts.append(
        "<p>Nothing is claimed without a source. Rephrase, or ask about a topic the corpus covers.</p>"
    )
    return f'<section class="cw-refusal" role="note">{"".join(parts)}</section>'


def _source_list(answer: Answer) -> str:
    rows = [f"<li>{short_reference_html(n, group[0])}</li>" for n, group in group_by_source(answer.citations)]
    return f'<h3>{SOURCES}</h3><ul class="cw-reflist">{"".join(rows)}</ul>'


def short_reference_html(n: int, c: Citation) -> str:
    """One line per source: "[1] Lunn MP et al., Cochrane Database Syst Rev 2016", its
    evidence badge, where its text comes from, and a PubMed or DOI link."""
    return (
        f"<strong>[{n}]</strong> {_e(short_reference(c))} {badge_html(c)}{provenance_html(c)}"
        f"{' · ' + link_html(c) if link_html(c) else ''}"
    )


def short_reference(c: Citation) -> str:
    """First author, journal and year, e.g. "Lunn MP et al., Cochrane Database Syst Rev 2016"."""
    first = next((a for a in c.authors if a.rstrip(".").lower() != "et al"), "")
    who = f"{first} et al." if len(c.authors) > 1 else first
    where = f"{c.journal} {c.year}" if c.journal and c.journal != first else str(c.year)
    return ", ".join(x for x in (who.rstrip(","), where) if x)


def badge_html(c: Citation) -> str:
    """The evidence badge: its label, coloured by level (the colour is never the only cue)."""
    return f'<span class="cw-badge cw-lvl-{c.evidence_level}">{_e(c.evidence or "Unclassified")}</span>'


def provenance_html(c: Citation) -> str:
    """Whose words the source text is, as a small label ("" when unknown)."""
    label = PROVENANCE_LABELS.get(c.provenance or "")
    return f' <span class="cw-prov cw-prov-{_e(c.provenance or "")}">{label}</span>' if label else ""


def link_html(c: Citation) -> str:
    """A link to the source: PubMed, else the DOI resolver, else its own http(s) address."""
    if c.pmid:
        return _link(pubmed_url(c.pmid), f"PMID {c.pmid}")
    if c.doi:
        return _link(doi_url(c.doi), f"doi:{c.doi}")
    url = safe_url(c.url)
    return _link(url, host_of(url)) if url else ""


def host_of(url: str) -> str:
    """The host of an address, without "www."."""
    return urlsplit(url).netloc.removeprefix("www.") or url


def _link(href: str, text: str) -> str:
    return f'<a href="{_e(href)}" target="_blank" rel="noopener noreferrer">{_e(text)}</a>'


def _popovers(answer: Answer, key: str) -> str:
    """The hidden popover content of each [n]: badge, provenance, quote, short reference."""
    pops = "".join(
        f'<div class="cw-pop" id="cw-pop-{key}-{i}">{badge_html(c)}{provenance_html(c)}'
        f'<q class="cw-pop-quote">{_e(c.quote)}</q>'
        f'<span class="cw-pop-ref">[{c.n}] {_e(short_reference(c))}</span></div>'
        for i, c in enumerate(answer.citations)
    )
    return f'<div class="cw-pops" hidden>{pops}</div>'


def _footer(answer: Answer, key: str) -> str:
    """Answerer, passages searched and time, in small print; present once the answer is complete."""
    ms = answer.timings_ms.get("total", 0.0)
    took = f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s"
    parts = [f"{answer.answerer} answerer", f"{len(answer.retrieved)} passages searched", took]
    parts += [f"answer {key}"] if answer.id else []
    return f'<p class="cw-footer"><small>{_e(" · ".join(parts))}</small></p>'


def status_html(text: str) -> str:
    """A status line shown while the answer is computed."""
    return f'<p class="cw-status" role="status"><em>{_e(text)}</em></p>'


def drafting_html(chars: int, seconds: float) -> str:
    """Progress while a language model writes: how much it has written, never what.

    The draft is unchecked, so none of its text is shown; only the checked claims
    replace this line.
    """
    return (
        '<p class="cw-status cw-drafting" role="status"><em>Writing the answer… '
        f"{chars:,} characters drafted in {seconds:.0f} s.</em> Nothing is shown until each "
        "statement has been checked against its quoted source.</p>"
    )


def question_html(question: str) -> str:
    """The user's message, escaped."""
    return f'<p class="cw-question">{_e(question)}</p>'


def error_message(message: str) -> str:
    """The chat message for a CitewiseError: its text, no traceback."""
    return f'<p class="cw-error-message" role="alert"><strong>Could not answer.</strong> {_e(message)}</p>'


def header_html(texts: ChatTexts | None = None) -> str:
    """Title, one-line purpose and the disclaimer, always visible."""
    texts = texts or chat_texts()
    return (
        f'<div class="cw-header"><h1>{TITLE}</h1><p>{_e(texts.subtitle)}</p>'
        '<div class="cw-disclaimer" role="note"><strong>Not medical advice.</strong> '
        f"{_e(DISCLAIMER)}</div></div>"
    )


def notice_html(message: str, *, kind: str = "error") -> str:
    """A banner for a condition the user must act on, e.g. a missing index."""
    return f'<div class="cw-notice cw-{kind}" role="alert">{_inline_code(_e(message))}</div>'


def _inline_code(escaped: str) -> str:
    """Show 'citewise ingest' (in quotes or backticks) as code: what to run stands out."""
    for quote in ("'", "&#x27;", "`"):
        parts = escaped.split(quote)
        if len(parts) >= 3 and len(parts) % 2 == 1:
            return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))
    return escaped


def _e(text: str | None) -> str:
    return html.escape(text or "", quote=True)
