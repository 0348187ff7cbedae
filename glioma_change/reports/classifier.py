"""Trainable report classifier for sites with some labelled reports.

Per label (`global`, `t2`): word 1–2-gram TF-IDF over spaCy tokens plus the rule features
(`scoring.FEATURE_NAMES`: evidence sums and rule scores, standardised) → logistic regression, wrapped in
`CalibratedClassifierCV` (Platt scaling fitted on internal cross-validation folds). `train_model` also
measures the whole procedure by an outer stratified cross-validation (AUC, Brier score, accuracy; the
rules on the same rows for comparison) and draws a reliability plot.

`MODEL_DIR` holds `model.joblib` (the fitted estimators), `model.json` (config, versions, CV metrics),
`reliability.png`, `cv_predictions.csv` (pair key, gold labels, out-of-fold probabilities; no text) and
`run_info.json`.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV, calibration_curve
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from glioma_change import __version__
from glioma_change.errors import InputError
from glioma_change.formats import iso
from glioma_change.io import ErrorLog, atomic_path, write_csv_atomic, write_text_atomic
from glioma_change.reports.labeling import prepare_rows, rule_results
from glioma_change.reports.pipeline import RuleResult
from glioma_change.reports.reading import REQUIRED, read_reports
from glioma_change.reports.scoring import FEATURE_NAMES
from glioma_change.runinfo import versions, write_run_info
from glioma_change.seeding import derive_seed, seed_everything

log = logging.getLogger(__name__)

LABELS = ("global", "t2")
MODEL_FILE = "model.joblib"
META_FILE = "model.json"


@dataclass(frozen=True)
class ClassifierConfig:
    """Hyper-parameters of the report classifier (stored in `model.json`)."""

    ngram_max: int = 2
    C: float = 1.0
    calibration: str = "sigmoid"
    calibration_folds: int = 3
    cv_folds: int = 5


def build_estimator(config: ClassifierConfig, seed: int) -> CalibratedClassifierCV:
    """TF-IDF tokens + standardised rule features → logistic regression, calibrated by internal CV."""
    features = ColumnTransformer(
        [
            ("tokens", TfidfVectorizer(tokenizer=str.split, token_pattern=None, lowercase=False,
                                       ngram_range=(1, config.ngram_max), sublinear_tf=True), "tokens"),
            ("rules", StandardScaler(), FEATURE_NAMES),
        ]
    )
    model = Pipeline([("features", features), ("logreg", LogisticRegression(C=config.C, max_iter=5000))])
    folds = StratifiedKFold(config.calibration_folds, shuffle=True, random_state=derive_seed(seed, "calibration"))
    return CalibratedClassifierCV(model, method=config.calibration, cv=folds)


def feature_frame(results: list[RuleResult]) -> pd.DataFrame:
    """The classifier's input table: one row per report (tokens + rule features)."""
    frame = pd.DataFrame([r.scores.features for r in results], columns=FEATURE_NAMES)
    frame.insert(0, "tokens", [r.tokens for r in results])
    return frame


@dataclass
class ReportModel:
    """Fitted estimators per label plus their metadata."""

    estimators: dict[str, CalibratedClassifierCV]
    meta: dict[str, Any] = field(default_factory=dict)

    def predict(self, results: list[RuleResult]) -> tuple[np.ndarray, np.ndarray]:
        """P(unstable) for the global and the T2 label."""
        if not results:
            return np.zeros(0), np.zeros(0)
        frame = feature_frame(results)
        return tuple(self.estimators[k].predict_proba(frame)[:, 1] for k in LABELS)  # type: ignore[return-value]

    def save(self, model_dir: str | os.PathLike[str]) -> Path:
        """Write `model.joblib` and `model.json` atomically into `model_dir`."""
        directory = Path(model_dir)
        directory.mkdir(parents=True, exist_ok=True)
        with atomic_path(directory / MODEL_FILE) as tmp:
            joblib.dump(self.estimators, tmp)
        write_text_atomic(json.dumps(self.meta, indent=2, default=str), directory / META_FILE)
        return directory

    @classmethod
    def load(cls, model_dir: str | os.PathLike[str]) -> ReportModel:
        """Load a model directory written by `train_model`."""
        directory = Path(model_dir)
        for name in (MODEL_FILE, META_FILE):
            if not (directory / name).is_file():
                raise InputError(f"not a report model directory (missing {name})", directory)
        meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        trained_with = meta.get("versions", {}).get("scikit-learn")
        if trained_with and trained_with != versions().get("scikit-learn"):
            log.warning("model trained with scikit-learn %s, running %s", trained_with, versions()["scikit-learn"])
        return cls(joblib.load(directory / MODEL_FILE), meta)


def _metrics(y: np.ndarray, prob: np.ndarray) -> dict[str, float]:
    return {
        "auc": float(roc_auc_score(y, prob)),
        "brier": float(brier_score_loss(y, prob)),
        "accuracy": float(accuracy_score(y, prob >= 0.5)),
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
        brier = brier_score_loss(y[key], prob[key])
        ax.plot(predicted, observed, marker="o", label=f"{key} (Brier {brier:.3f})")
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


def _gold(rows: list, errors: ErrorLog) -> tuple[list, dict[str, np.ndarray]]:
    kept, values = [], {k: [] for k in LABELS}
    for row in rows:
        labels = {k: row.extra.get(f"{k}_label", "") for k in LABELS}
        if any(v not in ("0", "1") for v in labels.values()):
            errors.add("global_label and t2_label must be 0 or 1", row=row.row, item=row.patient_id)
            continue
        kept.append(row)
        for k in LABELS:
            values[k].append(int(labels[k]))
    return kept, {k: np.array(v) for k, v in values.items()}


def train_model(
    labelled: str | os.PathLike[str],
    model_dir: str | os.PathLike[str],
    seed: int = 0,
    config: ClassifierConfig | None = None,
    language: str = "auto",
    columns: dict[str, str] | None = None,
    lexicon_dir: str = "",
) -> dict[str, Any]:
    """Train, cross-validate and save the classifier from a labelled report CSV; return the metrics."""
    config = config or ClassifierConfig()
    seed_everything(seed)
    directory = Path(model_dir)
    errors = ErrorLog(source=str(labelled))
    rows = read_reports(labelled, errors, columns, REQUIRED + ("global_label", "t2_label"))
    rows, gold = _gold(prepare_rows(rows, errors, language, lexicon_dir), errors)
    errors.write(directory / "train.errors.csv")
    for key, y in gold.items():
        if len(y) == 0 or min(np.bincount(y, minlength=2)) < config.cv_folds:
            raise InputError(f"{key}_label needs at least {config.cv_folds} reports of each class", labelled)
    results = rule_results(rows, lexicon_dir, keep_tokens=True)
    frame = feature_frame(results)
    outer = StratifiedKFold(config.cv_folds, shuffle=True, random_state=derive_seed(seed, "outer-cv"))
    rule_prob = {"global": np.array([r.scores.global_prob for r in results]),
                 "t2": np.array([r.scores.t2_prob for r in results])}
    cv_prob, metrics, estimators = {}, {}, {}
    for key in LABELS:
        cv_prob[key] = cross_val_predict(build_estimator(config, seed), frame, gold[key], cv=outer, method="predict_proba")[:, 1]
        metrics[key] = {"model_cv": _metrics(gold[key], cv_prob[key]), "rules": _metrics(gold[key], rule_prob[key])}
        estimators[key] = build_estimator(config, seed).fit(frame, gold[key])
    meta = {
        "kind": "glioma-change report classifier",
        "glioma_change_version": __version__,
        "versions": versions(),
        "seed": seed,
        "config": config.__dict__,
        "features": ["tfidf(tokens)", *FEATURE_NAMES],
        "languages": sorted({r.language for r in rows}),
        "n_reports": len(rows),
        "class_counts": {k: np.bincount(v, minlength=2).tolist() for k, v in gold.items()},
        "cv_metrics": metrics,
    }
    ReportModel(estimators, meta).save(directory)
    reliability_plot(gold, cv_prob, directory / "reliability.png", bins=min(10, max(3, len(rows) // 15)))
    predictions = pd.DataFrame(
        {
            "patient_id": [r.patient_id for r in rows],
            "comparative_date": [iso(r.comparative_date) for r in rows],
            "exam_date": [iso(r.exam_date) for r in rows],
            **{f"{k}_label": gold[k] for k in LABELS},
            **{f"{k}_prob_cv": np.round(cv_prob[k], 6) for k in LABELS},
            **{f"{k}_prob_rules": np.round(rule_prob[k], 6) for k in LABELS},
        }
    )
    write_csv_atomic(predictions, directory / "cv_predictions.csv")
    write_run_info(directory, seed, {"command": "labels train", "n_reports": len(rows), "errors": len(errors)})
    log.info("trained report classifier on %d reports; CV metrics %s", len(rows), metrics)
    return meta
