"""The chat's sources panel: one card per [n], the quote highlighted inside its passage.

Pure functions from an ``Answer`` to HTML. The panel is a ``gr.HTML`` component, which
Gradio does not sanitize, so this module is the only line of defence: every text from
the corpus, the model or the user is escaped here, and only http(s) addresses and the
PubMed and DOI links built by ``assistant.render`` become links.

Each card shows the reference, the evidence badge, whose words the text is (publication,
abstract or a summary written for this corpus), whether the source is secondary, and
each quote inside the sentences around it. The panel also holds the answer's exports
(Markdown, RIS, BibTeX) as hidden text that ``chat.js`` copies or downloads.
"""

from __future__ import annotations

import html

from assistant.answer import REFUSAL, Answer, Citation, scope_terms
from assistant.chat_view import (
    PROVENANCE_HELP,
    PROVENANCE_LABELS,
    answer_key,
    badge_html,
    host_of,
    provenance_html,
)
from assistant.evidence import LEGEND, LEVELS
from assistant.export import answer_markdown, bibtex_references, ris_references
from assistant.render import (
    SOURCES,
    doi_url,
    format_authors,
    group_by_source,
    pubmed_url,
    removed_note,
    safe_url,
)

SOURCES_PLACEHOLDER = (
    "The sources of an answer appear here: for each [n], the reference, how strong its evidence is, "
    "and the verbatim quote inside its passage."
)
SECONDARY_NOTE = "Secondary source: quoted only for what no primary source in the corpus states."
# The rank of each legend group, for its colour swatch.
_GROUP_RANK = {level.group: level.rank for level in LEVELS.values()}


def sources_html(answer: Answer) -> str:
    """The sources panel of one answer."""
    if answer.refused:
        return _panel(_refused(answer), answer.question)
    key = answer_key(answer)
    positions = {id(c): i for i, c in enumerate(answer.citations)}
    cards = [_card(n, group, key, positions) for n, group in group_by_source(answer.citations)]
    return _panel(_toolbar(key) + "".join(cards) + legend_html() + _exports(answer, key), answer.question)


def placeholder_html(message: str = SOURCES_PLACEHOLDER) -> str:
    """The sources panel before any answer (or after an error)."""
    return _panel(f'<p class="cw-muted">{_e(message)}</p>' + legend_html())


def _panel(body: str, question: str | None = None) -> str:
    about = f'<p class="cw-about">For: “{_e(question)}”</p>' if question else ""
    return (
        f'<section class="cw-sources" aria-label="{SOURCES}"><h3>{SOURCES}</h3>{about}{body}'
        '<div class="cw-sr" aria-live="polite" id="cw-announce"></div></section>'
    )


def _refused(answer: Answer) -> str:
    parts = [f"<strong>No sources cited.</strong> {_e(answer.refusal_reason or REFUSAL)}"]
    if answer.dropped:
        parts.append(_e(removed_note(answer)))
    if answer.scope:
        parts.append(f"<strong>What the corpus covers:</strong> {_e(scope_terms(answer.scope))}")
    return '<div class="cw-refused">' + "".join(f"<p>{p}</p>" for p in parts) + "</div>" + legend_html()


def _toolbar(key: str) -> str:
    return (
        '<div class="cw-tools" role="toolbar" aria-label="Export this answer">'
        f'<button type="button" class="cw-tool" data-cw-copy="{key}">Copy answer</button>'
        f'<button type="button" class="cw-tool" data-cw-download="ris" data-cw-answer="{key}" '
        'title="References for Zotero, EndNote or Mendeley">Download RIS</button>'
        f'<button type="button" class="cw-tool" data-cw-download="bib" data-cw-answer="{key}" '
        'title="References for LaTeX">Download BibTeX</button></div>'
    )


def _exports(answer: Answer, key: str) -> str:
    texts = {"md": answer_markdown(answer), "ris": ris_references(answer), "bib": bibtex_references(answer)}
    return "".join(
        f'<pre hidden id="cw-export-{kind}-{key}">{_e(text)}</pre>' for kind, text in texts.items()
    )


def _card(n: int, group: list[Citation], key: str, positions: dict[int, int]) -> str:
    c = group[0]
    authors = format_authors(c.authors)
    journal = f"<em>{_e(c.journal)}</em> " if c.journal else ""
    secondary = f'<p class="cw-secondary-note">{SECONDARY_NOTE}</p>' if c.secondary else ""
    if c.superseded_by:
        secondary += f'<p class="cw-superseded-note">Superseded by a later version in the corpus: {_e(c.superseded_by)}.</p>'
    passages = "".join(_passage(q, key, positions[id(q)]) for q in group)
    return (
        f'<article class="cw-card cw-card-lvl-{c.evidence_level}{" cw-card-secondary" if c.secondary else ""}" '
        f'id="cw-src-{key}-{n}" tabindex="-1" aria-label="Source {n}">'
        f'<div class="cw-head"><span class="cw-n">[{n}]</span>{badge_html(c)}{provenance_html(c)}'
        f'<span class="cw-year">{c.year}</span></div>'
        f'<div class="cw-ref">{_e(authors)}{" " if authors else ""}'
        f"<strong>{_e(c.title.rstrip('.'))}.</strong> {journal}{c.year}.</div>"
        f'<div class="cw-links">{_links(c)}</div>{secondary}{passages}</article>'
    )


def _passage(c: Citation, key: str, i: int) -> str:
    """The quote, highlighted, between the sentences around it in its passage."""
    caption = f'<figcaption><span class="cw-section">{_e(c.section)}</span></figcaption>' if c.section else ""
    before = f'<span class="cw-context">{_e(c.context_before)}</span> ' if c.context_before else ""
    after = f' <span class="cw-context">{_e(c.context_after)}</span>' if c.context_after else ""
    summary = ""
    if c.provenance == "summary":
        summary = f'<p class="cw-prov-help">{_e(PROVENANCE_HELP["summary"])}</p>'
    return (
        f'<figure class="cw-passage" id="cw-q-{key}-{i}" tabindex="-1">{caption}'
        f'<blockquote>{before}<mark class="cw-quote">{_e(c.quote)}</mark>{after}</blockquote>'
        f'<button type="button" class="cw-back" data-cw-back="{key}-{i}" hidden>Back to [{c.n}] in the answer</button>'
        f"{summary}</figure>"
    )


def _links(c: Citation) -> str:
    links = []
    if c.pmid:
        links.append(_link(pubmed_url(c.pmid), f"PMID {c.pmid}"))
    if c.doi:
        links.append(_link(doi_url(c.doi), f"doi:{c.doi}"))
    url = safe_url(c.url)
    if url and not links:
        links.append(_link(url, host_of(url)))
    elif c.url and not url:
        links.append(f'<span class="cw-nolink">{_e(c.url)}</span>')  # shown, never followed
    return " · ".join(links)


def _link(href: str, text: str) -> str:
    return f'<a href="{_e(href)}" target="_blank" rel="noopener noreferrer">{_e(text)}</a>'


def legend_html() -> str:
    """What the badges and provenance labels mean, strongest evidence first."""
    levels = "".join(
        f'<li><span class="cw-swatch cw-lvl-{_GROUP_RANK[group]}"></span>{_e(text)}</li>'
        for group, text in LEGEND
    )
    sources = "".join(
        f"<li><strong>{PROVENANCE_LABELS[k]}</strong>: {_e(PROVENANCE_HELP[k])}</li>"
        for k in PROVENANCE_LABELS
    )
    return (
        '<details class="cw-legend"><summary>What the badges mean</summary>'
        f'<p>Evidence, strongest first:</p><ul class="cw-legend-levels">{levels}</ul>'
        f"<p>Where the quoted text comes from:</p><ul>{sources}</ul></details>"
    )


def _e(text: str | None) -> str:
    return html.escape(text or "", quote=True)
