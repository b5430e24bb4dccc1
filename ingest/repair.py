"""``citewise doctor``: check every file of the live index, and repair what is damaged.

The repair needs no corpus: it rebuilds each lost piece from what survives (see the
table in ``ingest.salvage``) and writes a new generation the usual way, so a reader
never sees a half-repaired index. A lost ``CURRENT`` is recovered from the generation
directories on disk, and a corrupt embedded Chroma store is moved aside and rebuilt
from the stored vectors. Only ``documents.json`` cannot be rebuilt without the corpus;
the report then says to run ``citewise ingest CORPUS_DIR``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ingest import datadir
from ingest.embedding import Embedder
from ingest.errors import IndexNotFoundError
from ingest.index import Outcome, write_index
from ingest.salvage import find_live
from ingest.settings import Settings
from ingest.vectors import ProgressFactory


@dataclass(frozen=True, slots=True)
class DoctorReport:
    """What ``citewise doctor`` found and did."""

    generation: str
    documents: int
    chunks: int
    repairs: tuple[str, ...]  # damage found and how each piece was restored
    embedded_texts: int
    seconds: float

    @property
    def healthy(self) -> bool:
        """True when nothing needed repair."""
        return not self.repairs

    def summary(self) -> str:
        """For people: the verdict, then one line per repair."""
        size = f"{self.documents} documents, {self.chunks} chunks"
        if self.healthy:
            return f"index {self.generation} is healthy: {size}; every file checked, nothing to repair"
        head = (
            f"index repaired: {self.generation} now holds {size}; "
            f"{self.embedded_texts} texts re-embedded in {self.seconds:.1f} s"
        )
        return "\n".join([head, *(f"  - {line}" for line in self.repairs)])


def repair_index(
    settings: Settings, *, embedder: Embedder | None = None, progress: ProgressFactory | None = None
) -> DoctorReport:
    """Check the live generation and its collection; rebuild whatever is missing or broken.

    Raises:
        IndexNotFoundError: there is no index at all.
        ConfigError: the data directory is not writable.
        IndexBusyError: an ingest is running.
        CitewiseError: ``documents.json`` is lost (the message says to run ingest).
    """
    started = time.perf_counter()
    if not settings.index_dir.is_dir():
        raise IndexNotFoundError(f"no index in {settings.home}; run 'citewise ingest CORPUS_DIR' first")
    datadir.ensure_writable(settings.home)
    with datadir.index_lock(settings.index_dir):
        repairs = [
            f"removed unfinished generation {name}" for name in datadir.remove_partial(settings.index_dir)
        ]
        old, notes = find_live(settings)
        if old is None:
            raise IndexNotFoundError(f"no index in {settings.home}; run 'citewise ingest CORPUS_DIR' first")
        documents = old.stored_documents()
        outcome = write_index(settings, documents, old, embedder=embedder, progress=progress)
        if notes and not outcome.written:
            datadir.point_to(settings.index_dir, old.generation)  # only the pointer was lost
        repairs += notes + outcome.repairs() + _written(outcome)
    documents_count, chunks, *_ = outcome.plan.counts()
    return DoctorReport(
        outcome.generation,
        documents_count,
        chunks,
        tuple(repairs),
        outcome.embedded,
        time.perf_counter() - started,
    )


def _written(outcome: Outcome) -> list[str]:
    if not outcome.written:
        return []
    store = "a new Chroma collection" if outcome.new_collection else "the intact Chroma collection"
    return [f"wrote generation {outcome.generation} from the surviving files, with {store}"]
