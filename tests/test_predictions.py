"""The strategy table over repeats of the cross-validation: per-repeat pooled AUCs, gains, the corrected t-test."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from glioma_change.formats import PREDICTION_COLUMNS
from glioma_change.predictions import STRATEGY_TABLE_COLUMNS, paired_scores, strategy_table
from glioma_change.stats import corrected_resampled_ttest

N_PAIRS, N_FOLDS = 40, 4
SEPARATION = {"vgg/baseline": 0.6, "vgg/mixed": 1.4}


def _predictions(repeats: int, seed: int = 0) -> pd.DataFrame:
    """Simulated test (and validation) predictions: every pair tested once per repeat, in reshuffled folds."""
    gen = np.random.default_rng(seed)
    pairs = pd.DataFrame(
        {
            "pair_id": [f"p{i:02d}" for i in range(N_PAIRS)],
            "patient_id": [f"P{i // 2:02d}" for i in range(N_PAIRS)],
            "y_true": np.arange(N_PAIRS) % 2,
        }
    )
    frames = []
    for repeat in range(repeats):
        fold = gen.permutation(np.arange(N_PAIRS) % N_FOLDS)
        for model, sep in SEPARATION.items():
            for split in ("test", "val"):
                prob = 1 / (1 + np.exp(-(sep * (2 * pairs["y_true"] - 1) + gen.normal(0, 1, N_PAIRS))))
                frames.append(
                    pairs.assign(
                        comparative_date="2020-01-01",
                        exam_date="2020-06-01",
                        fold=fold,
                        network="vgg",
                        strategy=model.split("/")[1],
                        model=model,
                        prob=prob,
                        split=split,
                        repeat=repeat,
                    )
                )
    return pd.concat(frames, ignore_index=True)[PREDICTION_COLUMNS]


def _auc(rows: pd.DataFrame) -> float:
    return roc_auc_score(rows["y_true"], rows["prob"])


def test_repeats_give_mean_sd_gain_share_and_the_corrected_t_test() -> None:
    pred = _predictions(3)
    table = strategy_table(
        pred, {"vgg/baseline": (4, 0.7, "trial 4"), "vgg/mixed": (None, None, "defaults: x")}, n_boot=50
    )
    assert list(table.columns) == STRATEGY_TABLE_COLUMNS
    mixed, base = (table[table["strategy"] == s].iloc[0] for s in ("mixed", "baseline"))
    test = pred[pred["split"] == "test"]
    per_repeat = {m: np.array([_auc(g) for _, g in test[test["model"] == m].groupby("repeat")]) for m in SEPARATION}
    assert mixed["n_repeats"] == 3
    assert mixed["test_auc_mean"] == pytest.approx(per_repeat["vgg/mixed"].mean())
    assert mixed["test_auc_sd"] == pytest.approx(per_repeat["vgg/mixed"].std(ddof=1))
    gains = per_repeat["vgg/mixed"] - per_repeat["vgg/baseline"]
    assert mixed["gain_vs_baseline_mean"] == pytest.approx(gains.mean())
    assert mixed["gain_vs_baseline_sd"] == pytest.approx(gains.std(ddof=1))
    assert mixed["gain_positive_share"] == pytest.approx((gains > 0).mean())
    fold_aucs = {
        m: np.array([_auc(g) for _, g in test[test["model"] == m].groupby(["repeat", "fold"])]) for m in SEPARATION
    }
    assert mixed["fold_mean_auc"] == pytest.approx(fold_aucs["vgg/mixed"].mean())
    # equal folds of 10 test pairs among 40: n_test / n_train = 10 / 30
    expected = corrected_resampled_ttest(fold_aucs["vgg/mixed"] - fold_aucs["vgg/baseline"], 10 / 30).p_value
    assert mixed["nb_p_vs_baseline"] == pytest.approx(expected)
    # pooled AUC and DeLong stay on repeat 0
    assert mixed["pooled_test_auc"] == pytest.approx(_auc(test[(test["model"] == "vgg/mixed") & (test["repeat"] == 0)]))
    assert mixed["n_test_pairs"] == N_PAIRS
    assert (mixed["refit_source"], base["refit_source"]) == ("defaults: x", "trial 4")
    assert all(math.isnan(base[c]) for c in ("gain_vs_baseline_mean", "nb_p_vs_baseline", "delong_p_vs_baseline"))
    assert table["test_auc_mean"].is_monotonic_decreasing


def test_one_repeat_has_no_sd_and_an_old_predictions_file_reads_as_repeat_0() -> None:
    pred = _predictions(1)
    old = pred.drop(columns="repeat")
    table, from_old = strategy_table(pred, n_boot=50), strategy_table(old, {"vgg/mixed": (2, 0.8)}, n_boot=50)
    mixed = table[table["strategy"] == "mixed"].iloc[0]
    assert mixed["n_repeats"] == 1 and math.isnan(mixed["test_auc_sd"]) and math.isnan(mixed["gain_vs_baseline_sd"])
    assert mixed["test_auc_mean"] == pytest.approx(mixed["pooled_test_auc"])
    assert pd.isna(mixed["refit_source"])
    assert list(from_old["model" if "model" in from_old else "strategy"]) == ["mixed"]
    assert from_old.iloc[0]["refit_source"] == "trial 2" and from_old.iloc[0]["test_auc_mean"] == pytest.approx(
        mixed["test_auc_mean"]
    )


def test_paired_scores_pair_each_pair_once_within_a_repeat() -> None:
    pred = _predictions(3)
    pairs = paired_scores(pred, "vgg/mixed", "vgg/baseline", repeat=2)
    assert len(pairs) == N_PAIRS
    mine = pred[(pred["split"] == "test") & (pred["repeat"] == 2) & (pred["model"] == "vgg/mixed")].sort_values(
        "pair_id"
    )
    np.testing.assert_allclose(pairs["prob_a"], mine["prob"])
