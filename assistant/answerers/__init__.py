"""Answer backends and the factory that picks one by name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.answerers.base import Answerer, Features
from ingest import ConfigError, Settings

if TYPE_CHECKING:
    from assistant.knowledge import KnowledgeBase

ANSWERERS = ("extractive", "llm")


def get_answerer(settings: Settings, kb: KnowledgeBase, features: Features | None = None) -> Answerer:
    """The answerer named by ``settings.answerer``; no silent fallback.

    Raises:
        ConfigError: unknown name, or the LLM answerer without an endpoint.
    """
    if settings.answerer == "extractive":
        from assistant.answerers.extractive import ExtractiveAnswerer

        return ExtractiveAnswerer(kb, features=features or Features())
    if settings.answerer == "llm":
        from assistant.answerers.openai import OpenAIAnswerer

        return OpenAIAnswerer(settings, kb)
    raise ConfigError(f"unknown answerer {settings.answerer!r}; choose one of: {', '.join(ANSWERERS)}")


__all__ = ["ANSWERERS", "Answerer", "Features", "get_answerer"]
