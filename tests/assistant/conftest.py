"""Fixtures for the chat tests: a home of their own and one server per module."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ingest import Settings
from tests.servers import running_chat


@pytest.fixture(scope="module")
def chat_settings(tmp_path_factory: pytest.TempPathFactory, index_settings: Settings) -> Settings:
    """A home of its own (feedback.jsonl lands here) that sees the shared, read-only index."""
    home = tmp_path_factory.mktemp("chat-home")
    (home / "index").symlink_to(index_settings.index_dir, target_is_directory=True)
    return index_settings.with_(home=home)


@pytest.fixture(scope="module")
def server(chat_settings: Settings, assistant: Any) -> Iterator[str]:
    """One chat server per test module, sharing the session's loaded model and index."""
    with running_chat(chat_settings, assistant) as url:
        yield url
