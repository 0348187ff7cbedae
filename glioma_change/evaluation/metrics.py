"""Classification metrics with uncertainty: cluster-bootstrap AUC CIs, thresholds chosen on validation data.

AUCs and their patient-bootstrap CIs come from `glioma_change.stats`. Operating points (sensitivity,
specificity, PPV, NPV) use a threshold chosen on validation rows (Youden's J) and applied to test rows,
so the test set never picks its own threshold.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.calibration import calibration_curve
from sklearn.metrics import average_precision_score, brier_score_loss, roc_curve

from glioma_change.stats import auc_ci, has_both_classes

DEFAULT_THRESHOLD = 0.5


def youden_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The score threshold maximising sensitivity + specificity − 1; 0.5 when one class is missing."""
    y, p = np.asarray(y), np.asarray(p, dtype=float)
    if not has_both_classes(y):
        return DEFAULT_THRESHOLD
    fpr, tpr, thresholds = roc_curve(y, p)
    best = int(np.argmax(tpr - fpr))
    return float(min(thresholds[best], 1.0))  # roc_curve's first threshold is +inf


def confusion_counts(y: np.ndarray, p: np.ndarray, threshold: float | np.ndarray) -> dict[str, int]:
    """TP, FP, TN, FN when `prob >= threshold` predicts unstable (`threshold` may differ per row)."""
    y, pred = np.asarray(y).astype(int), (np.asarray(p, dtype=float) >= threshold).astype(int)
    return {
        "tp": int(((pred == 1) & (y == 1)).sum()),
        "fp": int(((pred == 1) & (y == 0)).sum()),
        "tn": int(((pred == 0) & (y == 0)).sum()),
        "fn": int(((pred == 0) & (y == 1)).sum()),
    }


def _ratio(num: int, den: int) -> float:
    return num / den if den else float("nan")


def operating_point(counts: dict[str, int]) -> dict[str, float]:
    """Sensitivity, specificity, PPV and NPV from confusion counts (NaN where undefined)."""
    tp, fp, tn, fn = counts["tp"], counts["fp"], counts["tn"], counts["fn"]
    return {
        "sensitivity": _ratio(tp, tp + fn),
        "specificity": _ratio(tn, tn + fp),
        "ppv": _ratio(tp, tp + fp),
        "npv": _ratio(tn, tn + fn),
    }


def reliability(y: np.ndarray, p: np.ndarray, n_bins: int = 10) -> pd.DataFrame:
    """Reliability curve (`mean_predicted`, `fraction_positive` per non-empty quantile bin)."""
    y, p = np.asarray(y), np.asarray(p, dtype=float)
    if not has_both_classes(y):
        return pd.DataFrame(columns=["mean_predicted", "fraction_positive"])
    bins = max(2, min(n_bins, len(y) // 5))
    frac, mean = calibration_curve(y, p, n_bins=bins, strategy="quantile")
    return pd.DataFrame({"mean_predicted": mean, "fraction_positive": frac})


def score_summary(
    y: np.ndarray, p: np.ndarray, groups: np.ndarray, threshold: float | np.ndarray, n_boot: int, seed: int
) -> dict[str, float | np.ndarray]:
    """AUC with CI, average precision, Brier score and the operating point at `threshold` (kept as given: per-pair
    thresholds stay an array)."""
    y, p = np.asarray(y).astype(int), np.asarray(p, dtype=float)
    auc = auc_ci(y, p, groups, n_boot, seed)
    counts = confusion_counts(y, p, threshold)
    return {
        "n_pairs": len(y),
        "n_patients": int(pd.Series(np.asarray(groups)).nunique()),
        "n_unstable": int(y.sum()),
        "auc": auc.estimate,
        "auc_low": auc.low,
        "auc_high": auc.high,
        "average_precision": float(average_precision_score(y, p)) if has_both_classes(y) else float("nan"),
        "brier": float(brier_score_loss(y, p, pos_label=1)) if len(y) else float("nan"),
        "threshold": threshold,
        **counts,
        **operating_point(counts),
    }


def fold_thresholds(pred: pd.DataFrame) -> dict[int, float]:
    """Youden threshold of each fold, chosen on that fold's `split == "val"` rows of one model."""
    val = pred[pred["split"] == "val"]
    return {int(f): youden_threshold(g["y_true"].to_numpy(), g["prob"].to_numpy()) for f, g in val.groupby("fold")}


def cv_model_metrics(
    pred: pd.DataFrame, n_boot: int = 2000, seed: int = 0
) -> tuple[dict[str, float | np.ndarray], pd.DataFrame]:
    """Pooled and per-fold test metrics of one model's cross-validated predictions.

    Each fold's test rows are dichotomised at that fold's validation threshold; pooled operating points
    add up the folds' confusion counts. Returns the pooled row (with per-fold AUC mean and SD) and the
    per-fold table.
    """
    thresholds = fold_thresholds(pred)
    test = pred[pred["split"] == "test"].copy()
    test["threshold"] = test["fold"].map(lambda f: thresholds.get(int(f), DEFAULT_THRESHOLD)).astype(float)
    y, p = test["y_true"].to_numpy().astype(int), test["prob"].to_numpy(dtype=float)
    pooled = score_summary(y, p, test["patient_id"].to_numpy(), test["threshold"].to_numpy(), n_boot, seed)
    pooled["threshold"] = float(np.mean(list(thresholds.values()) or [DEFAULT_THRESHOLD]))
    per_fold = []
    for fold, g in test.groupby("fold"):
        row = score_summary(g["y_true"], g["prob"], g["patient_id"].to_numpy(), float(g["threshold"].iloc[0]), 0, seed)
        per_fold.append({"fold": int(fold), **{k: v for k, v in row.items() if k not in ("auc_low", "auc_high")}})
    folds = pd.DataFrame(per_fold)
    fold_auc = folds["auc"].to_numpy(dtype=float) if len(folds) else np.array([])
    pooled["n_folds"] = len(folds)
    pooled["fold_auc_mean"] = float(np.nanmean(fold_auc)) if np.isfinite(fold_auc).any() else float("nan")
    pooled["fold_auc_sd"] = float(np.nanstd(fold_auc, ddof=1)) if np.isfinite(fold_auc).sum() > 1 else float("nan")
    return pooled, folds


def model_name_parts(name: str) -> tuple[str, str]:
    """(`network`, `strategy`) of a model name `<network>/<strategy>`; (`best`, ``) for other names."""
    network, _, strategy = name.partition("/")
    return network, strategy


def cv_metrics(predictions: pd.DataFrame, n_boot: int = 2000, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`cv_model_metrics` for every model of a `predictions.csv`; returns (pooled table, per-fold table)."""
    rows, folds = [], []
    for name, pred in predictions.groupby("model", sort=True):
        pooled, per_fold = cv_model_metrics(pred, n_boot, seed)
        network, strategy = _network_strategy(pred, str(name))
        rows.append({"set": "cross-validation", "model": name, "network": network, "strategy": strategy, **pooled})
        folds.append(per_fold.assign(model=name))
    per_fold = pd.concat(folds, ignore_index=True) if folds else pd.DataFrame()
    return pd.DataFrame(rows), per_fold


def _network_strategy(pred: pd.DataFrame, name: str) -> tuple[str, str]:
    if {"network", "strategy"} <= set(pred.columns) and len(pred):
        return str(pred["network"].iloc[0]), str(pred["strategy"].iloc[0])
    return model_name_parts(name)
