"""`glioma-change tune`: run (or join, or resume) the study, then refit the chosen configurations on every fold."""

from __future__ import annotations

import logging
from pathlib import Path

import optuna
import pandas as pd

from glioma_change.errors import ConfigError
from glioma_change.io import file_lock, write_csv_atomic
from glioma_change.run_layout import RunLayout
from glioma_change.study_config import StudyConfig
from glioma_change.tuning.choices import best_choices, write_best_params
from glioma_change.tuning.objective import OBJECTIVE
from glioma_change.tuning.storage import default_storage, make_storage, retrying
from glioma_change.tuning.study import open_study
from glioma_change.tuning.study_run import StudyRun
from glioma_change.tuning.workers import HelperWorkers, WorkerJob, run_caches, run_trials

log = logging.getLogger(__name__)


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
    run_dir.mkdir(parents=True, exist_ok=True)
    storage = make_storage(url, config)
    # created before helpers join; refused before the run directory is touched when its settings differ
    study = retrying(lambda: open_study(config, storage), "opening the study")
    session = StudyRun.open(config, run_dir, {"command": "tune", "storage": url.split("@")[-1], "workers": workers})
    target, timeout = n_trials or config.budget.n_trials, timeout_s or config.budget.timeout_s
    job = WorkerJob(
        config, run_dir, url, target, timeout, logging.getLogger().getEffectiveLevel(), optuna.logging.get_verbosity()
    )
    helpers = HelperWorkers(job, workers - 1)
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
        write_best_params(best, combos, run_dir, OBJECTIVE)
        return session.refit_and_write(best, combos, models)
