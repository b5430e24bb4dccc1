"""Answers built by hand for the chat's view and export tests: every field of the
answer contract set, and corpus text that tries to be HTML, Markdown or a script."""

from __future__ import annotations

from typing import Any

from assistant.answer import Answer, Citation, DroppedClaim

SCRIPT_URL = "javascript:alert(document.cookie)"


def make_citation(**changes: Any) -> Citation:
    fields: dict[str, Any] = {
        "n": 1, "source_id": "doe2020-trial", "title": "A <b>bold</b> trial of drug X", "kind": "research",
        "year": 2020, "authors": ["Doe J", "Nobile-Orazio E", "et al."], "journal": "J Neurol",
        "study_type": "rct", "pmid": "123", "doi": "10.1/x_y", "quote": "Half had <em>antibodies</em>.",
        "statement": "Half had antibodies.", "chunk_id": "doe2020-trial#0001", "start": 0, "end": 10,
        "role": "evidence", "evidence_level": 3, "evidence": "Randomised trial", "provenance": "abstract",
        "section": "Results", "context_before": "We enrolled 40 patients.", "context_after": "None had <script>.",
    }  # fmt: skip
    return Citation(**(fields | changes))


def make_answer(**changes: Any) -> Answer:
    """A premise check, a bottom line, a guideline, a trial and a secondary source; one claim dropped."""
    citations = [
        make_citation(n=1, role="premise", source_id="eft2010", title="EFNS/PNS guideline", kind="guideline",
                      study_type="guideline", evidence_level=1, evidence="Guideline", journal="Eur J Neurol",
                      pmid="20642582", doi=None, provenance="summary", statement="Anti-MAG titres do not track disability."),
        make_citation(n=2, role="lead", statement="Rituximab did not improve the primary outcome.",
                      quote="Rituximab did not improve the primary outcome."),
        make_citation(n=1, role="evidence", source_id="eft2010", title="EFNS/PNS guideline", kind="guideline",
                      study_type="guideline", evidence_level=1, evidence="Guideline", journal="Eur J Neurol",
                      pmid="20642582", doi=None, provenance="summary", statement="IVIg may help some patients."),
        make_citation(n=3, source_id="oracle2025", title="What is anti-MAG?", authors=["Dr.Oracle"],
                      journal=None, study_type="secondary", evidence_level=7, evidence="Secondary source",
                      secondary=True, pmid=None, doi=None, url=SCRIPT_URL, provenance="full-text",
                      statement="See [the download](https://evil.example/x) for *more*.",
                      quote="Rituximab helps some patients, see notes."),
    ]  # fmt: skip
    fields: dict[str, Any] = {
        "id": "a1b2c3",
        "question": "Does rituximab help <script>alert(1)</script>?",
        "answer": "",
        "lead": [2],
        "premise": "anti-MAG titres measure <i>disease</i> activity",
        "citations": citations,
        "retrieved": ["eft2010#0001", "doe2020-trial#0001", "oracle2025#0000"],
        "dropped_claims": 1,
        "dropped": [
            DroppedClaim(statement="Rituximab cures 90%.", reason="not supported by its source: 90%")
        ],
        "timings_ms": {"total": 42.0},
        "index": {"model": "all-MiniLM-L6-v2", "corpus_sha256": "f" * 64, "built_at": "2026-01-01"},
    }
    return Answer(**(fields | changes))


def make_refusal(**changes: Any) -> Answer:
    fields: dict[str, Any] = {
        "id": "r9",
        "question": "What is the insulin dose for type 2 diabetes?",
        "answer": "",
        "refused": True,
        "refusal_reason": "The corpus is about anti-MAG neuropathy; diabetes is not one of its subjects.",
        "scope": "anti-MAG IgM neuropathy: diagnosis, antibody testing, treatment and prognosis",
    }
    return Answer(**(fields | changes))
