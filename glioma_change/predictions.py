"""What is computed from a run's `predictions.csv` by more than one stage: paired scores and the strategy table.

`strategy_table` is the one strategy table: `tune`/`train` write it as `RUN/strategy_table.csv`,
`evaluate` as `OUT/strategy_table.csv`, with the same function and columns (`STRATEGY_TABLE_COLUMNS`).
A run may hold R repeats of the outer cross-validation (`repeat` column; read as 0 when absent).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from glioma_change.stats import auc_ci, corrected_resampled_ttest, delong_test, has_both_classes, safe_auc

REFERENCE_STRATEGIES = ("baseline", "mixed")
REPEAT_COLUMNS = [
    "n_repeats",
    "test_auc_mean",
    "test_auc_sd",
    "fold_mean_auc",
    "gain_vs_baseline_mean",
    "gain_vs_baseline_sd",
    "gain_positive_share",
    "nb_p_vs_baseline",
    "refit_source",
]
"""Strategy-table columns over the repeats of the cross-validation (absent from tables written before repeats)."""
STRATEGY_TABLE_COLUMNS = [
    "network",
    "strategy",
    "pooled_test_auc",
    "pooled_test_auc_low",
    "pooled_test_auc_high",
    *(f"delong_p_vs_{r}" for r in REFERENCE_STRATEGIES),
    "n_test_pairs",
    "n_test_unstable",
    "mean_val_auc",
    "trial",
    "tuning_value",
    *REPEAT_COLUMNS,
]

Tuning = Mapping[str, tuple[int | None, float | None] | tuple[int | None, float | None, str]]
"""Model name -> (trial, tuning value) or (trial, tuning value, refit source) of the refitted combinations."""


def with_repeat(predictions: pd.DataFrame) -> pd.DataFrame:
    """`predictions` with a `repeat` column (0 for runs written before repeated cross-validation)."""
    return predictions if "repeat" in predictions else predictions.assign(repeat=0)


def paired_scores(predictions: pd.DataFrame, model_a: str, model_b: str, repeat: int = 0) -> pd.DataFrame:
    """Test rows of repeat `repeat` scored by both models, joined on `pair_id`: `patient_id, y_true, prob_a, prob_b`.

    Raises ValueError when the two models disagree on a pair's label.
    """
    predictions = with_repeat(predictions)
    test = predictions[(predictions["split"] == "test") & (predictions["repeat"] == repeat)]
    cols = ["pair_id", "patient_id", "y_true", "prob"]
    a = test.loc[test["model"] == model_a, cols]
    b = test.loc[test["model"] == model_b, cols]
    joined = a.merge(b, on="pair_id", suffixes=("_a", "_b")).sort_values("pair_id", ignore_index=True)
    if (joined["y_true_a"] != joined["y_true_b"]).any():
        raise ValueError(f"models {model_a} and {model_b} disagree on some pairs' labels")
    return pd.DataFrame(
        {
            "patient_id": joined["patient_id_a"],
            "y_true": joined["y_true_a"].astype(int),
            "prob_a": joined["prob_a"],
            "prob_b": joined["prob_b"],
        }
    )


def delong_p(predictions: pd.DataFrame, model: str, reference: str) -> float:
    """DeLong's two-sided p-value of `model` against `reference` on their shared test pairs of repeat 0
    (NaN with one class)."""
    pairs = paired_scores(predictions, model, reference)
    y = pairs["y_true"].to_numpy()
    if not has_both_classes(y):
        return float("nan")
    return delong_test(y, pairs["prob_a"].to_numpy(), pairs["prob_b"].to_numpy()).p_value


def _auc(rows: pd.DataFrame) -> float:
    return safe_auc(rows["y_true"].to_numpy(), rows["prob"].to_numpy())


def _aucs(rows: pd.DataFrame, by: list[str]) -> pd.Series:
    """AUC of each group of `rows` (NaN for a group with one class), indexed by `by`."""
    return rows.groupby(by).apply(_auc, include_groups=False).astype(float)


def _sd(values: pd.Series) -> float:
    finite = values.dropna()
    return float(finite.std(ddof=1)) if len(finite) >= 2 else float("nan")


def _mean(values: pd.Series) -> float:
    finite = values.dropna()
    return float(finite.mean()) if len(finite) else float("nan")


def _test_train_ratio(test: pd.DataFrame) -> float:
    """Mean over folds of n_test / n_train, the human pairs of a repeat not tested in a fold being its training part."""
    ratios = []
    for _, rep in test.groupby("repeat"):
        total = rep["pair_id"].nunique()
        ratios += [n / (total - n) for n in rep.groupby("fold")["pair_id"].nunique() if total > n]
    return float(np.mean(ratios)) if ratios else float("nan")


def _versus_baseline(test: pd.DataFrame, model: str, baseline: str) -> dict[str, float]:
    """Per-repeat pooled AUC gains over the baseline (mean, SD, share > 0) and the Nadeau–Bengio p on per-fold AUCs."""
    mine, theirs = test[test["model"] == model], test[test["model"] == baseline]
    gains = (_aucs(mine, ["repeat"]) - _aucs(theirs, ["repeat"])).dropna()
    fold_diffs = (_aucs(mine, ["repeat", "fold"]) - _aucs(theirs, ["repeat", "fold"])).to_numpy()
    return {
        "gain_vs_baseline_mean": _mean(gains),
        "gain_vs_baseline_sd": _sd(gains),
        "gain_positive_share": float((gains > 0).mean()) if len(gains) else float("nan"),
        "nb_p_vs_baseline": corrected_resampled_ttest(fold_diffs, _test_train_ratio(mine)).p_value,
    }


def _refit_source(choice: tuple[object, ...] | None) -> str | None:
    if choice is None:
        return None
    if len(choice) > 2 and choice[2]:
        return str(choice[2])
    return f"trial {choice[0]}" if choice[0] is not None else "defaults: no tuning trial"


def strategy_table(
    predictions: pd.DataFrame,
    tuning: Tuning | None = None,
    n_boot: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """One row per `<network>/<strategy>` model; rows sorted by `test_auc_mean`, best first.

    Repeat 0 of the cross-validation (the folds tuning used): pooled test AUC (all folds' test pairs
    together) with its patient-bootstrap 95 % CI, DeLong's p against the same network's `baseline` and
    `mixed` on the same test pairs (NaN for itself or when absent), `n_test_pairs`, `n_test_unstable`.
    Over all R repeats (`n_repeats`): `test_auc_mean`/`test_auc_sd` of the per-repeat pooled test AUC
    (SD NaN when R = 1), `fold_mean_auc` (mean per-fold test AUC over folds and repeats), the gain of the
    per-repeat pooled AUC over the same network's baseline (`gain_vs_baseline_mean`/`_sd`,
    `gain_positive_share`: share of repeats with a gain > 0) and `nb_p_vs_baseline`, the Nadeau–Bengio
    corrected resampled t-test on the per-fold test AUC differences over folds × repeats (correction
    n_test / n_train). `mean_val_auc`: mean per-fold validation AUC over folds and repeats.
    `tuning` (model name -> (trial, value[, refit source])) gives `trial`, `tuning_value` and
    `refit_source` (`trial <n>` or `defaults: <reason>`; NaN without `tuning`); with it, only its models
    are listed.
    """
    predictions = with_repeat(predictions)
    test = predictions[predictions["split"] == "test"]
    val = predictions[predictions["split"] == "val"]
    models = sorted(m for m in test["model"].unique() if "/" in m)
    if tuning is not None:
        models = [m for m in models if m in tuning]
    rows = []
    for model in models:
        network, _, strategy = model.partition("/")
        t = test[test["model"] == model]
        t0 = t[t["repeat"] == 0]
        auc = auc_ci(t0["y_true"].to_numpy(), t0["prob"].to_numpy(), t0["patient_id"].to_numpy(), n_boot, seed)
        choice = (tuning or {}).get(model)
        per_repeat = _aucs(t, ["repeat"])
        v = val[val["model"] == model]
        row: dict[str, object] = {
            "network": network,
            "strategy": strategy,
            "pooled_test_auc": auc.estimate,
            "pooled_test_auc_low": auc.low,
            "pooled_test_auc_high": auc.high,
            "n_test_pairs": len(t0),
            "n_test_unstable": int(t0["y_true"].sum()),
            "mean_val_auc": _mean(_aucs(v, ["repeat", "fold"])) if len(v) else float("nan"),
            "trial": choice[0] if choice else None,
            "tuning_value": choice[1] if choice else None,
            "n_repeats": int(t["repeat"].nunique()),
            "test_auc_mean": _mean(per_repeat),
            "test_auc_sd": _sd(per_repeat),
            "fold_mean_auc": _mean(_aucs(t, ["repeat", "fold"])),
            "refit_source": _refit_source(choice),
        }
        for ref in REFERENCE_STRATEGIES:
            other = f"{network}/{ref}"
            usable = ref != strategy and other in models
            row[f"delong_p_vs_{ref}"] = delong_p(predictions, model, other) if usable else float("nan")
        baseline = f"{network}/baseline"
        nan = float("nan")
        row.update(
            _versus_baseline(test, model, baseline)
            if strategy != "baseline" and baseline in models
            else dict.fromkeys(
                ("gain_vs_baseline_mean", "gain_vs_baseline_sd", "gain_positive_share", "nb_p_vs_baseline"), nan
            )
        )
        rows.append(row)
    table = pd.DataFrame(rows, columns=STRATEGY_TABLE_COLUMNS)
    return table.sort_values("test_auc_mean", ascending=False, na_position="last", kind="stable")
