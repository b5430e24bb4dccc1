"""Chroma server mode: a real ``chroma run`` on a free loopback port.

The server-backed index must answer exactly as the embedded one does, and a server that
is not there must give a clear message and exit code 2, never a traceback.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest import Embedder, Settings, build_index
from tests.servers import free_port, stop_process, wait_for_http

BIN = Path(sys.executable).parent
STARTUP_TIMEOUT_S = 60.0
CLI_TIMEOUT_S = 300.0

QUESTIONS = [
    "Does rituximab help anti-MAG neuropathy?",
    "What proportion of IgM MGUS neuropathy patients have anti-MAG antibodies?",
    "Is IVIg recommended for anti-MAG neuropathy?",
    "What is the long-term prognosis of anti-MAG neuropathy?",
    "How are anti-MAG antibodies measured?",
    "Does plasma exchange help anti-MAG neuropathy?",
    "What dose of rituximab was used in the trials?",
    "What is the capital of France?",
]


@contextlib.contextmanager
def chroma_server(data_dir: Path) -> Iterator[str]:
    """Run ``chroma run`` on a free loopback port; yield its URL; stop it afterwards."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = data_dir.parent / f"chroma-{port}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(BIN / "chroma"), "run", "--path", str(data_dir), "--host", "127.0.0.1", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        wait_for_http(f"{url}/api/v2/heartbeat", process, log, STARTUP_TIMEOUT_S, "chroma run")
        yield url
    finally:
        stop_process(process, timeout_s=15)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """Run the real ``citewise`` command."""
    return subprocess.run(
        [str(BIN / "citewise"), *args], capture_output=True, text=True, timeout=CLI_TIMEOUT_S, check=False
    )


def comparable(answer) -> tuple:
    """What must not depend on where the vectors live."""
    return (
        answer.refused,
        answer.retrieved,
        [(c.n, c.source_id, c.quote, c.chunk_id) for c in answer.citations],
    )


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Chroma server for this module."""
    with chroma_server(tmp_path_factory.mktemp("chroma-server") / "data") as url:
        yield url


@pytest.fixture(scope="module")
def server_settings(
    tmp_path_factory: pytest.TempPathFactory,
    server_url: str,
    corpus_dir: Path,
    embedder: Embedder,
    index_settings: Settings,
) -> Settings:
    """The bundled corpus ingested into the Chroma server.

    The generation files of the session's embedded index are copied first, so this
    ingest reuses their vectors instead of embedding the corpus a second time: it
    moves the index to the server, which is itself a path worth testing.
    """
    home = tmp_path_factory.mktemp("server-home")
    shutil.copytree(index_settings.index_dir, home / "index", ignore=shutil.ignore_patterns("OWNER", "LOCK"))
    settings = Settings(home=home, chroma_url=server_url)
    report = build_index(settings, corpus_dir, embedder=embedder)
    assert report.changed
    assert report.embedded_texts == 0
    return settings


def test_server_index_answers_like_the_embedded_one(server_settings: Settings, embedder: Embedder, assistant):
    from assistant import Assistant, KnowledgeBase

    served = Assistant(server_settings, KnowledgeBase(server_settings, embedder))
    for question in QUESTIONS:
        assert comparable(served.ask(question)) == comparable(assistant.ask(question)), question
    outcomes = {served.ask(q).refused for q in QUESTIONS}
    assert outcomes == {True, False}, "the question set should contain answered and refused questions"


def test_server_mode_keeps_vectors_on_the_server(server_settings: Settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    from ingest import load_generation

    generation = load_generation(server_settings)
    port = int(server_settings.chroma_url.rsplit(":", 1)[1])
    client = chromadb.HttpClient(
        host="127.0.0.1", port=port, settings=ChromaSettings(anonymized_telemetry=False)
    )
    collection = client.get_collection(generation.manifest["store"]["collection"], embedding_function=None)
    assert collection.count() == generation.size > 0
    assert generation.manifest["store"]["location"] == server_settings.chroma_url
    assert not (server_settings.home / "chroma").exists(), "server mode must not create an embedded store"


def test_url_with_a_trailing_slash_names_the_same_store(server_settings: Settings, embedder: Embedder):
    from assistant import Assistant, KnowledgeBase

    slashed = server_settings.with_(chroma_url=server_settings.chroma_url + "/")
    answer = Assistant(slashed, KnowledgeBase(slashed, embedder)).ask(QUESTIONS[0])
    assert not answer.refused


def test_unchanged_reingest_into_server_is_a_noop(
    server_settings: Settings, corpus_dir: Path, embedder: Embedder
):
    report = build_index(server_settings, corpus_dir, embedder=embedder)
    assert not report.changed
    assert report.embedded_texts == 0


def test_ask_and_ingest_exit_2_when_the_server_is_gone(
    tmp_path: Path, small_corpus: Path, embedder: Embedder
):
    home = tmp_path / "home"
    with chroma_server(tmp_path / "chroma-data") as url:
        build_index(Settings(home=home, chroma_url=url), small_corpus, embedder=embedder)
    # The server is stopped now; its port stays dead.
    ask = run_cli("--home", str(home), "--chroma-url", url, "ask", "Does quintomab help Zorbel syndrome?")
    ingest = run_cli("--home", str(home), "--chroma-url", url, "ingest", "--quiet", str(small_corpus))
    for result in (ask, ingest):
        assert result.returncode == 2, result.stderr
        assert f"cannot open the Chroma store at {url}" in result.stderr
        assert "chroma run" in result.stderr
        assert "Traceback" not in result.stderr
    assert ask.stdout == ""


def test_ingest_into_a_dead_port_exits_2_and_writes_no_index(tmp_path: Path, small_corpus: Path):
    url = f"http://127.0.0.1:{free_port()}"
    home = tmp_path / "home"
    result = run_cli("--home", str(home), "--chroma-url", url, "ingest", "--quiet", str(small_corpus))
    assert result.returncode == 2, result.stderr
    assert f"cannot open the Chroma store at {url}" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (home / "index" / "CURRENT").exists()


def test_malformed_chroma_url_exits_2(tmp_path: Path, small_corpus: Path):
    result = run_cli("--home", str(tmp_path), "--chroma-url", "127.0.0.1:8000", "ingest", str(small_corpus))
    assert result.returncode == 2
    assert "must look like http://127.0.0.1:8000" in result.stderr
