"""`glioma-change train`: one given configuration fitted on every outer fold, without tuning."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from glioma_change.errors import ConfigError
from glioma_change.study_config import StudyConfig
from glioma_change.training.params import TrainParams
from glioma_change.training.strategies import get_strategy
from glioma_change.tuning.choices import ChosenConfig, write_best_params
from glioma_change.tuning.study_run import StudyRun


def train(config: StudyConfig, params: TrainParams, run_dir: Path) -> pd.DataFrame:
    """Train one configuration on every fold without tuning; same outputs as `tune` (no trials)."""
    if get_strategy(params.strategy).uses_weak and config.data.weak_labels is None:
        raise ConfigError(f"data.weak_labels: required by strategy {params.strategy!r}")
    session = StudyRun.open(config, run_dir, {"command": "train"})
    choice = ChosenConfig(None, None, params, "parameters given to `train`, not tuned")
    write_best_params(choice, {params.model_name: choice}, run_dir, "none: parameters given, not tuned")
    return session.refit_and_write(choice, {params.model_name: choice})
