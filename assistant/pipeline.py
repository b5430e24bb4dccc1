"""The answering pipeline: question -> retrieve -> answer -> check -> Answer.

``Assistant.ask`` runs the three steps directly; ``Assistant.chain`` (and
``build_chain``) is the same three steps as a LangChain ``Runnable``, so ``invoke``,
``batch``, ``stream`` and callbacks work as LangChain users expect. LangChain is imported
only when the chain is first used: it would cost a cold ``citewise ask`` 1.5 s.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from assistant.answer import REFUSAL, Answer, Claim, Draft, DroppedClaim, unanswered_parts
from assistant.answerers import Features, get_answerer
from assistant.answerers.extractive import clean_span
from assistant.audit import write_audit_line
from assistant.citations import CheckedClaim, check_claims, normalise, number_sources, to_citations
from assistant.facets import kind_of
from assistant.knowledge import KnowledgeBase
from assistant.passages import Passage
from assistant.premise import premise_queries, split_premise
from assistant.questions import (
    asked_type,
    is_yes_no,
    provides,
    resolve_parts,
    spell_out_units,
    split_question,
    statement_from_quote,
)
from assistant.render import render_markdown
from assistant.retrieval import make_retriever
from assistant.sentences import draws_conclusions, section_weight, states_certainty
from assistant.statements import unsupported_reason
from assistant.topics import disease_names
from ingest import InvalidQuestionError, Settings

if TYPE_CHECKING:
    from langchain_core.runnables import Runnable, RunnableConfig

logger = logging.getLogger(__name__)

# Least cosine between a rewritten statement and its quote (all-MiniLM-L6-v2). Chosen on
# the tune items of tests/data/statement_check.yaml by bench/llm_statements.py: 0.05 below
# the least similar faithful paraphrase (0.708), rounded down; off-topic statements that
# evade the rules score 0.13-0.53 there.
MIN_STATEMENT_SIMILARITY = 0.65
# A question asking for a value also searches the rest of this many of its best documents.
VALUE_DOCUMENTS = 3
# A synthesis question also gets the findings of this many of its best documents. Chosen
# on tune with FACET_QUESTION_WEIGHT (fact recall / claim precision): none 0.800 / 0.811;
# 2 0.814 / 0.814; 3 0.821 / 0.814; 4 0.821 / 0.818; 6 (without the weight) 0.807 / 0.812.
FINDINGS_DOCUMENTS = 4
# Added to a question whether to treat, as one more query: the answer carries how certain
# the evidence is, which a systematic review states in words the question seldom uses.
CERTAINTY_QUERY = "certainty of the evidence"
# The chunks the question's rarer words find by BM25 (``KnowledgeBase.lexical`` with
# ``telling``), added after retrieval: a rare word ("screen") beside the name of the
# corpus's subject, which most chunks repeat, is outranked by the chunks repeating it.
# Four, not two: "Is tremor common ...?" finds two AI-written chunks and a news summary
# (by "common" as much as "tremor") before the cohort's tremor figure.
RARE_WORD_CHUNKS = 4
# What a part asks for when a share of a group answers it ("how common", "how many").
_SHARE_KINDS = frozenset({"proportion", "number"})


def validate_question(question: Any, max_chars: int) -> str:
    """The question stripped, or an InvalidQuestionError saying what is wrong."""
    if not isinstance(question, str):
        raise InvalidQuestionError(f"the question must be text, got {type(question).__name__}")
    if not question.strip():
        raise InvalidQuestionError(
            "the question is empty; ask something, e.g. 'Does rituximab help anti-MAG neuropathy?'"
        )
    question = question.strip()
    if len(question) > max_chars:
        raise InvalidQuestionError(
            f"the question is {len(question):,} characters long; the limit is {max_chars:,}"
        )
    return question


class Assistant:
    """Loads the index and answerer once; answers questions in three steps (retrieve,
    answer, check), which ``chain`` offers as one LangChain Runnable."""

    def __init__(
        self,
        settings: Settings,
        kb: KnowledgeBase | None = None,
        retriever: Any = None,
        features: Features | None = None,
    ) -> None:
        self.settings = settings
        self.kb = kb or KnowledgeBase(settings)
        self.features = features or Features()
        self.answerer = get_answerer(settings, self.kb, self.features)
        self.retriever = retriever or make_retriever(
            self.kb, settings.retriever, settings.top_k, settings.candidates, settings.rrf_k
        )

    @cached_property
    def chain(self) -> Runnable:
        """The pipeline as a LangChain Runnable: ``chain.invoke("question") -> Answer``."""
        from assistant.langchain_api import pipeline_runnable

        return pipeline_runnable(self)

    def ask(
        self, question: str, *, id: str | None = None, on_token: Callable[[str], None] | None = None
    ) -> Answer:
        """Answer one question."""
        state = self.retrieve_step({"question": question, "id": id, "on_token": on_token})
        return self.check_step(self.answer_step(state))

    def retrieve_step(
        self, inputs: dict[str, Any] | str, config: RunnableConfig | None = None
    ) -> dict[str, Any]:
        """Step 1: validate the question and retrieve its passages."""
        state: dict[str, Any] = {"question": inputs} if isinstance(inputs, str) else dict(inputs)
        state["question"] = validate_question(state.get("question"), self.settings.max_question_chars)
        state["t0"] = time.perf_counter()
        state["searched"] = spell_out_units(state["question"])  # "at 10y" -> "at 10 years"
        state["passages"] = self.retrieve(state["searched"], config)
        state["t_retrieve"] = time.perf_counter()
        return state

    def retrieve(self, question: str, config: RunnableConfig | None = None) -> list[Passage]:
        """The retrieved passages for ``question``; a compound question also gets each
        part's own best passages, so that no part is answered from another's, a question
        with a premise those about the premise, a yes-or-no question its best document's
        conclusions, and a synthesis question those of each facet it asks about
        (``assistant.facets``) and its best documents' findings."""
        premise, core = split_premise(question) if self.features.premise_check else (None, question)
        written = split_question(core)
        parts = resolve_parts(written, self.kb.named_terms)
        queries = [question, *(parts if len(parts) > 1 else [])]
        if premise:  # the premise check needs the passages about the premise itself
            queries += premise_queries(premise, disease_names(premise, self.kb.abbreviations))
        queries += [f.query for f in self.kb.facets(question)]
        seen: dict[str, Passage] = {}
        for query in queries:
            for passage in self._search(query, config):
                seen.setdefault(passage.chunk_id, passage)
        if is_yes_no(core):  # a verdict asked for: its best document's own verdict
            for passage in self._conclusions(list(seen.values())[:1]):
                seen.setdefault(passage.chunk_id, passage)
        if self.kb.asks_whether_to_treat(core):  # how certain the evidence is, wherever it is said
            for passage in self._search(f"{core} {CERTAINTY_QUERY}", config):
                if any(states_certainty(t) for t in passage.sentence_texts()):
                    seen.setdefault(passage.chunk_id, passage)
        for part in written:  # a value asked for: the top documents' chunks that state one
            for passage in self._values(part, list(seen.values())):
                seen.setdefault(passage.chunk_id, passage)
        if kind_of(question):  # a synthesis question: what its best studies found
            for passage in self._findings(list(seen.values())):
                seen.setdefault(passage.chunk_id, passage)
        for passage in self._rare_words(core):
            seen.setdefault(passage.chunk_id, passage)
        return list(seen.values())

    def _rare_words(self, question: str) -> list[Passage]:
        """The ``RARE_WORD_CHUNKS`` best chunks by BM25 over the question's words that most
        chunks do not contain, marked ``added`` (a lexical retriever's fallback: none for
        the dense and plain-LangChain retrievers)."""
        if self.settings.retriever not in ("hybrid", "bm25"):
            return []
        rows = self.kb.lexical(self.kb.synonyms.expand(question), RARE_WORD_CHUNKS, telling=True)
        return [replace(self.kb.passage(row), added=True) for row in rows]

    def _values(self, part: str, passages: list[Passage]) -> list[Passage]:
        """For a part asking for a dose, duration or number that no retrieved sentence
        states, the other chunks of the best ``VALUE_DOCUMENTS`` retrieved documents that
        state that kind of value. A study's dose sits in its Methods, which a question about
        the drug seldom retrieves; a fallback only, since Methods sentences full of numbers
        (a cohort's size) would otherwise crowd out the retrieved answer."""
        asked = asked_type(part)
        if asked is None or any(provides(t, asked) for p in passages for t in p.sentence_texts()):
            return []
        documents = list(dict.fromkeys(p.source.id for p in passages))[:VALUE_DOCUMENTS]
        return [p for p in self._chunks(documents) if any(provides(t, asked) for t in p.sentence_texts())]

    def _findings(self, passages: list[Passage]) -> list[Passage]:
        """The results, findings and conclusions chunks of the best ``FINDINGS_DOCUMENTS``
        retrieved documents. A synthesis question ("what are the benefits and risks?")
        often retrieves a study's conclusions, whose figures sit in its Findings."""
        documents = list(dict.fromkeys(p.source.id for p in passages))[:FINDINGS_DOCUMENTS]
        return [p for p in self._chunks(documents) if section_weight(p.section) > 0]

    def _conclusions(self, best: list[Passage]) -> list[Passage]:
        """The chunks where the ``best`` passages' documents draw their conclusions."""
        documents = list(dict.fromkeys(p.source.id for p in best))
        return [p for p in self._chunks(documents) if draws_conclusions(p.section)]

    def _chunks(self, documents: list[str]) -> Iterator[Passage]:
        """Every chunk of each of ``documents`` (source ids), in order."""
        return (self.kb.passage(row) for doc_id in documents for row in self.kb.generation.rows_of(doc_id))

    def _search(self, query: str, config: RunnableConfig | None) -> list[Passage]:
        """One query's passages: straight from a citewise retriever (``retrieve``) when
        answering, through its LangChain view inside the chain (``config``), so that
        callbacks and tracing see the retriever run."""
        if config is None and hasattr(self.retriever, "retrieve"):
            passages: list[Passage] = self.retriever.retrieve(query)
            return passages
        documents = self._langchain_retriever.invoke(query, config)
        return [self.kb.passage(d.metadata["row"], d.metadata.get("score", 0.0)) for d in documents]

    @cached_property
    def _langchain_retriever(self) -> Any:
        retriever = self.retriever
        return retriever.as_langchain() if hasattr(retriever, "as_langchain") else retriever

    def answer_step(self, state: dict[str, Any]) -> dict[str, Any]:
        """Step 2: the answerer's draft, or a refusal when the question is off-topic."""
        question = state["searched"]
        reason = self._outside_the_corpus(question) if self.features.topic_check else None
        if reason:
            state["draft"] = Draft(refusal_reason=f"{REFUSAL} {reason}")
        else:
            state["draft"] = self.answerer.answer(question, state["passages"], on_token=state.get("on_token"))
        state["t_answer"] = time.perf_counter()
        return state

    def _outside_the_corpus(self, question: str) -> str | None:
        """Why the corpus cannot answer ``question`` whatever it retrieves: a condition no
        source is about, or a drug or coded name no source mentions (None when neither)."""
        outside = self.kb.off_topic(question)
        absent = () if outside else self.kb.unmentioned_names(question)
        if not (outside or absent):
            return None
        named = " or ".join(f"“{c}”" for c in outside or absent)
        return f"None of the sources {'is about' if outside else 'mentions'} {named}."

    def check_step(self, state: dict[str, Any]) -> Answer:
        """Step 3: check every claim's quote and statement, number the sources, render."""
        draft, passages = state["draft"], state["passages"]
        if self.features.evidence_order:
            draft, passages = self._prefer_primary(draft, passages, state.get("searched", state["question"]))
        checked, dropped = check_claims(draft.claims, passages)
        checked, unsupported = self._check_statements(checked)
        dropped = [*draft.dropped, *dropped, *unsupported]
        for claim, reason in dropped:
            logger.warning("dropped a claim (%s): %.80s", reason, claim.statement)
        ordered, numbers = number_sources(checked, by_evidence=self.features.evidence_order)
        citations = to_citations(ordered, numbers)
        reason = draft.refusal_reason
        if not citations and reason is None:
            reason = REFUSAL + (" No claim survived the citation check." if dropped else "")
        end = time.perf_counter()
        answer = Answer(
            id=state.get("id"),
            question=state["question"],
            answer="",
            lead=[i for i, c in enumerate(citations, start=1) if c.role == "lead"],
            premise=draft.premise if citations else None,
            parts=list(draft.parts),
            unanswered=unanswered_parts(draft, citations),
            refused=not citations,
            refusal_reason=reason if not citations else None,
            scope=self.kb.topics.describe() if not citations else None,
            warnings=self.kb.warnings(),
            citations=citations,
            retrieved=[p.chunk_id for p in passages],
            dropped_claims=len(dropped),
            dropped=[DroppedClaim(statement=c.statement, reason=r) for c, r in dropped],
            answerer=self.answerer.name,
            timings_ms={
                "retrieve": round((state["t_retrieve"] - state["t0"]) * 1000, 2),
                "answer": round((end - state["t_retrieve"]) * 1000, 2),
                "total": round((end - state["t0"]) * 1000, 2),
            },
            index=self.kb.index_info(),
        )
        answer = answer.model_copy(update={"answer": render_markdown(answer)})
        if self.settings.audit_log:
            write_audit_line(self.settings.audit_log, answer)
        return answer

    def _prefer_primary(
        self, draft: Draft, passages: list[Passage], question: str = ""
    ) -> tuple[Draft, list[Passage]]:
        """The draft with each claim quoting a secondary source replaced by the primary
        sentence that says the same, wherever in the corpus it is
        (``KnowledgeBase.primary_restatements``), and the passages with that sentence's chunk.

        A secondary source is quoted only for what no primary source states; the
        answerer can prefer a primary sentence only among those it retrieved. Already
        quoted, the primary sentence is not quoted twice: it takes over the secondary
        claim's place in the bottom line."""
        by_id = {p.chunk_id: p for p in passages}
        quoted = {normalise(c.quote): i for i, c in enumerate(draft.claims)}
        claims: list[Claim | None] = list(draft.claims)
        added: dict[str, Passage] = {}
        secondary = [
            (i, by_id[c.chunk_id].row, c.quote)
            for i, c in enumerate(draft.claims)
            if c.chunk_id in by_id and by_id[c.chunk_id].source.is_secondary
        ]
        # The bottom line of a part asking how many or how common may take a primary source's
        # share of the same thing for a secondary one's; evidence is quoted for what else it
        # says too ("... with a DADS phenotype"), and "What is X?" is not asking for a share.
        parts = draft.parts or (split_premise(question)[1],)
        leads = frozenset(
            k
            for k, (i, _, _) in enumerate(secondary)
            if draft.claims[i].role == "lead"
            and asked_type(parts[min(draft.claims[i].part, len(parts) - 1)]) in _SHARE_KINDS
        )
        restated = self.kb.primary_restatements([(row, quote) for _, row, quote in secondary], leads)
        for (i, _, _), found in zip(secondary, restated, strict=True):
            if found is None:
                continue
            claim = draft.claims[i]
            row, start, end = found
            primary = self.kb.passage(row)
            text = self.kb.texts[primary.source.id]
            start, end = clean_span(text, start, end, strip_markers=primary.source.has_markers)
            quote = text[start:end]
            statement = statement_from_quote(quote, strip_markers=primary.source.has_markers)
            before = quoted.get(normalise(quote))
            if before is None:
                claims[i] = Claim(statement, quote, primary.chunk_id, role=claim.role, part=claim.part)
                quoted[normalise(quote)] = i
                added.setdefault(primary.chunk_id, primary)
                continue
            claims[i] = None
            earlier = claims[before]
            if earlier is not None and claim.role == "lead" and earlier.role == "evidence":
                claims[before] = replace(earlier, role="lead", part=claim.part)
        if not added and all(c is not None for c in claims):
            return draft, passages
        kept = tuple(c for c in claims if c is not None)
        return replace(draft, claims=kept), [*passages, *(p for k, p in added.items() if k not in by_id)]

    def _check_statements(
        self, checked: list[CheckedClaim]
    ) -> tuple[list[CheckedClaim], list[tuple[Claim, str]]]:
        """Drop claims whose statement says more than their quote (``assistant.statements``).

        A statement that is its quote, as the extractive answerer writes them (bullets,
        and a seed source's own reference markers, removed), passes without embedding
        anything.
        """
        kept: list[CheckedClaim] = []
        dropped: list[tuple[Claim, str]] = []
        for item in checked:
            statement = item.claim.statement
            markers = item.passage.source.has_markers  # as the extractive answerer strips them
            if normalise(statement_from_quote(item.quote, strip_markers=markers)) == normalise(statement):
                kept.append(item)
                continue
            similarity = float(self.kb.embed(statement) @ self.kb.embed(item.quote))
            reason = unsupported_reason(
                statement,
                [item.quote],
                terms=self.kb.vocabulary,
                similarity=similarity,
                min_similarity=MIN_STATEMENT_SIMILARITY,
            )
            if reason is None:
                kept.append(item)
            else:
                dropped.append((item.claim, f"not supported by its source: {reason}"))
        return kept, dropped


def build_chain(settings: Settings, kb: KnowledgeBase | None = None) -> Runnable:
    """The whole pipeline as a LangChain Runnable: ``chain.invoke("question") -> Answer``."""
    return Assistant(settings, kb).chain
