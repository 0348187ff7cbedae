"""The Optuna objective: mean inner-validation AUC over the outer folds (test patients never seen)."""

from __future__ import annotations

import os
import socket

import numpy as np
import optuna

from glioma_change.study_config import StudyConfig
from glioma_change.training.pretrain_cache import PretrainCache
from glioma_change.training.runtime import Runtime
from glioma_change.training.study_data import StudyData
from glioma_change.tuning.fold_runs import run_fold
from glioma_change.tuning.search_space import sample_params
from glioma_change.tuning.trial_models import TrialModels


class Objective:
    """Samples a configuration, trains it on every outer fold and returns the mean validation score.

    Each epoch's validation score is reported at step `fold * epochs + epoch`, so the pruner compares
    trials at the same point of the same fold. Fold models are saved for the refit (`TrialModels`). The
    user attribute `worker` (`host:pid`) names the process that ran the trial.
    """

    def __init__(
        self, config: StudyConfig, data: StudyData, runtime: Runtime, cache: PretrainCache, models: TrialModels
    ) -> None:
        self.config, self.data, self.runtime, self.cache, self.models = config, data, runtime, cache, models

    def __call__(self, trial: optuna.Trial) -> float:
        params = sample_params(trial, self.config.search)
        trial.set_user_attr("worker", f"{socket.gethostname()}:{os.getpid()}")
        epochs = self.config.budget.epochs
        scores = []
        for fold in range(self.config.folds.n_folds):

            def report(epoch: int, score: float, fold: int = fold) -> None:
                trial.report(score, fold * epochs + epoch)
                if trial.should_prune():
                    raise optuna.TrialPruned(f"fold {fold} epoch {epoch}: validation score {score:.3f}")

            run = run_fold(self.config, self.data, params, fold, self.runtime, self.cache, report)
            self.models.save(trial.number, run)
            scores.append(run.trained.fit.best_score)
            trial.set_user_attr(f"val_score_fold{fold}", run.trained.fit.best_score)
        return float(np.mean(scores))
