"""Writing safely in the data directory: the index lock, atomic replaces, fsync, cleanup.

A failure that citewise can see (a full disk, a read-only directory, a store error)
removes everything the failed write left before it is reported, so the previous
index keeps answering and no leftover fills the disk.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ingest import store
from ingest.errors import ConfigError, IndexBusyError, IndexWriteError, StoreError
from ingest.generation import POINTER
from ingest.settings import Settings

logger = logging.getLogger(__name__)

# errno values of a write that failed for lack of room or rights, not for a bug.
_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EPERM}


@contextlib.contextmanager
def cleanup_on_failure(settings: Settings, gen: str, client: Any, collection: str | None) -> Iterator[None]:
    """Remove everything a failed write left (files, the new collection), then report.

    A full disk, a read-only directory or a failing store becomes an IndexWriteError
    that says the previous index is unchanged; anything else is re-raised as it is.
    """
    try:
        yield
    except BaseException as exc:
        live = (
            (settings.index_dir / POINTER).read_bytes().strip()
            if _is_file(settings.index_dir / POINTER)
            else b""
        )
        for leftover in (settings.index_dir / f"{gen}.tmp", settings.index_dir / gen):
            if leftover.name.encode() != live:
                shutil.rmtree(leftover, ignore_errors=True)
        with contextlib.suppress(Exception):
            if collection is not None and collection in store.list_collections(client):
                client.delete_collection(collection)
        if isinstance(exc, OSError) and exc.errno in _WRITE_ERRNOS or isinstance(exc, StoreError):
            raise IndexWriteError(
                f"could not write the new index in {settings.home}: {_reason(exc)}; everything it wrote "
                "was removed and the previous index is unchanged and still answers. Free some space "
                "(or fix the permissions) and run the command again"
            ) from exc
        raise


def _is_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror or exc}{where}"
    return str(exc)


def point_to(index_dir: Path, gen: str) -> None:
    """Make ``gen`` the live generation: replace CURRENT atomically.

    A directory in CURRENT's place (damage) is moved aside to ``CURRENT.damaged`` first.
    """
    pointer = index_dir / POINTER
    if pointer.is_dir() and not pointer.is_symlink():
        aside = index_dir / f"{POINTER}.damaged"
        shutil.rmtree(aside, ignore_errors=True)
        pointer.rename(aside)
        logger.warning("moved the directory at %s aside to %s", pointer, aside)
    _atomic_write(pointer, gen + "\n")


def next_generation(index_dir: Path) -> str:
    numbers = [int(p.name[1:7]) for p in index_dir.glob("g[0-9][0-9][0-9][0-9][0-9][0-9]*")]
    return f"g{max(numbers, default=0) + 1:06d}"


def remove_partial(index_dir: Path) -> list[str]:
    """Remove unfinished ``.tmp`` generations (left by a killed ingest); returns their names."""
    removed = []
    for tmp in index_dir.glob("g*.tmp"):
        logger.info("removing unfinished generation %s", tmp.name)
        shutil.rmtree(tmp, ignore_errors=True)
        removed.append(tmp.name)
    return removed


def remove_old_generations(index_dir: Path, keep: str) -> None:
    for old in index_dir.glob("g[0-9]*"):
        if old.is_dir() and old.name != keep:
            shutil.rmtree(old, ignore_errors=True)


def owner(index_dir: Path) -> str:
    path = index_dir / "OWNER"
    if not path.exists():
        _atomic_write(path, secrets.token_hex(4) + "\n")
    return path.read_text(encoding="utf-8").strip()


def ensure_writable(home: Path) -> None:
    try:
        home.mkdir(parents=True, exist_ok=True)
        probe = home / f".write-test-{os.getpid()}"
        probe.write_text("ok", encoding="utf-8")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(
            f"data directory {home} is not writable ({exc.strerror or exc}); "
            "set CITEWISE_HOME to a writable directory"
        ) from exc


@contextlib.contextmanager
def index_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index's write lock (one ingest or doctor at a time).

    Raises:
        IndexBusyError: another process holds it.
    """
    with open(index_dir / "LOCK", "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IndexBusyError(
                f"another 'citewise ingest' is writing {index_dir}; wait for it to finish"
            ) from exc
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def fsync_tree(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())
    _fsync_dir(root)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
