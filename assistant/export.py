"""Exports of one answer: Markdown to paste, and RIS and BibTeX of its cited sources.

Pure functions from an ``Answer`` to text. Each cited source appears once, in [n] order,
with its PMID and DOI, so a clinician can take the answer and its references into a
note or a reference manager (Zotero, EndNote, Mendeley read RIS; LaTeX reads BibTeX).

    >>> from assistant.answer import Answer
    >>> ris_references(Answer(question="q", answer=""))
    ''
"""

from __future__ import annotations

import re
import unicodedata

from assistant.answer import Answer, Citation
from assistant.render import PROVENANCE, group_by_source, render_markdown, safe_url

_ET_AL = "et al"
# BibTeX's special characters and how to write them literally.
_BIBTEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "^": r"\^{}",
    "~": r"\~{}",
}


def cited_sources(answer: Answer) -> list[tuple[int, Citation]]:
    """Each cited source once, as ([n], its first citation), in [n] order."""
    return [(n, group[0]) for n, group in group_by_source(answer.citations)]


def answer_markdown(answer: Answer) -> str:
    """The answer to paste elsewhere: the question, the answer with its [n], the numbered
    references each followed by its verbatim quotes, and where the answer came from."""
    body = render_markdown(answer)
    corpus = answer.index.get("corpus_sha256", "")[:12]
    origin = [f"citewise {answer.answerer} answer"]
    origin += [f"answer id {answer.id}"] if answer.id else []
    origin += [f"corpus {corpus}"] if corpus else []
    return f"## {answer.question}\n\n{body}\n\n---\n*{' · '.join(origin)}. Check each quote against its source.*\n"


def _authors(c: Citation) -> tuple[list[str], bool]:
    """The named authors, and whether the list was cut short ("et al.")."""
    named = [a.strip() for a in c.authors if a.strip() and a.strip().rstrip(".").lower() != _ET_AL]
    return named, len(named) < len([a for a in c.authors if a.strip()])


def _note(c: Citation) -> str:
    """Evidence level and provenance, for the reference manager's notes field."""
    parts = [f"Evidence: {c.evidence or c.study_type or c.kind}"]
    if c.provenance:
        parts.append(f"text in the citewise corpus: {PROVENANCE.get(c.provenance, c.provenance)}")
    if c.secondary:
        parts.append("secondary source")
    if c.superseded_by:
        parts.append(f"superseded by {c.superseded_by}")
    return "; ".join(parts)


def ris_record(c: Citation) -> str:
    """One RIS record (tags as in the RIS specification; PMID as accession number)."""
    url = safe_url(c.url)
    kind = "JOUR" if c.journal and not c.secondary else "ELEC" if url else "GEN"
    named, _ = _authors(c)
    lines = [f"TY  - {kind}", *(f"AU  - {_ris_author(a)}" for a in named), f"TI  - {_one_line(c.title)}"]
    if c.journal:
        lines += [f"T2  - {_one_line(c.journal)}", f"JO  - {_one_line(c.journal)}"]
    lines.append(f"PY  - {c.year}")
    if c.doi:
        lines.append(f"DO  - {_one_line(c.doi)}")
    if c.pmid:
        lines += [f"AN  - {c.pmid}", "DB  - PubMed"]
    if url:
        lines.append(f"UR  - {url}")
    lines += [f"N1  - {_note(c)}", f"ID  - {c.source_id}", "ER  - "]
    return "\n".join(lines)


def ris_references(answer: Answer) -> str:
    """RIS of every cited source, in [n] order ("" when nothing is cited)."""
    records = [ris_record(c) for _, c in cited_sources(answer)]
    return "\n\n".join(records) + "\n" if records else ""


def _ris_author(name: str) -> str:
    """ "Léger JM" -> "Léger, J.M." (RIS wants "Last, First"); a one-word name stays as it is."""
    last, initials = _split_name(name)
    if not initials:
        return last
    return f"{last}, {'.'.join(initials)}."


def _split_name(name: str) -> tuple[str, str]:
    """PubMed style "Nobile-Orazio E" -> ("Nobile-Orazio", "E"); "Dr.Oracle" -> ("Dr.Oracle", "")."""
    words = name.split()
    if len(words) > 1 and re.fullmatch(r"[A-Z]{1,4}", words[-1]):
        return " ".join(words[:-1]), words[-1]
    return name, ""


def bibtex_entry(c: Citation, key: str) -> str:
    """One BibTeX entry: @article with a journal, else @misc."""
    named, cut = _authors(c)
    fields: list[tuple[str, str]] = []
    if named:
        people = [_bibtex_author(a) for a in named] + (["others"] if cut else [])
        fields.append(("author", " and ".join(people)))
    fields.append(("title", "{" + _bibtex_escape(c.title) + "}"))  # braces keep its capitals
    if c.journal:
        fields.append(("journal", _bibtex_escape(c.journal)))
    fields.append(("year", str(c.year)))
    if c.doi:
        fields.append(("doi", _bibtex_escape(c.doi)))
    if c.pmid:
        fields.append(("pmid", _bibtex_escape(c.pmid)))
    url = safe_url(c.url) or (f"https://doi.org/{c.doi}" if c.doi else None)
    if url:
        fields.append(("url", _bibtex_escape(url)))
    fields.append(("note", _bibtex_escape(_note(c))))
    kind = "article" if c.journal and not c.secondary else "misc"
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{kind}{{{key},\n{body}\n}}"


def bibtex_references(answer: Answer) -> str:
    """BibTeX of every cited source, in [n] order, with unique keys ("" when nothing is cited)."""
    entries, used = [], set()
    for _, c in cited_sources(answer):
        key = bibtex_key(c.source_id)
        while key in used:
            key += "x"
        used.add(key)
        entries.append(bibtex_entry(c, key))
    return "\n\n".join(entries) + "\n" if entries else ""


def bibtex_key(source_id: str) -> str:
    """A citation key BibTeX accepts: ASCII letters, digits and a few marks."""
    ascii_id = unicodedata.normalize("NFKD", source_id).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9:_-]", "", ascii_id) or "source"


def _bibtex_author(name: str) -> str:
    last, initials = _split_name(name)
    if not initials:
        return "{" + _bibtex_escape(last) + "}"  # a corporate or one-word author, kept whole
    return f"{_bibtex_escape(last)}, {' '.join(f'{i}.' for i in initials)}"


def _bibtex_escape(text: str) -> str:
    return "".join(_BIBTEX_ESCAPES.get(ch, ch) for ch in _one_line(text))


def _one_line(text: str) -> str:
    """Collapse whitespace: a line break inside a field would end a RIS tag."""
    return re.sub(r"\s+", " ", text).strip()
