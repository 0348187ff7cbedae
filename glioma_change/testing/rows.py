"""Rows of the manifest and label tables that the fake studies (tests, benchmarks) write, built in one place."""

from __future__ import annotations

import numpy as np

from glioma_change.formats import pair_id


def manifest_row(patient_id: str, a: str, b: str, diff_path: str, absdiff_path: str = "") -> dict[str, object]:
    """A `manifest.csv` row of a pair (ISO dates `a` → `b`) whose maps were built (`status` ok, no QC PNG)."""
    return {
        "patient_id": patient_id,
        "comparative_date": a,
        "exam_date": b,
        "pair_id": pair_id(patient_id, a, b),
        "diff_path": diff_path,
        "absdiff_path": absdiff_path,
        "qc_path": "",
        "status": "ok",
        "error": "",
    }


def label_row(patient_id: str, a: str, b: str, label: int, prob: float, source: str) -> dict[str, object]:
    """A row of `LABEL_COLUMNS`: the same label and P(unstable) for the global and the T2 change."""
    return {
        "patient_id": patient_id,
        "comparative_date": a,
        "exam_date": b,
        "global_label": label,
        "global_prob": prob,
        "t2_label": label,
        "t2_prob": prob,
        "source": source,
    }


def human_label_row(patient_id: str, a: str, b: str, label: int) -> dict[str, object]:
    """A human label: probabilities 0/1."""
    return label_row(patient_id, a, b, label, float(label), "human")


def weak_label_row(patient_id: str, a: str, b: str, prob: float) -> dict[str, object]:
    """A weak label of P(unstable) `prob`, labelled at 0.5."""
    return label_row(patient_id, a, b, int(prob >= 0.5), prob, "rules")


def noisy_prob(gen: np.random.Generator, label: int) -> float:
    """A mostly right weak probability: 0.05 or 0.95 plus N(0, 0.08) noise (one draw of `gen`), in [0, 1]."""
    return float(np.clip(0.9 * label + 0.05 + gen.normal(0.0, 0.08), 0.0, 1.0))
