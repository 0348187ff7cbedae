"""Pure statistics on labels and scores: AUC (safe, midrank), patient-cluster bootstrap, DeLong's test and
the Nadeau–Bengio corrected resampled t-test of repeated cross-validation.

Pairs of the same patient are correlated, so confidence intervals resample *patients* (with all their
pairs), never single pairs. Point estimates come from scikit-learn; bootstrap replicates use the
equivalent Mann-Whitney midrank formula (`rank_auc`, identical to `roc_auc_score` and ~20x faster on
small arrays). Paired tests keep the pairing (the same maps scored by both models); DeLong's covariance
uses the fast midrank algorithm of Sun & Xu (2014, IEEE SPL 21:1389). Tuning and evaluation both read
this leaf; it imports no other layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm, rankdata
from scipy.stats import t as student_t
from sklearn.metrics import roc_auc_score

from glioma_change.seeding import rng


def has_both_classes(y: np.ndarray) -> bool:
    """True when `y` holds at least one 0 and one 1 (AUC is defined)."""
    y = np.asarray(y)
    return bool(y.size) and bool((y == 1).any()) and bool((y == 0).any())


def safe_auc(y: np.ndarray, p: np.ndarray) -> float:
    """ROC AUC, NaN when only one class is present."""
    return float(roc_auc_score(y, p)) if has_both_classes(y) else float("nan")


def rank_auc(y: np.ndarray, p: np.ndarray) -> float:
    """ROC AUC as the Mann-Whitney statistic with midranks (ties count one half); `y` must hold both classes."""
    pos = np.asarray(y) == 1
    m, n = int(pos.sum()), int((~pos).sum())
    return float((rankdata(p)[pos].sum() - m * (m + 1) / 2.0) / (m * n))


def cluster_indices(groups: np.ndarray) -> list[np.ndarray]:
    """Row indices of each cluster (patient), clusters in sorted order (results do not depend on row order)."""
    codes = pd.factorize(pd.Series(np.asarray(groups)), sort=True)[0]
    order = np.argsort(codes, kind="stable")
    return np.split(order, np.flatnonzero(np.diff(codes[order])) + 1)


def cluster_bootstrap_samples(groups: np.ndarray, n_boot: int, seed: int, key: str = "bootstrap") -> list[np.ndarray]:
    """`n_boot` row-index resamples drawing whole clusters with replacement (seeded)."""
    clusters = cluster_indices(groups)
    gen = rng(seed, key)
    draws = gen.integers(0, len(clusters), size=(n_boot, len(clusters)))
    return [np.concatenate([clusters[c] for c in row]) for row in draws]


@dataclass(frozen=True)
class Interval:
    """A point estimate with a percentile confidence interval."""

    estimate: float
    low: float
    high: float


def auc_ci(
    y: np.ndarray, p: np.ndarray, groups: np.ndarray, n_boot: int = 2000, seed: int = 0, level: float = 0.95
) -> Interval:
    """ROC AUC with a percentile CI from a patient-level (cluster) bootstrap; resamples with one class are skipped."""
    y, p = np.asarray(y), np.asarray(p, dtype=float)
    estimate = safe_auc(y, p)
    if np.isnan(estimate):
        return Interval(estimate, float("nan"), float("nan"))
    stats = [rank_auc(y[i], p[i]) for i in cluster_bootstrap_samples(groups, n_boot, seed) if has_both_classes(y[i])]
    if not stats:
        return Interval(estimate, float("nan"), float("nan"))
    alpha = (1.0 - level) / 2.0
    low, high = np.quantile(stats, [alpha, 1.0 - alpha])
    return Interval(estimate, float(low), float(high))


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
    diffs = np.array(
        [
            rank_auc(y[i], p_a[i]) - rank_auc(y[i], p_b[i])
            for i in cluster_bootstrap_samples(groups, n_boot, seed, "paired-bootstrap")
            if has_both_classes(y[i])
        ]
    )
    if diffs.size == 0:
        return Interval(estimate, float("nan"), float("nan")), float("nan")
    alpha = (1.0 - level) / 2.0
    low, high = np.quantile(diffs, [alpha, 1.0 - alpha])
    p_value = float(min(1.0, 2.0 * min((diffs <= 0).mean(), (diffs >= 0).mean())))
    return Interval(estimate, float(low), float(high)), p_value


@dataclass(frozen=True)
class CorrectedTTest:
    """Nadeau–Bengio corrected resampled t-test: mean difference, t statistic, two-sided p, number of resamples."""

    mean: float
    t: float
    p_value: float
    n: int


def corrected_resampled_ttest(differences: np.ndarray, test_train_ratio: float) -> CorrectedTTest:
    """Nadeau & Bengio's (2003) corrected resampled t-test of H0: mean difference 0.

    `differences` are one score difference per resample (e.g. per fold of every repeat of a repeated
    cross-validation, the test AUC of model a minus model b on that fold); resamples share training data,
    so the variance of their mean is inflated by `test_train_ratio` (n_test / n_train of one resample):
    t = mean / sqrt((1 / J + n_test / n_train) * s^2) with J − 1 degrees of freedom (Bouckaert & Frank
    2004). NaN differences (a fold without both classes) are left out; NaN with fewer than two left.
    """
    d = np.asarray(differences, dtype=float)
    d = d[np.isfinite(d)]
    n = int(d.size)
    if n < 2:
        return CorrectedTTest(float(d.mean()) if n else float("nan"), float("nan"), float("nan"), n)
    mean, var = float(d.mean()), float(d.var(ddof=1))
    if var == 0.0:
        t, p = (0.0, 1.0) if mean == 0.0 else (float(np.sign(mean) * np.inf), 0.0)
        return CorrectedTTest(mean, t, p, n)
    t = mean / float(np.sqrt((1.0 / n + test_train_ratio) * var))
    return CorrectedTTest(mean, t, float(2.0 * student_t.sf(abs(t), n - 1)), n)
