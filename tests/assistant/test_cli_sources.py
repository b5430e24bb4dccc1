"""`citewise sources --json` identifiers and `citewise ingest --device`, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from assistant.cli import main
from ingest import Embedder, Settings, build_index, load_corpus


def test_sources_json_gives_what_a_maintainer_checks_first(
    small_corpus: Path, embedder: Embedder, tmp_path: Path
) -> None:
    settings = Settings(home=tmp_path / "home")
    build_index(settings, small_corpus, embedder=embedder)
    result = CliRunner().invoke(main, ["--home", str(settings.home), "sources", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in json.loads(result.stdout)}
    documents = {d.id: d for d in load_corpus(small_corpus)}
    assert set(rows) == set(documents)
    for doc_id, doc in documents.items():
        row = rows[doc_id]
        for field in ("pmid", "doi", "url", "journal", "study_type", "provenance", "superseded_by"):
            assert row[field] == getattr(doc.meta, field)
        assert row["authors"] == doc.meta.authors and row["path"] == doc.path
    assert rows["test-trial"]["pmid"] == "1" and rows["test-trial"]["journal"] == "Test Trials"


def test_ingest_on_cuda_without_a_gpu_exits_2_and_says_what_to_use(
    small_corpus: Path, tmp_path: Path
) -> None:
    import torch

    if torch.cuda.is_available():  # pragma: no cover - bench/gpu_check.sh covers the cuda path
        from ingest.embedding import resolve_device

        assert resolve_device("cuda") == "cuda"
        return
    result = CliRunner().invoke(
        main, ["--home", str(tmp_path), "ingest", "--device", "cuda", str(small_corpus)]
    )
    assert result.exit_code == 2
    assert "no CUDA GPU" in result.stderr and "--device cpu" in result.stderr
    assert not (tmp_path / "index").exists()


def test_ingest_device_accepts_only_known_names(small_corpus: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["--home", str(tmp_path), "ingest", "--device", "tpu", str(small_corpus)]
    )
    assert result.exit_code == 2 and "tpu" in result.stderr
