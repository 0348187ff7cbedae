"""Optuna summaries of a run: trials from the storage, fANOVA importances, and the η² fallback."""

from __future__ import annotations

from pathlib import Path

import optuna
import pandas as pd
import pytest

from glioma_change.evaluation.tuning_summary import load_trials, param_importances, variance_share


def _study(run: Path, n_trials: int) -> None:
    run.mkdir(parents=True, exist_ok=True)
    study = optuna.create_study(
        storage=f"sqlite:///{run / 'study.db'}",
        study_name="s",
        direction="maximize",
        sampler=optuna.samplers.RandomSampler(seed=0),
    )
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study.optimize(
        lambda t: -10 * (t.suggest_float("lr", 0, 1) - 0.3) ** 2 + 0.01 * t.suggest_float("noise", 0, 1),
        n_trials=n_trials,
    )


def test_importances_from_the_study_storage_rank_the_parameter_that_matters(tmp_path: Path) -> None:
    _study(tmp_path, 12)
    trials = load_trials(tmp_path)  # no trials.csv: read from study.db
    assert len(trials) == 12 and "params_lr" in trials
    importances, method = param_importances(tmp_path, trials)
    assert method.startswith("fANOVA")
    assert importances["lr"] > importances["noise"]


def test_few_trials_fall_back_to_the_variance_share(tmp_path: Path) -> None:
    _study(tmp_path, 4)
    importances, method = param_importances(tmp_path, load_trials(tmp_path))
    assert method.startswith("η²")
    assert sum(importances.values()) == pytest.approx(1.0)


def test_variance_share_of_a_categorical_parameter() -> None:
    trials = pd.DataFrame(
        {
            "value": [0.9, 0.9, 0.5, 0.5],
            "params_strategy": ["mixed", "mixed", "baseline", "baseline"],
            "params_seedless": ["a", "b", "a", "b"],
            "state": "COMPLETE",
        }
    )
    share = variance_share(trials)
    assert share["strategy"] == 1.0 and share["seedless"] == 0.0
