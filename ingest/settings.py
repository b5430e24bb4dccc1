"""One settings object, built once from ``CITEWISE_*`` variables and passed down."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ingest.errors import ConfigError

RetrieverName = Literal["hybrid", "dense", "bm25", "langchain"]
AnswererName = Literal["extractive", "llm"]
LLMOutput = Literal["json_schema", "json_object", "guided_json", "none"]

# Environment variable -> settings field. Only this module reads os.environ.
_ENV = {
    "CITEWISE_HOME": "home",
    "CITEWISE_CHROMA_URL": "chroma_url",
    "CITEWISE_TOP_K": "top_k",
    "CITEWISE_RETRIEVER": "retriever",
    "CITEWISE_ANSWERER": "answerer",
    "CITEWISE_LLM_BASE_URL": "llm_base_url",
    "CITEWISE_LLM_MODEL": "llm_model",
    "CITEWISE_LLM_API_KEY": "llm_api_key",
    "CITEWISE_LLM_TIMEOUT": "llm_timeout_s",
    "CITEWISE_LLM_OUTPUT": "llm_output",
    "CITEWISE_LLM_MAX_TOKENS": "llm_max_tokens",
    "CITEWISE_AUDIT_LOG": "audit_log",
    "CITEWISE_AUTH": "auth",
}


def default_home() -> Path:
    """Return the default data directory, ``~/.local/share/citewise``."""
    return Path.home() / ".local" / "share" / "citewise"


class Settings(BaseModel):
    """Everything citewise can be configured with."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    home: Path = Field(default_factory=default_home, description="Data directory (index, feedback).")
    chroma_url: str | None = Field(
        None, description="URL of a Chroma server; unset means the embedded store in `home`."
    )
    top_k: int = Field(8, ge=1, le=50, description="Passages handed to the answerer.")
    candidates: int = Field(40, ge=1, le=500, description="Candidates taken from each retriever.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal rank fusion constant.")
    retriever: RetrieverName = Field("hybrid", description="Retrieval strategy.")
    answerer: AnswererName = Field("extractive", description="Answer backend.")
    llm_base_url: str | None = Field(
        None, description="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8001/v1."
    )
    llm_model: str | None = Field(None, description="Model name served by the endpoint.")
    llm_api_key: str | None = Field(
        None, description="API key for the endpoint (many local servers accept any)."
    )
    llm_timeout_s: float = Field(
        60.0, gt=0, description="Deadline in seconds for the LLM endpoint's whole answer (not per read)."
    )
    llm_output: LLMOutput = Field(
        "json_schema",
        description="How the LLM endpoint is asked for structured output (see docs/DEPLOYMENT.md).",
    )
    llm_max_tokens: int = Field(
        1024, ge=64, le=16384, description="Most tokens the LLM may write per answer."
    )
    max_question_chars: int = Field(2000, ge=1, description="Longest question accepted.")
    embed_batch_size: int = Field(64, ge=1, description="Texts embedded per batch at ingest.")
    audit_log: Path | None = Field(None, description="JSONL audit log of answers (contains question text).")
    auth: str | None = Field(None, description="Chat login as 'user:password'.")

    @property
    def index_dir(self) -> Path:
        """Directory holding index generations and the CURRENT pointer."""
        return self.home / "index"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Build settings from ``CITEWISE_*`` variables, then apply ``overrides``.

        Raises:
            ConfigError: a variable or override has a bad value.
        """
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {
            field: environ[var] for var, field in _ENV.items() if environ.get(var, "").strip()
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls.build(**values)

    @classmethod
    def build(cls, **values: object) -> Settings:
        """Validate ``values`` into settings, turning pydantic errors into a ConfigError."""
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            raise ConfigError(_describe(exc)) from exc

    def with_(self, **changes: object) -> Settings:
        """Return a validated copy with ``changes`` applied (None values are ignored)."""
        merged = self.model_dump()
        merged.update({k: v for k, v in changes.items() if v is not None})
        return Settings.build(**merged)


def _describe(exc: ValidationError) -> str:
    env_of = {field: var for var, field in _ENV.items()}
    parts = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "settings"
        where = f"{field} ({env_of[field]})" if field in env_of else field
        parts.append(f"invalid setting {where}: {err['msg']}, got {err.get('input')!r}")
    return "; ".join(parts)
