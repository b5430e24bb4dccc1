"""A corpus's lexicon: validated at ingest, stored with each generation, read cheaply."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.knowledge import KnowledgeBase
from assistant.pipeline import Assistant
from ingest import CorpusError, Embedder, Settings, build_index, load_generation
from ingest.lexicon import LEXICON_FILE, Lexicon, load_lexicon_file, read_lexicon

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
MG_LEXICON = """\
synonyms:
  - [QTB, quintomab]
terms:
  treatment: [quintomab, placebo]
  condition: [Zorbel syndrome]
chat:
  subtitle: Answers on Zorbel syndrome.
  examples: ["Does quintomab help Zorbel syndrome?"]
"""


def test_the_bundled_lexicon_loads_with_every_part() -> None:
    lexicon = load_lexicon_file(CORPUS)
    assert lexicon.synonyms and lexicon.chat.examples
    assert set(lexicon.terms) == {"treatment", "test", "condition"}
    assert "rituximab" in lexicon.term_list()


def test_a_corpus_without_a_lexicon_gets_the_generic_default(tmp_path: Path) -> None:
    lexicon = load_lexicon_file(tmp_path)
    assert lexicon == Lexicon()
    assert "anti-MAG" not in lexicon.chat.subtitle + lexicon.chat.placeholder


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("synonyms: [[IVIg]]\n", "field 'synonyms'"),
        ("terms:\n  drug: [x]\n", "field 'terms.drug"),
        ("chat:\n  subtitle: ''\n", "field 'chat.subtitle'"),
        ("chat:\n  colour: red\n", "field 'chat.colour'"),
        ("- just\n- a list\n", "expected a mapping"),
        ("synonyms: [[a, b]\n", "not valid YAML at line 2"),
    ],
)
def test_a_bad_lexicon_names_the_file_and_field(tmp_path: Path, text: str, names: str) -> None:
    (tmp_path / LEXICON_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(CorpusError) as error:
        load_lexicon_file(tmp_path)
    assert str(tmp_path / LEXICON_FILE) in str(error.value) and names in str(error.value)


def test_a_bad_lexicon_leaves_the_index_unchanged(
    small_corpus: Path, embedder: Embedder, tmp_path: Path
) -> None:
    settings = Settings(home=tmp_path / "home")
    build_index(settings, small_corpus, embedder=embedder)
    before = load_generation(settings).generation
    (small_corpus / LEXICON_FILE).write_text("terms: {drug: [x]}\n", encoding="utf-8")
    with pytest.raises(CorpusError):
        build_index(settings, small_corpus, embedder=embedder)
    assert load_generation(settings).generation == before


def test_the_lexicon_is_stored_and_a_change_to_it_alone_embeds_nothing(
    small_corpus: Path, embedder: Embedder, tmp_path: Path
) -> None:
    settings = Settings(home=tmp_path / "home")
    assert read_lexicon(settings) == Lexicon()  # no index yet
    build_index(settings, small_corpus, embedder=embedder)
    assert read_lexicon(settings) == Lexicon()
    (small_corpus / LEXICON_FILE).write_text(MG_LEXICON, encoding="utf-8")
    report = build_index(settings, small_corpus, embedder=embedder)
    assert report.changed and report.embedded_texts == 0
    assert read_lexicon(settings).chat.subtitle == "Answers on Zorbel syndrome."
    again = build_index(settings, small_corpus, embedder=embedder)
    assert not again.changed


def test_a_corpus_without_a_lexicon_answers_from_what_it_learns(
    small_corpus: Path, embedder: Embedder, tmp_path: Path
) -> None:
    assert not (small_corpus / LEXICON_FILE).exists()
    settings = Settings(home=tmp_path / "home")
    build_index(settings, small_corpus, embedder=embedder)
    kb = KnowledgeBase(settings, embedder)
    assert kb.lexicon == Lexicon() and kb.term_kinds.find("Does quintomab help?") == []
    assert "rituximab" not in kb.vocabulary and "help" not in kb.vocabulary
    answer = Assistant(settings, kb).ask("How many patients improved on quintomab in the Fixture 2021 trial?")
    assert not answer.refused and "12 of 20" in answer.answer


def test_the_vocabulary_is_the_lexicon_terms_and_learned_abbreviations(
    small_corpus: Path, embedder: Embedder, tmp_path: Path
) -> None:
    (small_corpus / LEXICON_FILE).write_text(MG_LEXICON, encoding="utf-8")
    trial = small_corpus / "research" / "test-trial.md"
    trial.write_text(
        trial.read_text(encoding="utf-8") + "\nSerum zorbel antibody (ZAB) levels fell.\n", "utf-8"
    )
    settings = Settings(home=tmp_path / "home")
    build_index(settings, small_corpus, embedder=embedder)
    kb = KnowledgeBase(settings, embedder)
    assert {"quintomab", "placebo", "Zorbel syndrome", "ZAB", "zorbel antibody"} <= set(kb.vocabulary)
    assert "QTB" not in kb.vocabulary  # a synonym, not a term: it still expands questions
    assert "quintomab" in kb.synonyms.expand("Does QTB help?")
    assert kb.term_kinds.find("Does quintomab help Zorbel syndrome?")[0][:2] == ("treatment", "quintomab")


def test_the_bundled_corpus_copy_still_ingests_with_its_lexicon(tmp_path: Path) -> None:
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    from ingest import load_corpus

    assert all(not d.path.endswith(LEXICON_FILE) for d in load_corpus(target))
