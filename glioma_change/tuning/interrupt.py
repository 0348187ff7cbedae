"""Ctrl-C at a safe point: never inside a database call.

A `KeyboardInterrupt` raised in the middle of a storage call can leave an SQLite write transaction
open, and the next write (marking the interrupted trial FAILED and queueing it again) then waits for
the lock. While a worker runs trials, Ctrl-C in a database call is delivered again a moment later,
once the call has returned; anywhere else (training, sleeping) it interrupts at once.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from types import FrameType

DATABASE_MODULES = ("sqlalchemy", "optuna.storages", "sqlite3")
RETRY_S = 0.05


def _in_database_call(frame: FrameType | None) -> bool:
    while frame is not None:
        if str(frame.f_globals.get("__name__", "")).startswith(DATABASE_MODULES):
            return True
        frame = frame.f_back
    return False


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    if _in_database_call(frame):
        threading.Timer(RETRY_S, os.kill, (os.getpid(), signal.SIGINT)).start()
        return
    raise KeyboardInterrupt


@contextlib.contextmanager
def interrupts_outside_database_calls() -> Iterator[None]:
    """Within: Ctrl-C raises `KeyboardInterrupt` only outside database calls (main thread, default handler only)."""
    usable = threading.current_thread() is threading.main_thread()
    if not usable or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return
    signal.signal(signal.SIGINT, _on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
