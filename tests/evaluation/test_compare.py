"""DeLong's test against a slow, independent structural-components computation; paired bootstrap; pairing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from glioma_change.evaluation.compare import compare_to_baselines
from glioma_change.stats import delong_test, paired_bootstrap_difference


def _psi(x: float, y: float) -> float:
    return 1.0 if x > y else 0.5 if x == y else 0.0


def _slow_delong_p(y: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """DeLong, DeLong & Clarke-Pearson (1988), eqs. as written: O(m·n) placement values per model."""
    v10, v01 = [], []
    for s in (a, b):
        pos, neg = s[y == 1], s[y == 0]
        v10.append([np.mean([_psi(x, z) for z in neg]) for x in pos])
        v01.append([np.mean([_psi(x, z) for x in pos]) for z in neg])
    v10, v01 = np.array(v10), np.array(v01)
    aucs = v10.mean(axis=1)
    s10 = (v10 - aucs[:, None]) @ (v10 - aucs[:, None]).T / (v10.shape[1] - 1)
    s01 = (v01 - aucs[:, None]) @ (v01 - aucs[:, None]).T / (v01.shape[1] - 1)
    cov = s10 / v10.shape[1] + s01 / v01.shape[1]
    z = (aucs[0] - aucs[1]) / np.sqrt(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1])
    return float(aucs[0]), float(aucs[1]), float(2 * norm.sf(abs(z)))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_delong_matches_the_slow_structural_components_computation(seed: int) -> None:
    gen = np.random.default_rng(seed)
    n = 70
    y = gen.integers(0, 2, n)
    a = np.round(y * 1.2 + gen.normal(size=n), 1)  # rounded: ties within and across classes
    b = np.round(0.5 * a + y * 0.3 + gen.normal(size=n), 1)
    result = delong_test(y, a, b)
    auc_a, auc_b, p = _slow_delong_p(y, a, b)
    assert result.auc_a == pytest.approx(auc_a)
    assert result.auc_b == pytest.approx(auc_b)
    assert result.p_value == pytest.approx(p, rel=1e-9)
    assert 0.0 < result.p_value < 1.0


def test_identical_models_are_not_different() -> None:
    gen = np.random.default_rng(4)
    y = gen.integers(0, 2, 30)
    p = gen.uniform(size=30)
    assert delong_test(y, p, p).p_value == 1.0
    diff, boot_p = paired_bootstrap_difference(y, p, p, np.arange(30) // 2, n_boot=100, seed=0)
    assert (diff.estimate, diff.low, diff.high, boot_p) == (0.0, 0.0, 0.0, 1.0)


def test_paired_bootstrap_detects_a_clearly_better_model() -> None:
    gen = np.random.default_rng(8)
    groups = np.repeat(np.arange(50), 2)
    y = gen.integers(0, 2, 100)
    good = y * 2.0 + gen.normal(size=100)
    poor = y * 0.2 + gen.normal(size=100)
    diff, boot_p = paired_bootstrap_difference(y, good, poor, groups, n_boot=300, seed=1)
    assert diff.low > 0.0 and diff.low < diff.estimate < diff.high
    assert boot_p < 0.01
    assert delong_test(y, good, poor).p_value < 0.01


def test_comparisons_pair_rows_by_pair_id_not_by_order() -> None:
    gen = np.random.default_rng(2)
    n = 40
    pairs = pd.DataFrame(
        {
            "pair_id": [f"x{i}" for i in range(n)],
            "patient_id": [f"P{i // 2}" for i in range(n)],
            "y_true": gen.integers(0, 2, n),
        }
    )
    base = pairs.assign(model="vgg/baseline", prob=gen.uniform(size=n), split="test")
    mixed = pairs.assign(model="vgg/mixed", prob=pairs["y_true"] * 0.5 + gen.uniform(size=n), split="test")
    ordered = compare_to_baselines(pd.concat([base, mixed]), n_boot=50, seed=0)
    shuffled = compare_to_baselines(pd.concat([base, mixed.sample(frac=1.0, random_state=3)]), n_boot=50, seed=0)
    pd.testing.assert_frame_equal(ordered, shuffled)
    assert list(ordered["model"]) == ["vgg/mixed"] and list(ordered["reference"]) == ["vgg/baseline"]
    expected = delong_test(pairs["y_true"], mixed["prob"], base["prob"]).p_value
    assert ordered["delong_p"].iloc[0] == pytest.approx(expected)


def test_delong_is_undefined_with_a_single_positive() -> None:
    y = np.array([0, 0, 0, 1])
    result = delong_test(y, np.array([0.1, 0.2, 0.3, 0.9]), np.array([0.1, 0.5, 0.3, 0.4]))
    assert (result.auc_a, result.auc_b) == (1.0, pytest.approx(2 / 3))
    assert np.isnan(result.p_value) and np.isnan(result.se)
