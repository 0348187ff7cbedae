"""The Optuna objective: inner-validation AUC over the outer folds (test patients never seen), on one scale."""

from __future__ import annotations

import os
import socket

import numpy as np
import optuna

from glioma_change.stats import has_both_classes, safe_auc
from glioma_change.study_config import StudyConfig
from glioma_change.training.loop import predict
from glioma_change.training.pretrain_cache import PretrainCache
from glioma_change.training.runtime import Runtime
from glioma_change.training.study_data import StudyData
from glioma_change.tuning.fold_runs import run_fold
from glioma_change.tuning.search_space import sample_params
from glioma_change.tuning.trial_models import TrialModels

OBJECTIVE = (
    "inner-validation AUC: mean over the outer folds of each fold's validation AUC, or the AUC of all folds' "
    "validation predictions pooled when a fold's validation pairs hold one class"
)


def objective_value(labels: list[np.ndarray], probs: list[np.ndarray]) -> float:
    """Mean per-fold validation AUC; the pooled AUC of all folds' predictions when a fold lacks a class.

    Always an AUC (never averaged with another metric); NaN when even the pooled pairs hold one class.
    """
    if all(has_both_classes(y) for y in labels):
        return float(np.mean([safe_auc(y, p) for y, p in zip(labels, probs, strict=True)]))
    return safe_auc(np.concatenate(labels), np.concatenate(probs))


class Objective:
    """Samples a configuration, trains it on every outer fold (repeat 0) and returns `objective_value`.

    Each epoch's validation score is reported at step `fold * epochs + epoch`, so the pruner compares
    trials at the same point of the same fold (the same validation pairs: the loop's score, an AUC when
    they hold both classes, which `data.make_folds` ensures where the patients allow). Fold models are
    saved for the refit (`TrialModels`). The user attribute `worker` (`host:pid`) names the process that
    ran the trial, `val_auc_fold<k>` each fold's validation AUC of its best epoch (NaN with one class).
    """

    def __init__(
        self, config: StudyConfig, data: StudyData, runtime: Runtime, cache: PretrainCache, models: TrialModels
    ) -> None:
        self.config, self.data, self.runtime, self.cache, self.models = config, data, runtime, cache, models

    def __call__(self, trial: optuna.Trial) -> float:
        params = sample_params(trial, self.config.search)
        trial.set_user_attr("worker", f"{socket.gethostname()}:{os.getpid()}")
        epochs = self.config.budget.epochs
        labels, probs = [], []
        for fold in range(self.config.folds.n_folds):

            def report(epoch: int, score: float, fold: int = fold) -> None:
                trial.report(score, fold * epochs + epoch)
                if trial.should_prune():
                    raise optuna.TrialPruned(f"fold {fold} epoch {epoch}: validation score {score:.3f}")

            run = run_fold(self.config, self.data, params, fold, self.runtime, self.cache, report)
            self.models.save(trial.number, run)
            y = run.data.val.y.cpu().numpy()
            p = predict(run.trained.model, run.data.val, self.runtime, self.config.budget.eval_batch_size)
            labels.append(y)
            probs.append(np.asarray(p))
            trial.set_user_attr(f"val_auc_fold{fold}", safe_auc(y, probs[-1]))
        return objective_value(labels, probs)
