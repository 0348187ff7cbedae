"""Every `<network>/<strategy>` against its network's `baseline`: DeLong's test and a paired cluster bootstrap.

Both tests keep the pairing (the same maps scored by both models); an unpaired permutation of pooled
scores would ignore the strong correlation between two models' scores and is never used. The tests
themselves live in `glioma_change.stats`; the strategy table in `glioma_change.predictions`.
"""

from __future__ import annotations

import pandas as pd

from glioma_change.predictions import paired_scores
from glioma_change.stats import delong_test, has_both_classes, paired_bootstrap_difference

COMPARISON_COLUMNS = [
    "model",
    "reference",
    "n_pairs",
    "auc",
    "auc_reference",
    "difference",
    "delong_se",
    "delong_z",
    "delong_p",
    "bootstrap_low",
    "bootstrap_high",
    "bootstrap_p",
]


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


def compare_models(
    predictions: pd.DataFrame, model: str, reference: str, n_boot: int = 2000, seed: int = 0
) -> dict[str, object] | None:
    """`model` against `reference` on the test pairs both scored: DeLong's test and the paired patient
    bootstrap (`COMPARISON_COLUMNS`); None when those pairs lack a class."""
    pairs = paired_scores(predictions, model, reference)
    if not has_both_classes(pairs["y_true"].to_numpy()):
        return None
    y, pa, pb = pairs["y_true"].to_numpy(), pairs["prob_a"].to_numpy(), pairs["prob_b"].to_numpy()
    dl = delong_test(y, pa, pb)
    boot, boot_p = paired_bootstrap_difference(y, pa, pb, pairs["patient_id"].to_numpy(), n_boot, seed)
    return {
        "model": model,
        "reference": reference,
        "n_pairs": len(pairs),
        "auc": dl.auc_a,
        "auc_reference": dl.auc_b,
        "difference": dl.difference,
        "delong_se": dl.se,
        "delong_z": dl.z,
        "delong_p": dl.p_value,
        "bootstrap_low": boot.low,
        "bootstrap_high": boot.high,
        "bootstrap_p": boot_p,
    }
