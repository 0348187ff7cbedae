"""What is computed from a run's `predictions.csv` by more than one stage: paired scores and the strategy table.

`strategy_table` is the one strategy table: `tune`/`train` write it as `RUN/strategy_table.csv`,
`evaluate` as `OUT/strategy_table.csv`, with the same function and columns (`STRATEGY_TABLE_COLUMNS`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from glioma_change.stats import auc_ci, delong_test, has_both_classes, safe_auc

REFERENCE_STRATEGIES = ("baseline", "mixed")
STRATEGY_TABLE_COLUMNS = [
    "network", "strategy", "pooled_test_auc", "pooled_test_auc_low", "pooled_test_auc_high",
    *(f"delong_p_vs_{r}" for r in REFERENCE_STRATEGIES), "n_test_pairs", "n_test_unstable",
    "mean_val_auc", "trial", "tuning_value",
]


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


def delong_p(predictions: pd.DataFrame, model: str, reference: str) -> float:
    """DeLong's two-sided p-value of `model` against `reference` on their shared test pairs (NaN with one class)."""
    pairs = paired_scores(predictions, model, reference)
    y = pairs["y_true"].to_numpy()
    if not has_both_classes(y):
        return float("nan")
    return delong_test(y, pairs["prob_a"].to_numpy(), pairs["prob_b"].to_numpy()).p_value


def _mean_val_auc(predictions: pd.DataFrame, model: str) -> float:
    val = predictions[(predictions["model"] == model) & (predictions["split"] == "val")]
    aucs = [safe_auc(g["y_true"].to_numpy(), g["prob"].to_numpy()) for _, g in val.groupby("fold")]
    return float(np.nanmean(aucs)) if aucs and not np.all(np.isnan(aucs)) else float("nan")


def strategy_table(
    predictions: pd.DataFrame,
    tuning: Mapping[str, tuple[int | None, float | None]] | None = None,
    n_boot: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Per `<network>/<strategy>` model: pooled test AUC (all folds' test pairs together) with its
    patient-bootstrap 95 % CI, DeLong's p against the same network's `baseline` and `mixed` on the same
    test pairs (NaN for itself or when absent), mean per-fold validation AUC, and the tuning trial and
    value (`tuning`: model name -> (trial, value); NaN when not given). With `tuning`, only its models are
    listed. Rows are sorted by pooled test AUC, best first."""
    test = predictions[predictions["split"] == "test"]
    models = sorted(m for m in test["model"].unique() if "/" in m)
    if tuning is not None:
        models = [m for m in models if m in tuning]
    rows = []
    for model in models:
        network, _, strategy = model.partition("/")
        t = test[test["model"] == model]
        auc = auc_ci(t["y_true"].to_numpy(), t["prob"].to_numpy(), t["patient_id"].to_numpy(), n_boot, seed)
        trial, value = (tuning or {}).get(model, (None, None))
        row = {"network": network, "strategy": strategy, "pooled_test_auc": auc.estimate,
               "pooled_test_auc_low": auc.low, "pooled_test_auc_high": auc.high,
               "n_test_pairs": len(t), "n_test_unstable": int(t["y_true"].sum()),
               "mean_val_auc": _mean_val_auc(predictions, model), "trial": trial, "tuning_value": value}
        for ref in REFERENCE_STRATEGIES:
            other = f"{network}/{ref}"
            usable = ref != strategy and other in models
            row[f"delong_p_vs_{ref}"] = delong_p(predictions, model, other) if usable else float("nan")
        rows.append(row)
    table = pd.DataFrame(rows, columns=STRATEGY_TABLE_COLUMNS)
    return table.sort_values("pooled_test_auc", ascending=False, na_position="last")
