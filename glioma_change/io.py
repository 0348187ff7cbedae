"""Crash-safe file writing and the errors file shared by batch jobs.

Every output is written to a temporary name in the destination directory and renamed into place, so a
killed job never leaves a half-written file under a final name. Errors files name the row and the
problem, never the content of a report.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it is fsynced and renamed onto `path`."""
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    suffix = "".join(final.suffixes)  # keep e.g. `.nii.gz` so writers pick the right format
    fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=f".tmp{suffix}", dir=final.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp_path, 0o666 & ~umask)  # mkstemp creates 0600; give outputs the usual permissions
    try:
        yield tmp_path
        with open(tmp_path, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_path, final)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


@contextlib.contextmanager
def file_lock(path: str | os.PathLike[str], wait: bool = True) -> Iterator[bool]:
    """Hold an exclusive `flock` on `path` (created with its folder) for the block; yields whether it was
    taken (always True when `wait`; without `wait`, False at once if another process holds it)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def write_csv_atomic(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a DataFrame as CSV (no index) atomically and return the final path."""
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False)
    return Path(path)


def write_text_atomic(text: str, path: str | os.PathLike[str]) -> Path:
    """Write text (UTF-8) atomically and return the final path."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


ERROR_COLUMNS = ["source", "row", "item", "reason"]


@dataclass
class ErrorLog:
    """Collects per-row or per-item failures of a batch job and writes them to `*.errors.csv`.

    `row` is the 1-based data row of the input file (header excluded); `item` identifies a pair or
    file. Reasons must never quote report text.
    """

    source: str
    rows: list[dict[str, object]] = field(default_factory=list)

    def add(self, reason: str, row: int | None = None, item: str = "") -> None:
        self.rows.append({"source": self.source, "row": row, "item": item, "reason": reason})

    def __len__(self) -> int:
        return len(self.rows)

    def write(self, path: str | os.PathLike[str]) -> Path:
        """Write the errors file (header only when there were no errors)."""
        return write_csv_atomic(pd.DataFrame(self.rows, columns=ERROR_COLUMNS), path)
