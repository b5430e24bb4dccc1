"""Load, validate, chunk and embed the corpus into the index.

Importing this package switches every library we use to offline mode first, so no
model hub, analytics or telemetry is ever contacted.
"""

import os as _os

for _name, _value in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ORT_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
}.items():
    _os.environ.setdefault(_name, _value)

from ingest.chunking import CHUNKER_VERSION, Chunk, chunk_text, split_sentences  # noqa: E402
from ingest.corpus import Document, FrontMatter, load_corpus, make_document  # noqa: E402
from ingest.embedding import MODEL_NAME, Embedder, TokenCounter  # noqa: E402
from ingest.errors import (  # noqa: E402
    BackendError,
    CitewiseError,
    ConfigError,
    CorpusError,
    IndexBusyError,
    IndexDamagedError,
    IndexMismatchError,
    IndexNotFoundError,
    IndexWriteError,
    InvalidQuestionError,
    StoreError,
)
from ingest.generation import LoadedGeneration, current_generation, load_generation  # noqa: E402
from ingest.index import IngestReport, build_index  # noqa: E402
from ingest.repair import DoctorReport, repair_index  # noqa: E402
from ingest.settings import Settings  # noqa: E402

__all__ = [
    "CHUNKER_VERSION",
    "MODEL_NAME",
    "BackendError",
    "Chunk",
    "CitewiseError",
    "ConfigError",
    "CorpusError",
    "DoctorReport",
    "Document",
    "Embedder",
    "FrontMatter",
    "IndexBusyError",
    "IndexDamagedError",
    "IndexMismatchError",
    "IndexNotFoundError",
    "IndexWriteError",
    "IngestReport",
    "InvalidQuestionError",
    "LoadedGeneration",
    "Settings",
    "StoreError",
    "TokenCounter",
    "build_index",
    "chunk_document",
    "chunk_text",
    "current_generation",
    "load_corpus",
    "load_generation",
    "make_document",
    "repair_index",
    "split_sentences",
]


def chunk_document(document: Document, counter: TokenCounter | None = None) -> list[Chunk]:
    """Chunk one document with the model's tokenizer."""
    return chunk_text(document.text, doc_id=document.id, count_tokens=counter or TokenCounter())
