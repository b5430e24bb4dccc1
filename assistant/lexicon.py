"""Word stems and how rare they are in the corpus. Pure functions over plain text."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

import Stemmer

_STEMMER = Stemmer.Stemmer("english")
# A word: letters of any alphabet and digits, hyphens inside ("Waldenström", "IgM-related").
WORD = re.compile(r"[^\W_][\w-]*")


_ANY_CASE = re.compile(WORD.pattern, re.I)


def without_accents(text: str) -> str:
    """``text`` with accents dropped ("Waldenström" -> "Waldenstrom", "Léger" -> "Leger"),
    so that a question typed without them meets the sources' spelling."""
    if text.isascii():
        return text
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


@lru_cache(maxsize=65536)
def stems(text: str) -> tuple[str, ...]:
    """Snowball stems of the words of ``text`` (lower-cased; hyphenated words kept whole).
    An acronym (a word in capitals, "DADS") is kept as it is, lower-cased: stemmed, it
    would be a word ("dad")."""
    words = _ANY_CASE.findall(without_accents(text))
    stemmed = _STEMMER.stemWords([w.lower() for w in words])
    return tuple(w.lower() if len(w) > 1 and w.isupper() else s for w, s in zip(words, stemmed, strict=True))


def inverse_document_frequency(texts: Iterable[str]) -> tuple[dict[str, float], float]:
    """Smoothed idf of every stem over ``texts`` (each text one "document"), and the idf
    an unseen stem gets: log((N + 1) / (df + 1)) + 1, so a stem in every text scores 1.
    """
    df: Counter[str] = Counter()
    n = 0
    for text in texts:
        n += 1
        df.update(set(stems(text)))
    unseen = math.log(n + 1) + 1
    return {s: math.log((n + 1) / (d + 1)) + 1 for s, d in df.items()}, unseen
