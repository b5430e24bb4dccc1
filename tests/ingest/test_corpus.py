"""Tests for ingest.corpus: Markdown documents with front matter, validated with file and field.

Broken inputs live in tests/data/bad/ (listed in cases.yaml, shared with the CLI tests);
each is dropped into a copy of the two-document test corpus.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from ingest import CorpusError, load_corpus, make_document
from ingest.corpus import MAX_FILE_BYTES, corpus_files, parse_markdown

BAD = Path(__file__).parent.parent / "data" / "bad"
BAD_CASES = yaml.safe_load((BAD / "cases.yaml").read_text(encoding="utf-8"))
META = {"id": "test-doc", "kind": "research", "title": "Test fixture", "authors": ["Fixture A"], "year": 2020}


def front_matter(**changes: object) -> str:
    """A valid front matter block with ``changes`` applied (None removes a field)."""
    meta = {**META, **changes}
    return "---\n" + yaml.safe_dump({k: v for k, v in meta.items() if v is not None}) + "---\n"


def break_corpus(corpus: Path, case: dict) -> Path:
    """Copy one bad file into ``corpus``; return where it went."""
    target = corpus / case["target"]
    shutil.copyfile(BAD / case["file"], target)
    return target


@pytest.mark.parametrize("case", BAD_CASES, ids=[c["name"] for c in BAD_CASES])
def test_bad_file_is_reported_with_its_path_and_field(small_corpus: Path, case: dict) -> None:
    target = break_corpus(small_corpus, case)
    with pytest.raises(CorpusError) as caught:
        load_corpus(small_corpus)
    message = str(caught.value)
    assert str(target) in message
    for fragment in case["expect"]:
        assert fragment in message
    assert "the index was not changed" in message


def test_good_test_corpus_loads(small_corpus: Path) -> None:
    documents = load_corpus(small_corpus)
    assert sorted(d.id for d in documents) == ["test-guideline", "test-trial"]
    assert {d.id: d.kind for d in documents} == {"test-guideline": "guideline", "test-trial": "research"}
    for doc in documents:
        assert doc.text.lstrip().startswith("## ")
        assert "---" not in doc.text
        assert len(doc.sha256) == 64


def test_every_problem_is_reported_at_once(small_corpus: Path) -> None:
    chosen = [c for c in BAD_CASES if c["name"] in ("missing-field", "unsupported-file")]
    targets = [break_corpus(small_corpus, case) for case in chosen]
    trial = small_corpus / "research" / "test-trial.md"
    trial.write_text(front_matter(id="test-trial", year="twenty") + "Body.\n")
    with pytest.raises(CorpusError) as caught:
        load_corpus(small_corpus)
    message = str(caught.value)
    assert message.startswith("corpus has 3 problems; the index was not changed:")
    for target in [*targets, trial]:
        assert str(target) in message
    assert "'year' input should be a valid integer" in message


def test_non_utf8_error_names_the_byte_offset(small_corpus: Path) -> None:
    case = next(c for c in BAD_CASES if c["name"] == "not-utf8")
    target = break_corpus(small_corpus, case)
    offset = target.read_bytes().index(b"\xe9")
    with pytest.raises(CorpusError, match=f"byte {offset}:"):
        load_corpus(small_corpus)


@pytest.mark.parametrize(
    ("changes", "fragments"),
    [
        ({"id": "Bad_ID"}, ["'id'", "slug", "'Bad_ID'"]),
        ({"year": 1492}, ["'year'", "1800", "1492"]),
        ({"authors": []}, ["'authors'", "at least 1"]),
        ({"title": None}, ["missing required field 'title'"]),
        ({"pmid": "PMC123"}, ["'pmid'", "digits only"]),
        ({"study_type": "anecdote"}, ["'study_type'", "'anecdote'"]),
        ({"colour": "blue"}, ["unknown field 'colour'", "allowed: id, kind, title"]),
        ({"id": 123}, ["'id'", "valid string", "got 123"]),
        ({"authors": ["Fixture A", "  "]}, ["'authors' must not contain an empty name"]),
        ({"url": "javascript:alert(1)"}, ["'url' must be a web address starting with http"]),
        ({"url": "data:text/html,<script>"}, ["'url' must be a web address"]),
        ({"url": "https://exa mple.org"}, ["'url' must be a web address"]),
        ({"doi": "https://doi.org/10.1002/x"}, ["'doi' must be a DOI", "without https://doi.org/"]),
        ({"markers": {None: "x"}}, ["'markers'", "keys must be reference numbers"]),
        ({"title": "x" * 5000, "year": "twenty"}, ["'year'", "got 'twenty'"]),
    ],
)
def test_invalid_field_names_file_and_field(changes: dict, fragments: list[str]) -> None:
    with pytest.raises(CorpusError) as caught:
        parse_markdown(front_matter(**changes) + "Body text.\n", "corpus/research/doc.md")
    message = str(caught.value)
    assert message.startswith("corpus/research/doc.md: ")
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("id: x\n\nBody without front matter.\n", "missing YAML front matter"),
        ("---\nid: x\nkind: research\nBody, never closed.\n", "front matter is not closed"),
        ("---\n- a\n- list\n---\nBody.\n", "must be a YAML mapping"),
        ("---\nid: x\n  kind: research\n---\nBody.\n", "(line 3)"),
    ],
)
def test_broken_front_matter_is_explained(text: str, fragment: str) -> None:
    with pytest.raises(CorpusError, match="^doc.md: ") as caught:
        parse_markdown(text, "doc.md")
    assert fragment in str(caught.value)


def test_crlf_line_endings_and_a_byte_order_mark_are_accepted(tmp_path: Path) -> None:
    text = front_matter() + "## Section\n\nFirst line.\nSecond line.\n"
    (tmp_path / "test-doc.md").write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    (doc,) = load_corpus(tmp_path)
    assert doc.text == "## Section\n\nFirst line.\nSecond line.\n"
    assert doc.sha256 == parse_markdown(text, "elsewhere.md").sha256


def test_front_matter_closed_at_end_of_file_is_an_empty_body() -> None:
    with pytest.raises(CorpusError, match="body is empty"):
        parse_markdown(front_matter().rstrip("\n"), "doc.md")


def test_numeric_pmid_becomes_a_string() -> None:
    doc = make_document({**META, "pmid": 12345678}, "Body.", "doc.md")
    assert doc.meta.pmid == "12345678"


def test_hash_changes_with_body_and_metadata_only() -> None:
    base = make_document(META, "Body.", "a.md")
    assert make_document(META, "Body.", "moved/b.md").sha256 == base.sha256
    assert make_document(META, "Body!", "a.md").sha256 != base.sha256
    assert make_document({**META, "year": 2021}, "Body.", "a.md").sha256 != base.sha256


def test_readme_and_hidden_files_are_not_documents(small_corpus: Path) -> None:
    (small_corpus / "README.md").write_text("# About this corpus\n")
    (small_corpus / ".notes.md").write_text("scratch")
    (small_corpus / ".git").mkdir()
    (small_corpus / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    names = [p.name for p in corpus_files(small_corpus)]
    assert names == ["test-guideline.md", "test-trial.md"]
    assert len(load_corpus(small_corpus)) == 2


def test_oversized_file_is_refused(small_corpus: Path) -> None:
    big = small_corpus / "research" / "huge.md"
    with open(big, "wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(CorpusError, match="huge.md: file is .* bytes; the limit is"):
        load_corpus(small_corpus)


def test_missing_corpus_directory(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="corpus directory does not exist"):
        load_corpus(tmp_path / "nowhere")


def test_corpus_path_that_is_a_file(tmp_path: Path) -> None:
    path = tmp_path / "doc.md"
    path.write_text(front_matter() + "Body.\n")
    with pytest.raises(CorpusError, match="not a directory"):
        load_corpus(path)


def test_empty_corpus_directory(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no documents found"):
        load_corpus(tmp_path)


def test_yaml_1_1_scalars_stay_text() -> None:
    text = (
        "---\nid: test-doc\nkind: research\ntitle: yes\nauthors: [on]\nyear: 2020\n"
        "pmid: 0755\nvolume_pages: 1:20\nnote: 2020-01-01\n---\nBody.\n"
    )
    meta = parse_markdown(text, "test-doc.md").meta
    assert (meta.title, meta.authors, meta.pmid) == ("yes", ["on"], "0755")
    assert (meta.volume_pages, meta.note) == ("1:20", "2020-01-01")


@pytest.mark.parametrize("value", ["0x1F", "0o37", "1_000", "1:20"])
def test_pmid_written_as_another_kind_of_number_is_refused(value: str) -> None:
    text = f"---\nid: test-doc\nkind: research\ntitle: T\nauthors: [A]\nyear: 2020\npmid: {value}\n---\nB.\n"
    with pytest.raises(CorpusError, match=f"'pmid' must be digits only, got '{re.escape(value)}'"):
        parse_markdown(text, "test-doc.md")


def test_a_huge_value_is_shortened_in_the_message() -> None:
    with pytest.raises(CorpusError) as caught:
        parse_markdown(front_matter(year="9" * 100_000) + "Body.\n", "test-doc.md")
    assert len(str(caught.value)) < 500 and "..." in str(caught.value)


def test_markdown_id_must_equal_the_file_name(tmp_path: Path) -> None:
    (tmp_path / "other-name.md").write_text(front_matter() + "Body.\n")
    with pytest.raises(CorpusError, match="'id' is 'test-doc' but the file is named other-name.md"):
        load_corpus(tmp_path)


def test_superseded_by_must_name_another_document_of_the_corpus(small_corpus: Path) -> None:
    trial = small_corpus / "research" / "test-trial.md"
    body = trial.read_text(encoding="utf-8").split("---\n", 2)[2]
    trial.write_text(front_matter(id="test-trial", superseded_by="test-guideline") + body, encoding="utf-8")
    documents = {d.id: d for d in load_corpus(small_corpus)}
    assert documents["test-trial"].meta.superseded_by == "test-guideline"
    for successor, fragment in (("no-such-doc", "is not the id of any document"), ("test-trial", "itself")):
        trial.write_text(front_matter(id="test-trial", superseded_by=successor) + body, encoding="utf-8")
        with pytest.raises(CorpusError) as caught:
            load_corpus(small_corpus)
        assert str(trial) in str(caught.value) and fragment in str(caught.value)
    # Each superseded by the other: no version would be current.
    trial.write_text(front_matter(id="test-trial", superseded_by="test-guideline") + body, encoding="utf-8")
    guideline = small_corpus / "guidelines" / "test-guideline.md"
    text = guideline.read_text(encoding="utf-8")
    guideline.write_text(
        text.replace("id: test-guideline\n", "id: test-guideline\nsuperseded_by: test-trial\n", 1),
        encoding="utf-8",
    )
    with pytest.raises(CorpusError) as caught:
        load_corpus(small_corpus)
    assert "leads back" in str(caught.value)
