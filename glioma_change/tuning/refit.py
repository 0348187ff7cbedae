"""Refitting chosen configurations on every outer fold and writing checkpoints, predictions and the table.

For each repeat of the outer cross-validation (`folds.repeats`), each fold and each `network/strategy`,
the chosen parameters are trained on the fold's training part (early stopping on its validation
patients), then the fold's validation and test pairs are predicted. The overall best configuration is
also written as `best.pt` / `model=best`. Tuning saw repeat 0 only; later repeats reshuffle the patients.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from glioma_change.formats import PREDICTION_COLUMNS
from glioma_change.io import write_csv_atomic
from glioma_change.models import save_checkpoint
from glioma_change.predictions import strategy_table
from glioma_change.progress import progress
from glioma_change.run_layout import RunLayout
from glioma_change.study_config import StudyConfig
from glioma_change.training.loop import predict
from glioma_change.training.pretrain_cache import PretrainCache
from glioma_change.training.runtime import Runtime
from glioma_change.training.study_data import StudyData
from glioma_change.tuning.choices import ChosenConfig
from glioma_change.tuning.fold_runs import FoldRun, run_fold
from glioma_change.tuning.trial_models import TrialModels


def fold_predictions(run: FoldRun, config: StudyConfig, runtime: Runtime, model_name: str) -> pd.DataFrame:
    """Validation and test predictions of one fold model (`PREDICTION_COLUMNS` but fold, network, strategy)."""
    parts = []
    for split in ("val", "test"):
        rows = run.data.frames[split]
        samples = getattr(run.data, split)
        prob = predict(run.trained.model, samples, runtime, config.budget.eval_batch_size)
        part = rows[["patient_id", "comparative_date", "exam_date", "pair_id"]].copy()
        part["y_true"] = rows["label"].astype(int).to_numpy()
        part["prob"] = prob
        part["split"] = split
        part["model"] = model_name
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _save(run: FoldRun, path: Path, config: StudyConfig, data: StudyData, choice: ChosenConfig) -> None:
    meta = {
        "input_shape": list(config.data.input_shape),
        "input_spacing": list(data.bank.input_spacing),
        "channels": list(config.data.channels),
        "fold": run.data.fold,
        "repeat": run.data.repeat,
        "strategy": choice.params.strategy,
        "network": choice.params.network,
        "seed": config.seed,
        "params": choice.params.model_dump(mode="json"),
        "trial": choice.trial,
        "val_score": run.trained.fit.best_score,
        "best_epoch": run.trained.fit.best_epoch,
    }
    save_checkpoint(path, run.trained.model, run.spec, meta)


def refit(
    config: StudyConfig,
    data: StudyData,
    runtime: Runtime,
    cache: PretrainCache,
    best: ChosenConfig,
    combos: dict[str, ChosenConfig],
    run_dir: Path,
    trial_models: TrialModels | None = None,
) -> pd.DataFrame:
    """Refit every combination on every fold of every repeat; write checkpoints and `predictions.csv`.

    A fold model the chosen trial saved (`trial_models`, repeat 0) is used as is: it is the same training.
    """
    layout = RunLayout(run_dir)
    jobs = [
        (repeat, fold, name, choice)
        for repeat in range(config.folds.repeats)
        for fold in range(config.folds.n_folds)
        for name, choice in combos.items()
    ]
    frames = []
    for repeat, fold, name, choice in progress(jobs, desc="refit", unit="model"):
        p = choice.params
        saved = None
        if trial_models is not None and choice.trial is not None and repeat == 0:
            saved = trial_models.load(choice.trial, fold, p, config, data)
        run = saved or run_fold(config, data, p, fold, runtime, cache, repeat=repeat)
        runtime.prepare(run.trained.model)
        _save(run, layout.checkpoint(fold, p.network, p.strategy, repeat), config, data, choice)
        names = [name]
        if p == best.params:
            _save(run, layout.best_checkpoint(fold, repeat), config, data, best)
            names.append("best")
        for model_name in names:
            pred = fold_predictions(run, config, runtime, model_name)
            pred["fold"], pred["network"], pred["strategy"], pred["repeat"] = fold, p.network, p.strategy, repeat
            frames.append(pred)
    predictions = pd.concat(frames, ignore_index=True)[PREDICTION_COLUMNS]
    write_csv_atomic(predictions, layout.predictions)
    return predictions


def write_strategy_table(predictions: pd.DataFrame, combos: dict[str, ChosenConfig], run_dir: Path) -> pd.DataFrame:
    """`RUN/strategy_table.csv` (`predictions.strategy_table` of the refitted combinations)."""
    table = strategy_table(predictions, {name: (c.trial, c.value, c.refit_source) for name, c in combos.items()})
    write_csv_atomic(table, RunLayout(run_dir).strategy_table)
    return table
