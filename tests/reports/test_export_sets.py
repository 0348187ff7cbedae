"""Rules-only accuracy on the export-style sets: reports written blind (the author had not seen the rules
or the lexicons) as a hospital's PDF-to-text export gives them, one line each with an invented identifying
header and footer, headings without colons, several hospital styles; hard cases on purpose (negated
recurrence, change over a longer horizon, change of non-tumour findings, enhancement-only change)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from glioma_change.reports.pipeline import apply_rules

DATA = Path(__file__).resolve().parents[1] / "data"


def export_set(language: str) -> pd.DataFrame:
    """The export-style reports of one language with gold `global_label` and `t2_label`."""
    return pd.read_csv(DATA / f"reports_export_{language}.csv", dtype=str, keep_default_na=False)


@pytest.mark.parametrize("language,minimum", [("en", 60), ("fr", 100)])
def test_export_set_is_one_line_per_report(language: str, minimum: int) -> None:
    df = export_set(language)
    assert len(df) >= minimum and df.patient_id.is_unique
    assert not df.report_text.str.contains("\n").any()
    assert (df.t2_label.astype(int) <= df.global_label.astype(int)).all()


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("key", ["global", "t2"])
def test_export_rules_auc_and_accuracy(language: str, key: str) -> None:
    """The bars of the held-out hospital exports: AUC >= 0.97 and accuracy >= 0.92, rules only."""
    df = export_set(language)
    results = apply_rules(df.report_text.tolist(), [language] * len(df))
    prob = np.array([getattr(r.scores, f"{key}_prob") for r in results])
    gold = df[f"{key}_label"].astype(int).to_numpy()
    wrong = df.patient_id[(prob >= 0.5) != gold].tolist()
    assert roc_auc_score(gold, prob) >= 0.97
    assert 1.0 - len(wrong) / len(df) >= 0.92, f"{language} {key}: wrong {wrong}"
