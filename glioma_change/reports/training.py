"""`labels train`: fit the report classifier on labelled reports and measure it against the rules and the
2021 anchor (TF-IDF 1–3-grams + random forest, 501 trees) by patient-grouped cross-validation.

The outer folds (`StratifiedGroupKFold`) never put one patient's reports on both sides. The table (AUC,
accuracy, Brier per label and method) is stored in `model.json` (`cv_metrics`) and printed by the
command. Gold labels may be written `0`/`1` or as words (`stable`, `unstable`, `instable`, `progression`
...; `LABEL_WORDS`).

`MODEL_DIR` holds `model.joblib` (the fitted estimators), `model.json` (config, versions, CV table),
`reliability.png`, `cv_predictions.csv` (pair key, gold labels, out-of-fold probabilities; no text),
`train.errors.csv` and `run_info.json`.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.calibration import calibration_curve
from sklearn.metrics import accuracy_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold

from glioma_change import __version__
from glioma_change.errors import InputError
from glioma_change.formats import iso
from glioma_change.io import ErrorLog, atomic_path, write_csv_atomic
from glioma_change.progress import progress
from glioma_change.reports.classifier import (
    LABELS,
    ClassifierConfig,
    ReportModel,
    anchor_estimator,
    build_estimator,
    feature_frame,
)
from glioma_change.reports.prepare import prepare_rows, rule_results
from glioma_change.reports.reading import REQUIRED, ReportRow, commonest_reason, read_reports
from glioma_change.reports.scoring import FEATURE_NAMES
from glioma_change.runinfo import versions, write_run_info
from glioma_change.seeding import derive_seed, seed_everything

log = logging.getLogger(__name__)

METHODS = ("model", "rules", "tfidf_rf_2021")
LABEL_WORDS = {
    **dict.fromkeys(
        (
            "0",
            "0.0",
            "stable",
            "stabilité",
            "stability",
            "no change",
            "unchanged",
            "inchangé",
            "false",
            "non",
            "no",
            "negative",
        ),
        0,
    ),
    **dict.fromkeys(
        (
            "1",
            "1.0",
            "unstable",
            "instable",
            "instabilité",
            "progression",
            "progressive",
            "change",
            "changed",
            "évolution",
            "évolutif",
            "true",
            "oui",
            "yes",
            "positive",
            "récidive",
            "recurrence",
            # unstable is a change in either direction: a regression or response is a change
            "regression",
            "régression",
            "response",
            "réponse",
            "decrease",
            "diminution",
            "increase",
            "augmentation",
        ),
        1,
    ),
}


def gold_labels(rows: list[ReportRow], errors: ErrorLog) -> tuple[list[ReportRow], dict[str, np.ndarray], Counter[str]]:
    """Rows whose two gold labels read as 0/1 (digits or `LABEL_WORDS`), their labels, and the values that
    could not be read (`t2_label='maybe'` → count); those rows are logged with the values found."""
    kept: list[ReportRow] = []
    values: dict[str, list[int]] = {k: [] for k in LABELS}
    unread: Counter[str] = Counter()
    for row in rows:
        raw = {k: row.extra.get(f"{k}_label", "").strip() for k in LABELS}
        parsed = {k: LABEL_WORDS.get(v.lower()) for k, v in raw.items()}
        bad = {k: raw[k] for k in LABELS if parsed[k] is None}
        if bad:
            found = ", ".join(f"{k}_label={v!r}" for k, v in bad.items())
            unread.update(f"{k}_label={v!r}" for k, v in bad.items())
            errors.add(f"labels must be 0/1 or stable/unstable words; found {found}", row=row.row, item=row.patient_id)
            continue
        kept.append(row)
        for k, value in parsed.items():
            assert value is not None  # a row with an unread label was skipped above
            values[k].append(value)
    return kept, {k: np.array(v, dtype=int) for k, v in values.items()}, unread


def _metrics(y: np.ndarray, prob: np.ndarray) -> dict[str, float]:
    return {
        "auc": float(roc_auc_score(y, prob)),
        "accuracy": float(accuracy_score(y, prob >= 0.5)),
        "brier": float(brier_score_loss(y, prob)),
    }


def reliability_plot(y: dict[str, np.ndarray], prob: dict[str, np.ndarray], path: Path, bins: int) -> Path:
    """Reliability diagram (observed frequency against mean predicted probability) per label."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1, label="perfect calibration")
    for key in y:
        observed, predicted = calibration_curve(y[key], prob[key], n_bins=bins, strategy="quantile")
        ax.plot(predicted, observed, marker="o", label=f"{key} (Brier {brier_score_loss(y[key], prob[key]):.3f})")
    ax.set_xlabel("predicted P(unstable), out of fold")
    ax.set_ylabel("observed fraction unstable")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=120)
    plt.close(fig)
    return path


def cross_validate(
    frame: pd.DataFrame, texts: list[str], gold: dict[str, np.ndarray], config: ClassifierConfig, seed: int
) -> dict[str, dict[str, np.ndarray]]:
    """Out-of-fold P(unstable) per label and method (`model`, `tfidf_rf_2021`), folds grouped by patient."""
    groups = frame["patient_id"].to_numpy()
    out: dict[str, dict[str, np.ndarray]] = {}
    for key in LABELS:
        y = gold[key]
        folds = StratifiedGroupKFold(config.cv_folds, shuffle=True, random_state=derive_seed(seed, "outer-cv", key))
        model, anchor = np.zeros(len(y)), np.zeros(len(y))
        text_array = np.array(texts, dtype=object)
        for train, test in progress(list(folds.split(frame, y, groups)), desc=f"cv ({key})", unit="fold"):
            model[test] = (
                build_estimator(config, seed).fit(frame.iloc[train], y[train]).predict_proba(frame.iloc[test])[:, 1]
            )
            anchor[test] = anchor_estimator(seed).fit(text_array[train], y[train]).predict_proba(text_array[test])[:, 1]
        out[key] = {"model": model, "tfidf_rf_2021": anchor}
    return out


def format_table(metrics: dict[str, dict[str, dict[str, float]]]) -> str:
    """The CV table: one line per label and method (AUC, accuracy, Brier)."""
    lines = [f"{'label':<7}{'method':<16}{'AUC':>7}{'accuracy':>10}{'Brier':>8}"]
    for key, methods in metrics.items():
        for method, m in methods.items():
            lines.append(f"{key:<7}{method:<16}{m['auc']:>7.3f}{m['accuracy']:>10.3f}{m['brier']:>8.3f}")
    return "\n".join(lines)


def train_model(
    labelled: str | os.PathLike[str],
    model_dir: str | os.PathLike[str],
    seed: int = 0,
    config: ClassifierConfig | None = None,
    language: str = "auto",
    columns: dict[str, str] | None = None,
    lexicon_dir: str = "",
    encoding: str | None = None,
    date_order: str = "DMY",
) -> dict[str, Any]:
    """Train, cross-validate (by patient) and save the classifier from a labelled report CSV; return its
    metadata (with the CV table under `cv_metrics`)."""
    config = config or ClassifierConfig()
    seed_everything(seed)
    directory = Path(model_dir)
    errors = ErrorLog(source=str(labelled))
    rows = read_reports(
        labelled, errors, columns, REQUIRED + ("global_label", "t2_label"), encoding=encoding, date_order=date_order
    )
    rows, gold, unread = gold_labels(prepare_rows(rows, errors, language, lexicon_dir), errors)
    errors.write(directory / "train.errors.csv")
    patients = [r.patient_id for r in rows]
    for key, y in gold.items():
        counts = np.bincount(y, minlength=2) if len(y) else np.zeros(2, int)
        n_patients = [len({p for p, v in zip(patients, y) if v == c}) for c in (0, 1)]
        if min(counts) < config.cv_folds or min(n_patients) < 2:
            reason = commonest_reason(errors)
            hint = f"; commonest row error: {reason}" if reason else ""
            if unread:
                values = ", ".join(f"{v} ({n} rows)" for v, n in unread.most_common(5))
                hint += f"; label values not understood: {values} (use 0/1 or stable/unstable)"
            raise InputError(
                f"{key}_label needs at least {config.cv_folds} reports of each class from 2+ patients "
                f"(found {counts.tolist()} of classes 0/1){hint}",
                labelled,
            )
    results = rule_results(rows, lexicon_dir, keep_tokens=True)
    frame = feature_frame(results, patients)
    rule_prob = {
        "global": np.array([r.scores.global_prob for r in results]),
        "t2": np.array([r.scores.t2_prob for r in results]),
    }
    cv_prob = cross_validate(frame, [r.text for r in rows], gold, config, seed)
    metrics = {
        key: {
            "model": _metrics(gold[key], cv_prob[key]["model"]),
            "rules": _metrics(gold[key], rule_prob[key]),
            "tfidf_rf_2021": _metrics(gold[key], cv_prob[key]["tfidf_rf_2021"]),
        }
        for key in LABELS
    }
    estimators = {key: build_estimator(config, seed).fit(frame, gold[key]) for key in LABELS}
    meta = {
        "kind": "glioma-change report classifier",
        "glioma_change_version": __version__,
        "versions": versions(),
        "seed": seed,
        "config": {**config.__dict__, "char_ngrams": list(config.char_ngrams)},
        "features": ["tfidf(content words, 1-3-grams)", "tfidf(chars 2-5)", *FEATURE_NAMES],
        "cv": f"StratifiedGroupKFold({config.cv_folds}) by patient",
        "languages": sorted({r.language for r in rows}),
        "n_reports": len(rows),
        "n_patients": len(set(patients)),
        "class_counts": {k: np.bincount(v, minlength=2).tolist() for k, v in gold.items()},
        "cv_metrics": metrics,
    }
    ReportModel(estimators, meta).save(directory)
    model_prob = {k: cv_prob[k]["model"] for k in LABELS}
    reliability_plot(gold, model_prob, directory / "reliability.png", bins=min(10, max(3, len(rows) // 15)))
    predictions = pd.DataFrame(
        {
            "patient_id": patients,
            "comparative_date": [iso(r.comparative_date) if r.comparative_date else "" for r in rows],
            "exam_date": [iso(r.exam_date) for r in rows],
            **{f"{k}_label": gold[k] for k in LABELS},
            **{f"{k}_prob_cv": np.round(cv_prob[k]["model"], 6) for k in LABELS},
            **{f"{k}_prob_rules": np.round(rule_prob[k], 6) for k in LABELS},
            **{f"{k}_prob_tfidf_rf_2021": np.round(cv_prob[k]["tfidf_rf_2021"], 6) for k in LABELS},
        }
    )
    write_csv_atomic(predictions, directory / "cv_predictions.csv")
    write_run_info(directory, seed, {"command": "labels train", "n_reports": len(rows), "errors": len(errors)})
    log.info("trained report classifier on %d reports of %d patients", len(rows), len(set(patients)))
    return meta
