"""The verdict read from hand-made strategy tables: gain positive or not, holding across repeats or not, defaults."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from glioma_change.evaluation.verdict import make_verdict
from glioma_change.predictions import REPEAT_COLUMNS


def _table(rows: list[dict[str, object]]) -> pd.DataFrame:
    """A strategy table in the contract's columns (`predictions.STRATEGY_TABLE_COLUMNS` with repeats)."""
    full = []
    for row in rows:
        full.append(
            {
                "network": row["network"],
                "strategy": row["strategy"],
                "pooled_test_auc": row.get("pooled", row["mean"]),
                "pooled_test_auc_low": 0.5,
                "pooled_test_auc_high": 0.95,
                "delong_p_vs_baseline": row.get("delong", np.nan),
                "delong_p_vs_mixed": np.nan,
                "n_test_pairs": 40,
                "n_test_unstable": 18,
                "mean_val_auc": 0.7,
                "trial": row.get("trial", 3),
                "tuning_value": 0.7,
                "n_repeats": row.get("repeats", 3),
                "test_auc_mean": row["mean"],
                "test_auc_sd": row.get("sd", 0.02),
                "fold_mean_auc": row["mean"] - 0.01,
                "gain_vs_baseline_mean": row.get("gain", np.nan),
                "gain_vs_baseline_sd": row.get("gain_sd", np.nan),
                "gain_positive_share": row.get("share", np.nan),
                "nb_p_vs_baseline": row.get("nb", np.nan),
                "refit_source": row.get("source", "trial 3"),
            }
        )
    return pd.DataFrame(full)


HELPS = [
    {"network": "vgg", "strategy": "baseline", "mean": 0.70},
    {
        "network": "vgg",
        "strategy": "mixed",
        "mean": 0.78,
        "gain": 0.08,
        "gain_sd": 0.02,
        "share": 1.0,
        "nb": 0.01,
        "delong": 0.04,
    },
    {"network": "resnext", "strategy": "baseline", "mean": 0.72},
    {
        "network": "resnext",
        "strategy": "finetune",
        "mean": 0.71,
        "gain": -0.01,
        "gain_sd": 0.03,
        "share": 1 / 3,
        "nb": 0.7,
        "delong": 0.8,
    },
]


def test_a_consistent_significant_gain_is_called_a_help() -> None:
    verdict = make_verdict(_table(HELPS))
    assert verdict.best == "vgg/mixed" and verdict.best_auc == pytest.approx(0.78)
    assert verdict.headline.startswith("Weak labels help: vgg/mixed is best")
    assert "+0.080" in verdict.headline and "0.780 ± 0.020" in verdict.headline and "3 repeats" in verdict.headline
    assert verdict.gain is not None and verdict.gain.holds and verdict.gain.significant
    text = verdict.text()
    assert "gain +0.080 ± 0.020 AUC (Nadeau–Bengio p = 0.010, DeLong p = 0.040" in text
    assert "ahead in 3 of 3 repeats" in text
    assert "resnext/finetune vs resnext/baseline: 0.710 vs 0.720, gain -0.010 ± 0.030" in text
    assert "ahead in 1 of 3 repeats" in text
    assert "Every combination was refit from its own best completed trial." in text


def test_a_gain_that_does_not_hold_across_repeats_is_only_a_maybe() -> None:
    rows = [dict(r) for r in HELPS]
    rows[1].update(share=2 / 3, nb=0.2)
    verdict = make_verdict(_table(rows))
    assert verdict.headline.startswith("Weak labels may help: vgg/mixed is best")
    assert "it does not hold across repeats" in verdict.headline
    assert "ahead in 2 of 3 repeats" in verdict.text()
    assert verdict.gain is not None and not verdict.gain.holds


def test_a_consistent_gain_within_the_noise_is_only_a_maybe() -> None:
    rows = [dict(r) for r in HELPS]
    rows[1].update(nb=0.3)
    verdict = make_verdict(_table(rows))
    assert "within the noise of this study" in verdict.headline


def test_a_best_baseline_means_weak_labels_did_not_help() -> None:
    rows = [dict(r) for r in HELPS]
    rows[2].update(mean=0.83)  # resnext baseline is now the best configuration
    rows[3].update(gain=-0.12, share=0.0, nb=0.02)
    verdict = make_verdict(_table(rows))
    assert verdict.best == "resnext/baseline"
    assert verdict.headline.startswith("Weak labels did not help: resnext/baseline is best")
    assert "finetune, is -0.120 AUC against its baseline" in verdict.headline
    assert verdict.gain is not None and verdict.gain.strategy == "finetune" and not verdict.gain.holds


def test_refits_with_defaults_are_named() -> None:
    rows = [dict(r) for r in HELPS]
    rows[3].update(source="defaults: no completed trial", trial=np.nan)
    verdict = make_verdict(_table(rows))
    assert verdict.defaults == ["resnext/finetune (defaults: no completed trial)"]
    assert "Refit with default parameters (no own completed trial): resnext/finetune" in verdict.text()


def test_a_table_without_repeats_is_ranked_by_its_pooled_auc() -> None:
    old = _table(HELPS).drop(columns=REPEAT_COLUMNS)
    verdict = make_verdict(old)
    assert verdict.lead_label == "pooled test AUC" and verdict.best == "vgg/mixed"
    assert "one repeat cannot show whether it holds" in verdict.headline
    assert verdict.gain is not None and verdict.gain.mean == pytest.approx(0.08)


def test_the_repeat_mean_leads_not_the_pooled_auc() -> None:
    rows = [dict(r) for r in HELPS]
    rows[2].update(pooled=0.95)  # a pooled AUC alone would make resnext/baseline the best
    assert make_verdict(_table(rows)).best == "vgg/mixed"
