"""Atomic file writes: readers see the old file or the new one, never a half-written one.

A temporary file is named after its target and the writing process (``.data.parquet.<pid>.<random>.tmp``),
so the leftovers of a killed writer can be told from a live writer's and removed later; a write that
fails (disk full, read-only) removes its temporary file and raises one ``WriteFailed`` line.
"""

from __future__ import annotations

import os
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO, Callable

_TEMP = re.compile(r"^\..+\.(?P<pid>\d+)\.[a-z0-9_]{8}\.tmp(?:\.wal)?$")  # mkstemp's 8 random characters


class WriteFailed(OSError):
    """A file could not be written; its previous version is untouched."""

    def __str__(self) -> str:
        return str(self.strerror)


def temp_path_beside(target: Path) -> Path:
    """A fresh temporary name in the target's folder (same filesystem, so the rename is atomic)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_orphaned_temps(target.parent)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    return Path(name)


def remove_orphaned_temps(folder: Path, *, recursive: bool = False) -> int:
    """Delete temporary files left by writers that no longer run (e.g. killed); returns how many."""
    removed = 0
    candidates = folder.rglob(".*.tmp*") if recursive else folder.glob(".*.tmp*")
    for path in candidates:
        match = _TEMP.match(path.name)
        if match and not process_running(int(match["pid"])):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def process_running(pid: int) -> bool:
    """Whether a process with this pid exists (ours counts): a dead writer's leftovers may be removed."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def replace_atomically(tmp: Path, target: Path) -> Path:
    """fsync the finished temp file, rename it over the target, fsync the folder."""
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, target)
    dir_fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return target


def replace_many_atomically(moves: list[tuple[Path, Path]]) -> None:
    """``replace_atomically`` for many (finished temp file, target) pairs, e.g. every partition of a table.

    The fsyncs run in parallel (the filesystem's journal commits them together: ~10× faster than one
    by one for hundreds of files), all before the first rename; then each folder is fsynced.
    """
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(_fsync, [tmp for tmp, _ in moves]))
        for tmp, target in moves:
            os.replace(tmp, target)
        list(pool.map(_fsync, sorted({target.parent for _, target in moves})))


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(target: Path, write: Callable[[BinaryIO], None]) -> Path:
    """Write ``target`` through a temporary file; on failure the previous version stays as it was."""
    try:
        tmp = temp_path_beside(target)
    except OSError as exc:
        raise WriteFailed(exc.errno, f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        with open(tmp, "wb") as handle:
            write(handle)
        return replace_atomically(tmp, target)
    except OSError as exc:
        raise WriteFailed(exc.errno, f"cannot write {target}: {exc.strerror or exc}; its previous version is kept") from None
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_text(target: Path, text: str) -> Path:
    return atomic_write(target, lambda handle: handle.write(text.encode("utf-8")))
