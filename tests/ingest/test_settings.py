"""Tests for ingest.settings: one frozen Settings built from CITEWISE_* variables."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from assistant.cli import main
from ingest import ConfigError, Settings
from ingest.settings import default_home


def test_defaults_without_environment() -> None:
    settings = Settings.from_env({})
    assert settings.home == default_home() == Path.home() / ".local" / "share" / "citewise"
    assert (settings.top_k, settings.retriever, settings.answerer) == (8, "hybrid", "extractive")
    assert settings.chroma_url is None and settings.audit_log is None and settings.auth is None


def test_every_variable_is_read(tmp_path: Path) -> None:
    environ = {
        "CITEWISE_HOME": str(tmp_path / "data"),
        "CITEWISE_CHROMA_URL": "http://127.0.0.1:8000",
        "CITEWISE_TOP_K": "5",
        "CITEWISE_RETRIEVER": "bm25",
        "CITEWISE_ANSWERER": "llm",
        "CITEWISE_LLM_BASE_URL": "http://127.0.0.1:8001/v1",
        "CITEWISE_LLM_MODEL": "local-model",
        "CITEWISE_LLM_API_KEY": "not-a-secret",
        "CITEWISE_LLM_TIMEOUT": "2.5",
        "CITEWISE_AUDIT_LOG": str(tmp_path / "audit.jsonl"),
        "CITEWISE_AUTH": "clinician:pass",
        "UNRELATED": "ignored",
    }
    settings = Settings.from_env(environ)
    assert settings.home == tmp_path / "data"
    assert settings.index_dir == tmp_path / "data" / "index"
    assert settings.chroma_url == "http://127.0.0.1:8000"
    assert (settings.top_k, settings.retriever, settings.answerer) == (5, "bm25", "llm")
    assert (settings.llm_base_url, settings.llm_model, settings.llm_api_key) == (
        "http://127.0.0.1:8001/v1",
        "local-model",
        "not-a-secret",
    )
    assert settings.llm_timeout_s == 2.5
    assert settings.audit_log == tmp_path / "audit.jsonl"
    assert settings.auth == "clinician:pass"


def test_process_environment_is_the_default_source(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CITEWISE_HOME", str(tmp_path))
    monkeypatch.setenv("CITEWISE_TOP_K", "3")
    settings = Settings.from_env()
    assert (settings.home, settings.top_k) == (tmp_path, 3)


def test_blank_variables_are_ignored() -> None:
    settings = Settings.from_env({"CITEWISE_TOP_K": "  ", "CITEWISE_CHROMA_URL": ""})
    assert (settings.top_k, settings.chroma_url) == (8, None)


def test_overrides_win_over_the_environment(tmp_path: Path) -> None:
    environ = {"CITEWISE_HOME": str(tmp_path / "env"), "CITEWISE_TOP_K": "5"}
    settings = Settings.from_env(environ, home=tmp_path / "flag", top_k=None)
    assert (settings.home, settings.top_k) == (tmp_path / "flag", 5)


@pytest.mark.parametrize(
    ("variable", "value", "fragment"),
    [
        ("CITEWISE_TOP_K", "abc", "valid integer"),
        ("CITEWISE_TOP_K", "0", "greater than or equal to 1"),
        ("CITEWISE_TOP_K", "51", "less than or equal to 50"),
        ("CITEWISE_RETRIEVER", "magic", "'hybrid', 'dense', 'bm25' or 'langchain'"),
        ("CITEWISE_ANSWERER", "oracle", "'extractive' or 'llm'"),
        ("CITEWISE_LLM_TIMEOUT", "-1", "greater than 0"),
    ],
)
def test_bad_variable_is_a_config_error_naming_it(variable: str, value: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({variable: value})
    message = str(caught.value)
    assert variable in message and repr(value) in message and fragment in message
    assert message.startswith("invalid setting ")


def test_several_bad_variables_are_reported_together() -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"CITEWISE_TOP_K": "abc", "CITEWISE_RETRIEVER": "magic"})
    assert "CITEWISE_TOP_K" in str(caught.value) and "CITEWISE_RETRIEVER" in str(caught.value)


def test_settings_are_frozen_and_strict(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    with pytest.raises(ValidationError):
        settings.top_k = 3  # type: ignore[misc]
    with pytest.raises(ValidationError):
        Settings(home=tmp_path, colour="blue")  # type: ignore[call-arg]
    with pytest.raises(ConfigError, match="colour"):
        Settings.build(home=tmp_path, colour="blue")


def test_with_returns_a_validated_copy(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    changed = settings.with_(top_k=3, retriever=None)
    assert (changed.top_k, changed.retriever, settings.top_k) == (3, "hybrid", 8)
    with pytest.raises(ConfigError, match="top_k"):
        settings.with_(top_k=0)


def test_cli_exits_2_naming_the_bad_variable(tmp_path: Path) -> None:
    result = CliRunner(env={"CITEWISE_TOP_K": "abc"}).invoke(main, ["--home", str(tmp_path), "sources"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: invalid setting top_k (CITEWISE_TOP_K)")
    assert "'abc'" in result.stderr
    assert result.stdout == ""
