"""Word stems (assistant.lexicon): pure functions."""

from __future__ import annotations

from assistant.lexicon import stems


def test_words_are_stemmed_and_acronyms_kept_as_they_are() -> None:
    assert stems("titres improved") == ("titr", "improv")
    # Stemmed, the acronym "DADS" would be the word "dad" and match "my dad ...".
    assert "dad" not in stems("the DADS phenotype")
    assert stems("DADS") != stems("dad")
    assert stems("HNK-1 and CD57") == ("hnk-1", "and", "cd57")
