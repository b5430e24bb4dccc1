"""The answer's exports, read back by independent parsers: rispy for RIS, bibtexparser
for BibTeX; and the Markdown a clinician pastes into a note."""

from __future__ import annotations

import bibtexparser
import rispy

from assistant.export import answer_markdown, bibtex_key, bibtex_references, ris_references
from tests.assistant.chat_samples import make_answer, make_citation, make_refusal


def test_ris_has_one_record_per_cited_source_with_pmid_and_doi() -> None:
    answer = make_answer()
    records = rispy.loads(ris_references(answer))
    cited = {c.n: c for c in answer.citations}
    assert [r["id"] for r in records] == [cited[n].source_id for n in sorted(cited)]
    trial = records[1]
    assert trial["type_of_reference"] == "JOUR"
    assert trial["title"] == "A <b>bold</b> trial of drug X" and trial["year"] == "2020"
    assert trial["authors"] == ["Doe, J.", "Nobile-Orazio, E."]  # "et al." is not an author
    assert trial["doi"] == "10.1/x_y" and trial["accession_number"] == "123"
    assert "Randomised trial" in trial["notes"][0]
    assert (
        records[0]["accession_number"] == "20642582"
        and "summary written for this corpus" in records[0]["notes"][0]
    )


def test_ris_never_carries_an_unsafe_address() -> None:
    records = rispy.loads(ris_references(make_answer()))
    secondary = records[2]
    assert secondary["type_of_reference"] == "GEN" and "urls" not in secondary
    assert "secondary source" in secondary["notes"][0]


def test_bibtex_parses_with_unique_keys_pmid_and_doi() -> None:
    answer = make_answer()
    library = bibtexparser.parse_string(bibtex_references(answer))
    assert library.failed_blocks == []
    entries = library.entries
    assert [e.key for e in entries] == ["eft2010", "doe2020-trial", "oracle2025"]
    trial = entries[1]
    assert trial.entry_type == "article"
    assert trial["doi"] == r"10.1/x\_y" and trial["pmid"] == "123" and trial["year"] == "2020"
    assert trial["author"] == "Doe, J. and Nobile-Orazio, E. and others"
    assert trial["title"] == "{A <b>bold</b> trial of drug X}"
    assert entries[2].entry_type == "misc" and entries[2]["author"] == "{Dr.Oracle}"
    assert "url" not in entries[2].fields_dict  # its address was javascript:


def test_bibtex_escapes_special_characters_so_fields_stay_closed() -> None:
    tricky = make_citation(title="Costs } 50% & more {", journal="J_Neurol #1")
    answer = make_answer(citations=[tricky], lead=[])
    library = bibtexparser.parse_string(bibtex_references(answer))
    assert library.failed_blocks == [] and len(library.entries) == 1
    assert library.entries[0]["title"] == r"{Costs \} 50\% \& more \{}"


def test_bibtex_keys_are_ascii_and_unique() -> None:
    twins = [make_citation(n=1, source_id="léger-2013"), make_citation(n=2, source_id="leger-2013")]
    library = bibtexparser.parse_string(bibtex_references(make_answer(citations=twins, lead=[])))
    assert [e.key for e in library.entries] == ["leger-2013", "leger-2013x"]
    assert bibtex_key("¿?") == "source"


def test_nothing_cited_exports_nothing() -> None:
    assert ris_references(make_refusal()) == "" and bibtex_references(make_refusal()) == ""


def test_copied_markdown_has_the_answer_numbered_references_and_quotes() -> None:
    answer = make_answer()
    text = answer_markdown(answer)
    assert text.startswith(f"## {answer.question}")
    assert text.index("What the sources say about the premise") < text.index("**Bottom line:**")
    for c in answer.citations:
        assert f"[{c.n}]" in text and f"> “{c.quote}”" in text
    assert "**[3]**" in text and "1 statement removed" in text
    assert "answer id a1b2c3" in text and "corpus ffffffffffff" in text
    assert "javascript:" not in text
