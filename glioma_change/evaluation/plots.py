"""Figures of an evaluation (matplotlib, Agg backend, PNG): ROC/PR/reliability curves, strategy bars, Optuna.

Every function takes tidy inputs, writes one PNG atomically and returns its path. Legends carry the
numbers a reader looks for (AUC with its 95 % CI, average precision).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score, roc_curve

from glioma_change.evaluation.metrics import reliability
from glioma_change.io import atomic_path
from glioma_change.stats import has_both_classes

DPI = 110
FPR_GRID = np.linspace(0.0, 1.0, 101)
Scores = Mapping[str, pd.DataFrame]  # model name -> rows with `y_true`, `prob` (and `fold` where per fold)


def _save(fig: plt.Figure, path: str | os.PathLike[str]) -> Path:
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=DPI, format="png")
    plt.close(fig)
    return Path(path)


def _colours(n: int) -> list:
    cmap = plt.get_cmap("tab10" if n <= 10 else "tab20")
    return [cmap(i % cmap.N) for i in range(n)]


def _square_axes(ax: plt.Axes, xlabel: str, ylabel: str) -> None:
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_aspect("equal")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)


def _auc_labels(ax: plt.Axes, x: np.ndarray, auc: pd.Series) -> None:
    """Each finite AUC written upright in white at the foot of its bar."""
    for xi, v in zip(x, auc, strict=True):
        if np.isfinite(v):
            ax.text(xi, 0.02, f"{v:.2f}", ha="center", va="bottom", fontsize=7, rotation=90, color="white")


def _strategy_axes(ax: plt.Axes, networks: list[str], ylabel: str, xlabel: str, title: str) -> None:
    """Chance line, one tick per network, the AUC range, labels and the strategy legend of grouped bars."""
    ax.axhline(0.5, ls="--", c="grey", lw=1)
    ax.set_xticks(np.arange(len(networks)), networks)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel(ylabel)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.legend(title="strategy", fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))


def roc_plot(scores: Scores, legend: Mapping[str, str], title: str, path: str | os.PathLike[str]) -> Path:
    """Pooled ROC curve of every model; `legend[name]` is e.g. `AUC 0.81 [0.74, 0.87]`."""
    fig, ax = plt.subplots(figsize=(6.4, 6.0))
    ax.plot([0, 1], [0, 1], ls="--", c="grey", lw=1, label="chance")
    for colour, (name, df) in zip(_colours(len(scores)), scores.items(), strict=True):
        if not has_both_classes(df["y_true"].to_numpy()):
            continue
        fpr, tpr, _ = roc_curve(df["y_true"], df["prob"])
        ax.plot(fpr, tpr, c=colour, lw=2 if name == "best" else 1.4, label=f"{name}: {legend.get(name, '')}")
    _square_axes(ax, "1 − specificity (false positive rate)", "sensitivity (true positive rate)")
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=7.5)
    return _save(fig, path)


def pr_plot(scores: Scores, title: str, path: str | os.PathLike[str]) -> Path:
    """Pooled precision-recall curve of every model, with the prevalence as the chance line."""
    fig, ax = plt.subplots(figsize=(6.4, 6.0))
    prevalence = None
    for colour, (name, df) in zip(_colours(len(scores)), scores.items(), strict=True):
        if not has_both_classes(df["y_true"].to_numpy()):
            continue
        precision, recall, _ = precision_recall_curve(df["y_true"], df["prob"])
        ap = average_precision_score(df["y_true"], df["prob"])
        ax.step(recall, precision, where="post", c=colour, lw=1.4, label=f"{name}: AP {ap:.2f}")
        prevalence = float(df["y_true"].mean())
    if prevalence is not None:
        ax.axhline(prevalence, ls="--", c="grey", lw=1, label=f"prevalence {prevalence:.2f}")
    _square_axes(ax, "recall (sensitivity)", "precision (PPV)")
    ax.set_title(title)
    ax.legend(loc="lower left", fontsize=7.5)
    return _save(fig, path)


def fold_roc_band_plot(scores: Scores, title: str, path: str | os.PathLike[str]) -> Path:
    """One panel per model: each fold's ROC curve (thin) and the mean ± SD band across folds."""
    names = list(scores)
    cols = min(4, len(names)) or 1
    rows = int(np.ceil(len(names) / cols)) or 1
    fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 3.4 * rows), squeeze=False)
    for ax, colour, name in zip(axes.flat, _colours(len(names)), names, strict=False):
        curves, aucs = [], []
        for _, fold in scores[name].groupby("fold"):
            if not has_both_classes(fold["y_true"].to_numpy()):
                continue
            fpr, tpr, _ = roc_curve(fold["y_true"], fold["prob"])
            ax.plot(fpr, tpr, c=colour, lw=0.6, alpha=0.5)
            curve = np.interp(FPR_GRID, fpr, tpr)
            curve[0] = 0.0
            curves.append(curve)
            aucs.append(roc_auc_score(fold["y_true"], fold["prob"]))
        ax.plot([0, 1], [0, 1], ls="--", c="grey", lw=0.8)
        if curves:
            mean, sd = np.mean(curves, axis=0), np.std(curves, axis=0)
            sd_auc = np.std(aucs, ddof=1) if len(aucs) > 1 else float("nan")
            ax.plot(FPR_GRID, mean, c=colour, lw=2, label=f"fold AUC {np.mean(aucs):.2f} ± {sd_auc:.2f}")
            ax.fill_between(
                FPR_GRID, np.clip(mean - sd, 0, 1), np.clip(mean + sd, 0, 1), color=colour, alpha=0.2, label="± 1 SD"
            )
            ax.legend(loc="lower right", fontsize=7)
        _square_axes(ax, "false positive rate", "true positive rate")
        ax.set_title(f"{name} ({len(curves)} folds)", fontsize=9)
    for ax in axes.flat[len(names) :]:
        ax.axis("off")
    fig.suptitle(title)
    return _save(fig, path)


def reliability_plot(scores: Scores, brier: Mapping[str, float], title: str, path: str | os.PathLike[str]) -> Path:
    """Reliability curves (observed fraction unstable vs mean predicted probability, quantile bins)."""
    fig, ax = plt.subplots(figsize=(6.4, 6.0))
    ax.plot([0, 1], [0, 1], ls="--", c="grey", lw=1, label="perfect calibration")
    for colour, (name, df) in zip(_colours(len(scores)), scores.items(), strict=True):
        curve = reliability(df["y_true"].to_numpy(), df["prob"].to_numpy())
        if len(curve):
            ax.plot(
                curve["mean_predicted"],
                curve["fraction_positive"],
                marker="o",
                ms=3,
                c=colour,
                lw=1.2,
                label=f"{name}: Brier {brier.get(name, float('nan')):.3f}",
            )
    _square_axes(ax, "mean predicted P(unstable)", "observed fraction unstable")
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize=7.5)
    return _save(fig, path)


def strategy_bar_plot(metrics: pd.DataFrame, title: str, path: str | os.PathLike[str]) -> Path:
    """AUC with its 95 % CI per network and strategy (grouped bars; `metrics` rows of `<network>/<strategy>` models)."""
    rows = metrics[metrics["model"] != "best"]
    networks = sorted(rows["network"].unique())
    strategies = list(dict.fromkeys(rows["strategy"]))
    width = 0.8 / max(1, len(strategies))
    fig, ax = plt.subplots(figsize=(1.6 + 1.8 * len(networks) * max(1, len(strategies)) / 2, 4.8))
    for i, (colour, strategy) in enumerate(zip(_colours(len(strategies)), strategies, strict=True)):
        sub = rows[rows["strategy"] == strategy].set_index("network").reindex(networks)
        x = np.arange(len(networks)) + (i - (len(strategies) - 1) / 2) * width
        err = np.vstack([sub["auc"] - sub["auc_low"], sub["auc_high"] - sub["auc"]])
        ax.bar(x, sub["auc"], width, color=colour, label=strategy, yerr=np.nan_to_num(err), capsize=3)
        _auc_labels(ax, x, sub["auc"])
    _strategy_axes(ax, networks, "ROC AUC (95 % CI, patient bootstrap)", "network", title)
    return _save(fig, path)


def strategy_summary_plot(summary: pd.DataFrame, ylabel: str, title: str, path: str | os.PathLike[str]) -> Path:
    """Bars of `auc` with `sd` whiskers (omitted when NaN), grouped by network, one colour per strategy.

    `summary`: `network, strategy, auc, sd`; the best bar of each network is outlined in black.
    """
    networks = list(dict.fromkeys(summary["network"]))
    strategies = list(dict.fromkeys(summary["strategy"]))
    width = 0.8 / max(1, len(strategies))
    fig, ax = plt.subplots(figsize=(2.2 + 0.5 * len(networks) * max(1, len(strategies)), 4.6))
    best = set(
        summary.loc[summary.groupby("network")["auc"].idxmax().dropna(), ["network", "strategy"]].itertuples(
            index=False, name=None
        )
    )
    for i, (colour, strategy) in enumerate(zip(_colours(len(strategies)), strategies, strict=True)):
        sub = summary[summary["strategy"] == strategy].set_index("network").reindex(networks)
        x = np.arange(len(networks)) + (i - (len(strategies) - 1) / 2) * width
        edges = ["black" if (n, strategy) in best else colour for n in networks]
        ax.bar(
            x,
            sub["auc"],
            width,
            color=colour,
            edgecolor=edges,
            linewidth=1.6,
            label=strategy,
            yerr=np.where(np.isfinite(sub["sd"]), sub["sd"], 0.0),
            capsize=3,
        )
        _auc_labels(ax, x, sub["auc"])
    _strategy_axes(ax, networks, ylabel, "network (black outline: its best strategy)", title)
    return _save(fig, path)


def optimisation_history_plot(trials: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Objective of each completed trial and the best value so far (from an Optuna trials dataframe)."""
    done = trials[trials["state"].astype(str).str.upper().str.contains("COMPLETE")].sort_values("number")
    fig, ax = plt.subplots(figsize=(7.0, 4.2))
    ax.scatter(done["number"], done["value"], s=18, c="tab:blue", label="trial (mean inner-validation AUC)")
    ax.plot(done["number"], done["value"].cummax(), c="tab:red", lw=1.8, drawstyle="steps-post", label="best so far")
    pruned = trials[trials["state"].astype(str).str.upper().str.contains("PRUNED")]
    if len(pruned):
        ax.scatter(
            pruned["number"],
            np.full(len(pruned), np.nanmin(done["value"]) if len(done) else 0.5),
            marker="x",
            c="grey",
            s=16,
            label=f"pruned ({len(pruned)})",
        )
    ax.set_xlabel("trial number")
    ax.set_ylabel("objective value")
    ax.set_title(f"Optuna optimisation history ({len(done)} completed of {len(trials)} trials)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _save(fig, path)


def importance_plot(importances: Mapping[str, float], method: str, path: str | os.PathLike[str]) -> Path:
    """Horizontal bars of hyperparameter importances (normalised to sum to 1)."""
    items = sorted(importances.items(), key=lambda kv: kv[1])
    fig, ax = plt.subplots(figsize=(6.4, 0.6 + 0.45 * max(1, len(items))))
    ax.barh([k for k, _ in items], [v for _, v in items], color="tab:green")
    for i, (_, v) in enumerate(items):
        ax.text(v, i, f" {v:.2f}", va="center", fontsize=8)
    ax.set_xlim(0, max([v for _, v in items] + [0.1]) * 1.2)
    ax.set_xlabel("relative importance (sums to 1)")
    ax.set_title(f"Hyperparameter importance ({method})")
    return _save(fig, path)


def scarcity_plot(summary: pd.DataFrame, per_seed: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Pooled test AUC against human-labelled training patients per fold, one line per model.

    `summary`: `model, n_human_patients, auc, auc_low, auc_high` (mean over seeds, 95 % CI band);
    `per_seed`: `model, n_human_patients, auc` (one dot per seed).
    """
    models = list(dict.fromkeys(summary["model"]))
    fig, ax = plt.subplots(figsize=(7.0, 4.6))
    for colour, model in zip(_colours(len(models)), models, strict=True):
        s = summary[summary["model"] == model].sort_values("n_human_patients")
        ax.fill_between(s["n_human_patients"], s["auc_low"], s["auc_high"], color=colour, alpha=0.15, lw=0)
        ax.plot(s["n_human_patients"], s["auc"], c=colour, marker="o", lw=1.6, label=model)
        seeds = per_seed[per_seed["model"] == model]
        ax.scatter(seeds["n_human_patients"], seeds["auc"], c=[colour], s=10, alpha=0.5)
    ax.axhline(0.5, ls="--", c="grey", lw=1)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("human-labelled training patients per fold (mean over folds)")
    ax.set_ylabel("pooled test ROC AUC (95 % CI)")
    ax.set_title("Label scarcity")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return _save(fig, path)


def _planes(data: np.ndarray) -> list[np.ndarray]:
    from scipy.ndimage import gaussian_filter

    centre = np.unravel_index(int(np.argmax(gaussian_filter(np.abs(data), 1.0))), data.shape)
    return [data[centre[0], :, :].T, data[:, centre[1], :].T, data[:, :, centre[2]].T]


def confident_montage(cases: pd.DataFrame, title: str, path: str | os.PathLike[str]) -> Path:
    """Three orthogonal planes through the strongest change of each case (`pair_id, prob, y_true, kind, diff_path`).

    All cases share one symmetric colour scale (99.5th percentile of |difference| over the cases).
    """
    import nibabel as nib

    volumes = [
        np.asarray(nib.as_closest_canonical(nib.load(p)).get_fdata(dtype=np.float32)) for p in cases["diff_path"]
    ]
    vmax = max(float(np.percentile(np.abs(v), 99.5)) for v in volumes) or 1.0
    fig, axes = plt.subplots(len(cases), 3, figsize=(8.5, 2.3 * len(cases) + 0.6), squeeze=False)
    fig.subplots_adjust(left=0.27, right=0.86, top=1 - 0.6 / (2.3 * len(cases) + 0.6), hspace=0.25, wspace=0.08)
    image = None
    for row_axes, case, volume in zip(axes, cases.itertuples(index=False), volumes, strict=True):
        for ax, plane, name in zip(row_axes, _planes(volume), ("sagittal", "coronal", "axial"), strict=True):
            image = ax.imshow(plane, origin="lower", cmap="RdBu_r", vmin=-vmax, vmax=vmax)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(name, fontsize=8)
        subject, _, sessions = str(case.pair_id).partition("_ses-")  # subject labels may hold "_"
        row_axes[0].text(
            -0.12,
            0.5,
            f"{case.kind}\n{subject}\nses-{sessions.replace('_vs_', ' → ')}\nP(unstable) = {case.prob:.2f}",
            transform=row_axes[0].transAxes,
            ha="right",
            va="center",
            fontsize=8,
        )
    if image is not None:
        fig.colorbar(image, cax=fig.add_axes((0.89, 0.25, 0.02, 0.5)), label="signed difference (later − earlier)")
    fig.suptitle(title)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=DPI, format="png")
    plt.close(fig)
    return Path(path)
