"""The tuning objective stays an AUC: per-fold mean, or pooled when a fold's validation holds one class."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from glioma_change.tuning.objective import objective_value


def test_objective_is_the_mean_fold_auc_when_every_fold_has_both_classes() -> None:
    y = [np.array([0, 1, 0, 1]), np.array([1, 0, 0])]
    p = [np.array([0.1, 0.9, 0.6, 0.4]), np.array([0.8, 0.3, 0.9])]
    assert objective_value(y, p) == pytest.approx((0.75 + 0.5) / 2)


def test_a_fold_with_one_class_pools_the_folds_into_one_auc_never_mixing_in_a_loss() -> None:
    y = [np.array([1, 1, 1]), np.array([0, 1, 0, 1])]
    p = [np.array([0.97, 0.95, 0.2]), np.array([0.1, 0.9, 0.6, 0.4])]
    pooled = roc_auc_score(np.concatenate(y), np.concatenate(p))
    assert objective_value(y, p) == pytest.approx(pooled)
    assert 0.0 <= objective_value(y, p) <= 1.0
    assert np.isnan(objective_value([np.array([1, 1])], [np.array([0.2, 0.3])]))
