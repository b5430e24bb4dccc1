"""Render an answer as Markdown: From the Guidelines / From the Research / Sources."""

from __future__ import annotations

from assistant.answer import REFUSAL, Answer, Citation

GUIDELINES = "From the Guidelines"
RESEARCH = "From the Research"
SOURCES = "Sources"


def pubmed_url(pmid: str) -> str:
    """The PubMed page of a PMID."""
    return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"


def doi_url(doi: str) -> str:
    """The resolver address of a DOI."""
    return f"https://doi.org/{doi}"


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
    elif c.url and not c.pmid:
        parts.append(f"<{c.url}>")
    label = ", ".join(x for x in (c.study_type or c.kind, str(c.year)) if x)
    return " ".join(p for p in parts if p) + f" — *{label}*"


def render_body(citations: list[Citation]) -> str:
    """The two answer sections: one bullet per statement, each ending in its [n]."""
    lines: list[str] = []
    for heading, is_guideline in ((GUIDELINES, True), (RESEARCH, False)):
        items = [c for c in citations if (c.kind == "guideline") == is_guideline]
        if not items:
            continue
        lines += [f"### {heading}", ""]
        lines += [f"- {c.statement.rstrip()} [{c.n}]" for c in items]
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
    """The whole answer as Markdown."""
    if answer.refused:
        reason = (
            f"\n\n{answer.refusal_reason}"
            if answer.refusal_reason and answer.refusal_reason != REFUSAL
            else ""
        )
        return f"**{REFUSAL}**{reason}"
    return render_body(answer.citations) + "\n\n" + render_sources(answer.citations)
