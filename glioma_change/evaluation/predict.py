"""`predict`: P(unstable) of unlabelled difference maps under a run's fold ensemble.

Every map under `MAPS` (its `manifest.csv` rows that did not fail, or `*_T2wdiff.nii.gz` files by name) is
scored by every fold's refitted checkpoint of each model; the table holds the fold-averaged probability per
model and pair (`PREDICTION_COLUMNS`), the per-fold probabilities go beside it, unreadable maps to an errors file.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from glioma_change.errors import InputError
from glioma_change.evaluation.ensemble import average_folds, find_checkpoints, predict_checkpoints
from glioma_change.evaluation.labels import list_maps
from glioma_change.io import ErrorLog, write_csv_atomic

PREDICTION_COLUMNS = ["model", "network", "strategy", "patient_id", "pair_id", "prob", "n_folds"]


def predict_maps(
    run_dir: str | os.PathLike[str],
    maps_dir: str | os.PathLike[str],
    out_csv: str | os.PathLike[str] | None = None,
    models: list[str] | None = None,
) -> pd.DataFrame:
    """Fold-averaged P(unstable) of every map under `maps_dir` for each model of `run_dir` (all, or `models`).

    With `out_csv`, also writes it, `<stem>_folds.csv` (one row per fold model) and `<stem>_errors.csv`.
    Raises `InputError` when there is no map, no matching model, or no map could be scored.
    """
    checkpoints = find_checkpoints(run_dir)
    if models:
        unknown = sorted(set(models) - {c.model for c in checkpoints})
        if unknown:
            known = ", ".join(sorted({c.model for c in checkpoints}))
            raise InputError(f"no model {', '.join(unknown)} (known: {known})", run_dir)
        checkpoints = [c for c in checkpoints if c.model in models]
    maps = list_maps(maps_dir)
    if maps.empty:
        raise InputError("no difference map (manifest.csv rows that did not fail, or *_T2wdiff.nii.gz files)", maps_dir)
    errors = ErrorLog("predict")
    per_fold = predict_checkpoints(checkpoints, maps, errors)
    if per_fold.empty:
        raise InputError(
            f"no map could be scored (first: {errors.rows[0]['reason'] if errors.rows else 'unknown'})", maps_dir
        )
    per_fold = per_fold.merge(maps[["pair_id", "patient_id"]], on="pair_id", how="left")
    averaged = average_folds(per_fold, ["patient_id"])[PREDICTION_COLUMNS]
    averaged = averaged.sort_values(["model", "pair_id"], ignore_index=True)
    if out_csv is not None:
        out = Path(out_csv)
        write_csv_atomic(averaged, out)
        write_csv_atomic(per_fold, out.with_name(f"{out.stem}_folds.csv"))
        errors.write(out.with_name(f"{out.stem}_errors.csv"))
    return averaged
