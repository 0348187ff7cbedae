"""Creating, resuming and sharing an Optuna study on any SQLAlchemy storage.

Several workers may run the same command on the same storage. `n_trials` is the study's total target:
before each trial a worker marks stale trials (workers that stopped sending heartbeats, e.g. killed)
as FAILED (they are re-queued once), counts finished (complete or pruned) trials and trials running
elsewhere, and stops when the finished ones reach the target; while others' running trials could reach
it, it waits for them.
"""

from __future__ import annotations

import json
import logging
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from itertools import product
from pathlib import Path

import optuna
import sqlalchemy.exc
from optuna.trial import FrozenTrial, TrialState

from glioma_change.io import write_text_atomic
from glioma_change.seeding import derive_seed
from glioma_change.training.params import TrainParams, params_from_dict
from glioma_change.tuning.config import StudyConfig
from glioma_change.tuning.objective import Objective
from glioma_change.tuning.search_space import params_of

log = logging.getLogger(__name__)

FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)

warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)


def default_storage(run_dir: Path) -> str:
    """The SQLite file `RUN/study.db` as an SQLAlchemy URL."""
    return f"sqlite:///{(run_dir / 'study.db').resolve()}"


def make_storage(url: str, config: StudyConfig, attempts: int = 5) -> optuna.storages.RDBStorage:
    """RDB storage with heartbeats, so a killed worker's trial is failed (and re-queued) later.

    Workers starting together may race to create the tables; the loser retries once they exist.
    """

    def connect() -> optuna.storages.RDBStorage:
        return optuna.storages.RDBStorage(
            url,
            engine_kwargs={"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {},
            heartbeat_interval=config.study.heartbeat_interval_s,
            grace_period=config.study.grace_period_s,
            heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(
                max_retry=config.study.max_retry
            ),
        )

    for attempt in range(attempts - 1):
        try:
            return connect()
        except sqlalchemy.exc.DBAPIError:
            log.info("storage not ready (another worker is creating it); retrying")
            time.sleep(0.5 * (attempt + 1))
    return connect()


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
) -> None:
    """Run trials until the study holds `n_trials` finished trials (or this worker's timeout passes)."""
    start = time.monotonic()
    while True:
        optuna.storages.fail_stale_trials(study)
        done = _count(study, FINISHED)
        if done >= n_trials:
            return
        if timeout_s is not None and time.monotonic() - start > timeout_s:
            log.warning("timeout: stopping with %d of %d trials finished", done, n_trials)
            return
        if done + _count(study, (TrialState.RUNNING,)) >= n_trials:
            time.sleep(config.study.heartbeat_interval_s)  # others' running trials may reach the target
            continue
        started = [t for t in study.get_trials(deepcopy=False) if t.state != TrialState.WAITING]
        study.sampler = _sampler(config, len(started))
        study.optimize(_guarded(objective, n_trials), n_trials=1, catch=(SurplusTrial,), callbacks=callbacks)


class SurplusTrial(Exception):
    """Raised when a trial started while other workers' trials already reach the target (marked FAILED)."""


def _guarded(objective: Objective, n_trials: int) -> Callable[[optuna.Trial], float]:
    # Two idle workers may pass the target check at the same instant; the later trial then yields.
    def run(trial: optuna.Trial) -> float:
        earlier = [
            t for t in trial.study.get_trials(deepcopy=False, states=(*FINISHED, TrialState.RUNNING))
            if t.number < trial.number
        ]
        if len(earlier) >= n_trials:
            raise SurplusTrial(f"trial {trial.number}: {n_trials} trials already finished or running")
        return objective(trial)

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
    write_text_atomic(json.dumps(out, indent=2), run_dir / "best_params.json")
