"""What the chat shows: answer messages, the sources panel, notices and the page style.

Pure functions from an ``Answer`` to Markdown or HTML; no Gradio here, so every view
is tested as text. Everything taken from the corpus or the user is HTML-escaped.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from urllib.parse import urlsplit

from assistant.answer import REFUSAL, Answer, Citation
from assistant.followup import Rewrite
from assistant.render import (
    SOURCES,
    doi_url,
    format_authors,
    group_by_source,
    pubmed_url,
    render_body,
    render_lead,
    render_premise,
)

TITLE = "citewise"
SUBTITLE = "Answers on anti-MAG IgM neuropathy from a fixed corpus of guidelines and research, every statement cited."
DISCLAIMER = (
    "Decision support drawn from a fixed corpus of publications, which may be incomplete or out of date. "
    "Check each [n] against its quoted source before acting on it."
)
EXAMPLES = (
    "What proportion of patients with IgM MGUS and neuropathy have anti-MAG antibodies?",
    "Does rituximab help anti-MAG neuropathy?",
    "How is anti-MAG neuropathy diagnosed?",
    "What is the long-term prognosis of anti-MAG neuropathy?",
)
CHAT_PLACEHOLDER = (
    "**Ask a question about anti-MAG IgM neuropathy.**\n\n"
    "Answers quote the corpus verbatim; each [n] points to a source shown on the right. Try an example:"
)
BUG_MESSAGE = "An unexpected error occurred; this is a bug in citewise, please report the question you asked."
SEARCHING = "*Searching the corpus…*"
LOADING = "*Loading the index and the model (first question only)…*"
SOURCES_PLACEHOLDER = (
    "The sources of an answer appear here: for each [n], the reference, its study type and the "
    "verbatim passage the statement rests on."
)
_STUDY_LABELS = {
    "guideline": "Guideline",
    "consensus": "Consensus",
    "systematic-review": "Systematic review",
    "rct": "RCT",
    "cohort": "Cohort",
    "review": "Review",
    "case-series": "Case series",
    "other": "Other",
}


def answer_message(answer: Answer, rewrite: Rewrite | None = None) -> str:
    """The chat message for one answer: the two sections with [n], a short Sources list
    (the full references and quotes are in the sources panel), and how it was found."""
    searched = ""
    if rewrite is not None and rewrite.is_followup:
        searched = f"<small>Follow-up searched as: “{html.escape(rewrite.query)}”</small>\n\n"
    if answer.refused:
        reason = answer.refusal_reason if answer.refusal_reason not in (None, REFUSAL) else None
        text = f"⚠️ **Not answered: {REFUSAL}**"
        text += f"\n\n{reason}" if reason else ""
        text += "\n\nNothing is claimed without a source. Rephrase, or ask about a topic the corpus covers."
        return searched + text + _footer(answer)
    references = [f"**[{n}]** {short_reference(group[0])}" for n, group in group_by_source(answer.citations)]
    sources = f"### {SOURCES}\n\n" + "\n".join(f"- {r}" for r in references)
    blocks = [render_premise(answer), render_lead(answer), render_body(answer.citations), sources]
    return searched + "\n\n".join(b for b in blocks if b) + _footer(answer)


def short_reference(c: Citation) -> str:
    """One line per source, e.g. ``Lunn MP et al., *Cochrane Database Syst Rev* 2016 · Systematic review · doi``."""
    first = next((a for a in c.authors if a.rstrip(".").lower() != "et al"), "")
    who = f"{first} et al." if len(c.authors) > 1 else first
    where = f"*{c.journal}* {c.year}" if c.journal and c.journal != first else str(c.year)
    parts = [", ".join(x for x in (who.rstrip(","), where) if x), study_label(c)]
    if c.pmid:
        parts.append(f"[PMID {c.pmid}]({pubmed_url(c.pmid)})")
    elif c.doi:
        parts.append(f"[doi]({doi_url(c.doi)})")
    elif c.url:
        parts.append(f"[{_host(c.url)}]({c.url})")
    return " · ".join(parts)


def study_label(c: Citation) -> str:
    """The study type as a clinician reads it: "RCT", "Systematic review", "Guideline"."""
    key = c.study_type or c.kind
    return _STUDY_LABELS.get(key, key.replace("-", " ").capitalize())


def _footer(answer: Answer) -> str:
    """Answerer, passages searched and time, in small print."""
    ms = answer.timings_ms.get("total", 0.0)
    took = f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s"
    parts = [f"{answer.answerer} answerer", f"{len(answer.retrieved)} passages searched", took]
    return "\n\n<small>" + " · ".join(parts) + "</small>"


def header_html() -> str:
    """Title, one-line purpose and the disclaimer, always visible."""
    return (
        f'<div class="cw-header"><h1>{TITLE}</h1><p>{html.escape(SUBTITLE)}</p>'
        f'<div class="cw-disclaimer" role="note"><strong>Not medical advice.</strong> {html.escape(DISCLAIMER)}</div></div>'
    )


def progressive(text: str, *, lines_per_step: int = 2) -> Iterator[str]:
    """Growing prefixes of ``text``, a few lines at a time, ending with all of it.

    Used to reveal an answer that is already complete and checked.
    """
    lines = text.split("\n")
    for end in range(lines_per_step, len(lines), lines_per_step):
        yield "\n".join(lines[:end])
    yield text


def sources_html(answer: Answer) -> str:
    """The sources panel: one card per [n] with reference, study type and verbatim quotes."""
    if answer.refused:
        return _panel(
            '<div class="cw-refused"><strong>No sources cited.</strong> '
            f"{html.escape(answer.refusal_reason or REFUSAL)}</div>",
            answer.question,
        )
    cards = [_card(n, group) for n, group in group_by_source(answer.citations)]
    return _panel("".join(cards), answer.question)


def placeholder_html(message: str = SOURCES_PLACEHOLDER) -> str:
    """The sources panel before any answer (or after an error)."""
    return _panel(f'<p class="cw-muted">{html.escape(message)}</p>')


def notice_html(message: str, *, kind: str = "error") -> str:
    """A banner for a condition the user must act on, e.g. a missing index."""
    return f'<div class="cw-notice cw-{kind}" role="alert">{_inline_code(html.escape(message))}</div>'


def error_message(message: str) -> str:
    """The chat message for a CitewiseError: its text, no traceback."""
    return f"⚠️ **Could not answer.** {message}"


def _card(n: int, group: list[Citation]) -> str:
    c = group[0]
    kind = "guideline" if c.kind == "guideline" else "research"
    label = study_label(c)
    authors = format_authors(c.authors)
    journal = f"<em>{html.escape(c.journal)}</em> " if c.journal else ""
    quotes = "".join(f"<blockquote>“{html.escape(q.quote)}”</blockquote>" for q in group)
    return (
        f'<div class="cw-card cw-{kind}" id="cw-source-{n}">'
        f'<div class="cw-head"><span class="cw-n">[{n}]</span>'
        f'<span class="cw-type">{html.escape(label)} · {c.year}</span></div>'
        f'<div class="cw-ref">{html.escape(authors)}{" " if authors else ""}'
        f"<strong>{html.escape(c.title.rstrip('.'))}.</strong> {journal}{c.year}.</div>"
        f'<div class="cw-links">{_links(c)}</div>{quotes}</div>'
    )


def _links(c: Citation) -> str:
    links = []
    if c.pmid:
        links.append(_link(pubmed_url(c.pmid), f"PMID {c.pmid}"))
    if c.doi:
        links.append(_link(doi_url(c.doi), f"doi:{c.doi}"))
    if c.url and not links:
        links.append(_link(c.url, _host(c.url)))
    return " · ".join(links)


def _link(href: str, text: str) -> str:
    return f'<a href="{html.escape(href, quote=True)}" target="_blank" rel="noopener noreferrer">{html.escape(text)}</a>'


def _host(url: str) -> str:
    return urlsplit(url).netloc.removeprefix("www.") or url


def _panel(body: str, question: str | None = None) -> str:
    about = f'<p class="cw-about">For: “{html.escape(question)}”</p>' if question else ""
    return f'<div class="cw-sources"><h3>{SOURCES}</h3>{about}{body}</div>'


def _inline_code(escaped: str) -> str:
    """Show 'citewise ingest' (in quotes or backticks) as code: what to run stands out."""
    for quote in ("'", "&#x27;", "`"):
        parts = escaped.split(quote)
        if len(parts) >= 3 and len(parts) % 2 == 1:
            return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))
    return escaped


CSS = """
.cw-header h1 { margin: 0 0 .15rem 0; font-size: 1.55rem; letter-spacing: -.01em; }
.cw-header p { margin: 0; color: var(--body-text-color-subdued); }
.cw-disclaimer { border-left: 4px solid #b45309; background: #fffbeb; color: #78350f;
  padding: .45rem .8rem; border-radius: 6px; font-size: .92rem; margin: .35rem 0 .2rem 0; }
.dark .cw-disclaimer { background: #3a2a10; color: #fde7b0; }
.cw-notice { padding: .7rem .9rem; border-radius: 8px; font-weight: 500; }
.cw-error { background: #fef2f2; color: #991b1b; border: 1px solid #fecaca; }
.cw-info { background: #eff6ff; color: #1e3a8a; border: 1px solid #bfdbfe; }
.cw-sources { font-size: .92rem; line-height: 1.45; max-height: 640px; overflow-y: auto; padding-right: .3rem; }
.cw-about { margin: -.3rem 0 .6rem 0; font-size: .85rem; color: var(--body-text-color-subdued); }
.cw-sources h3 { margin: 0 0 .5rem 0; font-size: 1.05rem; }
.cw-muted { color: var(--body-text-color-subdued); }
.cw-card { border: 1px solid var(--border-color-primary); border-left-width: 4px;
  border-radius: 8px; padding: .6rem .75rem; margin-bottom: .65rem; background: var(--background-fill-primary); }
.cw-card.cw-guideline { border-left-color: #047857; }
.cw-card.cw-research { border-left-color: #1d4ed8; }
.cw-head { display: flex; justify-content: space-between; align-items: center; margin-bottom: .25rem; }
.cw-n { font-weight: 700; font-variant-numeric: tabular-nums; }
.cw-type { font-size: .78rem; font-weight: 600; padding: .05rem .5rem; border-radius: 999px;
  background: var(--background-fill-secondary); border: 1px solid var(--border-color-primary); }
.cw-guideline .cw-type { color: #047857; } .cw-research .cw-type { color: #1d4ed8; }
.cw-links { margin: .2rem 0 0 0; font-size: .85rem; }
.cw-links a { padding: 0 !important; }
.cw-sources .cw-card blockquote { margin: .45rem 0 0 0 !important; padding: .35rem .6rem; border-left: 3px solid var(--border-color-accent);
  background: var(--background-fill-secondary); border-radius: 4px; font-style: italic; }
.cw-refused { padding: .6rem .75rem; border-radius: 8px; background: #fffbeb; color: #78350f; border: 1px solid #fde68a; }
"""
