"""The statement check: a claim's statement must say no more than its quotes. Pure functions.

The citation check proves a quote is in its source; this proves the words shown beside
it do not go beyond it. A statement is unsupported when it

- carries a number (digits, a number word or a class/grade numeral) or unit that none of
  its quotes carries;
- is negated where its quotes are not, or the other way round ("did not improve" ->
  "improved");
- turns an effect around without a negation word ("fell" -> "rose", "benign" -> "severe");
- names a term of the corpus vocabulary (a drug, test or condition), or a word that
  looks like a drug name, that no quote names;
- widens its quotes: a scope word they lack ("all", "most", "proven", "lasting"), or
  their hedge dropped ("may", "only some", "suggested", "possibly", "low certainty");
- is much longer than its quotes, or too far from them in meaning (cosine below a
  threshold the caller passes).

Each rule returns the reason in words a clinician can read, or None. The rules and the
threshold are measured on tests/data/statement_check.yaml (bench/llm_statements.py).
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
    "thirteen": "13",
    "fourteen": "14",
    "fifteen": "15",
    "twenty": "20",
    "thirty": "30",
    "fifty": "50",
    "hundred": "100",
    "thousand": "1000",
    "twice": "2",
    "double": "2",
    "doubled": "2",
}
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# Fractions are approximate: "about a third" restates 31.5%, not 50%.
_FRACTIONS = {"half": (45.0, 55.0), "halves": (45.0, 55.0), "third": (30.0, 37.0), "quarter": (20.0, 30.0)}
# "Class I" and "class 1" are the same evidence class; "Class III" is another.
_NUMERAL = re.compile(r"\b(?:class|grade|level|stage|phase|type)\s+(I{1,3}|IV|V|VI{0,3}|\d+)\b", re.I)
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7", "viii": "8"}
_UNIT = re.compile(
    r"%|\b(?:mg|g|kg|µg|mcg|ml|mL|m²|m2|IU|BTU|mmol|µmol|mm|cm|metres?|meters?|seconds?|minutes?|hours?|days?|weeks?|"
    r"months?|years?)\b"
)
_NEGATION = re.compile(
    r"\b(?:not|no|never|none|neither|nor|without|cannot|can't|didn't|doesn't|don't|isn't|wasn't|weren't|"
    r"aren't|fail(?:s|ed)?|lack(?:s|ed|ing)?|unproven|ineffective|absent|negative|nonsignificant|"
    r"non-significant|insignificant|missed)\b",
    re.I,
)
# Opposite directions of an effect, each side as word stems ("fell" and "fallen" -> "fell", "fallen").
_DIRECTIONS: tuple[tuple[frozenset[str], frozenset[str]], ...] = tuple(
    (frozenset(stems(a)), frozenset(stems(b)))
    for a, b in (
        (
            "increase increased rise rose risen higher more greater raised gain",
            "decrease decreased fall fell fallen lower fewer less reduced loss lowered shortened",
        ),
        (
            "improve improved improvement better best benefit benefited",
            "worsen worsened worsening worse worst harm deteriorated",
        ),
        ("benign mild slow slowly", "severe aggressive rapid rapidly"),
        ("safe harmless", "risk risky dangerous harmful"),
        ("transient temporary short-term short-lived", "permanent lasting long-term durable sustained"),
    )
)
# Words that widen a finding; a statement may use one only when its quotes do.
_SCOPE = frozenset(
    stems(
        "all every always most majority proven prove proves proved proof certain certainly definite "
        "definitely lasting permanent cure cures cured guarantee guaranteed established high-certainty "
        "caused universal invariably"
    )
)
# Words that qualify a finding; when the quotes carry one, the statement must keep one.
_HEDGES = frozenset(
    stems(
        "may might could possibly possible probably likely suggest suggests suggested suggesting some "
        "only partial limited uncertain uncertainty transient short-term short-lived "
        "modest trend appear appears appeared certainty low-certainty rarely seldom occasionally sometimes "
        "usually often per-protocol subgroup post-hoc secondary"
    )
)
# Drug-name endings (INN stems: monoclonal antibodies, alkylators, steroids, interferons)
# and test or procedure endings (biopsy, electromyography, endoscopy, densitometry).
_DRUG_LIKE = re.compile(
    r"\b[a-z]{2,}(?:mab|phamide|amide|isone|isolone|olone|ucil|feron|platin|tinib|mus|opsy|graphy|scopy|metry)\b",
    re.I,
)
# A proportion: "31.5%" or "4 of 13".
_PROPORTION = re.compile(r"(\d+(?:\.\d+)?)\s*%|\b(\d+) of (?:the )?\d+\b")
# A restatement may reorder and trim; one much longer than its quotes is adding.
MAX_LENGTH_RATIO = 1.5
LENGTH_SLACK_WORDS = 6


def numbers_in(text: str) -> set[str]:
    """Numbers in ``text``: digits, number words ("four" -> "4", "half" -> "50") and class
    numerals ("Class III" -> "3"), without thousands commas."""
    found = {n.replace(",", "") for n in _NUMBER.findall(text)}
    for word in re.findall(r"[a-z]+", text.lower()):
        if word in _NUMBER_WORDS:
            found.add(_NUMBER_WORDS[word])
    for numeral in _NUMERAL.findall(text):
        found.add(_ROMAN.get(numeral.lower(), numeral))
    return found


def units_in(text: str) -> set[str]:
    """Units of measure in ``text`` (singular, lower-cased; "meter" as "metre")."""
    return {u.lower().rstrip("s").replace("meter", "metre") for u in _UNIT.findall(text)}


def is_negated(text: str) -> bool:
    """True when ``text`` contains a negation cue."""
    return _NEGATION.search(text) is not None


_CLAUSE = re.compile(r"[,;:()]|\b(?:but|although|though|while|whereas|which|and)\b", re.I)
_FILLER = frozenset(
    stems("a an the of in on at to for by with was were is are be been this that it its their")
)


def flipped_negation(statement: str, quoted: str) -> bool:
    """True when ``statement`` adds a negation its quotes lack, or keeps a negated clause of
    the quotes without its negation ("was not significant" -> "was significant"). Leaving a
    negated clause out altogether is not a flip."""
    if is_negated(statement):
        return not is_negated(quoted)
    said = set(stems(statement.replace("-", " ")))
    for clause in _CLAUSE.split(quoted):
        if not is_negated(clause):
            continue
        content = set(stems(_NEGATION.sub(" ", clause).replace("-", " "))) - _FILLER
        if content and len(content & said) >= max(1, len(content) / 2):
            return True
    return False


def term_stems(text: str, terms: Iterable[str]) -> set[tuple[str, ...]]:
    """The vocabulary ``terms`` that occur in ``text``, each as its stems (hyphens count as
    spaces: "rituximab-treated" names rituximab)."""
    present = " ".join(stems(text.replace("-", " ")))
    found = set()
    for term in terms:
        key = stems(term.replace("-", " "))
        if key and re.search(rf"(?<![\w-]){re.escape(' '.join(key))}(?![\w-])", present):
            found.add(key)
    return found


def drug_like(text: str) -> set[str]:
    """Words of ``text`` that end like a drug name ("rituximab", "cyclophosphamide"), lower-cased."""
    return {w.lower() for w in _DRUG_LIKE.findall(text)}


def reversed_direction(statement: str, quoted: str) -> str | None:
    """The direction word of ``statement`` whose opposite, and not itself, is in ``quoted``."""
    said, source = set(stems(statement)), set(stems(quoted))
    for left, right in _DIRECTIONS:
        for mine, other in ((left, right), (right, left)):
            if said & mine and source & other and not source & mine:
                return sorted(said & mine)[0]
    return None


def widening(statement: str, quoted: str) -> str | None:
    """Why ``statement`` widens ``quoted``: a scope word the quote lacks, or its hedge dropped."""
    said, source = set(stems(statement)), set(stems(quoted))
    extra = sorted((said & _SCOPE) - source)
    if extra:
        return f"says '{extra[0]}', which its source does not"
    if source & _HEDGES and not said & _HEDGES:
        return f"drops its source's qualification ('{sorted(source & _HEDGES)[0]}')"
    return None


def _numbers_reason(statement: str, quoted: str) -> str | None:
    extra = sorted(numbers_in(statement) - numbers_in(quoted))
    if extra:
        return f"states {', '.join(extra)}, which its source does not"
    proportions = {a or b for a, b in _PROPORTION.findall(quoted)}
    if (
        proportions
        and not numbers_in(statement) & proportions
        and not _FRACTIONS.keys() & set(statement.lower().split())
    ):
        return f"leaves out how many ({', '.join(sorted(proportions))} in its source), which generalises it"
    values = [float(n) for n in numbers_in(quoted) if n.replace(".", "", 1).isdigit()]
    for word in set(re.findall(r"[a-z]+", statement.lower())) & _FRACTIONS.keys():
        low, high = _FRACTIONS[word]
        if word not in quoted.lower() and not any(low <= v <= high for v in values):
            return f"says '{word}', which its source's figures do not"
    extra_units = sorted(units_in(statement) - units_in(quoted))
    if extra_units:
        return f"states a value in {', '.join(extra_units)} that its source does not give"
    return None


def _terms_reason(statement: str, quoted: str, vocabulary: list[str]) -> str | None:
    missing = {" ".join(m) for m in term_stems(statement, vocabulary) - term_stems(quoted, vocabulary)}
    missing |= (
        drug_like(statement) - drug_like(quoted) - {w for w in drug_like(statement) if w in quoted.lower()}
    )
    if missing:
        return f"names {', '.join(sorted(missing))}, which its source does not mention"
    return None


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
    reason = _numbers_reason(statement, quoted)
    if reason:
        return reason
    if flipped_negation(statement, quoted):
        return "reverses the sense of its source (a negation added or removed)"
    turned = reversed_direction(statement, quoted)
    if turned:
        return f"reverses the direction of its source ('{turned}')"
    reason = _terms_reason(statement, quoted, list(terms)) or widening(statement, quoted)
    if reason:
        return reason
    words, source_words = len(statement.split()), len(quoted.split())
    if words > MAX_LENGTH_RATIO * source_words + LENGTH_SLACK_WORDS:
        return f"is longer than its source ({words} words against {source_words})"
    if similarity is not None and similarity < min_similarity:
        return f"is not close enough to its source (similarity {similarity:.2f} < {min_similarity:.2f})"
    return None
