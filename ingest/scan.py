"""Find and read the documents of a corpus directory.

``scan_corpus`` lists the files, following symbolic links only inside the corpus. A
link that leads out of the corpus (say, to ``/etc/shadow`` or a home directory) is
refused and named, and its target is never opened, so no error message can show its
contents. A link to a file or folder inside the corpus is followed like the real thing;
a folder reached twice (a loop, or two links to it) is read once.

``read_corpus`` reads every file with its loader and validates every document,
collecting all problems; a PubMed record already in the corpus is skipped and named.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ingest.corpus import MARKDOWN_SUFFIXES, SIDECAR_SUFFIXES, Document, load_markdown, summarise
from ingest.errors import CorpusError

logger = logging.getLogger(__name__)


def _not_a_document(path: Path, root: Path) -> bool:
    """READMEs, and the corpus lexicon at the top (``ingest.lexicon``), are not documents."""
    return path.name.lower().startswith("readme") or path == root / "lexicon.yaml"


def scan_corpus(root: Path) -> tuple[list[Path], list[str]]:
    """The document files under ``root`` (README and hidden files excluded), sorted, and
    a problem line for each link that is broken or leaves the corpus.

    Raises:
        CorpusError: ``root`` does not exist or is not a directory.
    """
    if not root.exists():
        raise CorpusError(f"{root}: corpus directory does not exist")
    if not root.is_dir():
        raise CorpusError(f"{root}: not a directory; pass the corpus directory")
    real_root = root.resolve()
    files: list[Path] = []
    problems: list[str] = []
    visited = {real_root}
    pending = [root]
    while pending:
        directory = pending.pop()
        try:
            entries = sorted(directory.iterdir())
        except OSError as exc:
            problems.append(f"{directory}: cannot list the folder: {exc.strerror or exc}")
            continue
        for path in entries:
            if path.name.startswith("."):
                continue
            if path.is_symlink() and (problem := _link_problem(path, root, real_root)):
                problems.append(problem)
            elif path.is_dir():
                real = path.resolve()
                if real not in visited:
                    visited.add(real)
                    pending.append(path)
            elif path.is_file() and not _not_a_document(path, root):
                files.append(path)
    return sorted(files), problems


def _link_problem(path: Path, root: Path, real_root: Path) -> str | None:
    """Why the link at ``path`` is refused, or None when it stays inside the corpus."""
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):  # missing target, or a loop of links
        return f"{path}: broken symbolic link; remove it, or point it at a file inside {root}"
    if not target.is_relative_to(real_root):
        return (
            f"{path}: symbolic link to {target}, outside the corpus {root}; links that leave the "
            "corpus are refused, copy the file into the corpus instead"
        )
    return None


Loader = Callable[[Path], Iterable[Document]]
# Loaders whose files hold many PubMed records; a record already in the corpus (same
# PMID or DOI) is skipped with a notice rather than refused as a duplicate.
RECORD_SUFFIXES = (".nbib", ".medline", ".xml")


def _loaders() -> dict[str, Loader]:
    from ingest import loaders

    table: dict[str, Loader] = {suffix: (lambda p: [load_markdown(p)]) for suffix in MARKDOWN_SUFFIXES}
    table.update(loaders.LOADERS)
    return table


@dataclass(frozen=True, slots=True)
class Corpus:
    """The validated documents of a corpus directory, and the duplicate records skipped."""

    documents: list[Document]
    skipped: list[str]


def read_corpus(root: Path) -> Corpus:
    """Load and validate every document under ``root``.

    All problems are collected, so a maintainer sees every broken file at once. PubMed
    records (``.nbib``, ``.xml``) are read one at a time; a record whose PMID or DOI an
    earlier document already has is skipped, and named in ``Corpus.skipped``.

    Raises:
        CorpusError: any file is invalid, unsupported, or two documents share an id.
    """
    table = _loaders()
    files, problems = scan_corpus(root)
    problems += _listing_problems(files, table)
    # Curated documents first, so a PubMed record never displaces one.
    ordered = sorted(
        (p for p in files if p.suffix.lower() in table),
        key=lambda p: (p.suffix.lower() in RECORD_SUFFIXES, str(p)),
    )
    books = _Books()
    listed = set(files)
    for path in ordered:
        if any(
            path.with_suffix(s).is_symlink() and path.with_suffix(s) not in listed for s in SIDECAR_SUFFIXES
        ):
            continue  # its sidecar is a refused link, already reported; never read it
        try:
            for doc in table[path.suffix.lower()](path):
                books.add(doc, is_record=path.suffix.lower() in RECORD_SUFFIXES)
        except CorpusError as exc:
            problems.append(str(exc))
        except OSError as exc:
            problems.append(f"{path}: cannot read: {exc.strerror or exc}")
    problems.extend(books.problems)
    problems.extend(_successor_problems(books.documents))
    if problems:
        raise CorpusError(summarise(problems))
    if not books.documents:
        raise CorpusError(f"{root}: no documents found; add Markdown files with front matter")
    for line in books.skipped:
        logger.info("skipped duplicate record %s", line)
    return Corpus(books.documents, books.skipped)


def _successor_problems(documents: list[Document]) -> list[str]:
    """``superseded_by`` naming no document of the corpus, the document itself, or leading
    back to it (A superseded by B, B by A): then no version would be current."""
    successors = {doc.id: doc.meta.superseded_by for doc in documents}
    problems = []
    for doc in documents:
        successor = doc.meta.superseded_by
        if successor == doc.id:
            problems.append(f"{doc.path}: superseded_by names the document itself ('{successor}')")
        elif successor is not None and successor not in successors:
            problems.append(
                f"{doc.path}: superseded_by '{successor}' is not the id of any document in the corpus"
            )
        elif successor is not None:
            seen: set[str] = {doc.id}
            current: str | None = successor
            while current is not None and current not in seen:
                seen.add(current)
                current = successors.get(current)
            if current == doc.id:
                problems.append(
                    f"{doc.path}: superseded_by leads back to '{doc.id}' ({' -> '.join(sorted(seen))})"
                )
    return problems


class _Books:
    """Documents kept so far, by id, PMID and DOI, and what was skipped or clashed."""

    def __init__(self) -> None:
        self.documents: list[Document] = []
        self.problems: list[str] = []
        self.skipped: list[str] = []
        self._ids: dict[str, str] = {}
        self._keys: dict[str, Document] = {}

    def add(self, doc: Document, *, is_record: bool) -> None:
        keys = [f"PMID {doc.meta.pmid}"] if doc.meta.pmid else []
        keys += [f"DOI {doc.meta.doi.lower()}"] if doc.meta.doi else []
        if is_record and (seen := next((k for k in keys if k in self._keys), None)):
            first = self._keys[seen]
            self.skipped.append(f"{doc.path}: {doc.id} ({seen}, already in {first.path} as {first.id})")
            return
        if doc.id in self._ids:
            self.problems.append(f"{doc.path}: duplicate id '{doc.id}' (also in {self._ids[doc.id]})")
            return
        self._ids[doc.id] = doc.path
        for key in keys:
            self._keys.setdefault(key, doc)
        self.documents.append(doc)


def _listing_problems(files: list[Path], table: dict[str, Loader]) -> list[str]:
    """Files no loader reads, and sidecars with no document beside them."""
    problems = []
    supported = ", ".join(sorted(set(table) | set(SIDECAR_SUFFIXES)))
    primaries = {p.with_suffix("") for p in files if p.suffix.lower() not in SIDECAR_SUFFIXES}
    for path in files:
        suffix = path.suffix.lower()
        if suffix in SIDECAR_SUFFIXES and path.with_suffix("") not in primaries:
            problems.append(
                f"{path}: metadata file with no document beside it (expected e.g. {path.with_suffix('.pdf').name})"
            )
        elif suffix not in table and suffix not in SIDECAR_SUFFIXES:
            problems.append(f"{path}: unsupported file type '{suffix or path.name}'; supported: {supported}")
    return problems
