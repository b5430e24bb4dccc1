"""Eval metrics: pure functions over plain data (text, ids, numbers).

Definitions, as reported by ``citewise eval``:

- **fact recall**: of the required facts of the answerable cases, the fraction whose
  pattern (any of its regex alternatives, case-insensitive) occurs in the graded text
  (the answer's statements and quotes, not its reference list). A refused answerable
  case scores 0 for each of its facts.
- **forbidden rate**: the fraction of cases whose graded text matches any of their
  forbidden patterns.
- **citation validity**: of the ``[n]`` markers in the answer body, the fraction that
  resolve to a citation and to an entry ``**[n]**`` in the Sources list. An answer that
  is not refused but carries no marker counts as one unresolved marker.
- **quote faithfulness**: of the citation quotes, the fraction that occur verbatim
  (Unicode- and whitespace-normalised) in the text of the document they cite.
  **offset exactness**: the fraction whose ``text[start:end]`` equals the quote exactly.
- **expected-source hit rate**: of the answerable cases, the fraction whose answer cites
  at least one of the expected sources (a refusal cites none).
- **recall@k** and **MRR**: ranks are taken over the *documents* of the retrieved
  chunks, in order of first appearance (``chunk_id.split('#')[0]``). Expected sources
  are any-of alternatives, so recall@k is the fraction of cases with at least one
  expected document among the first k documents (success@k), and MRR the mean of
  1 / rank of the first expected document (0 when none was retrieved).
- **refusal precision / recall**: precision is the fraction of refusals that were
  expected; recall the fraction of expected refusals that happened. With an empty
  denominator the value is 1.0 (nothing was wrongly refused, or nothing to refuse).
- **lead accuracy**: of the answerable cases, the fraction whose bottom line (the
  premise-check and lead claims: statements and quotes) states every ``lead`` fact of the
  case. A refusal, or an answer without a bottom line, scores 0. On the false-premise
  cases alone this is the **premise correction** rate.
- **claim precision**: per answered, answerable case, the fraction of its claims that are
  on topic (statement or quote matches a ``topic`` pattern or a fact alternative of the
  case), averaged over cases.
- **budget compliance**: of the answered cases, the fraction within their category's
  length budget (most claims, most words of statements; ``budgets`` in the gate file).
- **statement faithfulness**: of the claims shown, the fraction whose statement says no
  more than its quote (``assistant.statements``: numbers, units, negation, vocabulary terms).
- **neighbouring refusal**: the fraction of neighbouring-disease cases refused; **in-scope
  refusal**: the fraction of answerable cases refused (wrong refusals).
- **latency p50 / p95**: percentiles with linear interpolation between order statistics.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence

SOURCES_HEADING = "### Sources"
# "[3]" and also "[ 3 ]", so reference markers left over from a source's own
# bibliography are caught as markers that do not resolve.
_MARKER = re.compile(r"\[\s*(\d{1,3})\s*\]")
_LISTED = re.compile(r"^\*\*\[(\d{1,3})\]\*\*", re.MULTILINE)


def split_answer(markdown: str) -> tuple[str, str]:
    """The answer body (statements) and the Sources part of a rendered answer."""
    head, sep, tail = markdown.partition(SOURCES_HEADING)
    return head, sep + tail


def graded_text(statements: Iterable[str], quotes: Iterable[str]) -> str:
    """What facts and forbidden claims are matched against: the statements and the quotes.

    Headings, the restated premise ("The question assumes: ...") and the reference lines
    (titles, journals, identifiers) are left out, so a fact cannot be credited, nor a
    premise held against the answer, because of text the answer does not assert.
    """
    return "\n".join([*statements, *quotes])


def missing_facts(text: str, facts: Sequence[Sequence[str]]) -> list[list[str]]:
    """The facts none of whose alternatives occurs in ``text`` (case-insensitive)."""
    return [list(alts) for alts in facts if not any(re.search(p, text, re.IGNORECASE) for p in alts)]


def matches_any(text: str, patterns: Iterable[str]) -> bool:
    """True when any pattern occurs in ``text`` (case-insensitive)."""
    return any(re.search(p, text, re.IGNORECASE) for p in patterns)


def word_count(texts: Iterable[str]) -> int:
    """Words (whitespace-separated) in ``texts`` together."""
    return sum(len(t.split()) for t in texts)


def fact_recall(found: int, total: int) -> float:
    """Facts found over facts required; 1.0 when nothing was required."""
    return 1.0 if total == 0 else found / total


def forbidden_hits(text: str, patterns: Iterable[str]) -> list[str]:
    """The forbidden patterns that occur in ``text`` (case-insensitive)."""
    return [p for p in patterns if re.search(p, text, re.IGNORECASE)]


def markers(body: str) -> list[int]:
    """The citation numbers ``[n]`` used in an answer body, in order, with repeats."""
    return [int(m.group(1)) for m in _MARKER.finditer(body)]


def unresolved_markers(markdown: str, citation_numbers: Iterable[int], *, refused: bool) -> list[int]:
    """Markers of the body that resolve to no citation or to no Sources entry.

    An answer that is not refused but has no marker at all yields ``[0]``: an uncited
    answer is never valid.
    """
    body, sources = split_answer(markdown)
    used = markers(body)
    if not used:
        return [] if refused else [0]
    known = set(citation_numbers) & {int(n) for n in _LISTED.findall(sources)}
    return [n for n in used if n not in known]


def normalise_space(text: str) -> str:
    """NFC-normalise and collapse runs of whitespace to one space (case is kept)."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def quote_in_document(quote: str, document: str) -> bool:
    """True when the (whitespace-normalised) quote occurs verbatim in the document."""
    needle = normalise_space(quote)
    return bool(needle) and needle in normalise_space(document)


def quote_at_offsets(quote: str, document: str, start: int, end: int) -> bool:
    """True when ``document[start:end]`` is exactly the quote."""
    return 0 <= start < end <= len(document) and document[start:end] == quote


def rate(hits: int, total: int) -> float:
    """``hits / total``, or 1.0 when there is nothing to count."""
    return 1.0 if total == 0 else hits / total


def ranked_documents(chunk_ids: Iterable[str]) -> list[str]:
    """Document ids of retrieved chunks, in order of first appearance."""
    return list(dict.fromkeys(c.split("#")[0] for c in chunk_ids))


def first_hit_rank(documents: Sequence[str], expected: Iterable[str]) -> int | None:
    """1-based rank of the first expected document, or None."""
    wanted = set(expected)
    return next((i for i, doc in enumerate(documents, start=1) if doc in wanted), None)


def recall_at_k(ranks: Sequence[int | None], k: int) -> float:
    """Fraction of cases whose first expected document ranks within ``k``."""
    return rate(sum(1 for r in ranks if r is not None and r <= k), len(ranks))


def mean_reciprocal_rank(ranks: Sequence[int | None]) -> float:
    """Mean of 1/rank over cases (0 for a case with no expected document retrieved)."""
    return 0.0 if not ranks else sum(1.0 / r for r in ranks if r) / len(ranks)


def refusal_scores(expected: Sequence[bool], refused: Sequence[bool]) -> tuple[float, float]:
    """Refusal precision and recall (1.0 for an empty denominator).

    Raises:
        ValueError: the two sequences differ in length.
    """
    if len(expected) != len(refused):
        raise ValueError(f"{len(expected)} expectations but {len(refused)} outcomes")
    true_pos = sum(1 for e, r in zip(expected, refused, strict=True) if e and r)
    return rate(true_pos, sum(refused)), rate(true_pos, sum(expected))


def refusal_accuracy(expected: Sequence[bool], refused: Sequence[bool]) -> float:
    """Fraction of cases where refusing matched the expectation."""
    return rate(sum(1 for e, r in zip(expected, refused, strict=True) if e == r), len(expected))


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100), linear between order statistics (numpy's default).

    E.g. for [10, 20, 30, 40] the 50th percentile sits at index 0.5 * 3 = 1.5, halfway
    between 20 and 30: 25.

    Raises:
        ValueError: no values, or ``q`` outside 0-100.
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0-100, got {q}")
    ordered = sorted(values)
    position = q / 100 * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
