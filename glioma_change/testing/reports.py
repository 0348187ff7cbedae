"""Shared helpers for the report-mining tests: the hand-written report sets and a rule runner."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from glioma_change.reports.pipeline import apply_rules

DATA = Path(__file__).resolve().parents[2] / "tests" / "data"  # the hand-written sets live with the tests
HAND_WRITTEN = {"en": DATA / "reports_en.csv", "fr": DATA / "reports_fr.csv"}
HOLDOUT = {"en": DATA / "reports_holdout_en.csv", "fr": DATA / "reports_holdout_fr.csv"}


def hand_written(language: str, holdout: bool = False) -> pd.DataFrame:
    """Hand-written follow-up reports of one language with gold `global_label`, `t2_label`.

    The main sets were written before the rules; the hold-out sets after the rules were frozen, and never
    used to change them.
    """
    return pd.read_csv((HOLDOUT if holdout else HAND_WRITTEN)[language], dtype=str, keep_default_na=False)


def rule_probs(language: str, *texts: str) -> list[tuple[float, float]]:
    """(P global unstable, P T2 unstable) per text by the rules."""
    return [(r.scores.global_prob, r.scores.t2_prob) for r in apply_rules(list(texts), [language] * len(texts))]
