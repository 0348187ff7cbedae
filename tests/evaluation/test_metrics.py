"""Metrics against hand-computed values; the patient-bootstrap CI's coverage on simulated scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm
from sklearn.metrics import roc_auc_score

from glioma_change.evaluation.metrics import (
    confusion_counts,
    cv_model_metrics,
    operating_point,
    reliability,
    youden_threshold,
)
from glioma_change.stats import auc_ci, cluster_bootstrap_samples, rank_auc


def test_auc_of_a_hand_made_case() -> None:
    # 4 positive-negative comparisons: (0.35 vs 0.1) win, (0.35 vs 0.4) loss, 0.8 wins both -> 3/4
    y = np.array([0, 0, 1, 1])
    p = np.array([0.1, 0.4, 0.35, 0.8])
    assert auc_ci(y, p, np.arange(4), n_boot=0).estimate == pytest.approx(0.75)
    assert rank_auc(y, p) == pytest.approx(0.75)
    # a tie between a positive and a negative counts one half: (1 + 0.5 + 1 + 1) / 4
    assert rank_auc(y, np.array([0.1, 0.5, 0.5, 0.9])) == pytest.approx(0.875)


def test_rank_auc_matches_scikit_learn_with_ties() -> None:
    gen = np.random.default_rng(3)
    for _ in range(20):
        y = gen.integers(0, 2, 40)
        y[:2] = [0, 1]
        p = np.round(gen.normal(size=40) + y, 1)  # rounding creates ties
        assert rank_auc(y, p) == pytest.approx(roc_auc_score(y, p))


def test_cluster_bootstrap_keeps_patients_whole() -> None:
    groups = np.array(["a", "a", "a", "b", "c", "c"])
    for sample in cluster_bootstrap_samples(groups, 50, seed=1):
        counts = pd.Series(groups[sample]).value_counts()
        assert counts.get("a", 0) % 3 == 0 and counts.get("c", 0) % 2 == 0
        assert len(sample) == sum(counts)
    first = cluster_bootstrap_samples(groups, 5, seed=1)
    again = cluster_bootstrap_samples(groups, 5, seed=1)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))


def test_patient_bootstrap_ci_covers_the_true_auc_at_about_the_nominal_rate() -> None:
    # Scores = patient effect + d·y + noise; marginally N(d, 1 + s²) vs N(0, 1 + s²): AUC = Φ(d / √(2(1 + s²))).
    d, s, n_patients, reps = 1.0, 0.8, 40, 100
    true_auc = norm.cdf(d / np.sqrt(2 * (1 + s**2)))
    gen = np.random.default_rng(11)
    covered, widths = 0, []
    for rep in range(reps):
        sizes = gen.integers(1, 5, n_patients)
        groups = np.repeat(np.arange(n_patients), sizes)
        y = gen.integers(0, 2, len(groups))
        scores = gen.normal(0, s, n_patients)[groups] + d * y + gen.normal(0, 1, len(groups))
        ci = auc_ci(y, scores, groups, n_boot=200, seed=rep)
        covered += ci.low <= true_auc <= ci.high
        widths.append(ci.high - ci.low)
    coverage = covered / reps
    assert 0.85 <= coverage <= 0.995, coverage
    assert 0.1 < np.mean(widths) < 0.4


def test_youden_threshold_and_operating_point() -> None:
    y = np.array([0, 0, 0, 1, 1, 1])
    p = np.array([0.1, 0.2, 0.75, 0.6, 0.7, 0.9])
    # J = sens + spec - 1: 0.9 -> 1/3, 0.75 -> 0, 0.7 -> 1/3, 0.6 -> 2/3 (best), 0.2 -> 1/3
    assert youden_threshold(y, p) == pytest.approx(0.6)
    counts = confusion_counts(y, p, 0.6)
    assert counts == {"tp": 3, "fp": 1, "tn": 2, "fn": 0}
    op = operating_point(counts)
    assert op["sensitivity"] == 1.0 and op["specificity"] == pytest.approx(2 / 3)
    assert op["ppv"] == pytest.approx(0.75) and op["npv"] == 1.0
    assert youden_threshold(np.zeros(3), np.array([0.1, 0.2, 0.3])) == 0.5


def _rows(fold: int, split: str, y: list[int], p: list[float], first_patient: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "patient_id": [f"P{first_patient + i}" for i in range(len(y))],
            "pair_id": [f"{split}{fold}-{i}" for i in range(len(y))],
            "fold": fold,
            "split": split,
            "y_true": y,
            "prob": p,
            "model": "m",
        }
    )


def test_cv_metrics_choose_the_threshold_on_validation_rows_only() -> None:
    pred = pd.concat(
        [
            _rows(0, "val", [0, 0, 1, 1], [0.1, 0.2, 0.6, 0.7], 0),  # Youden threshold 0.6
            _rows(0, "test", [1, 1, 0, 0], [0.55, 0.9, 0.3, 0.58], 10),  # 0.55 is below 0.6 -> FN
            _rows(1, "val", [0, 0, 1, 1], [0.1, 0.3, 0.4, 0.8], 20),  # Youden threshold 0.4
            _rows(1, "test", [1, 0, 0, 1], [0.45, 0.2, 0.42, 0.1], 30),  # 0.42 -> FP, 0.1 -> FN
        ]
    )
    pooled, folds = cv_model_metrics(pred, n_boot=50, seed=0)
    assert (pooled["tp"], pooled["fn"], pooled["fp"], pooled["tn"]) == (2, 2, 1, 3)
    assert pooled["sensitivity"] == pytest.approx(0.5) and pooled["specificity"] == pytest.approx(0.75)
    test = pred[pred["split"] == "test"]
    assert pooled["auc"] == pytest.approx(roc_auc_score(test["y_true"], test["prob"]))
    fold_aucs = [roc_auc_score(g["y_true"], g["prob"]) for _, g in test.groupby("fold")]
    assert list(folds["auc"]) == pytest.approx(fold_aucs)
    assert pooled["fold_auc_mean"] == pytest.approx(np.mean(fold_aucs))
    assert pooled["fold_auc_sd"] == pytest.approx(np.std(fold_aucs, ddof=1))
    assert list(folds["threshold"]) == pytest.approx([0.6, 0.4])


def test_reliability_curve_of_calibrated_scores_follows_the_diagonal() -> None:
    gen = np.random.default_rng(5)
    p = gen.uniform(0, 1, 4000)
    y = (gen.uniform(0, 1, 4000) < p).astype(int)
    curve = reliability(y, p, n_bins=10)
    assert len(curve) == 10
    assert np.abs(curve["fraction_positive"] - curve["mean_predicted"]).max() < 0.08
