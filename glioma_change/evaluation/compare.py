"""Paired comparison of two models scored on the same pairs: DeLong's test and a paired cluster bootstrap.

`strategy_table` gives every network × strategy its pooled test AUC (patient-bootstrap CI) and DeLong's
p against the same network's `baseline` and `mixed`.

Both tests keep the pairing (the same maps scored by both models); an unpaired permutation of pooled
scores would ignore the strong correlation between two models' scores and is never used. DeLong's
covariance uses the fast midrank algorithm of Sun & Xu (2014, IEEE SPL 21:1389).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm, rankdata
from sklearn.metrics import roc_auc_score

from glioma_change.evaluation.metrics import Interval, auc_ci, cluster_bootstrap_samples, has_both_classes, rank_auc

REFERENCE_STRATEGIES = ("baseline", "mixed")
COMPARISON_COLUMNS = [
    "model", "reference", "n_pairs", "auc", "auc_reference", "difference", "delong_se", "delong_z",
    "delong_p", "bootstrap_low", "bootstrap_high", "bootstrap_p",
]
STRATEGY_TABLE_COLUMNS = [
    "network", "strategy", "pooled_test_auc", "pooled_test_auc_low", "pooled_test_auc_high",
    *(f"delong_p_vs_{r}" for r in REFERENCE_STRATEGIES), "n_test_pairs", "n_test_unstable",
]


@dataclass(frozen=True)
class DeLongResult:
    """AUCs of two models on the same pairs, their difference, its standard error, z and two-sided p."""

    auc_a: float
    auc_b: float
    difference: float
    se: float
    z: float
    p_value: float


def delong_covariance(y: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """AUCs and their DeLong covariance matrix for `scores` of shape (n_models, n_pairs) (Sun & Xu midranks)."""
    y = np.asarray(y).astype(int)
    scores = np.atleast_2d(np.asarray(scores, dtype=float))
    pos, neg = scores[:, y == 1], scores[:, y == 0]
    m, n = pos.shape[1], neg.shape[1]
    if m == 0 or n == 0:
        raise ValueError("DeLong's test needs both classes")
    tx = np.apply_along_axis(rankdata, 1, pos)
    ty = np.apply_along_axis(rankdata, 1, neg)
    tz = np.apply_along_axis(rankdata, 1, np.concatenate([pos, neg], axis=1))
    aucs = (tz[:, :m].sum(axis=1) / m - (m + 1) / 2.0) / n
    v_pos = (tz[:, :m] - tx) / n  # structural components of the positives
    v_neg = 1.0 - (tz[:, m:] - ty) / m  # structural components of the negatives
    cov = np.atleast_2d(np.cov(v_pos)) / m + np.atleast_2d(np.cov(v_neg)) / n
    return aucs, cov


def delong_test(y: np.ndarray, p_a: np.ndarray, p_b: np.ndarray) -> DeLongResult:
    """DeLong's test of H0: AUC(a) == AUC(b) for two correlated ROC curves on the same pairs.

    With fewer than two pairs of either class the variance is undefined: AUCs are returned, the rest is NaN.
    """
    y = np.asarray(y).astype(int)
    if min((y == 1).sum(), (y == 0).sum()) < 2:
        auc_a, auc_b = (float(roc_auc_score(y, p)) for p in (p_a, p_b))
        nan = float("nan")
        return DeLongResult(auc_a, auc_b, auc_a - auc_b, nan, nan, nan)
    aucs, cov = delong_covariance(y, np.vstack([p_a, p_b]))
    diff = float(aucs[0] - aucs[1])
    var = float(cov[0, 0] + cov[1, 1] - 2.0 * cov[0, 1])
    if var <= 0.0:
        z, p = (0.0, 1.0) if diff == 0.0 else (float(np.sign(diff) * np.inf), 0.0)
        return DeLongResult(float(aucs[0]), float(aucs[1]), diff, 0.0, z, p)
    se = float(np.sqrt(var))
    z = diff / se
    return DeLongResult(float(aucs[0]), float(aucs[1]), diff, se, z, float(2.0 * norm.sf(abs(z))))


def paired_bootstrap_difference(
    y: np.ndarray,
    p_a: np.ndarray,
    p_b: np.ndarray,
    groups: np.ndarray,
    n_boot: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[Interval, float]:
    """AUC(a) − AUC(b) with a CI from resampling patients (same resample for both models).

    Also returns a two-sided bootstrap p-value (twice the smaller tail mass of the differences around 0).
    """
    y, p_a, p_b = np.asarray(y).astype(int), np.asarray(p_a, dtype=float), np.asarray(p_b, dtype=float)
    estimate = float(roc_auc_score(y, p_a) - roc_auc_score(y, p_b))
    diffs = np.array([
        rank_auc(y[i], p_a[i]) - rank_auc(y[i], p_b[i])
        for i in cluster_bootstrap_samples(groups, n_boot, seed, "paired-bootstrap")
        if has_both_classes(y[i])
    ])
    if diffs.size == 0:
        return Interval(estimate, float("nan"), float("nan")), float("nan")
    alpha = (1.0 - level) / 2.0
    low, high = np.quantile(diffs, [alpha, 1.0 - alpha])
    p_value = float(min(1.0, 2.0 * min((diffs <= 0).mean(), (diffs >= 0).mean())))
    return Interval(estimate, float(low), float(high)), p_value


def paired_scores(predictions: pd.DataFrame, model_a: str, model_b: str) -> pd.DataFrame:
    """Test rows scored by both models, joined on `pair_id`: `patient_id, y_true, prob_a, prob_b`.

    Raises ValueError when the two models disagree on a pair's label.
    """
    test = predictions[predictions["split"] == "test"]
    cols = ["pair_id", "patient_id", "y_true", "prob"]
    a = test.loc[test["model"] == model_a, cols]
    b = test.loc[test["model"] == model_b, cols]
    joined = a.merge(b, on="pair_id", suffixes=("_a", "_b")).sort_values("pair_id", ignore_index=True)
    if (joined["y_true_a"] != joined["y_true_b"]).any():
        raise ValueError(f"models {model_a} and {model_b} disagree on some pairs' labels")
    return pd.DataFrame({
        "patient_id": joined["patient_id_a"], "y_true": joined["y_true_a"].astype(int),
        "prob_a": joined["prob_a"], "prob_b": joined["prob_b"],
    })


def baseline_of(model: str, models: list[str]) -> str | None:
    """The reference of `model`: `<network>/baseline` for `<network>/<strategy>`, none for itself or when absent."""
    network, _, strategy = model.partition("/")
    reference = f"{network}/baseline"
    if not strategy or strategy == "baseline" or reference not in models:
        return None
    return reference


def compare_to_baselines(predictions: pd.DataFrame, n_boot: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Every `<network>/<strategy>` against `<network>/baseline` on the shared test pairs (DeLong + bootstrap)."""
    models = sorted(predictions["model"].unique())
    rows = []
    for model in models:
        reference = baseline_of(model, models)
        if reference is None:
            continue
        row = compare_models(predictions, model, reference, n_boot, seed)
        if row is not None:
            rows.append(row)
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def compare_models(predictions: pd.DataFrame, model: str, reference: str, n_boot: int = 2000,
                   seed: int = 0) -> dict[str, object] | None:
    """`model` against `reference` on the test pairs both scored: DeLong's test and the paired patient
    bootstrap (`COMPARISON_COLUMNS`); None when those pairs lack a class."""
    pairs = paired_scores(predictions, model, reference)
    if not has_both_classes(pairs["y_true"].to_numpy()):
        return None
    y, pa, pb = pairs["y_true"].to_numpy(), pairs["prob_a"].to_numpy(), pairs["prob_b"].to_numpy()
    dl = delong_test(y, pa, pb)
    boot, boot_p = paired_bootstrap_difference(y, pa, pb, pairs["patient_id"].to_numpy(), n_boot, seed)
    return {
        "model": model, "reference": reference, "n_pairs": len(pairs),
        "auc": dl.auc_a, "auc_reference": dl.auc_b, "difference": dl.difference,
        "delong_se": dl.se, "delong_z": dl.z, "delong_p": dl.p_value,
        "bootstrap_low": boot.low, "bootstrap_high": boot.high, "bootstrap_p": boot_p,
    }


def delong_p(predictions: pd.DataFrame, model: str, reference: str) -> float:
    """DeLong's two-sided p-value of `model` against `reference` on their shared test pairs (NaN with one class)."""
    pairs = paired_scores(predictions, model, reference)
    y = pairs["y_true"].to_numpy()
    if not has_both_classes(y):
        return float("nan")
    return delong_test(y, pairs["prob_a"].to_numpy(), pairs["prob_b"].to_numpy()).p_value


def strategy_table(predictions: pd.DataFrame, n_boot: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Per `<network>/<strategy>` model: pooled test AUC with its patient-bootstrap 95 % CI and DeLong's p
    against the same network's `baseline` and `mixed` on the same test pairs (NaN for itself or when absent)."""
    test = predictions[predictions["split"] == "test"]
    models = sorted(m for m in test["model"].unique() if "/" in m)
    rows = []
    for model in models:
        network, _, strategy = model.partition("/")
        t = test[test["model"] == model]
        auc = auc_ci(t["y_true"].to_numpy(), t["prob"].to_numpy(), t["patient_id"].to_numpy(), n_boot, seed)
        row = {"network": network, "strategy": strategy, "pooled_test_auc": auc.estimate,
               "pooled_test_auc_low": auc.low, "pooled_test_auc_high": auc.high,
               "n_test_pairs": len(t), "n_test_unstable": int(t["y_true"].sum())}
        for ref in REFERENCE_STRATEGIES:
            other = f"{network}/{ref}"
            usable = ref != strategy and other in models
            row[f"delong_p_vs_{ref}"] = delong_p(predictions, model, other) if usable else float("nan")
        rows.append(row)
    return pd.DataFrame(rows, columns=STRATEGY_TABLE_COLUMNS)
