"""Word stems (assistant.lexicon): pure functions."""

from __future__ import annotations

from assistant.lexicon import stems


def test_words_are_stemmed_and_acronyms_kept_as_they_are() -> None:
    assert stems("titres improved") == ("titr", "improv")
    # Stemmed, the acronym "DADS" would be the word "dad" and match "my dad ...".
    assert "dad" not in stems("the DADS phenotype")
    assert stems("DADS") != stems("dad")
    assert stems("HNK-1 and CD57") == ("hnk-1", "and", "cd57")


def test_a_questions_acronym_is_the_sentences_acronym() -> None:
    """The question's concepts keep its acronyms as the sentences' stems do ("MAGES", not "mage")."""
    from assistant.abbreviations import Synonyms
    from assistant.answerers.extractive import concept_hits, concepts

    found = concepts("What does the MAGES test measure?", Synonyms(), {}, 3.0)
    assert found[0].alternatives == (("mages",),)
    assert 0 in concept_hits("The MAGES entry describes a serum test.", found)


def test_accented_words_are_whole_words_and_match_their_unaccented_spelling() -> None:
    """Split at "ö", "Waldenström" was the stems "waldenstr" and "m"; and a question typed
    without accents must meet the sources' spelling."""
    assert stems("Waldenström macroglobulinaemia") == stems("Waldenstrom macroglobulinaemia")
    assert len(stems("Waldenström")) == 1
    assert stems("the Léger 2013 trial") == stems("the Leger 2013 trial")
    assert len(stems("Guillain–Barré syndrome")) == 3
