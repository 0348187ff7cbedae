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


def human_label_row(patient_id: str, a: str, b: str, label: int) -> dict[str, object]:
    """A human label (`LABEL_COLUMNS`): the same label for the global and the T2 change, probabilities 0/1."""
    return {
        "patient_id": patient_id,
        "comparative_date": a,
        "exam_date": b,
        "global_label": label,
        "global_prob": float(label),
        "t2_label": label,
        "t2_prob": float(label),
        "source": "human",
    }


def weak_label_row(patient_id: str, a: str, b: str, prob: float) -> dict[str, object]:
    """A weak label (`LABEL_COLUMNS`) of P(unstable) `prob` for both changes, labelled at 0.5."""
    return {
        "patient_id": patient_id,
        "comparative_date": a,
        "exam_date": b,
        "global_label": int(prob >= 0.5),
        "global_prob": prob,
        "t2_label": int(prob >= 0.5),
        "t2_prob": prob,
        "source": "rules",
    }


def noisy_prob(gen: np.random.Generator, label: int) -> float:
    """A mostly right weak probability: 0.05 or 0.95 plus N(0, 0.08) noise (one draw of `gen`), in [0, 1]."""
    return float(np.clip(0.9 * label + 0.05 + gen.normal(0.0, 0.08), 0.0, 1.0))
