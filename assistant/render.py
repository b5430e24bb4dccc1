"""Render an answer as Markdown: From the Guidelines / From the Research / Sources."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from assistant.answer import REFUSAL, Answer, Citation

BOTTOM_LINE = "Bottom line"
PART_REFUSAL = "The indexed sources do not cover this part."
QUESTION_REFUSAL = "Beyond the premise, the indexed sources do not answer this question."
PREMISE = "What the sources say about the premise"
NO_PREMISE_EVIDENCE = (
    "No retrieved passage speaks to this premise: the answer below neither confirms nor corrects it."
)
GUIDELINES = "From the Guidelines"
RESEARCH = "From the Research"
SOURCES = "Sources"
# How a source's text came to be in the corpus, as the reference line says it.
PROVENANCE = {
    "full-text": "publication text",
    "abstract": "abstract",
    "summary": "summary written for this corpus",
}


def pubmed_url(pmid: str) -> str:
    """The PubMed page of a PMID."""
    return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"


def doi_url(doi: str) -> str:
    """The resolver address of a DOI."""
    return f"https://doi.org/{doi}"


def safe_url(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) address, else None.

    Only such addresses, and the PubMed and DOI links built here, are ever shown as
    links: a ``javascript:`` or ``data:`` URL in a corpus file must never become one.
    """
    if not url:
        return None
    parts = urlsplit(url.strip())
    if (
        parts.scheme.lower() not in ("http", "https")
        or not parts.netloc
        or any(c.isspace() for c in url.strip())
    ):
        return None
    return url.strip()


def format_authors(authors: list[str]) -> str:
    """Up to three authors, then "et al", ending in a period ("" when there are none)."""
    names = [a for a in authors if a.rstrip(".").lower() != "et al"]
    text = ", ".join(names[:3]) + (", et al" if len(authors) > 3 else "")
    return f"{text.rstrip('.')}." if text else ""


def group_by_source(citations: list[Citation]) -> list[tuple[int, list[Citation]]]:
    """The citations of each [n], in number order."""
    groups: dict[int, list[Citation]] = {}
    for c in citations:
        groups.setdefault(c.n, []).append(c)
    return sorted(groups.items())


def format_reference(c: Citation) -> str:
    """One reference line: authors. title. journal year. PMID/DOI (study type, year)."""
    parts = [format_authors(c.authors), f"{c.title.rstrip('.')}."]
    if c.journal:
        parts.append(f"*{c.journal}*. {c.year}.")
    else:
        parts.append(f"{c.year}.")
    if c.pmid:
        parts.append(f"PMID [{c.pmid}]({pubmed_url(c.pmid)}).")
    if c.doi:
        parts.append(f"doi: [{c.doi}]({doi_url(c.doi)}).")
    elif safe_url(c.url) and not c.pmid:
        parts.append(f"<{safe_url(c.url)}>")
    superseded = f"superseded by {c.superseded_by}" if c.superseded_by else ""
    label = ", ".join(
        x for x in (c.evidence or c.study_type or c.kind, PROVENANCE.get(c.provenance or ""), superseded) if x
    )
    return " ".join(p for p in parts if p) + f" — *{label}*"


_BARE_URL = re.compile(r"(?<![`\w])((?:https?://|www\.)[^\s)>\]`]+)")


def plain(text: str) -> str:
    """Text that Markdown cannot turn into a link: "[x](url)" loses its link syntax and a
    bare address is shown as code. Statements come from answerers (an LLM among them);
    only the links built here, from checked identifiers, may be live."""
    text = text.replace("](", "]\\(")
    text = re.sub(r"<(?=(?:https?://|www\.))", "&lt;", text)
    return _BARE_URL.sub(r"`\1`", text)


def said(c: Citation) -> str:
    """One statement with its [n], safe to render."""
    return f"{plain(c.statement.rstrip())} [{c.n}]"


def _bullet(c: Citation) -> str:
    return f"- {said(c)}"


def render_lead(answer: Answer) -> str:
    """The bottom line: the lead statements, each with its [n]; one line per part of a
    compound question, introduced by the part it answers."""
    leads = answer.lead_citations
    if not leads:
        alone = next((u.reason for u in answer.unanswered), None)  # only the premise was checked
        return f"**{BOTTOM_LINE}:** {plain(question_refusal(alone))}" if alone else ""
    if len(answer.parts) < 2:
        return f"**{BOTTOM_LINE}:** " + " ".join(said(c) for c in leads)
    lines = [f"**{BOTTOM_LINE}**", ""]
    why = {u.part: u.reason for u in answer.unanswered}
    for i, part in enumerate(answer.parts):
        mine = [c for c in leads if c.part == i]
        if mine:
            lines.append(f"- *{part_label(part)}* {' '.join(said(c) for c in mine)}")
        elif i in why:
            lines.append(f"- *{part_label(part)}* {plain(part_refusal(why[i]))}")
    return "\n".join(lines)


def part_label(part: str) -> str:
    """A part of a compound question as its bottom line introduces it: "How many ...?"."""
    label = part.rstrip(" ?")
    return f"{label[:1].upper() + label[1:]}?"


def refusal_why(reason: str | None) -> str:
    """What a refusal reason adds to the refusal itself: the reason without the opening
    "The indexed sources do not cover this question.", which a heading says already."""
    return (reason or "").removeprefix(REFUSAL).strip()


def question_refusal(reason: str) -> str:
    """A refusal reason said of a question whose premise alone the sources speak to:
    "Beyond the premise, the indexed sources do not answer this question." and what the
    reason adds."""
    return f"{QUESTION_REFUSAL} {refusal_why(reason)}".strip()


def part_refusal(reason: str) -> str:
    """A refusal reason said of one part of a question: "The indexed sources do not cover
    this part." and what the reason adds."""
    return f"{PART_REFUSAL} {refusal_why(reason)}".strip()


def shows_premise(answer: Answer) -> bool:
    """True when the answer has a premise check to show: what the sources say about the
    premise, or, for an answered question with a premise, that they say nothing on it
    (so that the answer is not read as confirming it)."""
    return any(c.role == "premise" for c in answer.citations) or bool(answer.premise and answer.citations)


def render_premise(answer: Answer) -> str:
    """The premise check: what the question assumes, then what the sources say about it
    or that they say nothing on it (``shows_premise``)."""
    if not shows_premise(answer):
        return ""
    items = [c for c in answer.citations if c.role == "premise"]
    lines = [f"### {PREMISE}", ""]
    if answer.premise:
        lines += [f"*The question assumes: “{answer.premise}”*", ""]
    lines += [_bullet(c) for c in items] or [NO_PREMISE_EVIDENCE]
    return "\n".join(lines)


def render_body(citations: list[Citation]) -> str:
    """The two evidence sections: one bullet per statement, each ending in its [n]."""
    lines: list[str] = []
    evidence = [c for c in citations if c.role == "evidence"]
    for heading, is_guideline in ((GUIDELINES, True), (RESEARCH, False)):
        items = [c for c in evidence if (c.evidence_level == 1) == is_guideline]
        if not items:
            continue
        lines += [f"### {heading}", ""]
        lines += [_bullet(c) for c in items]
        lines.append("")
    return "\n".join(lines).rstrip()


def render_sources(citations: list[Citation]) -> str:
    """The Sources list: each reference once, followed by the verbatim quotes it supports."""
    lines = [f"### {SOURCES}", ""]
    for n, group in group_by_source(citations):
        lines.append(f"**[{n}]** {format_reference(group[0])}")
        lines += [f"> “{c.quote}”" for c in group]
        lines.append("")
    return "\n".join(lines).rstrip()


def render_markdown(answer: Answer) -> str:
    """The whole answer as Markdown: premise check, bottom line, evidence, sources."""
    if answer.refused:
        why = refusal_why(answer.refusal_reason)  # the heading says it is a refusal
        reason = f"\n\n{why}" if why else ""
        scope = f"\n\n{answer.scope}" if answer.scope else ""
        return f"**{REFUSAL}**{reason}{scope}"
    blocks = [render_premise(answer), render_lead(answer), render_body(answer.citations)]
    if answer.dropped:
        blocks.append(f"*{removed_note(answer)}*")
    blocks.append(render_sources(answer.citations))
    return "\n\n".join(b for b in blocks if b)


def removed_note(answer: Answer) -> str:
    """One plain sentence on what the checks removed, e.g. "1 statement removed: not
    supported by its source"."""
    count = len(answer.dropped)
    noun = "statement" if count == 1 else "statements"
    reasons = sorted({d.reason.split(":")[0] for d in answer.dropped})
    return f"{count} {noun} removed: {'; '.join(reasons)}."
