"""`evaluate --predictions`: metrics, paired comparisons, plots and a report for predictions made anywhere.

The table needs `model, y_true, prob` (one row per model and pair); optional columns:

- `patient_id`: CIs resample patients (all pairs of a patient together); without it, single pairs;
- `pair_id`: pairs the models' rows for the paired tests (only pairs every compared model scored are
  used); without it, a model's k-th row is paired with every other model's k-th row;
- `fold`: per-fold AUC mean ± SD and per-fold ROC curves.

Every model is compared with every other on their common pairs (DeLong's test, paired patient bootstrap).
Operating points use the threshold 0.5 (no validation rows to choose one on).
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import numpy as np
import pandas as pd

from glioma_change.errors import InputError
from glioma_change.evaluation.compare import COMPARISON_COLUMNS, compare_models
from glioma_change.evaluation.metrics import DEFAULT_THRESHOLD, model_name_parts, score_summary
from glioma_change.evaluation.report import ReportContent, write_report
from glioma_change.evaluation.run import curve_figures, model_scores
from glioma_change.formats import require_columns
from glioma_change.io import write_csv_atomic
from glioma_change.runinfo import versions
from glioma_change.seeding import seed_everything
from glioma_change.stats import safe_auc

REQUIRED_COLUMNS = ["model", "y_true", "prob"]
OPTIONAL_COLUMNS = ["patient_id", "pair_id", "fold"]
SET_NAME = "predictions"


def read_prediction_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """The table with `model, y_true, prob, patient_id, pair_id, fold` (missing optional columns filled in).

    Raises `InputError` naming the file and row for labels other than 0/1, probabilities outside [0, 1],
    a model scoring one pair twice, or a pair labelled differently by two models.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("predictions file not found", path)
    df = pd.read_csv(path, dtype={"model": str, "patient_id": str, "pair_id": str})
    require_columns(df, REQUIRED_COLUMNS, path)
    y, prob = pd.to_numeric(df["y_true"], errors="coerce"), pd.to_numeric(df["prob"], errors="coerce")
    bad = ~y.isin([0, 1]) | ~prob.between(0.0, 1.0) | df["model"].isna()
    if bad.any():
        raise InputError(
            "model must be given, y_true 0 or 1 and prob in [0, 1]", path, int(bad.to_numpy().argmax()) + 1
        )
    df = df.assign(y_true=y.astype(int), prob=prob.astype(float))
    if "pair_id" not in df:
        df["pair_id"] = [f"row-{k + 1}" for k in df.groupby("model").cumcount()]
    if "patient_id" not in df:
        df["patient_id"] = df["pair_id"]
    if "fold" not in df:
        df["fold"] = np.nan
    df = df[REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    duplicate = df.duplicated(["model", "pair_id"])
    if duplicate.any():
        i = int(duplicate.to_numpy().argmax())
        raise InputError(f"model {df['model'].iloc[i]} scores pair {df['pair_id'].iloc[i]} twice", path, i + 1)
    labels = df.groupby("pair_id")["y_true"].nunique()
    if (labels > 1).any():
        raise InputError(f"models disagree on the label of pair {labels[labels > 1].index[0]}", path)
    return df


def prediction_metrics(df: pd.DataFrame, n_boot: int, seed: int) -> pd.DataFrame:
    """One row per model: `score_summary` at threshold 0.5, plus per-fold AUC mean and SD when folds are given."""
    rows = []
    for name, g in df.groupby("model", sort=True):
        row = score_summary(g["y_true"], g["prob"], g["patient_id"].to_numpy(), DEFAULT_THRESHOLD, n_boot, seed)
        aucs = np.array([safe_auc(f["y_true"].to_numpy(), f["prob"].to_numpy()) for _, f in g.groupby("fold")])
        finite = aucs[np.isfinite(aucs)]
        network, strategy = model_name_parts(str(name))
        rows.append(
            {
                "set": SET_NAME,
                "model": name,
                "network": network,
                "strategy": strategy or "–",
                **row,
                "n_folds": len(aucs),
                "fold_auc_mean": float(finite.mean()) if finite.size else float("nan"),
                "fold_auc_sd": float(finite.std(ddof=1)) if finite.size > 1 else float("nan"),
            }
        )
    return pd.DataFrame(rows)


def compare_all(df: pd.DataFrame, n_boot: int, seed: int) -> pd.DataFrame:
    """Every pair of models (in name order) on the pairs both scored: DeLong and paired bootstrap."""
    test = df.assign(split="test")
    rows = [
        row
        for a, b in itertools.combinations(sorted(df["model"].unique()), 2)
        if (row := compare_models(test, b, a, n_boot, seed)) is not None
    ]
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS).assign(set=SET_NAME)


def evaluate_predictions(
    path: str | os.PathLike[str], out_dir: str | os.PathLike[str], n_boot: int = 2000, seed: int = 0
) -> Path:
    """Evaluate a predictions table; write `metrics.csv`, `comparisons.csv`, `figures/` and `report.html`
    into `out_dir`; return the report's path."""
    path, out_dir = Path(path), Path(out_dir)
    df = read_prediction_table(path)
    seed_everything(seed)
    metrics = prediction_metrics(df, n_boot, seed)
    comparisons = compare_all(df, n_boot, seed)
    has_folds = bool(df["fold"].notna().any())
    figures = curve_figures(model_scores(df), metrics, "predictions", "predictions", out_dir / "figures", has_folds)
    write_csv_atomic(metrics, out_dir / "metrics.csv")
    write_csv_atomic(comparisons, out_dir / "comparisons.csv")
    clusters = (
        "patients (all pairs of a patient together)"
        if (df["patient_id"] != df["pair_id"]).any()
        else "single pairs (the table gives no patient_id)"
    )
    content = ReportContent(
        title=f"glioma-change evaluation: {path.name}",
        run_dir=path.resolve(),
        seed=seed,
        n_boot=n_boot,
        metrics=metrics,
        comparisons=comparisons,
        figures={"Predictions": figures},
        versions=versions(),
        config_text=f"predictions table: {path.resolve()}\n{len(df)} rows, {df['model'].nunique()} model(s)",
        metrics_note=f"Each model's rows of {path.name}. 95 % CIs resample {clusters}. Operating points at "
        f"the threshold {DEFAULT_THRESHOLD}; fold AUC mean ± SD when the table gives folds.",
        comparison_heading="Models compared (paired, on the pairs both scored)",
    )
    return write_report(content, out_dir / "report.html")
