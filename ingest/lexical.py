"""BM25 over chunk texts (``bm25s``), with English stop words and Snowball stemming."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np


def _bm25s() -> Any:
    """Import bm25s, undoing the DEBUG level it forces on its logger at import time
    (which would print its internals to every command's stderr)."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.NOTSET)
    return bm25s


def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(texts: list[str], stemmer: Any = None) -> Any:
    """Tokenize texts the same way at ingest and at query time (pass a stemmer to reuse one)."""
    return _bm25s().tokenize(texts, stopwords="en", stemmer=stemmer or _stemmer(), show_progress=False)


def build_bm25(texts: list[str], directory: Path) -> None:
    """Index ``texts`` (row i is chunk i) and save the index under ``directory``."""
    retriever = _bm25s().BM25()
    retriever.index(tokenize(texts), show_progress=False)
    retriever.save(str(directory))


# A stem at least this share of the chunks contain tells none of them apart: in a corpus
# on one subject, its name ("anti-MAG neuropathy", six stems once spelled out) is in most.
COMMON_SHARE = 0.5


class Bm25Index:
    """A loaded BM25 index answering ``search(query, k) -> (rows, scores)``."""

    def __init__(self, directory: Path, size: int) -> None:
        self._retriever = _bm25s().BM25.load(str(directory))
        self._stemmer = _stemmer()
        self.size = size
        self.common = self._common_stems()

    def _common_stems(self) -> frozenset[str]:
        """The stems at least ``COMMON_SHARE`` of the chunks contain."""
        scores = self._retriever.scores
        chunks_with = np.diff(scores["indptr"])  # one column of the score matrix per stem
        common = {i for i, n in enumerate(chunks_with) if n >= COMMON_SHARE * scores["num_docs"]}
        return frozenset(stem for stem, i in self._retriever.vocab_dict.items() if i in common)

    @property
    def rows(self) -> int:
        """Number of chunks the saved index holds."""
        return int(self._retriever.scores["num_docs"])

    def search(self, query: str, k: int, telling: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Return the rows and scores of the ``k`` best chunks (positive scores only); with
        ``telling``, by the query's stems that are not ``common`` (none when all are)."""
        tokens = tokenize([query], self._stemmer)
        if not tokens.ids or not tokens.ids[0]:
            return np.zeros(0, dtype=int), np.zeros(0)
        query_tokens: Any = tokens
        if telling:
            words = {i: stem for stem, i in tokens.vocab.items()}
            query_tokens = [[words[i] for i in tokens.ids[0] if words[i] not in self.common]]
            if not query_tokens[0]:
                return np.zeros(0, dtype=int), np.zeros(0)
        k = min(k, self.size)
        rows, scores = self._retriever.retrieve(query_tokens, k=k, show_progress=False, n_threads=1)
        keep = scores[0] > 0
        return rows[0][keep], scores[0][keep]
