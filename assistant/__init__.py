"""Answer questions from the index: retrieval, answerers, citation checks, CLI and chat."""

import ingest as _ingest  # noqa: F401  (offline environment first)
from assistant.answer import REFUSAL, Answer, Citation, Claim, Draft
from assistant.answerers import Answerer, get_answerer
from assistant.knowledge import KnowledgeBase
from assistant.passages import Passage, Source
from assistant.pipeline import Assistant, build_chain, validate_question
from assistant.render import render_markdown

__all__ = [
    "REFUSAL",
    "Answer",
    "Answerer",
    "Assistant",
    "Citation",
    "Claim",
    "Draft",
    "KnowledgeBase",
    "Passage",
    "Source",
    "build_chain",
    "get_answerer",
    "render_markdown",
    "validate_question",
]
