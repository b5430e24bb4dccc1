"""The statement check: a claim's statement must say no more than its quotes. Pure functions.

The citation check proves a quote is in its source; this proves the words shown beside
it do not go beyond it. A statement is unsupported when it

- carries a number (digits or a number word) or unit that none of its quotes carries;
- is negated where its quotes are not, or the other way round ("did not improve" ->
  "improved");
- names a term of the corpus vocabulary (a drug, test or condition) that no quote names;
- is too far from its quotes in meaning (cosine below a threshold the caller passes).

Each rule returns the reason in words a clinician can read, or None.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from assistant.lexicon import stems

_NUMBER_WORDS = {
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "twenty": "20",
    "hundred": "100",
    "half": "50%",
    "third": "1/3",
    "quarter": "25%",
    "twice": "2x",
    "double": "2x",
}
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_UNIT = re.compile(
    r"%|\b(?:mg|g|kg|µg|mcg|ml|mL|m²|m2|IU|BTU|mmol|µmol|mm|cm|hours?|days?|weeks?|months?|years?)\b"
)
_NEGATION = re.compile(
    r"\b(?:not|no|never|none|neither|nor|without|cannot|can't|didn't|doesn't|don't|isn't|wasn't|weren't|"
    r"aren't|fail(?:s|ed)?|lack(?:s|ed|ing)?|unproven|ineffective|absent|negative|nonsignificant|"
    r"non-significant|insignificant)\b",
    re.I,
)


def numbers_in(text: str) -> set[str]:
    """Numbers in ``text``, digits and number words alike ("four" -> "4"), without thousands commas."""
    found = {n.replace(",", "") for n in _NUMBER.findall(text)}
    for word in re.findall(r"[a-z]+", text.lower()):
        if word in _NUMBER_WORDS:
            found.add(_NUMBER_WORDS[word])
    return found


def units_in(text: str) -> set[str]:
    """Units of measure in ``text`` (singular, lower-cased)."""
    return {u.lower().rstrip("s") for u in _UNIT.findall(text)}


def is_negated(text: str) -> bool:
    """True when ``text`` contains a negation cue."""
    return _NEGATION.search(text) is not None


def term_stems(text: str, terms: Iterable[str]) -> set[tuple[str, ...]]:
    """The vocabulary ``terms`` that occur in ``text``, each as its stems."""
    present = " ".join(stems(text))
    found = set()
    for term in terms:
        key = stems(term)
        if key and re.search(rf"(?<![\w-]){re.escape(' '.join(key))}(?![\w-])", present):
            found.add(key)
    return found


def unsupported_reason(
    statement: str,
    quotes: Sequence[str],
    *,
    terms: Iterable[str] = (),
    similarity: float | None = None,
    min_similarity: float = 0.0,
) -> str | None:
    """Why ``statement`` says more than ``quotes``, or None when it does not.

    Args:
        statement: the words shown to the reader.
        quotes: the verbatim source text the statement cites.
        terms: drug, test and condition terms of the corpus vocabulary.
        similarity: cosine between the statement and its quotes, when the caller has it.
        min_similarity: the least similarity accepted.
    """
    quoted = " ".join(quotes)
    extra = sorted(numbers_in(statement) - numbers_in(quoted))
    if extra:
        return f"states {', '.join(extra)}, which its source does not"
    extra_units = sorted(units_in(statement) - units_in(quoted))
    if extra_units:
        return f"states a value in {', '.join(extra_units)} that its source does not give"
    if is_negated(statement) != is_negated(quoted):
        return "reverses the sense of its source (a negation added or removed)"
    vocabulary = list(terms)
    if vocabulary:
        missing = term_stems(statement, vocabulary) - term_stems(quoted, vocabulary)
        if missing:
            named = ", ".join(sorted(" ".join(m) for m in missing))
            return f"names {named}, which its source does not mention"
    if similarity is not None and similarity < min_similarity:
        return f"is not close enough to its source (similarity {similarity:.2f} < {min_similarity:.2f})"
    return None
