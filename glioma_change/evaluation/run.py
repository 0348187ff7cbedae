"""`evaluate_run`: everything `glioma-change evaluate` does for one run directory.

Reads `RUN/predictions.csv` (cross-validated val/test predictions), optionally scores an external set
with the run's refitted models, and writes into `OUT`: `metrics.csv` (pooled, one row per set and
model), `metrics_per_fold.csv`, `comparisons.csv` (paired tests against each network's baseline),
`strategy_table.csv` (`predictions.strategy_table`), `verdict.txt` (the study's answer in words, see
`evaluation.verdict`), PNG figures under `figures/` (ROC, PR and calibration of the best network's model
per strategy; the label-scarcity curve drawn from `RUN/scarcity/` when `glioma-change scarcity` wrote
it), and the self-contained `report.html`, which opens with the verdict.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pandas as pd
import yaml

import glioma_change.evaluation.plots as plots
from glioma_change.errors import InputError
from glioma_change.evaluation.compare import compare_to_baselines
from glioma_change.evaluation.external import ExternalSet, evaluate_external
from glioma_change.evaluation.metrics import cv_metrics
from glioma_change.evaluation.report import Figure, ReportContent, write_report
from glioma_change.evaluation.tuning_summary import has_enough, load_trials, param_importances
from glioma_change.evaluation.verdict import has_lead, lead_auc, make_verdict, strategy_order
from glioma_change.formats import PREDICTION_COLUMNS, SCARCITY, SCARCITY_SUMMARY, require_columns
from glioma_change.io import write_csv_atomic, write_text_atomic
from glioma_change.predictions import Tuning, strategy_table, with_repeat
from glioma_change.run_layout import RunLayout
from glioma_change.runinfo import versions
from glioma_change.seeding import seed_everything

log = logging.getLogger(__name__)

MONTAGE_CASES = 3
VERDICT_FILE = "verdict.txt"
MAX_QC = 6


def read_predictions(path: str | os.PathLike[str]) -> pd.DataFrame:
    """`predictions.csv` restricted to its documented columns (anything else, e.g. text, is dropped; a run
    written before repeated cross-validation reads as repeat 0)."""
    path = Path(path)
    if not path.is_file():
        raise InputError("predictions.csv not found (run `glioma-change tune` or `train` first)", path)
    df = with_repeat(pd.read_csv(path, dtype={"patient_id": str, "pair_id": str, "model": str}))
    require_columns(df, PREDICTION_COLUMNS, path)
    df = df[PREDICTION_COLUMNS]
    bad = ~df["split"].isin(["val", "test"]) | ~df["y_true"].isin([0, 1]) | ~df["prob"].between(0.0, 1.0)
    if bad.any():
        raise InputError(
            "split must be val/test, y_true 0/1 and prob in [0, 1]", path, int(bad.to_numpy().argmax()) + 1
        )
    return df


def model_scores(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Rows of each model, `best` first, then by name."""
    names = sorted(df["model"].unique(), key=lambda m: (m != "best", m))
    return {m: df[df["model"] == m] for m in names}


def _legend(metrics: pd.DataFrame) -> dict[str, str]:
    return {r.model: f"AUC {r.auc:.2f} [{r.auc_low:.2f}, {r.auc_high:.2f}]" for r in metrics.itertuples(index=False)}


def _best_per_strategy(scores: dict[str, pd.DataFrame], network: str | None) -> dict[str, pd.DataFrame]:
    """The models of `network` (all `<network>/<strategy>` models when None), one per strategy."""
    return {m: df for m, df in scores.items() if m != "best" and (network is None or m.split("/")[0] == network)}


def _lead_figures(strategies: pd.DataFrame, fig_dir: Path) -> tuple[list[Figure], dict[str, str]]:
    """The strategy chart (lead AUC ± SD per network) and the ROC legend it implies."""
    if not has_lead(strategies):
        return [], {}
    lead = lead_auc(strategies)
    summary = strategies[["network", "strategy"]].assign(auc=lead.mean, sd=lead.sd)
    summary = summary.sort_values("strategy", key=lambda names: names.map(strategy_order), kind="stable")
    legend = {
        f"{r.network}/{r.strategy}": f"AUC {r.auc:.2f}" + (f" ± {r.sd:.2f}" if pd.notna(r.sd) else "")
        for r in summary.itertuples(index=False)
    }
    fig = Figure(
        plots.strategy_summary_plot(summary, lead.label, "Strategies per network", fig_dir / "cv_strategies.png"),
        f"{lead.label[0].upper()}{lead.label[1:]} per network and strategy (whiskers: SD over repeats "
        "where there are several); dashed line: chance.",
    )
    return [fig], legend


def _repeat_fold(df: pd.DataFrame) -> pd.Series:
    """`<repeat>-<fold>` labels (`<fold>` alone for predictions without repeats)."""
    folds = df["fold"].astype(str)
    return df["repeat"].astype(str) + "-" + folds if "repeat" in df else folds


def curve_figures(
    scores: dict[str, pd.DataFrame],
    metrics: pd.DataFrame,
    set_name: str,
    tag: str,
    fig_dir: Path,
    per_fold: bool,
    network: str | None = None,
    legend: dict[str, str] | None = None,
) -> list[Figure]:
    """ROC, PR and calibration of `network`'s model per strategy (every model's when None); pooled strategy bars
    (95 % CI) for sets without repeats (`per_fold` False)."""
    legend = {**_legend(metrics), **(legend or {})}
    brier = dict(zip(metrics["model"], metrics["brier"], strict=True))
    chosen = _best_per_strategy(scores, network)
    which = f"{network}, one curve per strategy" if network else "every model"
    figs = [
        Figure(
            plots.roc_plot(chosen, legend, f"ROC, {set_name} ({which})", fig_dir / f"{tag}_roc.png"),
            f"ROC curve of the best network's model per strategy on the {set_name} pairs (all test folds "
            "and repeats together); legend: the strategy table's AUC."
            if network
            else f"ROC curve of every model on the {set_name} pairs.",
        ),
    ]
    if per_fold:
        folds = {m: df.assign(fold=_repeat_fold(df)) for m, df in chosen.items()}
        figs.append(
            Figure(
                plots.fold_roc_band_plot(
                    folds, f"Per-fold ROC curves, {set_name} ({which})", fig_dir / f"{tag}_roc_folds.png"
                ),
                "Each outer fold's test ROC curve of every repeat (thin) with the mean ± SD band across them.",
            )
        )
    figs += [
        Figure(
            plots.pr_plot(chosen, f"Precision-recall, {set_name} ({which})", fig_dir / f"{tag}_pr.png"),
            "Precision-recall curves; legend: average precision; dashed line: prevalence.",
        ),
        Figure(
            plots.reliability_plot(
                chosen, brier, f"Calibration, {set_name} ({which})", fig_dir / f"{tag}_reliability.png"
            ),
            "Reliability curves (quantile bins); legend: Brier score (lower is better).",
        ),
    ]
    if not per_fold and (metrics["model"] != "best").sum() > 1:
        figs.append(
            Figure(
                plots.strategy_bar_plot(metrics, f"Strategy comparison, {set_name}", fig_dir / f"{tag}_strategies.png"),
                "ROC AUC per network and strategy with 95 % patient-bootstrap CIs; dashed line: chance.",
            )
        )
    return figs


def _tuning_figures(run_dir: Path, fig_dir: Path) -> list[Figure]:
    trials = load_trials(run_dir)
    if not has_enough(trials):
        return []
    figs = [
        Figure(
            plots.optimisation_history_plot(trials, fig_dir / "optuna_history.png"),
            "Objective value of each Optuna trial and the best value so far.",
        )
    ]
    importances, method = param_importances(run_dir, trials)
    if importances:
        figs.append(
            Figure(
                plots.importance_plot(importances, method, fig_dir / "optuna_importance.png"),
                f"Hyperparameter importances ({method}).",
            )
        )
    return figs


def _manifest(run_dir: Path, config: dict) -> pd.DataFrame | None:
    path = (config.get("data") or {}).get("manifest")
    if not path:
        return None
    path = Path(path) if Path(path).is_absolute() else run_dir / path
    if not path.is_file():
        return None
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    for col in ("diff_path", "qc_path"):
        if col in df:
            df[col] = [str(path.parent / p) if p else "" for p in df[col]]
    return df


def _montage(predictions: pd.DataFrame, manifest: pd.DataFrame | None, fig_dir: Path) -> list[Figure]:
    if manifest is None or "diff_path" not in manifest:
        return []
    model = "best" if "best" in set(predictions["model"]) else sorted(predictions["model"].unique())[0]
    test = predictions[(predictions["split"] == "test") & (predictions["model"] == model)]
    test = test.merge(manifest[["pair_id", "diff_path"]], on="pair_id", how="inner")
    test = test[test["diff_path"].map(lambda p: bool(p) and Path(p).is_file())]
    top = test.sort_values("prob", ascending=False)
    cases = pd.concat(
        [
            top[top["y_true"] == 1].head(MONTAGE_CASES).assign(kind="unstable (label)"),
            top[top["y_true"] == 0].head(MONTAGE_CASES).assign(kind="stable (label)"),
        ]
    )
    if cases.empty:
        return []
    title = f"Highest-scored unstable and stable pairs ({model}, test folds)"
    return [
        Figure(
            plots.confident_montage(cases, title, fig_dir / "confident_cases.png"),
            "Signed difference maps (red: brighter later) of the labelled-unstable (true positives) and "
            "labelled-stable (false positives when above the threshold) test pairs the model scored highest; "
            "planes through the strongest change.",
        )
    ]


def _tuning_choices(run_dir: Path) -> Tuning | None:
    """Model name -> (trial, tuning value, refit source) of the run's chosen combinations (`best_params.json`), if any."""
    path = RunLayout(run_dir).best_params
    if not path.is_file():
        return None
    combos = json.loads(path.read_text(encoding="utf-8")).get("combinations", {})
    return {name: (c.get("trial"), c.get("value"), c.get("refit_source") or "") for name, c in combos.items()}


def _scarcity_figures(run_dir: Path, fig_dir: Path) -> list[Figure]:
    folder = RunLayout(run_dir).scarcity  # written by `glioma-change scarcity RUN`
    if not (folder / SCARCITY_SUMMARY).is_file() or not (folder / SCARCITY).is_file():
        return []
    summary, per_seed = pd.read_csv(folder / SCARCITY_SUMMARY), pd.read_csv(folder / SCARCITY)
    return [
        Figure(
            plots.scarcity_plot(summary, per_seed, fig_dir / "scarcity.png"),
            "Pooled test AUC (mean over subsampling seeds, 95 % patient-bootstrap CI) against the "
            "number of human-labelled training patients per fold (`glioma-change scarcity`).",
        )
    ]


def _qc_figures(manifest: pd.DataFrame | None) -> list[Figure]:
    if manifest is None or "qc_path" not in manifest:
        return []
    rows = manifest[manifest["qc_path"].map(lambda p: bool(p) and Path(p).is_file())]
    if "status" in rows:
        rows = pd.concat([rows[rows["status"] == "flagged"], rows[rows["status"] != "flagged"]])
    return [
        Figure(Path(r.qc_path), f"{r.pair_id} (status: {getattr(r, 'status', 'n/a')})")
        for r in rows.head(MAX_QC).itertuples(index=False)
    ]


def evaluate_run(
    run_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    external: ExternalSet | None = None,
    seed: int = 0,
    n_boot: int = 2000,
) -> Path:
    """Evaluate a run (and optionally an external set); write tables, figures and `report.html`; return its path."""
    run_dir, out_dir = Path(run_dir), Path(out_dir)
    if external is not None and not Path(external.maps_dir).is_dir():
        raise InputError("maps directory not found", external.maps_dir)
    if external is not None and not Path(external.labels).is_file():
        raise InputError("label file not found", external.labels)
    seed_everything(seed)
    fig_dir = out_dir / "figures"
    layout = RunLayout(run_dir)
    predictions = read_predictions(layout.predictions)
    first = predictions[predictions["repeat"] == 0]  # the folds tuning used; metrics and DeLong are on them
    metrics, per_fold = cv_metrics(first, n_boot, seed)
    comparisons = compare_to_baselines(predictions, n_boot, seed).assign(set="cross-validation")
    strategies = strategy_table(predictions, _tuning_choices(run_dir), n_boot, seed)
    test = predictions[predictions["split"] == "test"]
    config_text = layout.config.read_text(encoding="utf-8") if layout.config.is_file() else ""
    config = (yaml.safe_load(config_text) if config_text else None) or {}
    manifest = _manifest(run_dir, config)
    verdict = make_verdict(strategies) if has_lead(strategies) else None
    network = verdict.best.split("/")[0] if verdict else None
    lead_figures, legend = _lead_figures(strategies, fig_dir)
    figures = {
        "Cross-validation (outer test folds)": curve_figures(
            model_scores(test),
            metrics,
            "cross-validation",
            "cv",
            fig_dir,
            per_fold=True,
            network=network,
            legend=legend,
        ),
        "Most confident predictions": _montage(first, manifest, fig_dir),
        "Hyperparameter search": _tuning_figures(run_dir, fig_dir),
        "Label scarcity": _scarcity_figures(run_dir, fig_dir),
    }
    missing = None
    if external is not None:
        result = evaluate_external(run_dir, external.maps_dir, external.labels, out_dir, external.label, n_boot, seed)
        missing = result.missing
        if len(result.metrics):
            metrics = pd.concat([metrics, result.metrics], ignore_index=True)
            ext = result.predictions.assign(split="test")
            comparisons = pd.concat(
                [comparisons, compare_to_baselines(ext, n_boot, seed).assign(set="external")], ignore_index=True
            )
            figures["External set (fold-averaged probabilities)"] = curve_figures(
                model_scores(ext), result.metrics, "external set", "external", fig_dir, per_fold=False, network=network
            )
        else:
            log.warning("no external pair could be scored")
    write_csv_atomic(metrics, out_dir / "metrics.csv")
    write_csv_atomic(per_fold, out_dir / "metrics_per_fold.csv")
    write_csv_atomic(comparisons, out_dir / "comparisons.csv")
    write_csv_atomic(strategies, out_dir / "strategy_table.csv")
    if verdict is not None:
        write_text_atomic(verdict.text() + "\n", out_dir / VERDICT_FILE)
    run_info_path = layout.run_info
    content = ReportContent(
        title=f"glioma-change evaluation: {run_dir.resolve().name}",
        run_dir=run_dir.resolve(),
        seed=seed,
        n_boot=n_boot,
        metrics=metrics,
        comparisons=comparisons,
        strategies=strategies,
        verdict=verdict,
        lead_figures=lead_figures,
        figures=figures,
        qc=_qc_figures(manifest),
        missing=missing,
        config_text=config_text,
        run_info=json.loads(run_info_path.read_text(encoding="utf-8")) if run_info_path.is_file() else {},
        versions=versions(),
    )
    return write_report(content, out_dir / "report.html")
