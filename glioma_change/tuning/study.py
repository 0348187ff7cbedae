"""Creating, resuming and sharing an Optuna study on any SQLAlchemy storage.

Several workers may run the same command on the same storage. `n_trials` is the study's total target:
before each trial a worker marks stale trials (workers that stopped sending heartbeats, e.g. killed)
as FAILED (they are re-queued once), counts finished (complete or pruned) trials and trials running
elsewhere, and stops when the finished ones reach the target; while others' running trials could reach
it, it waits for them.

A lost database connection (server restart, network drop) does not stop a worker: it retries with a
bounded exponential back-off (`Backoff`), marks its own interrupted trial FAILED (re-queued like a stale
one) and goes on. Finished trials are committed and never lost.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import product
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import optuna
import sqlalchemy.exc
from optuna.trial import FrozenTrial, TrialState

from glioma_change.errors import ConfigError, GliomaChangeError
from glioma_change.io import write_text_atomic
from glioma_change.run_layout import RunLayout
from glioma_change.seeding import derive_seed
from glioma_change.study_config import StudyConfig
from glioma_change.training.params import TrainParams, params_from_dict
from glioma_change.tuning.objective import Objective
from glioma_change.tuning.search_space import params_of

log = logging.getLogger(__name__)

FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)

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


def _finished_elsewhere(exc: BaseException) -> bool:
    return any(isinstance(e, optuna.exceptions.UpdateFinishedTrialError) for e in _chain(exc))


def _brief(exc: BaseException) -> str:
    """One line: the connection error behind `exc` when there is one (optuna wraps it), else `exc`."""
    return " ".join(str(_connection_error(exc) or exc).split())[:200]


def retrying(
    call: Callable[[], T], what: str, backoff: Backoff = BACKOFF,
    retry_on: Callable[[BaseException], bool] = is_connection_error,
) -> T:
    """`call()`, retried after each wait of `backoff` while it fails with an error `retry_on` accepts."""
    for delay in backoff.delays():
        try:
            return call()
        except Exception as exc:
            if not retry_on(exc):
                raise
            log.warning("%s: %s; retrying in %.1f s", what, _brief(exc), delay)
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
            log.warning("heartbeat of trial id %d not recorded: %s", trial_id, _brief(exc))


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
            heartbeat_stale_trial_callback=_retry_callback(config),
        )

    return retrying(connect, "opening the storage", Backoff(first_s=0.5),
                    lambda exc: isinstance(exc, sqlalchemy.exc.DBAPIError) or is_connection_error(exc))


def _grpc_proxy(url: str) -> optuna.storages.BaseStorage:
    # No heartbeats through the proxy (Optuna 5.0): a killed worker's trial stays RUNNING (docs/scale.md).
    parts = urlsplit(url)
    try:
        proxy = optuna.storages.GrpcStorageProxy(host=parts.hostname or "localhost", port=parts.port or 13000)
    except ImportError:
        raise ConfigError("--storage grpc://…: the gRPC proxy client needs the `grpc` extra (`pip install glioma-change[grpc]`)") from None
    proxy.wait_server_ready(timeout=60)
    return proxy


def _retry_callback(config: StudyConfig) -> optuna.storages.RetryHeartbeatStaleTrialCallback:
    """Re-queue a failed trial (stale or interrupted) as WAITING, at most `study.max_retry` times."""
    return optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=config.study.max_retry)


def _sampler(config: StudyConfig, n_trials_seen: int) -> optuna.samplers.TPESampler:
    # Re-seeded per trial from the study's progress: one worker is reproducible, two workers draw
    # different points instead of repeating each other's random start-up trials.
    return optuna.samplers.TPESampler(
        seed=derive_seed(config.seed, "tpe", n_trials_seen),
        n_startup_trials=config.study.n_startup_trials,
        multivariate=True,
        group=True,
    )


def open_study(config: StudyConfig, storage: optuna.storages.BaseStorage) -> optuna.Study:
    """Create the study (queueing one trial per network × strategy when configured) or load it."""
    pruner = optuna.pruners.MedianPruner(
        n_startup_trials=config.study.pruner_startup_trials, n_warmup_steps=config.study.pruner_warmup_steps
    )
    try:
        study = optuna.create_study(
            storage=storage, study_name=config.study.name, direction="maximize",
            sampler=_sampler(config, 0), pruner=pruner,
        )
    except optuna.exceptions.DuplicatedStudyError:
        log.info("resuming study %r", config.study.name)
        return optuna.load_study(
            study_name=config.study.name, storage=storage, sampler=_sampler(config, 0), pruner=pruner
        )
    if config.search.enqueue_each_combination:
        for network, strategy in product(config.search.networks, config.search.strategies):
            study.enqueue_trial({"network": network, "strategy": strategy})
    return study


def _count(study: optuna.Study, states: tuple[TrialState, ...]) -> int:
    return len(study.get_trials(deepcopy=False, states=states))


def run_worker(
    study: optuna.Study,
    objective: Objective,
    config: StudyConfig,
    n_trials: int,
    timeout_s: float | None,
    callbacks: list[Callable[[optuna.Study, FrozenTrial], None]] | None = None,
    backoff: Backoff = BACKOFF,
) -> None:
    """Run trials until the study holds `n_trials` finished trials (or this worker's timeout passes).

    A lost connection is retried with `backoff`; the trial it interrupted is marked FAILED and re-queued.
    """
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    mine = _Running()
    while True:
        try:
            if not _next_trial(study, objective, config, n_trials, deadline, callbacks, mine):
                return
        except Exception as exc:
            if _finished_elsewhere(exc):
                log.warning("trial %s was failed by another worker (stale heartbeat); going on", mine.number)
            elif not is_connection_error(exc):
                raise
            else:
                log.warning("database connection lost: %s", _brief(exc))
                retrying(lambda: _fail_interrupted(study, mine.number, config), "reconnecting", backoff)
        mine.number = None


@dataclass
class _Running:
    """The number of this worker's running trial, while one runs, and its failures in a row."""

    number: int | None = None
    failures: int = 0


MAX_FAILURES_IN_A_ROW = 3
"""A worker whose trials fail this many times in a row stops: the cause is not one configuration."""


class TrialFailed(Exception):
    """A trial's training raised: the trial is marked FAILED and the study goes on."""


def _next_trial(
    study: optuna.Study, objective: Objective, config: StudyConfig, n_trials: int, deadline: float | None,
    callbacks: list[Callable[[optuna.Study, FrozenTrial], None]] | None, mine: _Running,
) -> bool:
    """Run one trial, or wait while others' running trials could reach the target; False when done."""
    optuna.storages.fail_stale_trials(study)
    done = _count(study, FINISHED)
    if done >= n_trials:
        return False
    if deadline is not None and time.monotonic() > deadline:
        log.warning("timeout: stopping with %d of %d trials finished", done, n_trials)
        return False
    if done + _count(study, (TrialState.RUNNING,)) >= n_trials:
        time.sleep(config.study.heartbeat_interval_s)  # others' running trials may reach the target
        return True
    started = [t for t in study.get_trials(deepcopy=False) if t.state != TrialState.WAITING]
    study.sampler = _sampler(config, len(started))
    study.optimize(_guarded(objective, n_trials, mine), n_trials=1, catch=(SurplusTrial, TrialFailed),
                   callbacks=callbacks)
    return True


def _fail_interrupted(study: optuna.Study, number: int | None, config: StudyConfig) -> None:
    """Mark this worker's interrupted trial FAILED and re-queue it, unless it finished or was re-queued."""
    if number is None:
        return
    with contextlib.suppress(ValueError, optuna.exceptions.UpdateFinishedTrialError):  # already finished
        study.tell(number, state=TrialState.FAIL)
    trials = study.get_trials(deepcopy=False)
    trial = next(t for t in trials if t.number == number)
    if trial.state == TrialState.FAIL and not any(number in t.system_attrs.get("retry_history", ()) for t in trials):
        log.warning("trial %d interrupted by the lost connection: FAILED and re-queued", number)
        _retry_callback(config)(study, trial)


class SurplusTrial(Exception):
    """Raised when a trial started while other workers' trials already reach the target (marked FAILED)."""


def _guarded(objective: Objective, n_trials: int, mine: _Running) -> Callable[[optuna.Trial], float]:
    # Two idle workers may pass the target check at the same instant; the later trial then yields.
    def run(trial: optuna.Trial) -> float:
        mine.number = trial.number
        earlier = [
            t for t in trial.study.get_trials(deepcopy=False, states=(*FINISHED, TrialState.RUNNING))
            if t.number < trial.number
        ]
        if len(earlier) >= n_trials:
            raise SurplusTrial(f"trial {trial.number}: {n_trials} trials already finished or running")
        try:
            value = objective(trial)
        except optuna.TrialPruned:
            mine.failures = 0
            raise
        except Exception as exc:
            if is_connection_error(exc):
                raise
            mine.failures += 1
            log.error("trial %d failed (%s): %s", trial.number, type(exc).__name__, _brief(exc))
            if mine.failures >= MAX_FAILURES_IN_A_ROW:
                raise GliomaChangeError(
                    f"{mine.failures} trials in a row failed; the last one (trial {trial.number}) with "
                    f"{type(exc).__name__}: {_brief(exc)}"
                ) from exc
            raise TrialFailed(str(exc)) from exc
        mine.failures = 0
        return value

    return run


@dataclass(frozen=True)
class Choice:
    """A configuration chosen for refitting: its trial (None when substituted), value and parameters."""

    trial: int | None
    value: float | None
    params: TrainParams

    def to_json(self) -> dict[str, object]:
        return {"trial": self.trial, "value": self.value, "params": self.params.model_dump(mode="json")}


def best_choices(study: optuna.Study, config: StudyConfig) -> tuple[Choice, dict[str, Choice]]:
    """The best trial and, per `network/strategy`, the best trial of that combination.

    A combination without a complete trial takes the overall best parameters with its network and
    strategy substituted (and the network's first listed width when the network differs); its `trial`
    is then None.
    """
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if not complete:
        raise RuntimeError("the study has no complete trial")
    top = max(complete, key=lambda t: t.value)
    best = Choice(top.number, top.value, params_of(top, config.search))
    combos: dict[str, Choice] = {}
    for network, strategy in product(config.search.networks, config.search.strategies):
        mine = [t for t in complete if t.params.get("network") == network and t.params.get("strategy") == strategy]
        if mine:
            t = max(mine, key=lambda t: t.value)
            combos[f"{network}/{strategy}"] = Choice(t.number, t.value, params_of(t, config.search))
        else:
            width = best.params.width if network == best.params.network else config.search.width[network][0]
            values = {**best.params.model_dump(), "network": network, "strategy": strategy, "width": width}
            combos[f"{network}/{strategy}"] = Choice(None, None, params_from_dict(values))
    return best, combos


def write_best_params(best: Choice, combos: dict[str, Choice], run_dir: Path, objective: str) -> None:
    """`RUN/best_params.json`: the objective, `best`, and one entry per `network/strategy`."""
    out = {"objective": objective, "best": best.to_json(), "combinations": {k: c.to_json() for k, c in combos.items()}}
    write_text_atomic(json.dumps(out, indent=2), RunLayout(run_dir).best_params)
