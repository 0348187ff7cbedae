"""Patient-wise folds: stratified outer K-fold (test) and a validation split inside each training part.

Only patients with human labels are split (test and validation are scored on human labels), with the
human pair labels as strata and patients as groups (`StratifiedGroupKFold`). Patients with weak labels
only are training patients in every fold. The validation split of a fold holds both classes whenever
the fold's training patients allow it (the validation AUC is then defined on every fold). Repeated
cross-validation reshuffles the patients into new folds per `repeat` (repeat 0 is the single CV). A fold's weak rows of validation and test patients never
train or pre-train (`fold_frames`), so nothing about those patients leaks into a model.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold

from glioma_change.seeding import derive_seed


@dataclass(frozen=True)
class Fold:
    """Patient sets (sorted tuples) of one outer fold; disjoint by construction."""

    index: int
    train_patients: tuple[str, ...]
    val_patients: tuple[str, ...]
    test_patients: tuple[str, ...]
    repeat: int = 0


VAL_ATTEMPTS = 20
"""Reshuffled candidate validation splits tried before settling for one that lacks a class."""


def _split(groups: np.ndarray, labels: np.ndarray, n_splits: int, seed: int) -> list[set[str]]:
    """Held-out patient sets of `n_splits` stratified patient-wise splits of labelled rows."""
    splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    with warnings.catch_warnings():  # few patients per class is expected here; the split stays valid
        warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
        return [set(groups[held].tolist()) for _, held in splitter.split(groups, labels, groups=groups)]


def _both_classes(labels: np.ndarray) -> bool:
    return bool((labels == 1).any() and (labels == 0).any())


def _val_split(groups: np.ndarray, labels: np.ndarray, n_splits: int, seed: int, fold: int) -> set[str]:
    """Validation patients of one training part: the first held-out part (over reshuffled splitters) whose
    rows hold both classes and leaves both classes to train on; the very first part when none can."""
    first = _split(groups, labels, n_splits, derive_seed(seed, "folds", "val", fold))
    possible = all(len(set(groups[labels == c].tolist())) >= 2 for c in (0, 1))
    for attempt in range(VAL_ATTEMPTS if possible else 0):
        reseeded = derive_seed(seed, "folds", "val", fold, attempt)
        for held in first if attempt == 0 else _split(groups, labels, n_splits, reseeded):
            inside = np.isin(groups, list(held))
            if _both_classes(labels[inside]) and _both_classes(labels[~inside]):
                return held
    return first[0]


def make_folds(df: pd.DataFrame, n_folds: int, seed: int, val_fraction: float, repeat: int = 0) -> list[Fold]:
    """`n_folds` outer folds of the human-labelled patients of a joined table (see module docstring).

    `StratifiedGroupKFold` over the human rows (labels stratified, patients as groups); the validation
    part of each training part takes about `val_fraction` of its patients (at least one), again
    stratified and patient-wise, and holds both classes when possible (`_val_split`). `repeat` r > 0
    reshuffles the patients with seeds derived from (`seed`, r); repeat 0 keeps the folds of a single
    cross-validation. Same inputs, seed and repeat, same folds.
    """
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must lie in (0, 1), got {val_fraction}")
    human = df[df["source"] == "human"].sort_values(["patient_id", "comparative_date", "exam_date"])
    groups = human["patient_id"].astype(str).to_numpy(dtype=object)
    labels = human["label"].to_numpy(dtype=int)
    patients = set(groups.tolist())
    if len(patients) < 2 * n_folds:
        raise ValueError(f"{len(patients)} human-labelled patients are too few for {n_folds} folds")
    weak_only = set(df["patient_id"].astype(str)) - patients
    folds = []
    base = seed if repeat == 0 else derive_seed(seed, "folds", "repeat", repeat)
    for k, test in enumerate(_split(groups, labels, n_folds, derive_seed(base, "folds", "outer"))):
        rest = ~np.isin(groups, list(test))
        n_rest = len(patients) - len(test)
        n_splits = max(2, min(n_rest - 1, round(1.0 / val_fraction)))
        val = _val_split(groups[rest], labels[rest], n_splits, base, k)
        train = patients - test - val
        folds.append(Fold(k, tuple(sorted(train | weak_only)), tuple(sorted(val)), tuple(sorted(test)), repeat))
    return folds


def fold_frames(df: pd.DataFrame, fold: Fold) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """`(train_human, train_weak, val, test)` rows of a joined table for one fold.

    Weak rows of the fold's validation and test patients are in none of them (never trained or
    pre-trained on); validation and test hold human rows only.
    """
    train, val, test = set(fold.train_patients), set(fold.val_patients), set(fold.test_patients)
    if train & val or train & test or val & test:
        raise ValueError(f"fold {fold.index}: a patient is in two of train/val/test")
    human = df[df["source"] == "human"]
    weak = df[df["source"] == "weak"]
    return (
        human[human["patient_id"].isin(train)],
        weak[weak["patient_id"].isin(train)],
        human[human["patient_id"].isin(val)],
        human[human["patient_id"].isin(test)],
    )
