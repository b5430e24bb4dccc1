"""The loaded index: chunks, vectors, BM25, the lexicon, the Chroma collection and the model."""

from __future__ import annotations

import logging
from functools import cached_property, lru_cache
from typing import Any

import numpy as np

from assistant.abbreviations import Synonyms
from assistant.calibration import Calibration, load_calibration
from assistant.facets import Facet, facets
from assistant.followup import TermKinds
from assistant.passages import Passage, Source
from assistant.questions import asks_whether_to_treat
from assistant.topics import TopicIndex, build_topics, name_tokens, off_topic, unmentioned_names
from ingest import Embedder, IndexDamagedError, IndexMismatchError, Settings, StoreError, load_generation
from ingest.embedding import model_cache
from ingest.lexicon import Lexicon, stored_lexicon
from ingest.store import ExactSearch, describe_store, get_collection, is_writable, open_client

logger = logging.getLogger(__name__)

# A secondary sentence is checked against this many of its nearest primary sentences for
# a restatement of it (``KnowledgeBase.primary_restatements``).
RESTATEMENT_CANDIDATES = 15
# ... and this many for a primary sentence giving a share of the same thing
# (``selection.same_measure``), when none restates it.
MEASURE_CANDIDATES = 40


class KnowledgeBase:
    """Read access to one index generation; load once, share between requests."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.embedder = embedder or Embedder(cache_dir=model_cache(settings.home))
        # The retriever and the extractive answerer embed the same expanded question.
        self._embed = lru_cache(maxsize=256)(self._embed_uncached)
        generation = load_generation(settings)
        self.generation = generation
        self.manifest = generation.manifest
        self.chunks = generation.chunks
        self.sentence_rows = generation.sentence_rows
        # Memory-mapped: the page cache holds what queries touch (hundreds of MB at 100k chunks).
        self.sentence_vectors = generation.sentence_vectors()
        self.sources = {doc_id: Source.from_meta(d["meta"]) for doc_id, d in generation.documents.items()}
        self.texts = {doc_id: d["text"] for doc_id, d in generation.documents.items()}
        self.row_of = {c.id: i for i, c in enumerate(self.chunks)}
        self.bm25 = generation.bm25()
        self.lexicon: Lexicon = stored_lexicon(generation.directory)
        self.synonyms = Synonyms.for_corpus(self.texts.values(), self.lexicon.synonyms)

    @cached_property
    def vocabulary(self) -> tuple[str, ...]:
        """Drug, test and condition terms of the corpus, for the statement check (a
        statement may not name one that its quote does not): the lexicon's terms and
        both forms of every abbreviation defined in the corpus text."""
        learned = [t for pair in self.synonyms.learned for t in pair]
        return tuple(dict.fromkeys([*self.lexicon.term_list(), *learned]))

    @cached_property
    def term_kinds(self) -> TermKinds:
        """The lexicon's treatments, tests and conditions, for follow-up questions."""
        return TermKinds(self.lexicon.terms)

    @cached_property
    def first_sentence(self) -> dict[str, int]:
        """Document id -> offset where its first sentence ends."""
        out: dict[str, int] = {}
        for chunk in self.chunks:
            if chunk.sentences and chunk.doc_id not in out:
                out[chunk.doc_id] = chunk.sentences[0][1] - 1
        return out

    @cached_property
    def source_names(self) -> dict[str, tuple[str, ...]]:
        """The names questions use for sources: first authors' surnames, acronyms, years."""
        from assistant.selection import source_names

        return source_names(list(self.sources.values()))

    @cached_property
    def calibration(self) -> Calibration:
        """The refusal constants fitted to this corpus (``citewise calibrate``), or the default."""
        return load_calibration(self.settings.index_dir)

    def warnings(self) -> list[str]:
        """What a reader of any answer from this index should know."""
        if self.calibration.stale_for(self.manifest["corpus_sha256"]):
            return [
                "The corpus has changed since the refusal threshold was calibrated; "
                "run 'citewise calibrate' to refit it."
            ]
        return []

    @cached_property
    def abbreviations(self) -> dict[str, str]:
        """Short form -> long form, as the corpus defines them ("long form (SF)")."""
        return dict(self.synonyms.learned)

    @cached_property
    def topics(self) -> TopicIndex:
        """What the corpus is about, learned from its titles, openings and repeated words."""
        spans: dict[str, list[tuple[int, int]]] = {}
        for chunk in self.chunks:
            spans.setdefault(chunk.doc_id, []).extend(chunk.sentences)
        documents = (
            (self.sources[doc_id].title, text, [text[s:e] for s, e in spans.get(doc_id, [])])
            for doc_id, text in self.texts.items()
        )
        return build_topics(documents, self.abbreviations)

    def subject_of(self, question: str) -> str:
        """What a question is about, in a few words: the conditions it names and the
        vocabulary terms (drugs, tests) it uses; its content words when it names none."""
        from assistant.facets import subject_words

        return " ".join(self.named_terms(question)) or subject_words(question)

    def facets(self, question: str) -> list[Facet]:
        """The facets a synthesis question asks about, each a query naming its subject
        (``assistant.facets``)."""
        return facets(question, self.subject_of(question), names_treatment=self.names_treatment(question))

    def names_treatment(self, question: str) -> bool:
        """True when ``question`` names a treatment of the corpus's lexicon."""
        return any(kind == "treatment" for kind, _, _ in self.term_kinds.find(question))

    def named_terms(self, question: str) -> list[str]:
        """The conditions ``question`` names and the vocabulary terms (drugs, tests) it
        uses, once each."""
        from assistant.topics import find_conditions

        named = [c.text for c in find_conditions(question, self.abbreviations)]
        named += [group[0] for group in self.synonyms.matches(question) if group[0] in self.vocabulary]
        return list(dict.fromkeys(named))

    def off_topic(self, question: str) -> tuple[str, ...] | None:
        """The conditions that put ``question`` outside the corpus, or None (``assistant.topics``)."""
        return off_topic(question, self.topics, self.abbreviations, self.synonyms.terms(), self._tokens)

    def asks_whether_to_treat(self, question: str) -> bool:
        """True when ``question`` asks whether to treat or whether a treatment works, a
        treatment named by the lexicon or as a word (``assistant.questions``)."""
        return asks_whether_to_treat(question, self.names_treatment(question))

    def unmentioned_names(self, question: str) -> tuple[str, ...]:
        """The drugs and coded names (genes, mutations) ``question`` names that no source
        mentions (``assistant.topics``)."""
        return unmentioned_names(question, self.topics.known, self._tokens)

    @cached_property
    def _tokens(self) -> frozenset[str]:
        """Every token of the corpus texts, titles and synonyms (the lexicon's "CD57" for
        the texts' "HNK-1"), ``compact``ed."""
        titles = [s.title for s in self.sources.values()]
        return name_tokens([*self.texts.values(), *titles, *self.synonyms.terms()])

    def is_stale(self) -> bool:
        """True when an ingest has finished since this index was loaded."""
        from ingest import current_generation

        latest = current_generation(self.settings)
        return latest is not None and latest != self.generation.directory

    @cached_property
    def idf(self) -> tuple[dict[str, float], float]:
        """Inverse document frequency of word stems over the corpus sentences."""
        from assistant.lexicon import inverse_document_frequency

        sentences = (self.texts[c.doc_id][s:e] for c in self.chunks for s, e in c.sentences)
        return inverse_document_frequency(sentences)

    @cached_property
    def collection(self) -> Any:
        """The Chroma collection of this generation; for the embedded store, an exact
        search over the generation's stored vectors where Chroma cannot be used (a
        read-only data directory, a damaged store: ``ingest.store.ExactSearch``)."""
        name = self.manifest["store"]["collection"]
        where = describe_store(self.settings)
        if self.manifest["store"]["location"] != where:
            raise IndexMismatchError(
                f"the index was built for the store at {self.manifest['store']['location']}, "
                f"not {where}; run 'citewise ingest' with this store"
            )
        if self.settings.chroma_url:
            return self._chroma_collection(name, where)
        if not is_writable(self.settings):
            logger.info("%s is read-only: answering from the stored vectors", where)
            return self._exact_search(name)
        try:
            return self._chroma_collection(name, where)
        except (IndexMismatchError, StoreError) as exc:
            logger.warning("%s; answering from the stored vectors meanwhile (run 'citewise doctor')", exc)
            return self._exact_search(name)

    def _exact_search(self, name: str) -> ExactSearch:
        return ExactSearch(self.generation.chunk_vectors(), [c.id for c in self.chunks], name)

    def _chroma_collection(self, name: str, where: str) -> Any:
        client = open_client(self.settings)
        try:
            collection = get_collection(client, name)
            count = collection.count()
        except Exception as exc:
            raise StoreError(f"collection {name} is missing from {where}; run 'citewise ingest'") from exc
        if count != len(self.chunks):
            raise IndexMismatchError(
                f"collection {name} holds {count} vectors but the index has {len(self.chunks)} chunks; "
                "run 'citewise ingest' to rebuild"
            )
        return collection

    def warm_up(self) -> None:
        """Load the model and open the vectors (or connect to the Chroma server) now."""
        self.embedder.warm_up()
        _ = self.chunk_vectors if self.settings.chroma_url is None else self.collection

    def embed(self, text: str) -> np.ndarray:
        """The normalised query vector (cached per text)."""
        return self._embed(text)

    def clear_query_cache(self) -> None:
        """Forget cached question vectors (benchmarks time every embedding)."""
        self._embed.cache_clear()

    def _embed_uncached(self, text: str) -> np.ndarray:
        vector = self.embedder.encode([text])[0]
        vector.setflags(write=False)
        return vector

    @cached_property
    def chunk_vectors(self) -> np.ndarray | None:
        """The chunk vectors of this generation, memory-mapped (row i = chunk i); None when
        the file is damaged and the Chroma collection answers meanwhile."""
        try:
            return self.generation.chunk_vectors()
        except IndexDamagedError as exc:
            try:  # the collection stands in; its own fallback needs the damaged file
                _ = self.collection
            except (IndexMismatchError, StoreError, IndexDamagedError):
                raise exc from None
            logger.warning("%s; answering from the Chroma collection meanwhile", exc)
            return None

    def dense(self, vector: np.ndarray, k: int) -> list[int]:
        """Rows of the ``k`` nearest chunks by cosine similarity.

        With the embedded store the search is exact, over the generation's own vectors
        (the same vectors the Chroma collection holds): a 10,000 x 384 product takes about
        2 ms, and ``ask`` need not import chromadb (about 2 s of a cold start). With a
        Chroma server, the server searches.
        """
        k = min(k, len(self.chunks))
        if k == 0:
            return []
        if self.settings.chroma_url is None and self.chunk_vectors is not None:
            return nearest_rows(self.chunk_vectors, vector, k)
        try:
            result = self.collection.query(
                query_embeddings=[vector.tolist()], n_results=k, include=["distances"]
            )
        except (IndexMismatchError, StoreError):
            raise
        except Exception as exc:
            raise StoreError(f"vector search failed at {describe_store(self.settings)}: {exc}") from exc
        return [self.row_of[i] for i in result["ids"][0] if i in self.row_of]

    @cached_property
    def _sentence_owners(self) -> tuple[np.ndarray, np.ndarray]:
        """Per stored sentence vector: the row of its chunk, and whether it is from a
        primary, current source (neither secondary nor superseded)."""
        rows = np.repeat(np.arange(len(self.chunks)), [len(c.sentences) for c in self.chunks])
        primary = np.array(
            [not (s.is_secondary or s.superseded_by) for s in (self.sources[c.doc_id] for c in self.chunks)],
            dtype=bool,
        )
        return rows, primary[rows]

    def primary_restatements(
        self, quotes: list[tuple[int, str]], measures: frozenset[int] = frozenset()
    ) -> list[tuple[int, int, int] | None]:
        """For each (row, quote), a sentence of the secondary chunk at ``row``: where a
        primary source says what it says, as (row, start, end) of that sentence in its
        document, or None.

        Among the quote's ``RESTATEMENT_CANDIDATES`` nearest primary sentences anywhere in
        the corpus, one that is the same claim (``selection.says_the_same``, as
        ``selection.same_claim`` asks of candidates) or that states every figure of it (two or more:
        ``selection.restates``); failing that, for the quotes whose indices are in
        ``measures`` (a bottom line: the share is the answer), the nearest of its
        ``MEASURE_CANDIDATES`` nearest that gives a share of what it gives a share of
        (``selection.same_measure``). A secondary source is quoted only for what no primary
        source states. One pass over the sentence vectors serves every quote."""
        from assistant.selection import restates, same_measure, says_the_same
        from assistant.sentences import trailing_marker

        owners, primary = self._sentence_owners
        found: list[tuple[int, int, int] | None] = [None] * len(quotes)
        wanted: list[tuple[int, str, np.ndarray]] = []  # (index in quotes, sentence, its vector)
        for n, (row, quote) in enumerate(quotes):
            chunk = self.chunks[row]
            text = self.texts[chunk.doc_id]
            at = [i for i, (s, e) in enumerate(chunk.sentences) if quote.strip() in text[s:e]]
            if at:
                start, end = chunk.sentences[at[0]]
                sentence = text[start:end]
                if self.sources[chunk.doc_id].has_markers:  # "... two studies 2, 3." states no 2 or 3
                    sentence = sentence[: trailing_marker(sentence)]
                wanted.append((n, sentence, self.sentence_matrix(row)[at[0]]))
        if not wanted or not primary.any():
            return found
        scores = np.asarray(self.sentence_vectors @ np.stack([v for _, _, v in wanted]).T, dtype=np.float32)
        scores[~primary] = -np.inf
        k = min(MEASURE_CANDIDATES, int(primary.sum()))
        for column, (n, sentence, _) in enumerate(wanted):
            column_scores = scores[:, column]
            nearest = np.argpartition(-column_scores, k - 1)[:k]
            measure: tuple[int, int, int] | None = None
            for rank, i in enumerate(sorted(nearest, key=lambda i: -column_scores[i])):
                other_row = int(owners[i])
                other = self.chunks[other_row]
                o_start, o_end = other.sentences[int(i) - self.sentence_rows[other_row]]
                said = self.texts[other.doc_id][o_start:o_end]
                similarity = float(column_scores[i])
                if rank < RESTATEMENT_CANDIDATES and (
                    says_the_same(said, sentence, similarity)
                    or restates(said, sentence, similarity, overlap=1.0)
                ):
                    found[n] = (other_row, o_start, o_end)
                    break
                if n in measures and measure is None and same_measure(said, sentence, similarity):
                    measure = (other_row, o_start, o_end)
            found[n] = found[n] or measure
        return found

    def lexical(self, query: str, k: int, telling: bool = False) -> list[int]:
        """Rows of the ``k`` best chunks by BM25 (with ``telling``, by the query's words
        that most chunks do not contain)."""
        rows, _ = self.bm25.search(query, k, telling)
        return [int(r) for r in rows]

    def passage(self, row: int, score: float = 0.0, ranks: dict[str, int] | None = None) -> Passage:
        """The chunk at ``row`` with its source metadata."""
        chunk = self.chunks[row]
        return Passage(
            chunk_id=chunk.id,
            row=row,
            source=self.sources[chunk.doc_id],
            section=chunk.section,
            start=chunk.start,
            end=chunk.end,
            text=chunk.text,
            sentences=chunk.sentences,
            score=score,
            ranks=ranks or {},
        )

    def sentence_matrix(self, row: int) -> np.ndarray:
        """Precomputed vectors of the sentences of the chunk at ``row``."""
        first = self.sentence_rows[row]
        return self.sentence_vectors[first : first + len(self.chunks[row].sentences)]

    def index_info(self) -> dict[str, str]:
        """What the answer JSON reports about the index."""
        m = self.manifest
        return {"model": m["model"], "corpus_sha256": m["corpus_sha256"], "built_at": m["built_at"]}


def nearest_rows(matrix: np.ndarray, vector: np.ndarray, k: int) -> list[int]:
    """Rows of the ``k`` largest dot products with ``vector``, best first (ties: lower row).

    ``argpartition`` finds the top k in linear time; only those k are sorted.
    """
    scores = np.asarray(matrix @ vector, dtype=np.float32)
    k = min(k, len(scores))
    if k == 0:
        return []
    top = np.argpartition(-scores, k - 1)[:k]
    return [int(r) for r in sorted(top, key=lambda r: (-scores[r], r))]
