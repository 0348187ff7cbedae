"""Creating, resuming and sharing an Optuna study on any SQLAlchemy storage.

Several workers may run the same command on the same storage. `n_trials` is the study's total target:
before each trial a worker marks stale trials (workers that stopped sending heartbeats, e.g. killed)
as FAILED (they are re-queued once), queues trials owed to combinations short of their fair budget
(`tuning.fair_budget`), counts finished (complete or pruned) trials and trials running elsewhere, and
stops when the finished ones reach the target and no combination is owed a trial; while others'
running trials could reach it, it waits for them. Queued (WAITING) trials are taken first.

A study refuses to go on under other settings than it was created with (`tuning.settings`). Ctrl-C
marks the running trial FAILED and queues it again, so rerunning the same command resumes it.

A lost database connection does not stop a worker (`tuning.storage`): it marks its own interrupted trial
FAILED (re-queued like a stale one) and goes on. The storage lives in `tuning.storage`, the choice of
what to refit in `tuning.choices`.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import product

import optuna
from optuna.trial import FrozenTrial, TrialState

from glioma_change.errors import GliomaChangeError
from glioma_change.seeding import derive_seed
from glioma_change.study_config import StudyConfig
from glioma_change.tuning.fair_budget import QUEUED, CombinationPruner, min_trials, top_up
from glioma_change.tuning.interrupt import interrupts_outside_database_calls
from glioma_change.tuning.objective import Objective
from glioma_change.tuning.settings import check_settings, record_settings
from glioma_change.tuning.storage import (
    BACKOFF,
    Backoff,
    brief,
    finished_elsewhere,
    is_connection_error,
    retry_callback,
    retrying,
)

log = logging.getLogger(__name__)

FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)


class _QuietInterrupt(logging.Filter):
    """Drops Optuna's two 'trial failed' warnings (one with a traceback) of a trial ended by Ctrl-C."""

    def __init__(self) -> None:
        super().__init__()
        self.interrupted: str | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and isinstance(record.exc_info[1], KeyboardInterrupt):
            self.interrupted = message.split(" failed", 1)[0]  # "Trial <n>"
            return False
        return not (self.interrupted and message.startswith(f"{self.interrupted} failed with value"))


logging.getLogger("optuna.study._optimize").addFilter(_QuietInterrupt())


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
    """Create the study (recording its settings, queueing one trial per network × strategy when configured)
    or load it (refusing other settings: `tuning.settings.check_settings`)."""
    median = optuna.pruners.MedianPruner(
        n_startup_trials=config.study.pruner_startup_trials, n_warmup_steps=config.study.pruner_warmup_steps
    )
    pruner = CombinationPruner(median, min_trials(config))
    try:
        study = optuna.create_study(
            storage=storage,
            study_name=config.study.name,
            direction="maximize",
            sampler=_sampler(config, 0),
            pruner=pruner,
        )
    except optuna.exceptions.DuplicatedStudyError:
        study = optuna.load_study(
            study_name=config.study.name, storage=storage, sampler=_sampler(config, 0), pruner=pruner
        )
        check_settings(study, config)
        log.info("resuming study %r", config.study.name)
        return study
    record_settings(study, config)
    if config.search.enqueue_each_combination:
        for network, strategy in product(config.search.networks, config.search.strategies):
            study.enqueue_trial({"network": network, "strategy": strategy}, user_attrs={QUEUED: "each combination"})
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
    mine = WorkerState()
    with interrupts_outside_database_calls():
        while True:
            try:
                if not _next_trial(study, objective, config, n_trials, deadline, callbacks, mine):
                    return
            except KeyboardInterrupt:
                _requeue_interrupted(study, mine.number)
                raise
            except Exception as exc:
                if finished_elsewhere(exc):
                    log.warning("trial %s was failed by another worker (stale heartbeat); going on", mine.number)
                elif not is_connection_error(exc):
                    raise
                else:
                    log.warning("database connection lost: %s", brief(exc))
                    retrying(lambda: _fail_interrupted(study, mine.number, config), "reconnecting", backoff)
            mine.number = None


@dataclass
class WorkerState:
    """The number of this worker's running trial, while one runs, and its failures in a row."""

    number: int | None = None
    failures: int = 0


MAX_FAILURES_IN_A_ROW = 3
"""A worker whose trials fail this many times in a row stops: the cause is not one configuration."""


class TrialFailed(Exception):
    """A trial's training raised: the trial is marked FAILED and the study goes on."""


def _next_trial(
    study: optuna.Study,
    objective: Objective,
    config: StudyConfig,
    n_trials: int,
    deadline: float | None,
    callbacks: list[Callable[[optuna.Study, FrozenTrial], None]] | None,
    mine: WorkerState,
) -> bool:
    """Run one trial, or wait while others' running trials could reach the target; False when done."""
    optuna.storages.fail_stale_trials(study)
    owed = top_up(study, config)
    done = _count(study, FINISHED)
    if done >= n_trials and not owed:
        return False
    if deadline is not None and time.monotonic() > deadline:
        log.warning("timeout: stopping with %d of %d trials finished", done, n_trials)
        return False
    queued = owed and _count(study, (TrialState.WAITING,)) > 0
    if done + _count(study, (TrialState.RUNNING,)) >= n_trials and not queued:
        time.sleep(config.study.heartbeat_interval_s)  # others' running trials may reach the target
        return True
    started = [t for t in study.get_trials(deepcopy=False) if t.state != TrialState.WAITING]
    study.sampler = _sampler(config, len(started))
    study.optimize(
        _guarded(objective, n_trials, mine), n_trials=1, catch=(SurplusTrial, TrialFailed), callbacks=callbacks
    )
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
        retry_callback(config)(study, trial)


def _requeue_interrupted(study: optuna.Study, number: int | None) -> None:
    """Ctrl-C: mark this worker's running trial FAILED (Optuna usually has) and queue its parameters again."""
    if number is None:
        return
    with contextlib.suppress(ValueError, optuna.exceptions.UpdateFinishedTrialError):  # already finished
        study.tell(number, state=TrialState.FAIL)
    trial = next(t for t in study.get_trials(deepcopy=False) if t.number == number)
    if trial.state == TrialState.FAIL:
        params = {**trial.system_attrs.get("fixed_params", {}), **trial.params}
        study.enqueue_trial(params, user_attrs={QUEUED: f"interrupted trial {number}"})
        log.info("trial %d interrupted: FAILED and queued again", number)


class SurplusTrial(Exception):
    """Raised when a trial started while other workers' trials already reach the target (marked FAILED)."""


def _guarded(objective: Objective, n_trials: int, mine: WorkerState) -> Callable[[optuna.Trial], float]:
    # Two idle workers may pass the target check at the same instant; the later trial then yields.
    def run(trial: optuna.Trial) -> float:
        mine.number = trial.number
        earlier = [
            t
            for t in trial.study.get_trials(deepcopy=False, states=(*FINISHED, TrialState.RUNNING))
            if t.number < trial.number
        ]
        if len(earlier) >= n_trials and QUEUED not in trial.user_attrs:
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
            log.error("trial %d failed (%s): %s", trial.number, type(exc).__name__, brief(exc))
            if mine.failures >= MAX_FAILURES_IN_A_ROW:
                raise GliomaChangeError(
                    f"{mine.failures} trials in a row failed; the last one (trial {trial.number}) with "
                    f"{type(exc).__name__}: {brief(exc)}"
                ) from exc
            raise TrialFailed(str(exc)) from exc
        mine.failures = 0
        return value

    return run
