"""Find the files of a corpus directory, following symbolic links only inside it.

A link that leads out of the corpus (say, to ``/etc/shadow`` or a home directory) is
refused and named, and its target is never opened, so no error message can show its
contents. A link to a file or folder inside the corpus is followed like the real thing;
a folder reached twice (a loop, or two links to it) is read once.
"""

from __future__ import annotations

from pathlib import Path

from ingest.errors import CorpusError


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
            elif path.is_file() and not path.name.lower().startswith("readme"):
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
