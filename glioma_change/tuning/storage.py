"""The study's storage: any SQLAlchemy URL or an Optuna gRPC proxy, and retrying a lost connection.

A lost database connection (server restart, network drop) does not stop a worker: calls are retried
with a bounded exponential back-off (`Backoff`, `retrying`); the heartbeat thread survives it
(`ResilientRDBStorage`). Finished trials are committed and never lost.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import optuna
import sqlalchemy.exc

from glioma_change.errors import ConfigError
from glioma_change.run_layout import RunLayout
from glioma_change.study_config import StudyConfig

log = logging.getLogger(__name__)

warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)


def default_storage(run_dir: Path) -> str:
    """The SQLite file `RUN/study.db` as an SQLAlchemy URL."""
    return f"sqlite:///{RunLayout(run_dir).study_db.resolve()}"


T = TypeVar("T")


@dataclass(frozen=True)
class Backoff:
    """Bounded exponential back-off: waits of `first_s`, doubling up to `max_s`, `attempts` tries in all."""

    first_s: float = 1.0
    max_s: float = 60.0
    attempts: int = 10

    def delays(self) -> Iterator[float]:
        return (min(self.first_s * 2**i, self.max_s) for i in range(self.attempts - 1))


BACKOFF = Backoff()  # waits of 1, 2, 4 … 60 s: about 4 minutes before a worker gives up


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and the exceptions it was raised from or while handling."""
    seen: BaseException | None = exc
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__


def _connection_error(exc: BaseException) -> BaseException | None:
    errors = (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError, ConnectionError)
    return next((e for e in _chain(exc) if isinstance(e, errors)), None)


def is_connection_error(exc: BaseException) -> bool:
    """Whether `exc` comes from a lost or refused database connection."""
    return _connection_error(exc) is not None


def finished_elsewhere(exc: BaseException) -> bool:
    return any(isinstance(e, optuna.exceptions.UpdateFinishedTrialError) for e in _chain(exc))


def brief(exc: BaseException) -> str:
    """One line: the connection error behind `exc` when there is one (optuna wraps it), else `exc`."""
    return " ".join(str(_connection_error(exc) or exc).split())[:200]


def retrying(
    call: Callable[[], T],
    what: str,
    backoff: Backoff = BACKOFF,
    retry_on: Callable[[BaseException], bool] = is_connection_error,
) -> T:
    """`call()`, retried after each wait of `backoff` while it fails with an error `retry_on` accepts."""
    for delay in backoff.delays():
        try:
            return call()
        except Exception as exc:
            if not retry_on(exc):
                raise
            log.warning("%s: %s; retrying in %.1f s", what, brief(exc), delay)
            time.sleep(delay)
    return call()


class ResilientRDBStorage(optuna.storages.RDBStorage):
    """RDB storage whose heartbeat thread survives a lost connection (it logs and beats again later).

    Without this, one failed heartbeat ends the thread and the still running trial goes stale.
    """

    def record_heartbeat(self, trial_id: int) -> None:
        try:
            super().record_heartbeat(trial_id)
        except Exception as exc:
            if not is_connection_error(exc):
                raise
            log.warning("heartbeat of trial id %d not recorded: %s", trial_id, brief(exc))


def make_storage(url: str, config: StudyConfig) -> optuna.storages.BaseStorage:
    """The storage behind `url`: `grpc://HOST:PORT` (an Optuna storage proxy) or any SQLAlchemy URL.

    RDB storages send heartbeats, so a killed worker's trial is failed (and re-queued) later; their
    pooled connections are checked before use, so a restarted server is reconnected to. Workers
    starting together may race to create the tables; the loser retries once they exist.
    """
    if url.startswith("grpc://"):
        return _grpc_proxy(url)

    def connect() -> optuna.storages.RDBStorage:
        return ResilientRDBStorage(
            url,
            engine_kwargs={"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {"pool_pre_ping": True},
            heartbeat_interval=config.study.heartbeat_interval_s,
            grace_period=config.study.grace_period_s,
            heartbeat_stale_trial_callback=retry_callback(config),
        )

    return retrying(
        connect,
        "opening the storage",
        Backoff(first_s=0.5),
        lambda exc: isinstance(exc, sqlalchemy.exc.DBAPIError) or is_connection_error(exc),
    )


def _grpc_proxy(url: str) -> optuna.storages.BaseStorage:
    # No heartbeats through the proxy (Optuna 5.0): a killed worker's trial stays RUNNING (docs/scale.md).
    parts = urlsplit(url)
    try:
        proxy = optuna.storages.GrpcStorageProxy(host=parts.hostname or "localhost", port=parts.port or 13000)
    except ImportError:
        raise ConfigError(
            "--storage grpc://…: the gRPC proxy client needs the `grpc` extra (`pip install glioma-change[grpc]`)"
        ) from None
    proxy.wait_server_ready(timeout=60)
    return proxy


def retry_callback(config: StudyConfig) -> optuna.storages.RetryHeartbeatStaleTrialCallback:
    """Re-queue a failed trial (stale or interrupted) as WAITING, at most `study.max_retry` times."""
    return optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=config.study.max_retry)
