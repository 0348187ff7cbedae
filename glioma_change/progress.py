"""Progress bars for loops over patients, pairs, trials and epochs (silenced by `-q`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm.auto import tqdm

T = TypeVar("T")

_ENABLED = True


def set_enabled(enabled: bool) -> None:
    """Turn progress bars on or off for the whole process."""
    global _ENABLED
    _ENABLED = enabled


def progress(iterable: Iterable[T], desc: str, total: int | None = None, unit: str = "it") -> Iterator[T]:
    """Wrap an iterable in a progress bar written to stderr."""
    return iter(tqdm(iterable, desc=desc, total=total, unit=unit, disable=not _ENABLED, dynamic_ncols=True))


def progress_bar(total: int, desc: str, unit: str = "it") -> tqdm:
    """A progress bar advanced by hand (`.update(n)`, then `.close()`), for work finishing in chunks."""
    return tqdm(total=total, desc=desc, unit=unit, disable=not _ENABLED, dynamic_ncols=True)
