"""The two workflows behind `glioma-change tune` and `glioma-change train`, writing a run directory."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import optuna
import pandas as pd

from glioma_change.config import dump_config
from glioma_change.errors import ConfigError
from glioma_change.io import file_lock, write_csv_atomic
from glioma_change.run_layout import RunLayout
from glioma_change.runinfo import write_run_info
from glioma_change.study_config import StudyConfig
from glioma_change.training.params import TrainParams
from glioma_change.training.pretrain_cache import PretrainCache
from glioma_change.training.runtime import Runtime
from glioma_change.training.strategies import get_strategy
from glioma_change.training.study_data import StudyData
from glioma_change.tuning.refit import refit, write_strategy_table
from glioma_change.tuning.study import (
    Choice,
    best_choices,
    default_storage,
    make_storage,
    open_study,
    retrying,
    write_best_params,
)
from glioma_change.tuning.trial_models import TrialModels
from glioma_change.tuning.workers import Helpers, WorkerJob, run_caches, run_trials, worker_runtime

log = logging.getLogger(__name__)


@dataclass
class Session:
    """What every workflow sets up once: the run directory, device, data and pre-training cache."""

    config: StudyConfig
    run_dir: Path
    runtime: Runtime
    data: StudyData
    cache: PretrainCache

    @classmethod
    def open(cls, config: StudyConfig, run_dir: Path, extra: dict[str, object]) -> Session:
        """Seed everything, write `config.yaml` and `run_info.json`, load the maps."""
        run_dir.mkdir(parents=True, exist_ok=True)
        runtime = worker_runtime(config)
        dump_config(config, RunLayout(run_dir).config)
        write_run_info(run_dir, config.seed, {"device": str(runtime.device), **extra})
        data = StudyData(config, runtime.device)
        return cls(config, run_dir, runtime, data, run_caches(run_dir)[0])

    def refit_and_write(
        self, best: Choice, combos: dict[str, Choice], models: TrialModels | None = None
    ) -> pd.DataFrame:
        """Refit on every fold; write checkpoints, `predictions.csv` and `strategy_table.csv`."""
        predictions = refit(self.config, self.data, self.runtime, self.cache, best, combos, self.run_dir, models)
        return write_strategy_table(predictions, combos, self.run_dir)


def tune(
    config: StudyConfig,
    run_dir: Path,
    storage_url: str | None = None,
    n_trials: int | None = None,
    timeout_s: float | None = None,
    workers: int = 1,
) -> pd.DataFrame | None:
    """Run (or join, or resume) the study, then refit the chosen configurations on every fold.

    `workers` > 1 starts that many − 1 helper processes on this machine's device (`tuning.workers`),
    all joining the study; the refit starts when they have ended. Returns the strategy table, or None
    when another worker on this run directory is already refitting.
    """
    if workers < 1:
        raise ConfigError(f"--workers must be at least 1, got {workers}")
    url = storage_url or default_storage(run_dir)
    session = Session.open(config, run_dir, {"command": "tune", "storage": url.split("@")[-1], "workers": workers})
    storage = make_storage(url, config)
    study = retrying(lambda: open_study(config, storage), "opening the study")  # created before helpers join
    target, timeout = n_trials or config.budget.n_trials, timeout_s or config.budget.timeout_s
    job = WorkerJob(config, run_dir, url, target, timeout, logging.getLogger().getEffectiveLevel(),
                    optuna.logging.get_verbosity())
    helpers = Helpers(job, workers - 1)
    models = run_caches(run_dir)[1]
    try:
        run_trials(study, config, session.data, session.runtime, session.cache, models, target, timeout)
    except BaseException:
        helpers.terminate()
        raise
    helpers.join()
    with file_lock(run_dir / ".refit.lock", wait=False) as mine:
        if not mine:
            log.info("another worker is refitting into %s", run_dir)
            return None
        best, combos = retrying(lambda: best_choices(study, config), "reading the study")
        write_csv_atomic(retrying(study.trials_dataframe, "reading the study"), RunLayout(run_dir).trials)
        write_best_params(best, combos, run_dir, "mean inner-validation AUC over the outer folds")
        return session.refit_and_write(best, combos, models)


def train(config: StudyConfig, params: TrainParams, run_dir: Path) -> pd.DataFrame:
    """Train one configuration on every fold without tuning; same outputs as `tune` (no trials)."""
    if get_strategy(params.strategy).uses_weak and config.data.weak_labels is None:
        raise ConfigError(f"data.weak_labels: required by strategy {params.strategy!r}")
    session = Session.open(config, run_dir, {"command": "train"})
    choice = Choice(None, None, params)
    write_best_params(choice, {params.combo: choice}, run_dir, "none: parameters given, not tuned")
    return session.refit_and_write(choice, {params.combo: choice})
