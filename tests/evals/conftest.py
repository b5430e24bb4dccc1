"""The real eval run over the bundled corpus, shared by the tests that read its output."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from assistant.cli import main as cli
from ingest import Settings

# Variables a developer's shell might set that would change what the eval measures.
CLEAN_ENV = {
    "CITEWISE_CHROMA_URL": None,
    "CITEWISE_RETRIEVER": None,
    "CITEWISE_ANSWERER": None,
    "CITEWISE_TOP_K": None,
    "CITEWISE_AUDIT_LOG": None,
}


@dataclass(frozen=True)
class EvalRun:
    """Exit code, output and reports directory of one ``citewise eval``."""

    result: Result
    reports: Path


def run_eval(settings: Settings, reports: Path, *args: str) -> EvalRun:
    """Run the real ``citewise eval`` against the index of ``settings``."""
    env = {**CLEAN_ENV, "CITEWISE_HOME": str(settings.home)}
    result = CliRunner().invoke(cli, ["eval", "--reports", str(reports), *args], env=env)
    return EvalRun(result, reports)


@pytest.fixture(scope="session")
def hybrid_eval(index_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> EvalRun:
    """The CI eval: hybrid retriever, extractive answerer, bundled cases (run once)."""
    return run_eval(index_settings, tmp_path_factory.mktemp("eval-reports"))
