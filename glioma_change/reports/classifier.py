"""Trainable report classifier for sites with some labelled reports, and the 2021 anchor it is measured
against.

Per label (`global`, `t2`) the model reads

* the rule features (`scoring.FEATURE_NAMES`: evidence sums and rule scores, standardised),
* word 1–3-gram and character 2–5-gram TF-IDF over the *content words* of the report (findings and
  conclusion words, indication/technique words prefixed `i:`; no administrative span, no token with a
  digit, see `pipeline.content_tokens`), restricted to the words seen in the reports of at least `min_patients`
  different patients (`PatientVocabulary`): names, record numbers and other identifiers never enter the
  vocabulary, so a model directory carries none,

→ logistic regression, wrapped in `CalibratedClassifierCV` (Platt scaling on internal folds).

`anchor_estimator` is the 2021 method (Di Noto et al.): TF-IDF 1–3-grams of the whole report text and a
random forest of 501 trees; it is only cross-validated for the comparison table, never saved.
"""

from __future__ import annotations

import json
import logging
import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from glioma_change.errors import InputError
from glioma_change.io import atomic_path, write_text_atomic
from glioma_change.reports.pipeline import RuleResult
from glioma_change.reports.scoring import FEATURE_NAMES
from glioma_change.runinfo import versions
from glioma_change.seeding import derive_seed

log = logging.getLogger(__name__)

LABELS = ("global", "t2")
MODEL_FILE = "model.joblib"
META_FILE = "model.json"


@dataclass(frozen=True)
class ClassifierConfig:
    """Hyper-parameters of the report classifier (stored in `model.json`)."""

    ngram_max: int = 3
    char_ngrams: tuple[int, int] = (2, 5)
    min_patients: int = 3
    C: float = 1.0
    calibration: str = "sigmoid"
    calibration_folds: int = 3
    cv_folds: int = 5


class PatientVocabulary(BaseEstimator, TransformerMixin):
    """Keeps the words seen in the reports of at least `min_patients` different patients.

    Input: a frame with `tokens` (space-separated words) and `patient_id`; output: the `tokens` column with
    the other words removed. Only the kept words are stored (`vocabulary_`).
    """

    def __init__(self, min_patients: int = 3) -> None:
        self.min_patients = min_patients

    def fit(self, X: pd.DataFrame, y: Any = None) -> PatientVocabulary:
        patients: dict[str, set[str]] = defaultdict(set)
        for tokens, patient in zip(X["tokens"], X["patient_id"]):
            for word in set(tokens.split()):
                patients[word].add(patient)
        self.vocabulary_ = frozenset(w for w, p in patients.items() if len(p) >= self.min_patients)
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        keep = self.vocabulary_
        return np.array([" ".join(w for w in tokens.split() if w in keep) for tokens in X["tokens"]], dtype=object)


def build_estimator(config: ClassifierConfig, seed: int) -> CalibratedClassifierCV:
    """Rule features + patient-filtered word and character n-grams → logistic regression, calibrated."""
    words = TfidfVectorizer(
        tokenizer=str.split,
        token_pattern=None,
        lowercase=False,
        ngram_range=(1, config.ngram_max),
        sublinear_tf=True,
        min_df=2,
    )
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=config.char_ngrams, sublinear_tf=True, min_df=2)
    text = Pipeline(
        [
            ("vocabulary", PatientVocabulary(config.min_patients)),
            ("ngrams", _Union(words, chars)),
        ]
    )
    features = ColumnTransformer([("text", text, ["tokens", "patient_id"]), ("rules", StandardScaler(), FEATURE_NAMES)])
    model = Pipeline(
        [("features", features), ("logreg", LogisticRegression(C=config.C, max_iter=5000, class_weight="balanced"))]
    )
    folds = StratifiedKFold(config.calibration_folds, shuffle=True, random_state=derive_seed(seed, "calibration"))
    return CalibratedClassifierCV(model, method=config.calibration, cv=folds)


class _Union(BaseEstimator, TransformerMixin):
    """Word and character TF-IDF of the same filtered texts, side by side."""

    def __init__(self, words: TfidfVectorizer, chars: TfidfVectorizer) -> None:
        self.words = words
        self.chars = chars

    def fit(self, X: np.ndarray, y: Any = None) -> _Union:
        self.words.fit(X)
        self.chars.fit(X)
        for vectorizer in (self.words, self.chars):
            vectorizer.stop_words_ = None  # the terms cut by min_df are not kept in the model
        self.n_features_ = len(self.words.vocabulary_) + len(self.chars.vocabulary_)
        return self

    def transform(self, X: np.ndarray) -> Any:
        from scipy.sparse import hstack

        return hstack([self.words.transform(X), self.chars.transform(X)]).tocsr()


def anchor_estimator(seed: int) -> Pipeline:
    """The 2021 method: TF-IDF 1–3-grams of the report text + random forest of 501 trees."""
    return make_pipeline(
        TfidfVectorizer(ngram_range=(1, 3), sublinear_tf=True),
        RandomForestClassifier(n_estimators=501, random_state=derive_seed(seed, "anchor"), n_jobs=1),
    )


def feature_frame(results: list[RuleResult], patients: list[str] | None = None) -> pd.DataFrame:
    """The classifier's input table: one row per report (content words, patient id, rule features)."""
    frame = pd.DataFrame([r.scores.features for r in results], columns=FEATURE_NAMES)
    frame.insert(0, "patient_id", patients if patients is not None else [""] * len(results))
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
