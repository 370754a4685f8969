"""Atomic file writes: readers see the old file or the new one, never a half-written one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable


def temp_path_beside(target: Path) -> Path:
    """A fresh temporary name in the target's folder (same filesystem, so the rename is atomic)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    return Path(name)


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


def atomic_write(target: Path, write: Callable[[BinaryIO], None]) -> Path:
    tmp = temp_path_beside(target)
    try:
        with open(tmp, "wb") as handle:
            write(handle)
        return replace_atomically(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_text(target: Path, text: str) -> Path:
    return atomic_write(target, lambda handle: handle.write(text.encode("utf-8")))
