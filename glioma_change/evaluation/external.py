"""Inference on an external set (e.g. longitudinal BraTS-2015) with every fold's refitted models.

For each model name (`best` and every `<network>/<strategy>`), the checkpoints of all folds are applied
to every external map (loaded and resized to each checkpoint's `input_shape` by `glioma_change.data.MapBank`,
as in training) and their probabilities are averaged per pair; AUC and the other metrics come
from these averaged probabilities, never from majority-voted binaries. Pairs without a usable map are
listed in `missing_maps.csv` (and a warning), not silently dropped.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from glioma_change.evaluation.ensemble import (  # noqa: F401 - re-exported for callers of this module
    FOLD_PREDICTION_COLUMNS,
    Checkpoint,
    average_folds,
    find_checkpoints,
    predict_checkpoints,
)
from glioma_change.evaluation.labels import locate_maps, read_external_labels
from glioma_change.evaluation.metrics import DEFAULT_THRESHOLD, fold_thresholds, score_summary
from glioma_change.io import ErrorLog, write_csv_atomic
from glioma_change.run_layout import RunLayout
from glioma_change.stats import safe_auc

log = logging.getLogger(__name__)

MISSING_COLUMNS = ["patient_id", "pair_id", "y_true", "reason"]


@dataclass(frozen=True)
class ExternalSet:
    """An external evaluation set: a maps directory and a label file (BraTS-2015 or project format)."""

    maps_dir: Path
    labels: Path
    label: Literal["t2", "global"] = "t2"


@dataclass
class ExternalResult:
    """Averaged predictions, per-fold-model predictions, metrics and the pairs that could not be scored."""

    predictions: pd.DataFrame
    fold_predictions: pd.DataFrame
    metrics: pd.DataFrame
    missing: pd.DataFrame
    files: dict[str, Path] = field(default_factory=dict)


def validation_thresholds(run_dir: str | os.PathLike[str]) -> dict[str, float]:
    """Per model, the mean of its folds' Youden thresholds chosen on the run's validation predictions."""
    path = RunLayout.of(run_dir).predictions
    if not path.is_file():
        return {}
    pred = pd.read_csv(path)
    return {
        str(m): float(np.mean(list(fold_thresholds(g).values()) or [DEFAULT_THRESHOLD]))
        for m, g in pred.groupby("model")
    }


def external_metrics(
    averaged: pd.DataFrame, per_fold: pd.DataFrame, thresholds: dict[str, float], n_boot: int, seed: int
) -> pd.DataFrame:
    """Metrics of each model's fold-averaged probabilities, plus the mean ± SD AUC of its single-fold models."""
    rows = []
    for name, g in averaged.groupby("model", sort=True):
        threshold = thresholds.get(str(name), DEFAULT_THRESHOLD)
        row = score_summary(g["y_true"], g["prob"], g["patient_id"].to_numpy(), threshold, n_boot, seed)
        fold_aucs = np.array(
            [
                safe_auc(f["y_true"].to_numpy(), f["prob"].to_numpy())
                for _, f in per_fold[per_fold["model"] == name].groupby("fold")
            ]
        )
        finite = fold_aucs[np.isfinite(fold_aucs)]
        rows.append(
            {
                "set": "external",
                "model": name,
                "network": g["network"].iloc[0],
                "strategy": g["strategy"].iloc[0],
                **row,
                "n_folds": len(fold_aucs),
                "fold_auc_mean": float(finite.mean()) if finite.size else float("nan"),
                "fold_auc_sd": float(finite.std(ddof=1)) if finite.size > 1 else float("nan"),
            }
        )
    return pd.DataFrame(rows)


def evaluate_external(
    run_dir: str | os.PathLike[str],
    maps_dir: str | os.PathLike[str],
    labels: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    label: Literal["t2", "global"] = "t2",
    n_boot: int = 2000,
    seed: int = 0,
) -> ExternalResult:
    """Apply every fold's models of `run_dir` to the external maps, average per pair, write and return the results.

    Writes `external_predictions.csv` (fold-averaged), `external_fold_predictions.csv`,
    `external_metrics.csv`, `missing_maps.csv` and `external_errors.csv` into `out_dir`.
    """
    out_dir = Path(out_dir)
    checkpoints = find_checkpoints(run_dir)
    pairs = locate_maps(read_external_labels(labels, label), maps_dir)
    errors = ErrorLog("evaluate-external")
    present = pairs[pairs["missing_reason"] == ""]
    per_fold = predict_checkpoints(checkpoints, present, errors)
    per_fold = per_fold.merge(pairs[["pair_id", "patient_id", "y_true"]], on="pair_id", how="left")
    averaged = average_folds(per_fold, ["patient_id", "y_true"])
    unreadable = {row["item"]: row["reason"] for row in errors.rows}
    missing = pairs[pairs["missing_reason"] != ""].rename(columns={"missing_reason": "reason"})[MISSING_COLUMNS]
    failed = present[present["pair_id"].isin(unreadable)].assign(reason=lambda d: d["pair_id"].map(unreadable))
    missing = pd.concat([missing, failed[MISSING_COLUMNS]], ignore_index=True)
    if len(missing):
        log.warning(
            "%d of %d external pairs have no usable map (listed in %s)",
            len(missing),
            len(pairs),
            out_dir / "missing_maps.csv",
        )
    metrics = external_metrics(averaged, per_fold, validation_thresholds(run_dir), n_boot, seed)
    files = {
        "predictions": write_csv_atomic(averaged, out_dir / "external_predictions.csv"),
        "fold_predictions": write_csv_atomic(per_fold, out_dir / "external_fold_predictions.csv"),
        "metrics": write_csv_atomic(metrics, out_dir / "external_metrics.csv"),
        "missing": write_csv_atomic(missing, out_dir / "missing_maps.csv"),
        "errors": errors.write(out_dir / "external_errors.csv"),
    }
    return ExternalResult(averaged, per_fold, metrics, missing, files)
