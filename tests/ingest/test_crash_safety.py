"""Crash safety: ``citewise ingest`` killed with SIGKILL leaves the previous index usable.

A real ``citewise ingest`` subprocess is killed (kill -9) while it embeds a changed
corpus, and, in a second test, while it writes the new generation (after the ``.tmp``
directory and the new Chroma collection exist, before CURRENT is flipped). The previous
generation must still answer exactly as before, and the next ingest must complete,
clean up what the killed one left, and include the change.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ingest import Embedder, Settings, build_index, load_corpus, split_sentences

BIN = Path(sys.executable).parent
KILL_DEADLINE_S = 240.0
QUESTIONS = [
    "Does rituximab help anti-MAG neuropathy?",
    "Is IVIg recommended for anti-MAG neuropathy?",
    "How are anti-MAG antibodies measured?",
    "What is the first-line treatment for Varnholt syndrome?",
]
MARKER_DOC = "synthetic-varnholt"
MARKER_TEXT = (
    "## Treatment\n\nIn this invented test document, quintaril is the first-line treatment for "
    "Varnholt syndrome. Varnholt syndrome is an invented condition used only by the crash-safety test.\n"
)
# A progress line of the form "embedding:  23%|##   | 64/283 [...]" with at least one batch done.
EMBEDDING_PROGRESS = re.compile(r"embedding:\s+\d+%\|[^|]*\|\s*([1-9]\d*)/(\d+)")
# Runs the real CLI, but stalls once the new collection is filled, so the kill lands
# deterministically inside the write phase (the .tmp generation and collection exist).
STALL_IN_WRITE = """
import sys, time
from ingest import store
_add = store.add_vectors
def add_then_stall(*args, **kwargs):
    _add(*args, **kwargs)
    sys.stderr.write("\\nWRITING-GENERATION\\n")
    sys.stderr.flush()
    time.sleep(600)
store.add_vectors = add_then_stall
from assistant.cli import main
sys.argv = ["citewise", *sys.argv[1:]]
main()
"""


def synthetic_documents(corpus: Path, count: int, sentences_per_doc: int) -> dict[str, str]:
    """``count`` research documents made by recombining sentences of the corpus (id -> file text)."""
    pool = [
        doc.text[s:e].replace("\n", " ")
        for doc in sorted(load_corpus(corpus), key=lambda d: d.id)
        for s, e in split_sentences(doc.text)
        if 40 <= e - s <= 300 and not doc.text[s:e].lstrip().startswith(("#", "-", "|"))
    ]
    docs = {}
    for i in range(count):
        body = " ".join(pool[(i * 7 + j * 13) % len(pool)] for j in range(sentences_per_doc))
        docs[f"synthetic-{i:03d}"] = f"## Findings\n\n{body}\n"
    docs[MARKER_DOC] = MARKER_TEXT
    return docs


def change_corpus(corpus: Path, new_documents: int, sentences_per_doc: int) -> None:
    """Add synthetic documents, change one document and remove another."""
    for doc_id, body in synthetic_documents(corpus, new_documents, sentences_per_doc).items():
        front = (
            f"---\nid: {doc_id}\nkind: research\ntitle: 'Test fixture: synthetic document {doc_id}'\n"
            "authors: [Fixture S]\nyear: 2024\nstudy_type: other\n"
            "note: Invented for the crash-safety test by recombining corpus sentences.\n---\n"
        )
        (corpus / "research" / f"{doc_id}.md").write_text(front + body, encoding="utf-8")
    changed = corpus / "research" / "lunn2016-cochrane.md"
    changed.write_text(changed.read_text(encoding="utf-8") + "\nA sentence added by the crash test.\n")
    (corpus / "research" / "mayo-mages-test.md").unlink()


def answers(settings: Settings, embedder: Embedder) -> list[dict]:
    """Answers to QUESTIONS from the live index, in this process, without timings."""
    from assistant import Assistant, KnowledgeBase

    assistant = Assistant(settings, KnowledgeBase(settings, embedder))
    return [
        assistant.ask(q, id=str(i)).model_dump(mode="json", exclude={"timings_ms"})
        for i, q in enumerate(QUESTIONS)
    ]


def answers_from_new_process(settings: Settings) -> list[dict]:
    """The same answers from a fresh ``citewise ask --jsonl`` process reading the index from disk."""
    lines = "".join(json.dumps({"id": str(i), "question": q}) + "\n" for i, q in enumerate(QUESTIONS))
    result = subprocess.run(
        [str(BIN / "citewise"), "--home", str(settings.home), "ask", "--jsonl", "-"],
        input=lines,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    parsed = [json.loads(line) for line in result.stdout.splitlines()]
    for answer in parsed:
        answer.pop("timings_ms")
    return parsed


def collections(settings: Settings) -> list[str]:
    """Collection names in the embedded store."""
    from ingest.store import list_collections, open_client

    return list_collections(open_client(settings))


class StderrWatcher:
    """Collects a subprocess's stderr in a thread (tqdm redraws with \\r, not newlines)."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.text = ""
        self._process = process
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        fd = self._process.stderr.fileno()
        while chunk := os.read(fd, 4096):
            self.text += chunk.decode("utf-8", "replace")

    def wait_for(self, pattern: re.Pattern, index_dir: Path | None = None) -> None:
        """Block until ``pattern`` shows up on stderr (bounded); fail if the process ends first."""
        deadline = time.monotonic() + KILL_DEADLINE_S
        while time.monotonic() < deadline:
            if pattern.search(self.text):
                return
            if self._process.poll() is not None:
                pytest.fail(
                    f"ingest ended (exit {self._process.returncode}) before the kill:\n{self.text[-3000:]}"
                )
            time.sleep(0.05)
        pytest.fail(f"no {pattern.pattern!r} on stderr within {KILL_DEADLINE_S:.0f} s:\n{self.text[-3000:]}")


def kill_ingest(command: list[str], pattern: re.Pattern) -> str:
    """Start ``command``, wait for ``pattern`` on its stderr, SIGKILL it; return its stderr."""
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        watcher = StderrWatcher(process)
        watcher.wait_for(pattern)
        assert process.poll() is None, "the ingest must still be running when it is killed"
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
        return watcher.text
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


@pytest.fixture
def live_index(
    tmp_path: Path, corpus_dir: Path, index_settings: Settings, embedder: Embedder
) -> tuple[Settings, Path]:
    """A writable corpus copy and its index in a fresh home.

    The session index's generation files are copied first, so building this index
    reuses their vectors instead of embedding the corpus again.
    """
    corpus = tmp_path / "corpus"
    shutil.copytree(corpus_dir, corpus)
    home = tmp_path / "home"
    shutil.copytree(index_settings.index_dir, home / "index", ignore=shutil.ignore_patterns("OWNER", "LOCK"))
    settings = Settings(home=home)
    assert build_index(settings, corpus, embedder=embedder).embedded_texts == 0
    return settings, corpus


@pytest.mark.slow
@pytest.mark.parametrize(
    ("phase", "new_documents", "sentences_per_doc"),
    [("embedding", 30, 4), ("writing", 2, 3)],
)
def test_killed_ingest_leaves_previous_index_and_next_ingest_completes(
    live_index: tuple[Settings, Path],
    embedder: Embedder,
    phase: str,
    new_documents: int,
    sentences_per_doc: int,
):
    settings, corpus = live_index
    before_generation = (settings.index_dir / "CURRENT").read_text()
    before = answers(settings, embedder)
    before_collections = collections(settings)
    change_corpus(corpus, new_documents, sentences_per_doc)

    args = ["--home", str(settings.home), "ingest", str(corpus)]
    if phase == "embedding":
        kill_ingest([str(BIN / "citewise"), *args], EMBEDDING_PROGRESS)
    else:
        kill_ingest([sys.executable, "-c", STALL_IN_WRITE, *args], re.compile("WRITING-GENERATION"))
        leftovers = list(settings.index_dir.glob("g*.tmp"))
        assert leftovers, "the kill should have landed while the new generation was being written"
        assert len(collections(settings)) == len(before_collections) + 1

    assert (settings.index_dir / "CURRENT").read_text() == before_generation
    assert answers_from_new_process(settings) == before

    report = build_index(settings, corpus, embedder=embedder)
    assert (report.added, report.updated, report.removed) == (new_documents + 1, 1, 1)
    assert (settings.index_dir / "CURRENT").read_text() != before_generation
    assert not list(settings.index_dir.glob("g*.tmp"))
    assert len([p for p in settings.index_dir.glob("g[0-9]*") if p.is_dir()]) == 1
    assert len(collections(settings)) == 1
    after = answers(settings, embedder)
    retrieved_docs = lambda answer: {chunk_id.split("#")[0] for chunk_id in answer["retrieved"]}  # noqa: E731
    assert MARKER_DOC in retrieved_docs(after[-1]) and MARKER_DOC not in retrieved_docs(before[-1])
    assert any("mayo-mages-test" in retrieved_docs(b) for b in before)
    assert all("mayo-mages-test" not in retrieved_docs(a) for a in after)
