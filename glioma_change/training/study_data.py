"""The study's data seen fold by fold: which rows train, validate, test and pre-train each fold's models.

Folds are made once (on the join with every weak row) so they do not change with the weak-label
threshold (nor with `with_human_training`, which withholds human labels of some training patients). Within a fold (`data.fold_frames`), human-labelled rows of training patients train, those of
validation patients validate and those of test patients test; weak-labelled rows train or pre-train
only when their patient is a training patient (never a validation or test patient of the fold). Maps
are loaded once into a `MapBank` on the device where models run; every fold's `Samples` are rows of
that one tensor, so caching folds × thresholds costs indices, not copies of the maps.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd
import torch

from glioma_change.data import Fold, MapBank, fold_frames, join_maps_labels, make_folds
from glioma_change.data.samples import Samples
from glioma_change.errors import InputError
from glioma_change.formats import PAIR_KEY
from glioma_change.study_config import StudyConfig
from glioma_change.transfer import pretext_pair_ids

SPLITS = ("human_train", "weak_train", "val", "test")


def split_fold(df: pd.DataFrame, fold: Fold) -> dict[str, pd.DataFrame]:
    """Rows of each split of one fold, by name (`data.fold_frames`; raises if patient sets overlap)."""
    return dict(zip(SPLITS, fold_frames(df, fold), strict=True))


def without_human_labels(rows: pd.DataFrame, patients: Collection[str], threshold: float) -> pd.DataFrame:
    """Joined rows with the human labels of `patients` withheld: their pairs keep only a confident weak label.

    As in `data.join_maps_labels`: a pair becomes a `weak` row when its weak probability is `≥ threshold`
    (label 1) or `≤ 1 − threshold` (label 0), and is dropped otherwise (or without a weak label).
    """
    withheld = rows["patient_id"].isin(set(patients)) & (rows["source"] == "human")
    confident = (rows["weak_prob"] >= threshold) | (rows["weak_prob"] <= 1.0 - threshold)  # False when NaN
    weak = rows[withheld & confident].assign(source="weak", label=lambda d: (d["weak_prob"] >= threshold).astype(int))
    return pd.concat([rows[~withheld], weak]).sort_values(PAIR_KEY, kind="stable").reset_index(drop=True)


@dataclass
class FoldData:
    """One fold's samples per split, the rows behind them, and a fingerprint of the weak rows."""

    fold: int
    human_train: Samples
    weak_train: Samples
    val: Samples
    test: Samples
    frames: dict[str, pd.DataFrame]
    fingerprint: str
    bank: MapBank
    pretext_ids: tuple[str, ...]
    """Every pair of the fold's training patients, whatever its label (self-supervised pre-training)."""
    pretext_fingerprint: str
    repeat: int = 0
    """Repeat of the outer cross-validation these folds belong to (0: the folds tuning uses)."""


class StudyData:
    """Joined labels, fixed folds and preloaded maps of one study."""

    human_keep: dict[int, frozenset[str]] | None = None
    """Per fold, the training patients whose human labels train (None: all of them)."""

    def __init__(self, config: StudyConfig, device: torch.device | str = "cpu") -> None:
        self.config = config
        self.all_rows = self.frame(0.5)
        try:
            self.folds: list[Fold] = self.repeat_folds(0)
        except ValueError as exc:
            raise InputError(str(exc), config.data.human_labels) from None
        self.bank = MapBank(self.all_rows, config.data.input_shape, config.data.channels, device)

    @lru_cache(maxsize=16)  # noqa: B019  (one StudyData per study, alive as long as its process)
    def repeat_folds(self, repeat: int) -> list[Fold]:
        """The outer folds of repeat `repeat` of the cross-validation (`self.folds` is repeat 0)."""
        f = self.config.folds
        return make_folds(self.all_rows, f.n_folds, self.config.seed, f.val_fraction, repeat)

    @lru_cache(maxsize=8)  # noqa: B019  (as above)
    def frame(self, threshold: float) -> pd.DataFrame:
        """Maps joined with human labels and the weak labels passing `threshold`."""
        d = self.config.data
        return join_maps_labels(d.manifest, d.human_labels, d.weak_labels, threshold, label=d.label)

    def samples(self, rows: pd.DataFrame, weight: float = 1.0) -> Samples:
        """The bank rows (no copy of the maps), labels and constant weights of some rows, on the bank's device."""
        device = self.bank.data.device
        y = torch.tensor(rows["label"].to_numpy(), dtype=torch.float32, device=device)
        return Samples(self.bank.data, y, torch.full_like(y, weight), self.bank.rows(list(rows["pair_id"])))

    def with_human_training(self, keep: Mapping[int, Collection[str]]) -> StudyData:
        """This study (same folds, maps, validation and test pairs) where fold `k` trains on the human labels
        of `keep[k]` only; other training patients' pairs fall back to their weak labels (`without_human_labels`)."""
        other = copy.copy(self)
        other.human_keep = {k: frozenset(v) for k, v in keep.items()}
        return other

    @lru_cache(maxsize=64)  # noqa: B019  (as above; `scarcity` clears it between subsets)
    def fold(self, index: int, threshold: float, repeat: int = 0) -> FoldData:
        """The samples of fold `index` (of repeat `repeat`) with weak labels filtered at `threshold`."""
        rows = self.frame(threshold)
        fold = (self.folds if repeat == 0 else self.repeat_folds(repeat))[index]
        if self.human_keep is not None:
            rows = without_human_labels(rows, set(fold.train_patients) - self.human_keep[index], threshold)
        frames = split_fold(rows, fold)
        weak_ids = "\n".join(sorted(frames["weak_train"]["pair_id"]))
        pretext_ids = pretext_pair_ids(self.all_rows, fold.train_patients)
        return FoldData(
            fold=index,
            **{name: self.samples(frames[name]) for name in SPLITS},
            frames=frames,
            fingerprint=hashlib.sha256(weak_ids.encode()).hexdigest()[:16],
            bank=self.bank,
            pretext_ids=tuple(pretext_ids),
            pretext_fingerprint=hashlib.sha256("\n".join(pretext_ids).encode()).hexdigest()[:16],
            repeat=repeat,
        )
