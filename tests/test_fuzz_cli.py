"""Fuzzing the real CLI: random front matter, random ``--jsonl`` lines, random question bytes.

Whatever the input, ``citewise`` exits 0 or 2, never 1 (an unexpected error, a bug),
and afterwards the index still answers. Commands run in-process (CliRunner) on a real
index of the test corpus, with the real model loaded once; a question argument is made
from random bytes the way the OS decodes argv (``os.fsdecode``).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.cli import main
from ingest import Embedder, Settings, build_index
from tests.conftest import SMALL_CORPUS

FIELDS = ["id", "kind", "title", "authors", "year", "journal", "pmid", "doi", "url", "study_type", "markers"]
VALID = {
    "id": "fuzz-doc",
    "kind": "research",
    "title": "Test fixture: fuzz",
    "authors": ["Fixture F"],
    "year": 2020,
}
QUESTION = "How many patients were randomised in the quintomab trial?"
FUZZ = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(
        ["0x1F", "javascript:alert(1)", "https://example.org", "10.1/x", "yes", "2020-01-01", ""]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
front_matter = st.one_of(
    # A valid document with some fields replaced or added: often valid, often not.
    st.dictionaries(st.sampled_from(FIELDS), values, max_size=4).map(lambda changes: {**VALID, **changes}),
    st.dictionaries(st.one_of(st.sampled_from(FIELDS), st.text(max_size=10)), values, max_size=6),
)
raw_yaml = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=200)


def citewise(home: Path, *args: str, data: bytes | None = None) -> Result:
    return CliRunner().invoke(main, ["--home", str(home), *args], input=data)


def assert_handled(result: Result) -> None:
    assert result.exit_code in (0, 2), result.output[-2000:]
    assert "unexpected error" not in result.output and "Traceback" not in result.output


def assert_still_answers(home: Path) -> None:
    result = citewise(home, "ask", "--json", QUESTION)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["citations"]


@pytest.fixture(scope="module")
def fuzz_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> tuple[Path, Path]:
    corpus = tmp_path_factory.mktemp("fuzz") / "corpus"
    shutil.copytree(SMALL_CORPUS, corpus)
    settings_ = Settings(home=corpus.parent / "home")
    build_index(settings_, corpus, embedder=embedder)
    return settings_.home, corpus


@FUZZ
@given(meta=st.one_of(front_matter.map(lambda m: yaml.safe_dump(m, allow_unicode=True)), raw_yaml))
def test_random_front_matter(fuzz_index: tuple[Path, Path], shared_model: Embedder, meta: str) -> None:
    home, corpus = fuzz_index
    path = corpus / "research" / "fuzz-doc.md"
    path.write_text(
        f"---\n{meta}\n---\n## Findings\n\nTest fixture text for the fuzz test.\n", encoding="utf-8"
    )
    try:
        assert_handled(citewise(home, "ingest", "--quiet", str(corpus)))
    finally:
        path.unlink()
    assert_still_answers(home)


jsonl_line = st.one_of(
    st.binary(max_size=60).filter(lambda b: b"\n" not in b),
    st.dictionaries(st.sampled_from(["id", "question", "other"]), values, max_size=3).map(
        lambda d: json.dumps(d).encode()
    ),
    st.builds(lambda q: json.dumps({"id": "q", "question": q}).encode(), st.text(max_size=80)),
    st.integers(1, 3000).map(lambda depth: b"[" * depth + b"]" * depth),
)


@FUZZ
@given(lines=st.lists(jsonl_line, min_size=1, max_size=4))
def test_random_jsonl_lines(
    fuzz_index: tuple[Path, Path], shared_model: Embedder, lines: list[bytes]
) -> None:
    home, _ = fuzz_index
    result = citewise(home, "ask", "--jsonl", "-", data=b"\n".join(lines) + b"\n")
    assert_handled(result)
    assert result.stdout.isascii()
    answered = [json.loads(row) for row in result.stdout.splitlines()]
    assert len(answered) == sum(1 for line in lines if line.strip())


@FUZZ
@given(raw=st.binary(min_size=1, max_size=80).filter(lambda b: b"\x00" not in b))
def test_random_question_bytes(fuzz_index: tuple[Path, Path], shared_model: Embedder, raw: bytes) -> None:
    home, _ = fuzz_index
    assert_handled(citewise(home, "ask", "--json", os.fsdecode(raw)))


def test_the_index_answers_after_the_fuzzing(fuzz_index: tuple[Path, Path], shared_model: Embedder) -> None:
    home, corpus = fuzz_index
    assert_handled(citewise(home, "ingest", "--quiet", str(corpus)))
    assert_still_answers(home)
