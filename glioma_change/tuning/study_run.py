"""`StudyRun`: what `tune`, `train` and `scarcity` set up once in a run directory, and the refit they share."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from glioma_change.config import dump_config
from glioma_change.run_layout import RunLayout
from glioma_change.runinfo import write_run_info
from glioma_change.study_config import StudyConfig
from glioma_change.training.pretrain_cache import PretrainCache
from glioma_change.training.runtime import Runtime
from glioma_change.training.study_data import StudyData
from glioma_change.tuning.choices import ChosenConfig
from glioma_change.tuning.refit import refit, write_strategy_table
from glioma_change.tuning.trial_models import TrialModels
from glioma_change.tuning.workers import run_caches, worker_runtime


@dataclass
class StudyRun:
    """What every workflow sets up once: the run directory, device, data and pre-training cache."""

    config: StudyConfig
    run_dir: Path
    runtime: Runtime
    data: StudyData
    cache: PretrainCache

    @classmethod
    def open(cls, config: StudyConfig, run_dir: Path, extra: dict[str, object]) -> StudyRun:
        """Seed everything, write `config.yaml` and `run_info.json`, load the maps."""
        run_dir.mkdir(parents=True, exist_ok=True)
        runtime = worker_runtime(config)
        dump_config(config, RunLayout(run_dir).config)
        write_run_info(run_dir, config.seed, {"device": str(runtime.device), **extra})
        data = StudyData(config, runtime.device)
        return cls(config, run_dir, runtime, data, run_caches(run_dir)[0])

    def refit_and_write(
        self, best: ChosenConfig, combos: dict[str, ChosenConfig], models: TrialModels | None = None
    ) -> pd.DataFrame:
        """Refit on every fold; write checkpoints, `predictions.csv` and `strategy_table.csv`."""
        predictions = refit(self.config, self.data, self.runtime, self.cache, best, combos, self.run_dir, models)
        return write_strategy_table(predictions, combos, self.run_dir)
